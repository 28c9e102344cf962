package org.resnext4j.zoo.kernels.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_backward;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_batch_normalization_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_fuse_norm_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw16c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw8c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_workspace_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_global_stats;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_scaleshift;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.check;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.md;

import java.util.Map;
import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.resnext4j.zoo.kernels.ConvGeometry;
import org.resnext4j.zoo.kernels.ConvNormKernel;
import org.resnext4j.zoo.kernels.ConvNormOp;

/**
 * {@link ConvNormKernel} on oneDNN (FLOAT, ND4J's CPU backend). The convolution writes its output in oneDNN's own
 * (blocked) layout, batch normalization (with the ReLU fused, {@code dnnl_fuse_norm_relu}) reads and writes that layout,
 * and only the block's result is reordered to DL4J's {@code nchw} (not at all when the call's output is blocked,
 * {@link ConvNormOp#blockedOutput()}). Backward mirrors it: the incoming gradient is
 * reordered once, and the normalization's input gradient feeds both convolution backward passes in the blocked layout.
 * Against a convolution layer followed by batch-norm and ReLU layers this saves two reorders and two full passes over
 * the activations per block, and the blocked batch norm is oneDNN's vectorised one (its {@code nchw} kernel is 3-7x
 * slower). The saved buffer holds the convolution output and, with ReLU, oneDNN's ReLU workspace.
 */
final class OneDnnConvNorm implements ConvNormKernel {

    private final OneDnn dnn;
    private final ThreadLocal<Map<ConvNormOp, Plan>> plans = OneDnn.planCache(Plan::close);

    OneDnnConvNorm(OneDnn dnn) {
        this.dnn = dnn;
    }

    @Override
    public String name() {
        return "onednn";
    }

    private Plan plan(ConvNormOp op) {
        return plans.get().computeIfAbsent(op, k -> new Plan(dnn, op));
    }

    @Override
    public long savedLength(ConvNormOp op) {
        Plan p = plan(op);
        return p.zFloats + p.wsFloats;
    }

    @Override
    public int channelBlock() {
        return OneDnn.channelBlock();
    }

    @Override
    public void forwardTraining(ConvNormOp op, Inputs in, INDArray y, Saved saved) {
        plan(op).forward(true, in, saved.batchMean(), saved.batchVar(), y, saved.buffer(), dnn.stream());
    }

    @Override
    public void forwardInference(ConvNormOp op, Inputs in, INDArray mean, INDArray var, INDArray y) {
        plan(op).forward(false, in, mean, var, y, null, dnn.stream());
    }

    @Override
    public void backward(ConvNormOp op, Inputs in, Saved saved, INDArray dy, Gradients out) {
        plan(op).backward(in, saved, dy, out, dnn.stream());
    }

    /** The primitives of one geometry, ReLU choice and epsilon, with their memories (handles set per call). */
    private static final class Plan {
        final OneDnnConvPlan conv;
        final long zFloats;
        final long wsFloats;
        final boolean relu;
        final dnnl_primitive train;
        final dnnl_primitive infer;
        final dnnl_primitive bwd;
        final OneDnnPort dst;
        final OneDnnPort diffDst;
        final dnnl_memory z;
        final dnnl_memory ws;
        final dnnl_memory mean;
        final dnnl_memory var;
        final dnnl_memory scaleShift;
        final dnnl_memory diffZ;
        final dnnl_memory diffScaleShift;
        final long channels;
        final FloatPointer ss;
        final FloatPointer dss;
        final OneDnn dnn;
        final OneDnnNatives natives;

        Plan(OneDnn dnn, ConvNormOp op) {
            this.dnn = dnn;
            ConvGeometry g = op.g();
            boolean relu = op.relu();
            float eps = op.eps();
            this.relu = relu;
            natives = new OneDnnNatives(dnn);
            conv = OneDnnConvPlan.training(
                    natives, g, OneDnn.layoutTag(op.blockedInput()), prim -> normLayout(prim, g.outputShape()));
            dnnl_memory_desc_t zMd = conv.dstMd();
            long c = g.outChannels();
            int flags = dnnl_use_scaleshift | (relu ? dnnl_fuse_norm_relu : 0);
            dnnl_primitive_desc trainPd = bnForward(zMd, dnnl_forward_training, flags, eps);
            dnnl_primitive_desc inferPd = bnForward(zMd, dnnl_forward_inference, flags | dnnl_use_global_stats, eps);
            dnnl_batch_normalization_desc_t bd = new dnnl_batch_normalization_desc_t();
            check(dnnl_batch_normalization_backward_desc_init(bd, dnnl_backward, zMd, zMd, eps, flags), "bn_bwd_desc");
            train = natives.primitive(trainPd);
            infer = natives.primitive(inferPd);
            bwd = natives.primitive(natives.pd(bd, null, trainPd, "bn_bwd_pd"));

            long zBytes = dnnl_memory_desc_get_size(zMd);
            zFloats = (zBytes + 3) / 4;
            dnnl_memory_desc_t wsMd = relu ? OneDnnNatives.query(trainPd, dnnl_query_workspace_md) : null;
            wsFloats = relu ? (dnnl_memory_desc_get_size(wsMd) + 3) / 4 : 0;
            dnnl_memory_desc_t yMd = md(g.outputShape(), OneDnn.layoutTag(op.blockedOutput()));
            dst = new OneDnnPort(natives, OneDnn.Scratch.NORM_DST, DNNL_ARG_DST, yMd, zMd);
            diffDst = new OneDnnPort(natives, OneDnn.Scratch.NORM_DIFF_DST, DNNL_ARG_DIFF_DST, yMd, zMd);
            dnnl_memory_desc_t statMd = md(new long[] {c}, dnnl_x);
            dnnl_memory_desc_t ssMd = md(new long[] {2, c}, dnnl_nc);
            z = natives.memory(zMd);
            ws = relu ? natives.memory(wsMd) : null;
            mean = natives.memory(statMd);
            var = natives.memory(statMd);
            scaleShift = natives.memory(ssMd);
            diffZ = natives.memory(zMd);
            diffScaleShift = natives.memory(ssMd);
            channels = c;
            ss = new FloatPointer(2 * c);
            dss = new FloatPointer(2 * c);
            natives.onClose(ss::close);
            natives.onClose(dss::close);
        }

        /**
         * Where the batch norm works: the convolution's own output layout when it is a channel-blocked one oneDNN has a
         * vectorised batch norm for ({@code nChw16c}, {@code nChw8c}), else the machine's native block
         * ({@link OneDnn#channelBlock()}) when the channels divide by it, else {@code nchw}. A grouped conv with 4
         * channels per group writes {@code nChw4c} on AVX-512 and {@code nchw} on AVX2 (its GEMM implementation), where
         * oneDNN's batch norm runs its plain loops: 7 ms a call forward at batch 32 @ 64 on AVX2 against under 2 ms
         * for a reorder plus the blocked kernel.
         */
        private static dnnl_memory_desc_t normLayout(dnnl_memory_desc_t prim, long[] shape) {
            for (int tag : new int[] {dnnl_nChw16c, dnnl_nChw8c}) {
                if (dnnl_memory_desc_equal(prim, md(shape, tag)) != 0) {
                    return prim;
                }
            }
            int block = OneDnn.channelBlock();
            if (shape[1] % block == 0) {
                return md(shape, block == 16 ? dnnl_nChw16c : dnnl_nChw8c);
            }
            return md(shape, shape[1] % 8 == 0 ? dnnl_nChw8c : dnnl_nchw);
        }

        private dnnl_primitive_desc bnForward(dnnl_memory_desc_t zMd, int prop, int flags, float eps) {
            dnnl_batch_normalization_desc_t d = new dnnl_batch_normalization_desc_t();
            check(dnnl_batch_normalization_forward_desc_init(d, prop, zMd, eps, flags), "bn_fwd_desc");
            return natives.pd(d, null, null, "bn_fwd_pd");
        }

        private static void bind(dnnl_memory m, Pointer p) {
            OneDnnNatives.bind(m, p);
        }

        /**
         * oneDNN's {@code [2, C]} scale-shift: the layer's own parameters when {@code beta} directly follows
         * {@code gamma} in memory (as in {@code Conv2dNormActivationParamInitializer}'s layout), else a copy.
         */
        private void bindScaleShift(INDArray gamma, INDArray beta) {
            Pointer direct = adjacentOrNull(gamma, beta, "gamma", "beta");
            if (direct == null) {
                ss.position(0).put(gamma.toFloatVector());
                ss.position(channels).put(beta.toFloatVector());
                direct = ss.position(0);
            }
            bind(scaleShift, direct);
        }

        /** {@code a}'s buffer when {@code b}'s starts right after it, else null. */
        private Pointer adjacentOrNull(INDArray a, INDArray b, String aName, String bName) {
            Pointer pa = OneDnn.pointer(a, aName);
            Pointer pb = OneDnn.pointer(b, bName);
            return pa.position() == 0 && pb.position() == 0 && pb.address() == pa.address() + 4L * channels ? pa : null;
        }

        /** Binds the saved buffer's convolution-output part, and (with ReLU) the workspace part; returns the former. */
        private Pointer bindSaved(INDArray saved) {
            if (saved.rank() != 1 || saved.length() < zFloats + wsFloats) {
                throw new IllegalArgumentException("saved buffer: expected a vector of " + (zFloats + wsFloats)
                        + " elements, got " + saved.shapeInfoToString());
            }
            Pointer zData = OneDnn.pointer(saved, "saved");
            bind(z, zData);
            if (relu) {
                bind(ws, OneDnn.pointer(saved.get(NDArrayIndex.interval(zFloats, zFloats + wsFloats)), "workspace"));
            }
            return zData;
        }

        void forward(boolean training, Inputs in, INDArray m, INDArray v, INDArray y, INDArray saved, dnnl_stream s) {
            Pointer zData;
            if (training) {
                zData = bindSaved(saved);
            } else {
                zData = dnn.scratch(OneDnn.Scratch.NORM_INPUT, 4 * zFloats);
                bind(z, zData);
            }
            conv.forward(OneDnn.pointer(in.x(), "x"), OneDnn.pointer(in.w(), "w"), zData, s);
            bindScaleShift(in.gamma(), in.beta());
            bind(mean, OneDnn.pointer(m, "mean"));
            bind(var, OneDnn.pointer(v, "variance"));
            dnnl_memory out = dst.bindOutput(OneDnn.pointer(y, "y"));
            if (training && relu) {
                OneDnn.execute(
                        train,
                        s,
                        DNNL_ARG_SRC,
                        z,
                        DNNL_ARG_DST,
                        out,
                        DNNL_ARG_SCALE_SHIFT,
                        scaleShift,
                        DNNL_ARG_MEAN,
                        mean,
                        DNNL_ARG_VARIANCE,
                        var,
                        DNNL_ARG_WORKSPACE,
                        ws);
            } else {
                OneDnn.execute(
                        training ? train : infer,
                        s,
                        DNNL_ARG_SRC,
                        z,
                        DNNL_ARG_DST,
                        out,
                        DNNL_ARG_SCALE_SHIFT,
                        scaleShift,
                        DNNL_ARG_MEAN,
                        mean,
                        DNNL_ARG_VARIANCE,
                        var);
            }
            dst.finishOutput(s);
            check(dnnl_stream_wait(s), "stream_wait");
        }

        void backward(Inputs in, Saved saved, INDArray dy, Gradients out, dnnl_stream s) {
            bindSaved(saved.buffer());
            bindScaleShift(in.gamma(), in.beta());
            bind(mean, OneDnn.pointer(saved.batchMean(), "mean"));
            bind(var, OneDnn.pointer(saved.batchVar(), "variance"));
            INDArray dGamma = out.dGamma();
            INDArray dBeta = out.dBeta();
            Pointer dz = dnn.scratch(OneDnn.Scratch.NORM_DIFF_INPUT, 4 * zFloats);
            bind(diffZ, dz);
            Pointer dGammaBeta = adjacentOrNull(dGamma, dBeta, "dgamma", "dbeta");
            bind(diffScaleShift, dGammaBeta != null ? dGammaBeta : dss.position(0));
            dnnl_memory dyMem = diffDst.bindInput(OneDnn.pointer(dy, "dy"), s);
            if (relu) {
                OneDnn.execute(
                        bwd,
                        s,
                        DNNL_ARG_SRC,
                        z,
                        DNNL_ARG_MEAN,
                        mean,
                        DNNL_ARG_VARIANCE,
                        var,
                        DNNL_ARG_DIFF_DST,
                        dyMem,
                        DNNL_ARG_SCALE_SHIFT,
                        scaleShift,
                        DNNL_ARG_DIFF_SRC,
                        diffZ,
                        DNNL_ARG_DIFF_SCALE_SHIFT,
                        diffScaleShift,
                        DNNL_ARG_WORKSPACE,
                        ws);
            } else {
                OneDnn.execute(
                        bwd,
                        s,
                        DNNL_ARG_SRC,
                        z,
                        DNNL_ARG_MEAN,
                        mean,
                        DNNL_ARG_VARIANCE,
                        var,
                        DNNL_ARG_DIFF_DST,
                        dyMem,
                        DNNL_ARG_SCALE_SHIFT,
                        scaleShift,
                        DNNL_ARG_DIFF_SRC,
                        diffZ,
                        DNNL_ARG_DIFF_SCALE_SHIFT,
                        diffScaleShift);
            }
            if (out.dx() != null) {
                conv.backwardData(dz, OneDnn.pointer(in.w(), "w"), OneDnn.pointer(out.dx(), "dx"), s);
            }
            conv.backwardWeights(OneDnn.pointer(in.x(), "x"), dz, OneDnn.pointer(out.dw(), "dw"), s);
            check(dnnl_stream_wait(s), "stream_wait");
            if (dGammaBeta == null) {
                float[] d = new float[(int) (2 * channels)];
                dss.position(0).get(d);
                dGamma.assign(Nd4j.createFromArray(java.util.Arrays.copyOfRange(d, 0, (int) channels))
                        .reshape(dGamma.shape()));
                dBeta.assign(Nd4j.createFromArray(java.util.Arrays.copyOfRange(d, (int) channels, d.length))
                        .reshape(dBeta.shape()));
            }
        }

        void close() {
            natives.close();
        }
    }
}
