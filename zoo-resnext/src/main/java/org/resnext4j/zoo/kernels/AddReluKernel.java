package org.resnext4j.zoo.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The arithmetic of the residual block's end ({@code org.resnext4j.zoo.layers.ResidualAddRelu}) on C-ordered,
 * contiguous arrays of one shape: forward {@code y = relu(a + b)}, backward {@code g = dy * (y > 0)} from the forward
 * output.
 */
public interface AddReluKernel {

    /** {@code y = relu(a + b)}; {@code y} is overwritten. */
    void forward(INDArray a, INDArray b, INDArray y);

    /** {@code g = dy * (y > 0)}, for {@code y} the forward output; {@code g} is overwritten. */
    void backward(INDArray y, INDArray dy, INDArray g);

    /** A short name for logs and benchmarks: {@code onednn} or {@code nd4j}. */
    String name();
}
