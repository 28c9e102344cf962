package org.resnext4j.zoo.layers;

import java.util.Arrays;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.zoo.kernels.AddReluKernel;
import org.resnext4j.zoo.kernels.Kernels;

/** The runtime vertex of {@link ResidualAddRelu}; keeps its training output for the ReLU's backward pass. */
public class ResidualAddReluVertex extends ParameterFreeVertex {

    private static final long serialVersionUID = 1L;

    private final transient AddReluKernel kernel;
    private transient INDArray output;

    public ResidualAddReluVertex(ComputationGraph graph, String name, int vertexIndex, DataType dataType) {
        super(graph, name, vertexIndex, dataType);
        this.kernel = Kernels.engine(dataType).addRelu();
    }

    @Override
    public String kernelName() {
        return kernel.name();
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward()) {
            throw new IllegalStateException("ResidualAddRelu " + getVertexName() + ": inputs not set");
        }
        INDArray a = contiguous(inputs[0]);
        INDArray b = contiguous(inputs[1]);
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalStateException("ResidualAddRelu " + getVertexName() + ": residual "
                    + Arrays.toString(a.shape()) + " and shortcut " + Arrays.toString(b.shape()) + " differ in shape");
        }
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, a.shape(), 'c');
        kernel.forward(a, b, y);
        output = training ? y : null;
        return y;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoBackward() || output == null) {
            throw new IllegalStateException(
                    "ResidualAddRelu " + getVertexName() + ": backward without a training-mode forward pass");
        }
        INDArray dy = contiguous(epsilon);
        INDArray g = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, dy.shape(), 'c');
        kernel.backward(output, dy, g);
        output = null;
        // the two inputs get equal gradients, as separate arrays: DL4J sums gradients in place
        return new Pair<>(null, new INDArray[] {g, workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, g)});
    }

    @Override
    public void clear() {
        super.clear();
        output = null;
    }

    @Override
    public String toString() {
        return "ResidualAddReluVertex(" + getVertexName() + ")";
    }
}
