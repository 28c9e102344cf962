package org.resnext4j.zoo.kernels.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.resnext4j.zoo.kernels.AddReluKernel;

/** {@link AddReluKernel} with ND4J operations (any data type, any backend). */
final class Nd4jAddRelu implements AddReluKernel {

    static final Nd4jAddRelu INSTANCE = new Nd4jAddRelu();

    private Nd4jAddRelu() {}

    @Override
    public void forward(INDArray a, INDArray b, INDArray y) {
        Transforms.relu(y.assign(a).addi(b), false);
    }

    @Override
    public void backward(INDArray y, INDArray dy, INDArray g) {
        g.assign(dy).muli(y.gt(0).castTo(g.dataType()));
    }

    @Override
    public String name() {
        return "nd4j";
    }
}
