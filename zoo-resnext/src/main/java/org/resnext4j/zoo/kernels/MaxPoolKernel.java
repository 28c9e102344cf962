package org.resnext4j.zoo.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The arithmetic of the max pool vertex ({@code org.resnext4j.zoo.layers.MaxPool2d}) on C-ordered, contiguous NCHW
 * arrays of the vertex's data type: {@code x} of {@link PoolGeometry#inputShape()} (in {@code nchw} or, with
 * {@code blockedInput}, the kernel's channel-blocked layout; so is {@code dx}), {@code y} of
 * {@link PoolGeometry#outputShape()} in {@code nchw}. A training pass may keep what the backward pass needs (oneDNN:
 * the winners' positions) in a caller-owned buffer of {@link #savedLength} elements.
 */
public interface MaxPoolKernel {

    /** Elements of the buffer a training forward pass fills for the backward pass; 0 when none is needed. */
    long savedLength(PoolGeometry g);

    /** Training: writes {@code y} and {@code saved} (null when {@link #savedLength} is 0). */
    void forwardTraining(PoolGeometry g, boolean blockedInput, INDArray x, INDArray y, INDArray saved);

    /** Inference: writes {@code y}. */
    void forwardInference(PoolGeometry g, boolean blockedInput, INDArray x, INDArray y);

    /** {@code dx} (overwritten) from {@code dy}, for the training pass over {@code x} that filled {@code saved}. */
    void backward(PoolGeometry g, boolean blockedInput, INDArray x, INDArray saved, INDArray dy, INDArray dx);

    /** As {@link ConvNormKernel#channelBlock()}: the block of {@code blockedInput}, 0 for {@code nchw} only. */
    int channelBlock();

    /** A short name for logs and benchmarks. */
    String name();
}
