package org.resnext4j.zoo.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.zoo.kernels.DenseArrays;

/**
 * What the runtime vertices of the fused graphs ({@link ResidualAddReluVertex}, {@link MaxPool2dVertex}) share: no
 * layer, no parameters, masks passed through, inputs made dense and C-ordered in the graph's data type.
 */
abstract class ParameterFreeVertex extends BaseGraphVertex {

    private static final long serialVersionUID = 1L;

    ParameterFreeVertex(ComputationGraph graph, String name, int vertexIndex, DataType dataType) {
        super(graph, name, vertexIndex, null, null, dataType);
    }

    /** Which implementation computes this vertex: {@code onednn} or {@code nd4j}. */
    public abstract String kernelName();

    @Override
    public boolean hasLayer() {
        return false;
    }

    @Override
    public Layer getLayer() {
        return null;
    }

    INDArray contiguous(INDArray a) {
        return DenseArrays.contiguous(a, dataType);
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
        if (backpropGradientsViewArray != null) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName() + " " + getVertexName() + " has no parameters");
        }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(
            INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
        return maskArrays == null || maskArrays.length == 0 ? null : new Pair<>(maskArrays[0], currentMaskState);
    }
}
