package org.resnext4j.zoo.kernels;

import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.kernels.nd4j.Nd4jEngine;
import org.resnext4j.zoo.kernels.onednn.OneDnnEngine;

/**
 * The one place that chooses how the fused layers and the inference form compute. Each runtime layer and vertex asks
 * once, when it is instantiated, for its kernel of {@link #engine}; {@code org.resnext4j.zoo.InferenceModel} (and
 * through it the training UI's saved models) asks {@link #inferenceRefusal} whether its form runs here and
 * {@link #inference} for it. The answer is oneDNN for FLOAT data on ND4J's CPU backend where oneDNN's natives load,
 * and ND4J operations otherwise: other data types, the CUDA backend, or the system property {@value #KERNEL_PROPERTY}
 * set to {@code nd4j}. The ND4J engine has no inference form, so there the graph computes predictions.
 */
public final class Kernels {

    /** {@code onednn} (the default, where available) or {@code nd4j}. */
    public static final String KERNEL_PROPERTY = "resnext4j.kernel";
    /** The property's name before the fused layers shared one seam; still read when the new one is not set. */
    static final String LEGACY_KERNEL_PROPERTY = "resnext4j.groupedconv.kernel";

    private Kernels() {}

    /** The engine that computes data of {@code dataType} here: oneDNN or ND4J (see the class comment). */
    public static Engine engine(DataType dataType) {
        return whyNotOneDnn(dataType) == null ? OneDnnEngine.instanceOrNull() : Nd4jEngine.INSTANCE;
    }

    /**
     * Why the inference form cannot run here in {@code precision}, or null when it can: not with the ND4J engine
     * (the property, the backend or oneDNN's natives, named), nor BF16 on a CPU without AVX512-BF16 or AMX.
     *
     * @throws IllegalArgumentException when {@value #KERNEL_PROPERTY} holds neither {@code onednn} nor {@code nd4j}
     */
    public static String inferenceRefusal(InferenceEngine.Precision precision) {
        String why = whyNotOneDnn(DataType.FLOAT);
        return why != null
                ? why + "; the inference form runs on oneDNN only"
                : engine(DataType.FLOAT).inferenceRefusal(precision);
    }

    /**
     * The inference form of {@code network} on the engine chosen here.
     *
     * @throws IllegalStateException with {@link #inferenceRefusal} when it cannot run here
     * @see Engine#inference
     */
    public static InferenceEngine inference(
            InferenceEngine.Network network, InferenceEngine.Precision precision, Map<String, Float> ranges) {
        String refused = inferenceRefusal(precision);
        if (refused != null) {
            throw new IllegalStateException(refused);
        }
        return engine(DataType.FLOAT).inference(network, precision, ranges);
    }

    /**
     * oneDNN's effective instruction set on this CPU, e.g. {@code AVX512_CORE_BF16}, for reports (whichever engine is
     * chosen), or {@code none (oneDNN not available)}.
     */
    public static String cpuIsa() {
        return OneDnnEngine.cpuIsa();
    }

    /** Null when oneDNN computes {@code dataType} here, else why not, in words. */
    private static String whyNotOneDnn(DataType dataType) {
        String key = System.getProperty(KERNEL_PROPERTY) != null ? KERNEL_PROPERTY : LEGACY_KERNEL_PROPERTY;
        String wanted = System.getProperty(key, "onednn");
        if (!wanted.equals("onednn") && !wanted.equals("nd4j")) {
            throw new IllegalArgumentException(key + ": expected onednn or nd4j, got \"" + wanted + "\"");
        }
        if (wanted.equals("nd4j")) {
            return key + " is nd4j";
        }
        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
        if (!"CPU".equalsIgnoreCase(backend)) {
            return "ND4J's " + backend + " backend (oneDNN runs on the CPU backend only)";
        }
        if (dataType != DataType.FLOAT) {
            return dataType + " data (the oneDNN kernels compute FLOAT only)";
        }
        return OneDnnEngine.instanceOrNull() == null
                ? "oneDNN (org.bytedeco:dnnl) is not available on this machine"
                : null;
    }
}
