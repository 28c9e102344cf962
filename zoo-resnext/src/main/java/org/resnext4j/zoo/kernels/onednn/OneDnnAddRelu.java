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
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu_use_dst_for_bwd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_eltwise;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_post_ops;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.check;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.md;

import java.util.Map;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;
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
        return plans.get().computeIfAbsent(length, n -> new Plan(dnn.engine, n));
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
        final dnnl_primitive add = new dnnl_primitive();
        final dnnl_primitive reluBackward = new dnnl_primitive();
        final dnnl_memory src0 = new dnnl_memory();
        final dnnl_memory src1 = new dnnl_memory();
        final dnnl_memory dst = new dnnl_memory();

        Plan(dnnl_engine engine, long length) {
            dnnl_memory_desc_t v = md(new long[] {length}, dnnl_x);
            dnnl_post_ops ops = new dnnl_post_ops();
            check(dnnl_post_ops_create(ops), "post_ops_create");
            check(dnnl_post_ops_append_eltwise(ops, 1f, dnnl_eltwise_relu, 0f, 0f), "post_ops_append_eltwise");
            dnnl_primitive_attr attr = new dnnl_primitive_attr();
            check(dnnl_primitive_attr_create(attr), "primitive_attr_create");
            check(dnnl_primitive_attr_set_post_ops(attr, ops), "primitive_attr_set_post_ops");
            dnnl_binary_desc_t bd = new dnnl_binary_desc_t();
            check(dnnl_binary_desc_init(bd, dnnl_binary_add, v, v, v), "binary_desc_init");
            dnnl_primitive_desc addPd = new dnnl_primitive_desc();
            check(dnnl_primitive_desc_create(addPd, new const_dnnl_op_desc_t(bd), attr, engine, null), "binary_pd");
            check(dnnl_primitive_create(add, addPd), "primitive_create");

            dnnl_eltwise_desc_t fd = new dnnl_eltwise_desc_t();
            check(
                    dnnl_eltwise_forward_desc_init(
                            fd, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd, v, 0f, 0f),
                    "eltwise_forward_desc_init");
            dnnl_primitive_desc hint = new dnnl_primitive_desc();
            check(dnnl_primitive_desc_create(hint, new const_dnnl_op_desc_t(fd), null, engine, null), "eltwise_pd");
            dnnl_eltwise_desc_t bwd = new dnnl_eltwise_desc_t();
            check(
                    dnnl_eltwise_backward_desc_init(bwd, dnnl_eltwise_relu_use_dst_for_bwd, v, v, 0f, 0f),
                    "eltwise_backward_desc_init");
            dnnl_primitive_desc bwdPd = new dnnl_primitive_desc();
            check(
                    dnnl_primitive_desc_create(bwdPd, new const_dnnl_op_desc_t(bwd), null, engine, hint),
                    "eltwise_bwd_pd");
            check(dnnl_primitive_create(reluBackward, bwdPd), "primitive_create");
            for (dnnl_memory m : new dnnl_memory[] {src0, src1, dst}) {
                check(dnnl_memory_create(m, v, engine, (Pointer) null), "memory_create");
            }
            dnnl_primitive_desc_destroy(addPd);
            dnnl_primitive_desc_destroy(hint);
            dnnl_primitive_desc_destroy(bwdPd);
            dnnl_primitive_attr_destroy(attr);
            dnnl_post_ops_destroy(ops);
        }

        void bind(dnnl_memory m, INDArray a, String what) {
            check(dnnl_memory_set_data_handle(m, OneDnn.pointer(a, what)), "set_data_handle");
        }

        void close() {
            dnnl_primitive_destroy(add);
            dnnl_primitive_destroy(reluBackward);
            dnnl_memory_destroy(src0);
            dnnl_memory_destroy(src1);
            dnnl_memory_destroy(dst);
        }
    }
}
