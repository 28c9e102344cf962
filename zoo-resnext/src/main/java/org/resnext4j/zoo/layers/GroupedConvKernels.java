package org.resnext4j.zoo.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Chooses the implementation of grouped convolutions, {@link Conv2dNormActivation} and {@link ResidualAddRelu}: oneDNN
 * for FLOAT data on ND4J's CPU backend unless the system property {@value #KERNEL_PROPERTY} is {@code nd4j}; ND4J
 * operations otherwise.
 */
public final class GroupedConvKernels {

    /** {@code onednn} (default where available) or {@code nd4j}. */
    public static final String KERNEL_PROPERTY = "resnext4j.groupedconv.kernel";

    private GroupedConvKernels() {
    }

    static GroupedConvKernel best(DataType dataType) {
        OneDnnGroupedConv k = oneDnnWanted(dataType) ? OneDnnGroupedConv.instanceOrNull() : null;
        return k != null ? k : Nd4jGroupedConv.INSTANCE;
    }

    static ConvNormKernel bestConvNorm(DataType dataType) {
        OneDnnConvNorm k = oneDnnWanted(dataType) ? OneDnnConvNorm.instanceOrNull() : null;
        return k != null ? k : Nd4jConvNorm.INSTANCE;
    }

    /** The oneDNN add-ReLU of {@link ResidualAddRelu}, or null where ND4J operations are to compute it. */
    static OneDnnAddRelu addReluOrNull(DataType dataType) {
        return oneDnnWanted(dataType) ? OneDnnAddRelu.instanceOrNull() : null;
    }

    private static boolean oneDnnWanted(DataType dataType) {
        String wanted = System.getProperty(KERNEL_PROPERTY, "onednn");
        if (!wanted.equals("onednn") && !wanted.equals("nd4j")) {
            throw new IllegalArgumentException(KERNEL_PROPERTY + ": expected onednn or nd4j, got \"" + wanted + "\"");
        }
        boolean cpu = "CPU".equalsIgnoreCase(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"));
        return wanted.equals("onednn") && cpu && dataType == DataType.FLOAT;
    }
}
