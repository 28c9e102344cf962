package org.resnext4j.zoo.kernels.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_0;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC_1;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_add;
import static org.bytedeco.dnnl.global.dnnl.dnnl_binary_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu_use_dst_for_bwd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.check;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.md;

import java.util.Map;
import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.zoo.kernels.AddReluKernel;

/**
 * The residual sum and ReLU of {@code ResidualAddRelu} on oneDNN (FLOAT, contiguous arrays of any shape, treated as
 * vectors): forward {@code y = relu(a + b)} in one pass (binary add with a ReLU post-op), backward
 * {@code g = dy * (y > 0)} in one pass (ReLU backward from its output).
 */
final class OneDnnAddRelu implements AddReluKernel {

    private final OneDnn dnn;
    private final ThreadLocal<Map<Long, Plan>> plans = OneDnn.planCache(Plan::close);

    OneDnnAddRelu(OneDnn dnn) {
        this.dnn = dnn;
    }

    private Plan plan(long length) {
        return plans.get().computeIfAbsent(length, n -> new Plan(dnn, n));
    }

    @Override
    public String name() {
        return "onednn";
    }

    @Override
    public void forward(INDArray a, INDArray b, INDArray y) {
        Plan p = plan(y.length());
        p.bind(p.src0, a, "a");
        p.bind(p.src1, b, "b");
        p.bind(p.dst, y, "y");
        dnnl_stream s = dnn.stream();
        OneDnn.execute(p.add, s, DNNL_ARG_SRC_0, p.src0, DNNL_ARG_SRC_1, p.src1, DNNL_ARG_DST, p.dst);
        check(dnnl_stream_wait(s), "stream_wait");
    }

    @Override
    public void backward(INDArray y, INDArray dy, INDArray g) {
        Plan p = plan(y.length());
        p.bind(p.dst, y, "y");
        p.bind(p.src0, dy, "dy");
        p.bind(p.src1, g, "g");
        dnnl_stream s = dnn.stream();
        OneDnn.execute(p.reluBackward, s, DNNL_ARG_DST, p.dst, DNNL_ARG_DIFF_DST, p.src0, DNNL_ARG_DIFF_SRC, p.src1);
        check(dnnl_stream_wait(s), "stream_wait");
    }

    private static final class Plan {
        final OneDnnNatives natives;
        final dnnl_primitive add;
        final dnnl_primitive reluBackward;
        final dnnl_memory src0;
        final dnnl_memory src1;
        final dnnl_memory dst;

        Plan(OneDnn dnn, long length) {
            natives = new OneDnnNatives(dnn);
            dnnl_memory_desc_t v = md(new long[] {length}, dnnl_x);
            dnnl_binary_desc_t bd = new dnnl_binary_desc_t();
            check(dnnl_binary_desc_init(bd, dnnl_binary_add, v, v, v), "binary_desc_init");
            add = natives.primitive(natives.pd(bd, new OneDnnNatives.Attr().relu(), null, "binary_pd"));

            dnnl_eltwise_desc_t fd = new dnnl_eltwise_desc_t();
            check(
                    dnnl_eltwise_forward_desc_init(
                            fd, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd, v, 0f, 0f),
                    "eltwise_forward_desc_init");
            dnnl_primitive_desc hint = natives.pd(fd, null, null, "eltwise_pd");
            dnnl_eltwise_desc_t bwd = new dnnl_eltwise_desc_t();
            check(
                    dnnl_eltwise_backward_desc_init(bwd, dnnl_eltwise_relu_use_dst_for_bwd, v, v, 0f, 0f),
                    "eltwise_backward_desc_init");
            reluBackward = natives.primitive(natives.pd(bwd, null, hint, "eltwise_bwd_pd"));
            src0 = natives.memory(v);
            src1 = natives.memory(v);
            dst = natives.memory(v);
        }

        void bind(dnnl_memory m, INDArray a, String what) {
            OneDnnNatives.bind(m, OneDnn.pointer(a, what));
        }

        void close() {
            natives.close();
        }
    }
}
