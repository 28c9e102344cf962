package org.resnext4j.zoo.layers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The arithmetic of {@link Conv2dNormActivation}: {@code y = act(BN(conv(x, w)))} with an optional ReLU, on C-ordered,
 * contiguous arrays of the layer's data type: {@code x [N, C, H, W]}, {@code w [OC, C / G, kH, kW]},
 * {@code gamma, beta, mean, var [OC]}, {@code y [N, OC, OH, OW]}; {@code x}, {@code y} and their gradients hold
 * {@code nchw} data or, where the {@link ConvNormOp} says so, the kernel's channel-blocked layout in the same shape. Training passes keep what the backward pass needs
 * (the convolution's output and the ReLU's mask) in a caller-owned buffer of {@link #savedLength} elements.
 */
interface ConvNormKernel {

    /** Elements of the buffer a training forward pass fills for the backward pass. */
    long savedLength(ConvNormOp op);

    /**
     * The channel block of the layout this kernel reads and writes for {@link ActivationLayout#BLOCKED}
     * ({@code nChw8c}: 8, {@code nChw16c}: 16), or 0 when it reads and writes {@code nchw} only.
     */
    int channelBlock();

    /** Training: batch statistics; writes {@code y}, {@code saved}, and the batch mean and biased variance. */
    void forwardTraining(
            ConvNormOp op,
            INDArray x,
            INDArray w,
            INDArray gamma,
            INDArray beta,
            INDArray y,
            INDArray saved,
            INDArray batchMean,
            INDArray batchVar);

    /** Inference with the given (running) mean and variance. */
    void forwardInference(
            ConvNormOp op,
            INDArray x,
            INDArray w,
            INDArray gamma,
            INDArray beta,
            INDArray mean,
            INDArray var,
            INDArray y);

    /**
     * Gradients from {@code dy}, for the forward pass that filled {@code saved}, {@code batchMean} and
     * {@code batchVar}: {@code dx}, {@code dw}, {@code dGamma}, {@code dBeta} are overwritten; {@code dx} may be null when
     * the input's gradient is not wanted.
     */
    void backward(
            ConvNormOp op,
            INDArray x,
            INDArray w,
            INDArray gamma,
            INDArray beta,
            INDArray saved,
            INDArray batchMean,
            INDArray batchVar,
            INDArray dy,
            INDArray dx,
            INDArray dw,
            INDArray dGamma,
            INDArray dBeta);

    /** A short name for logs and benchmarks. */
    String name();
}
