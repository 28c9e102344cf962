package org.resnext4j.zoo.layers;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The end of a residual block, {@code relu(residual + shortcut)}, as one graph vertex: DL4J's
 * {@code ElementWiseVertex(Add)} and a ReLU {@code ActivationLayer} in one pass forward and one backward (oneDNN on
 * CPU with FLOAT data, ND4J operations otherwise). Two inputs of equal shape; no parameters.
 */
public class ResidualAddRelu extends GraphVertex {

    private static final long serialVersionUID = 1L;

    @Override
    public ResidualAddRelu clone() {
        return new ResidualAddRelu();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResidualAddRelu;
    }

    @Override
    public int hashCode() {
        return ResidualAddRelu.class.getName().hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(
            ComputationGraph graph,
            String name,
            int idx,
            INDArray paramsView,
            boolean initializeParams,
            DataType networkDatatype) {
        return new ResidualAddReluVertex(graph, name, idx, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length != 2) {
            throw new InvalidInputTypeException("ResidualAddRelu: expected 2 inputs, got " + vertexInputs.length);
        }
        if (!vertexInputs[0].equals(vertexInputs[1])) {
            throw new InvalidInputTypeException("ResidualAddRelu: the residual and the shortcut must have the same "
                    + "shape, got " + vertexInputs[0] + " and " + vertexInputs[1]);
        }
        return vertexInputs[0];
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        return new LayerMemoryReport.Builder(null, ResidualAddRelu.class, inputTypes[0], inputTypes[0])
                .standardMemory(0, 0)
                .workingMemory(0, 0, 0, 0)
                .cacheMemory(0, 0)
                .build();
    }

    @Override
    public String toString() {
        return "ResidualAddRelu()";
    }
}
