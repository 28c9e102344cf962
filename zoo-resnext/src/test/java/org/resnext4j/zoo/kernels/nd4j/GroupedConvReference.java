package org.resnext4j.zoo.kernels.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.zoo.kernels.ConvGeometry;

/** The ND4J grouped convolution, the reference, for tests of other packages (the class itself is package-private). */
public final class GroupedConvReference {

    private GroupedConvReference() {}

    /** {@code y = conv(x, w)}. */
    public static void forward(ConvGeometry g, INDArray x, INDArray w, INDArray y) {
        Nd4jGroupedConv.INSTANCE.forward(g, x, w, y);
    }

    /** {@code dw} from {@code x} and {@code dy}. */
    public static void backwardWeights(ConvGeometry g, INDArray x, INDArray dy, INDArray dw) {
        Nd4jGroupedConv.INSTANCE.backwardWeights(g, x, dy, dw);
    }
}
