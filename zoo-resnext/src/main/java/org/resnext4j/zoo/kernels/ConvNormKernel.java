package org.resnext4j.zoo.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The arithmetic of the fused conv-BN(-ReLU) layer ({@code org.resnext4j.zoo.layers.Conv2dNormActivation}):
 * {@code y = act(BN(conv(x, w)))} with an optional ReLU, on C-ordered, contiguous arrays of the layer's data type:
 * {@code x [N, C, H, W]}, {@code w [OC, C / G, kH, kW]}, {@code gamma, beta, mean, var [OC]}, {@code y [N, OC, OH, OW]};
 * {@code x}, {@code y} and their gradients hold {@code nchw} data or, where the {@link ConvNormOp} says so, the
 * kernel's channel-blocked layout in the same shape. Training passes keep what the backward pass needs (the
 * convolution's output and the ReLU's mask) in a caller-owned buffer of {@link #savedLength} elements
 * ({@link Saved#buffer()}).
 */
public interface ConvNormKernel {

    /** The operands of every call: input {@code x}, weights {@code w}, BN's {@code gamma} and {@code beta}. */
    record Inputs(INDArray x, INDArray w, INDArray gamma, INDArray beta) {}

    /**
     * What a training forward pass leaves for the backward pass, all caller-owned: the buffer of
     * {@link #savedLength} elements, and the batch mean and biased variance {@code [OC]}.
     */
    record Saved(INDArray buffer, INDArray batchMean, INDArray batchVar) {}

    /**
     * What a backward pass overwrites: {@code dx} (null when the input's gradient is not wanted), {@code dw},
     * {@code dGamma}, {@code dBeta}.
     */
    record Gradients(INDArray dx, INDArray dw, INDArray dGamma, INDArray dBeta) {}

    /** Elements of the buffer a training forward pass fills for the backward pass. */
    long savedLength(ConvNormOp op);

    /**
     * The channel block of the layout this kernel reads and writes for a blocked side of a {@link ConvNormOp}
     * ({@code nChw8c}: 8, {@code nChw16c}: 16), or 0 when it reads and writes {@code nchw} only.
     */
    int channelBlock();

    /** Training: batch statistics; writes {@code y} and everything in {@code saved}. */
    void forwardTraining(ConvNormOp op, Inputs in, INDArray y, Saved saved);

    /** Inference with the given (running) mean and variance. */
    void forwardInference(ConvNormOp op, Inputs in, INDArray mean, INDArray var, INDArray y);

    /** Gradients from {@code dy}, for the training forward pass over {@code in} that filled {@code saved}. */
    void backward(ConvNormOp op, Inputs in, Saved saved, INDArray dy, Gradients out);

    /** A short name for logs and benchmarks. */
    String name();
}
