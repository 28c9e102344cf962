package org.resnext4j.zoo.kernels.onednn;

import java.util.Map;
import org.resnext4j.zoo.kernels.AddReluKernel;
import org.resnext4j.zoo.kernels.ConvNormKernel;
import org.resnext4j.zoo.kernels.Engine;
import org.resnext4j.zoo.kernels.InferenceEngine;
import org.resnext4j.zoo.kernels.MaxPoolKernel;

/**
 * The fused layers' kernels and the inference form on oneDNN (FLOAT data, ND4J's CPU backend): one per process, made
 * when oneDNN's natives first load. {@link org.resnext4j.zoo.kernels.Kernels} decides where it is used.
 */
public final class OneDnnEngine implements Engine {

    private static final OneDnn.Lazy<OneDnnEngine> INSTANCE = new OneDnn.Lazy<>(OneDnnEngine::new);

    private final OneDnn dnn;
    private final OneDnnConvNorm convNorm;
    private final OneDnnAddRelu addRelu;
    private final OneDnnMaxPool maxPool;

    private OneDnnEngine(OneDnn dnn) {
        this.dnn = dnn;
        this.convNorm = new OneDnnConvNorm(dnn);
        this.addRelu = new OneDnnAddRelu(dnn);
        this.maxPool = new OneDnnMaxPool(dnn);
    }

    /** The engine, or null when oneDNN's natives cannot be loaded on this machine (logged once). */
    public static OneDnnEngine instanceOrNull() {
        return INSTANCE.get();
    }

    /**
     * oneDNN's effective instruction set on this CPU, e.g. {@code AVX512_CORE_BF16}, or
     * {@code none (oneDNN not available)}.
     */
    public static String cpuIsa() {
        return instanceOrNull() != null ? OneDnn.cpuIsaName() : "none (oneDNN not available)";
    }

    @Override
    public String name() {
        return "onednn";
    }

    @Override
    public ConvNormKernel convNorm() {
        return convNorm;
    }

    @Override
    public AddReluKernel addRelu() {
        return addRelu;
    }

    @Override
    public MaxPoolKernel maxPool() {
        return maxPool;
    }

    @Override
    public String inferenceRefusal(InferenceEngine.Precision precision) {
        return OneDnnInference.refusal(precision, OneDnn.cpuIsa());
    }

    @Override
    public InferenceEngine inference(
            InferenceEngine.Network network, InferenceEngine.Precision precision, Map<String, Float> ranges) {
        return new OneDnnInference(dnn, network, precision, ranges);
    }
}
