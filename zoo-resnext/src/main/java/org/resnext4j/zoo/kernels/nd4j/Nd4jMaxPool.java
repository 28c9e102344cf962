package org.resnext4j.zoo.kernels.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.kernels.MaxPoolKernel;
import org.resnext4j.zoo.kernels.PoolGeometry;

/**
 * {@link MaxPoolKernel} with ND4J's {@code maxpool2d} and {@code maxpool2d_bp} operations (any data type, any backend;
 * the operations DL4J's SubsamplingLayer runs). The backward pass finds the winners again from {@code x}.
 */
final class Nd4jMaxPool implements MaxPoolKernel {

    static final Nd4jMaxPool INSTANCE = new Nd4jMaxPool();

    private Nd4jMaxPool() {}

    @Override
    public String name() {
        return "nd4j";
    }

    /** kernel, stride, padding, dilation 1, truncate mode, (unused for max), NCHW. */
    private static int[] args(PoolGeometry g) {
        return new int[] {g.kH(), g.kW(), g.sH(), g.sW(), g.pH(), g.pW(), 1, 1, 0, 0, 0};
    }

    @Override
    public long savedLength(PoolGeometry g) {
        return 0;
    }

    @Override
    public void forwardTraining(PoolGeometry g, boolean blockedInput, INDArray x, INDArray y, INDArray saved) {
        forwardInference(g, blockedInput, x, y);
    }

    @Override
    public int channelBlock() {
        return 0;
    }

    private static void nchwOnly(boolean blockedInput) {
        if (blockedInput) {
            throw new IllegalArgumentException("the ND4J kernel reads nchw only");
        }
    }

    @Override
    public void forwardInference(PoolGeometry g, boolean blockedInput, INDArray x, INDArray y) {
        nchwOnly(blockedInput);
        Nd4j.exec(DynamicCustomOp.builder("maxpool2d")
                .addInputs(x)
                .addOutputs(y)
                .addIntegerArguments(args(g))
                .build());
    }

    @Override
    public void backward(PoolGeometry g, boolean blockedInput, INDArray x, INDArray saved, INDArray dy, INDArray dx) {
        nchwOnly(blockedInput);
        Nd4j.exec(DynamicCustomOp.builder("maxpool2d_bp")
                .addInputs(x, dy)
                .addOutputs(dx)
                .addIntegerArguments(args(g))
                .build());
    }
}
