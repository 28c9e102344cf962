package org.resnext4j.zoo.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one place that chooses how the fused layers compute. Each runtime layer and vertex asks once, when it is
 * instantiated: {@link Conv2dNormActivationLayer} for a {@link ConvNormKernel}, {@link ResidualAddReluVertex} for an
 * {@link AddReluKernel}, {@link MaxPool2dVertex} for a {@link MaxPoolKernel}. The answer is oneDNN ({@link OneDnnConvNorm},
 * {@link OneDnnAddRelu}, {@link OneDnnMaxPool}) for FLOAT data on ND4J's
 * CPU backend where oneDNN's natives load, and ND4J operations ({@link Nd4jConvNorm}, {@link Nd4jAddRelu},
 * {@link Nd4jMaxPool}) otherwise
 * (other data types, the CUDA backend) or when the system property {@value #KERNEL_PROPERTY} is {@code nd4j}.
 */
public final class Kernels {

    /** {@code onednn} (the default, where available) or {@code nd4j}. */
    public static final String KERNEL_PROPERTY = "resnext4j.kernel";
    /** The property's name before the fused layers shared one seam; still read when the new one is not set. */
    static final String LEGACY_KERNEL_PROPERTY = "resnext4j.groupedconv.kernel";

    private Kernels() {}

    static ConvNormKernel convNorm(DataType dataType) {
        ConvNormKernel k = oneDnnWanted(dataType) ? OneDnnConvNorm.instanceOrNull() : null;
        return k != null ? k : Nd4jConvNorm.INSTANCE;
    }

    static AddReluKernel addRelu(DataType dataType) {
        AddReluKernel k = oneDnnWanted(dataType) ? OneDnnAddRelu.instanceOrNull() : null;
        return k != null ? k : Nd4jAddRelu.INSTANCE;
    }

    static MaxPoolKernel maxPool(DataType dataType) {
        MaxPoolKernel k = oneDnnWanted(dataType) ? OneDnnMaxPool.instanceOrNull() : null;
        return k != null ? k : Nd4jMaxPool.INSTANCE;
    }

    private static boolean oneDnnWanted(DataType dataType) {
        String key = System.getProperty(KERNEL_PROPERTY) != null ? KERNEL_PROPERTY : LEGACY_KERNEL_PROPERTY;
        String wanted = System.getProperty(key, "onednn");
        if (!wanted.equals("onednn") && !wanted.equals("nd4j")) {
            throw new IllegalArgumentException(key + ": expected onednn or nd4j, got \"" + wanted + "\"");
        }
        boolean cpu = "CPU"
                .equalsIgnoreCase(
                        Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"));
        return wanted.equals("onednn") && cpu && dataType == DataType.FLOAT;
    }
}
