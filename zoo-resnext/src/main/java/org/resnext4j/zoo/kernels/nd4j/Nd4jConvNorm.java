package org.resnext4j.zoo.kernels.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastDivOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.resnext4j.zoo.kernels.ConvGeometry;
import org.resnext4j.zoo.kernels.ConvNormKernel;
import org.resnext4j.zoo.kernels.ConvNormOp;

/**
 * {@link ConvNormKernel} with ND4J operations (any data type, any backend): the grouped convolution of
 * {@link Nd4jGroupedConv}, then batch normalization and ReLU written out as broadcast operations. The reference the
 * oneDNN kernel is tested against, and what runs where oneDNN is unavailable. The saved buffer is the convolution
 * output in {@code nchw}; the ReLU mask is recomputed from it in the backward pass.
 */
final class Nd4jConvNorm implements ConvNormKernel {

    static final Nd4jConvNorm INSTANCE = new Nd4jConvNorm();

    private static final int[] CHANNEL_REDUCTION = {0, 2, 3};

    private Nd4jConvNorm() {}

    @Override
    public String name() {
        return "nd4j";
    }

    /** {@code nchw} only. */
    @Override
    public int channelBlock() {
        return 0;
    }

    private static ConvGeometry nchwOnly(ConvNormOp op) {
        if (op.blockedInput() || op.blockedOutput()) {
            throw new IllegalArgumentException("the ND4J kernel reads and writes nchw only, got " + op);
        }
        return op.g();
    }

    @Override
    public long savedLength(ConvNormOp op) {
        long[] s = op.g().outputShape();
        return s[0] * s[1] * s[2] * s[3];
    }

    private static INDArray z(ConvGeometry g, INDArray saved) {
        return saved.reshape('c', g.outputShape());
    }

    /** {@code (z - mean) / sqrt(var + eps)}, per channel. */
    private static INDArray normalized(INDArray z, INDArray mean, INDArray var, float eps) {
        INDArray std = Transforms.sqrt(var.add(eps), false);
        INDArray zHat = z.ulike();
        Nd4j.exec(new BroadcastSubOp(z, mean, zHat, 1));
        Nd4j.exec(new BroadcastDivOp(zHat, std, zHat, 1));
        return zHat;
    }

    /** {@code y = gamma * zHat + beta}, then ReLU if asked. */
    private static void scaleShift(INDArray zHat, INDArray gamma, INDArray beta, boolean relu, INDArray y) {
        Nd4j.exec(new BroadcastMulOp(zHat, gamma, y, 1));
        Nd4j.exec(new BroadcastAddOp(y, beta, y, 1));
        if (relu) {
            Transforms.relu(y, false);
        }
    }

    @Override
    public void forwardTraining(ConvNormOp op, Inputs in, INDArray y, Saved saved) {
        ConvGeometry g = nchwOnly(op);
        boolean relu = op.relu();
        float eps = op.eps();
        INDArray z = z(g, saved.buffer());
        Nd4jGroupedConv.INSTANCE.forward(g, in.x(), in.w(), z);
        saved.batchMean().assign(z.mean(CHANNEL_REDUCTION));
        saved.batchVar().assign(z.var(false, CHANNEL_REDUCTION));
        scaleShift(normalized(z, saved.batchMean(), saved.batchVar(), eps), in.gamma(), in.beta(), relu, y);
    }

    @Override
    public void forwardInference(ConvNormOp op, Inputs in, INDArray mean, INDArray var, INDArray y) {
        ConvGeometry g = nchwOnly(op);
        boolean relu = op.relu();
        float eps = op.eps();
        INDArray z = y.ulike();
        Nd4jGroupedConv.INSTANCE.forward(g, in.x(), in.w(), z);
        scaleShift(normalized(z, mean, var, eps), in.gamma(), in.beta(), relu, y);
    }

    @Override
    public void backward(ConvNormOp op, Inputs in, Saved saved, INDArray dy, Gradients out) {
        ConvGeometry g = nchwOnly(op);
        boolean relu = op.relu();
        float eps = op.eps();
        INDArray gamma = in.gamma();
        INDArray zHat = normalized(z(g, saved.buffer()), saved.batchMean(), saved.batchVar(), eps);
        INDArray da = dy;
        if (relu) {
            INDArray a = zHat.ulike();
            scaleShift(zHat, gamma, in.beta(), false, a);
            da = dy.mul(a.gt(0).castTo(dy.dataType()));
        }
        // BN backward with batch statistics, M = N * H * W values per channel:
        // dBeta = sum(da), dGamma = sum(da * zHat), dz = gamma / std * (da - dBeta / M - zHat * dGamma / M)
        INDArray sumDa = da.sum(CHANNEL_REDUCTION);
        INDArray sumDaZHat = da.mul(zHat).sum(CHANNEL_REDUCTION);
        out.dBeta().assign(sumDa.reshape(out.dBeta().shape()));
        out.dGamma().assign(sumDaZHat.reshape(out.dGamma().shape()));
        double m = (double) dy.length() / dy.size(1);
        INDArray dz = zHat.dup();
        Nd4j.exec(new BroadcastMulOp(dz, sumDaZHat.div(m), dz, 1));
        dz.rsubi(da);
        Nd4j.exec(new BroadcastSubOp(dz, sumDa.div(m), dz, 1));
        INDArray gOverStd = gamma.reshape(gamma.length())
                .div(Transforms.sqrt(saved.batchVar().add(eps), false));
        Nd4j.exec(new BroadcastMulOp(dz, gOverStd, dz, 1));
        if (out.dx() != null) {
            Nd4jGroupedConv.INSTANCE.backwardData(g, dz, in.w(), out.dx());
        }
        Nd4jGroupedConv.INSTANCE.backwardWeights(g, in.x(), dz, out.dw());
    }
}
