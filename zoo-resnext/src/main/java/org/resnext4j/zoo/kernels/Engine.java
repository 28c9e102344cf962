package org.resnext4j.zoo.kernels;

import java.util.Map;

/**
 * One way of computing the fused layers and the inference form: oneDNN ({@code org.resnext4j.zoo.kernels.onednn}) or
 * ND4J operations ({@code org.resnext4j.zoo.kernels.nd4j}, the reference). {@link Kernels#engine} picks one; nothing
 * outside these packages names an engine's classes.
 */
public interface Engine {

    /** {@code onednn} or {@code nd4j}, as the layers' {@code kernelName()} reports it. */
    String name();

    /** The kernel of the fused conv-BN(-ReLU) layer. */
    ConvNormKernel convNorm();

    /** The kernel of the residual add-ReLU vertex. */
    AddReluKernel addRelu();

    /** The kernel of the max pool vertex. */
    MaxPoolKernel maxPool();

    /** Why this engine cannot run the inference form in {@code precision} on this machine, or null when it can. */
    String inferenceRefusal(InferenceEngine.Precision precision);

    /**
     * The inference form of {@code network} in {@code precision}.
     *
     * @param ranges for INT8: each convolution's calibrated output range by name (the largest magnitude kept; values
     *               beyond saturate), for every convolution of the network; ignored otherwise
     * @throws IllegalStateException with {@link #inferenceRefusal} when it cannot run here
     * @throws IllegalArgumentException for INT8 when a convolution has no range, or a range is not finite or negative
     */
    InferenceEngine inference(
            InferenceEngine.Network network, InferenceEngine.Precision precision, Map<String, Float> ranges);
}
