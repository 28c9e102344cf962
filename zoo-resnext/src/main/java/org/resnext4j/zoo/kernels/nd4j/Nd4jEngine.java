package org.resnext4j.zoo.kernels.nd4j;

import java.util.Map;
import org.resnext4j.zoo.kernels.AddReluKernel;
import org.resnext4j.zoo.kernels.ConvNormKernel;
import org.resnext4j.zoo.kernels.Engine;
import org.resnext4j.zoo.kernels.InferenceEngine;
import org.resnext4j.zoo.kernels.MaxPoolKernel;

/**
 * The fused layers' kernels as ND4J operations: any data type, any ND4J backend (CPU or CUDA). The reference the oneDNN
 * kernels are tested against, and what {@link org.resnext4j.zoo.kernels.Kernels} chooses where oneDNN does not run.
 * No inference form: there predictions run on the graph.
 */
public final class Nd4jEngine implements Engine {

    /** The engine (stateless). */
    public static final Nd4jEngine INSTANCE = new Nd4jEngine();

    private Nd4jEngine() {}

    @Override
    public String name() {
        return "nd4j";
    }

    @Override
    public ConvNormKernel convNorm() {
        return Nd4jConvNorm.INSTANCE;
    }

    @Override
    public AddReluKernel addRelu() {
        return Nd4jAddRelu.INSTANCE;
    }

    @Override
    public MaxPoolKernel maxPool() {
        return Nd4jMaxPool.INSTANCE;
    }

    @Override
    public String inferenceRefusal(InferenceEngine.Precision precision) {
        return "the ND4J engine has no inference form (it runs on oneDNN)";
    }

    @Override
    public InferenceEngine inference(
            InferenceEngine.Network network, InferenceEngine.Precision precision, Map<String, Float> ranges) {
        throw new IllegalStateException(inferenceRefusal(precision));
    }
}
