package org.resnext4j.zoo.layers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The arithmetic of a grouped convolution (no bias) on C-ordered, contiguous float arrays: {@code x [N, C, H, W]},
 * {@code w [OC, C / G, kH, kW]} (PyTorch's layout), {@code y [N, OC, OH, OW]}.
 */
interface GroupedConvKernel {

    /** {@code y = conv(x, w)}; {@code y} is overwritten. */
    void forward(ConvGeometry g, INDArray x, INDArray w, INDArray y);

    /** {@code dx = dL/dx} from {@code dy = dL/dy}; {@code dx} is overwritten. */
    void backwardData(ConvGeometry g, INDArray dy, INDArray w, INDArray dx);

    /** {@code dw = dL/dw} from {@code x} and {@code dy}; {@code dw} is overwritten. */
    void backwardWeights(ConvGeometry g, INDArray x, INDArray dy, INDArray dw);

    /** A short name for logs and benchmarks. */
    String name();
}
