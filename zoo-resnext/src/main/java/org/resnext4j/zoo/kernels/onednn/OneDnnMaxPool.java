package org.resnext4j.zoo.kernels.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_max;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.check;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.md;

import java.util.Map;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.zoo.kernels.MaxPoolKernel;
import org.resnext4j.zoo.kernels.PoolGeometry;

/**
 * {@link MaxPoolKernel} on oneDNN (FLOAT, ND4J's CPU backend). oneDNN's vectorised pooling works on its channel-blocked
 * layout, so the input is reordered to it and the result back to {@code nchw} (its {@code nchw} pooling is a scalar
 * loop); the training pass keeps oneDNN's workspace (each window's winner) for the backward pass, which then does not
 * read the input. Replaces DL4J's SubsamplingLayer in the FUSED graphs: 55 ms of a 1.1 s ResNeXt-50 training step at
 * batch 32 @ 64 with DL4J's oneDNN helper, against a few here.
 */
final class OneDnnMaxPool implements MaxPoolKernel {

    private final OneDnn dnn;
    private final ThreadLocal<Map<Key, Plan>> plans = OneDnn.planCache(Plan::close);

    private record Key(PoolGeometry g, boolean blockedInput) {}

    OneDnnMaxPool(OneDnn dnn) {
        this.dnn = dnn;
    }

    private Plan plan(PoolGeometry g, boolean blockedInput) {
        return plans.get().computeIfAbsent(new Key(g, blockedInput), k -> new Plan(dnn, g, blockedInput));
    }

    @Override
    public int channelBlock() {
        return OneDnn.channelBlock();
    }

    @Override
    public String name() {
        return "onednn";
    }

    @Override
    public long savedLength(PoolGeometry g) {
        return plan(g, false).wsFloats;
    }

    @Override
    public void forwardTraining(PoolGeometry g, boolean blockedInput, INDArray x, INDArray y, INDArray saved) {
        plan(g, blockedInput).forward(true, x, y, saved, dnn.stream());
    }

    @Override
    public void forwardInference(PoolGeometry g, boolean blockedInput, INDArray x, INDArray y) {
        plan(g, blockedInput).forward(false, x, y, null, dnn.stream());
    }

    @Override
    public void backward(PoolGeometry g, boolean blockedInput, INDArray x, INDArray saved, INDArray dy, INDArray dx) {
        plan(g, blockedInput).backward(saved, dy, dx, dnn.stream());
    }

    /** The pooling primitives of one geometry and input layout ({@link OneDnnPool}), with their ports. */
    private static final class Plan {
        final OneDnnNatives natives;
        final OneDnnPool pool;
        final OneDnnPort src;
        final OneDnnPort dst;
        final OneDnnPort diffDst;
        final OneDnnPort diffSrc;
        final dnnl_memory ws;
        final long wsFloats;

        Plan(OneDnn dnn, PoolGeometry g, boolean blockedInput) {
            natives = new OneDnnNatives(dnn);
            long[] in = g.inputShape();
            long[] out = g.outputShape();
            int block = OneDnn.channelBlock();
            boolean blocked = g.c() % block == 0;
            dnnl_memory_desc_t srcMd = md(in, OneDnn.layoutTag(blocked));
            dnnl_memory_desc_t dstMd = md(out, OneDnn.layoutTag(blocked));
            pool = new OneDnnPool(natives, g, dnnl_pooling_max, srcMd, dstMd, true);
            wsFloats = (dnnl_memory_desc_get_size(pool.workspaceMd) + 3) / 4;
            ws = natives.memory(pool.workspaceMd);
            dnnl_memory_desc_t userIn = md(in, OneDnn.layoutTag(blockedInput));
            dnnl_memory_desc_t nchwOut = md(out, OneDnn.layoutTag(false));
            // the convolutions' scratch roles: a pooling call never overlaps a convolution call
            src = new OneDnnPort(natives, OneDnn.Scratch.CONV_SRC, DNNL_ARG_SRC, userIn, srcMd);
            dst = new OneDnnPort(natives, OneDnn.Scratch.CONV_DST, DNNL_ARG_DST, nchwOut, dstMd);
            diffDst = new OneDnnPort(natives, OneDnn.Scratch.CONV_DST, DNNL_ARG_DIFF_DST, nchwOut, dstMd);
            diffSrc = new OneDnnPort(natives, OneDnn.Scratch.CONV_SRC, DNNL_ARG_DIFF_SRC, userIn, srcMd);
        }

        private void bindWorkspace(INDArray saved) {
            if (saved == null || saved.rank() != 1 || saved.length() < wsFloats) {
                throw new IllegalArgumentException("saved buffer: expected a vector of " + wsFloats + " elements, got "
                        + (saved == null ? "none" : saved.shapeInfoToString()));
            }
            OneDnnNatives.bind(ws, OneDnn.pointer(saved, "saved"));
        }

        void forward(boolean training, INDArray x, INDArray y, INDArray saved, dnnl_stream s) {
            dnnl_memory in = src.bindInput(OneDnn.pointer(x, "x"), s);
            dnnl_memory out = dst.bindOutput(OneDnn.pointer(y, "y"));
            if (training) {
                bindWorkspace(saved);
                OneDnn.execute(pool.train, s, DNNL_ARG_SRC, in, DNNL_ARG_DST, out, DNNL_ARG_WORKSPACE, ws);
            } else {
                OneDnn.execute(pool.infer, s, DNNL_ARG_SRC, in, DNNL_ARG_DST, out);
            }
            dst.finishOutput(s);
            check(dnnl_stream_wait(s), "stream_wait");
        }

        void backward(INDArray saved, INDArray dy, INDArray dx, dnnl_stream s) {
            bindWorkspace(saved);
            dnnl_memory in = diffDst.bindInput(OneDnn.pointer(dy, "dy"), s);
            dnnl_memory out = diffSrc.bindOutput(OneDnn.pointer(dx, "dx"));
            OneDnn.execute(pool.backward, s, DNNL_ARG_DIFF_DST, in, DNNL_ARG_WORKSPACE, ws, DNNL_ARG_DIFF_SRC, out);
            diffSrc.finishOutput(s);
            check(dnnl_stream_wait(s), "stream_wait");
        }

        void close() {
            natives.close();
        }
    }
}
