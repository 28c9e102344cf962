package org.resnext4j.zoo.layers;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.zoo.kernels.PoolGeometry;

/**
 * 2D max pooling on NCHW activations as a graph vertex, torchvision's {@code MaxPool2d} (padded positions never win):
 * the stem's 3x3, stride 2, padding 1 pool in the FUSED graphs. oneDNN's vectorised pooling on CPU with FLOAT data
 * (the {@link org.resnext4j.zoo.kernels.MaxPoolKernel} of {@link org.resnext4j.zoo.kernels.Kernels}), ND4J's
 * {@code maxpool2d} operations otherwise; the same results as
 * DL4J's {@code SubsamplingLayer(MAX)} in {@code Truncate} mode, which SPLIT graphs keep. No parameters.
 */
public class MaxPool2d extends GraphVertex {

    private static final long serialVersionUID = 1L;

    private int[] kernelSize;
    private int[] stride;
    private int[] padding;
    private ActivationLayout inputLayout = ActivationLayout.NCHW;

    /** For JSON deserialisation. */
    protected MaxPool2d() {}

    /** A {@code kernel x kernel} window moved by {@code stride}, the input padded by {@code padding} on each side. */
    public MaxPool2d(int kernel, int stride, int padding) {
        this.kernelSize = new int[] {kernel, kernel};
        this.stride = new int[] {stride, stride};
        this.padding = new int[] {padding, padding};
        geometry(1, 1, kernel + 2L * padding, kernel + 2L * padding); // validates
    }

    public int[] getKernelSize() {
        return kernelSize.clone();
    }

    public void setKernelSize(int[] kernelSize) {
        this.kernelSize = kernelSize.clone();
    }

    public int[] getStride() {
        return stride.clone();
    }

    public void setStride(int[] stride) {
        this.stride = stride.clone();
    }

    public int[] getPadding() {
        return padding.clone();
    }

    public void setPadding(int[] padding) {
        this.padding = padding.clone();
    }

    /**
     * The layout of the input and its gradient: {@code BLOCKED} when the producer is one of our layers writing
     * oneDNN's layout (the FUSED stem); the output is always NCHW.
     */
    public ActivationLayout getInputLayout() {
        return inputLayout;
    }

    public void setInputLayout(ActivationLayout inputLayout) {
        this.inputLayout = inputLayout == null ? ActivationLayout.NCHW : inputLayout;
    }

    /** This pool reading its input in {@code layout}. */
    public MaxPool2d withInputLayout(ActivationLayout layout) {
        MaxPool2d m = clone();
        m.setInputLayout(layout);
        return m;
    }

    /** The call shape for an {@code [n, c, h, w]} input. */
    PoolGeometry geometry(long n, long c, long h, long w) {
        return new PoolGeometry(n, c, h, w, kernelSize[0], kernelSize[1], stride[0], stride[1], padding[0], padding[1]);
    }

    @Override
    public MaxPool2d clone() {
        MaxPool2d m = new MaxPool2d();
        m.kernelSize = kernelSize.clone();
        m.stride = stride.clone();
        m.padding = padding.clone();
        m.inputLayout = inputLayout;
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaxPool2d m
                && Arrays.equals(m.kernelSize, kernelSize)
                && Arrays.equals(m.stride, stride)
                && Arrays.equals(m.padding, padding)
                && m.inputLayout == inputLayout;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * Arrays.hashCode(kernelSize) + Arrays.hashCode(stride)) + Arrays.hashCode(padding))
                + inputLayout.hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 1;
    }

    @Override
    public int maxVertexInputs() {
        return 1;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(
            ComputationGraph graph,
            String name,
            int idx,
            INDArray paramsView,
            boolean initializeParams,
            DataType networkDatatype) {
        return new MaxPool2dVertex(graph, name, idx, this, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
        if (vertexInputs.length != 1 || !(vertexInputs[0] instanceof InputType.InputTypeConvolutional in)) {
            throw new InvalidInputTypeException(
                    "MaxPool2d: expected one convolutional input, got " + Arrays.toString(vertexInputs));
        }
        if (in.getFormat() != CNN2DFormat.NCHW) {
            throw new InvalidInputTypeException("MaxPool2d: only NCHW data is supported, got " + in.getFormat());
        }
        PoolGeometry g;
        try {
            g = geometry(1, in.getChannels(), in.getHeight(), in.getWidth());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputTypeException("MaxPool2d: " + e.getMessage());
        }
        return InputType.convolutional(g.outH(), g.outW(), in.getChannels());
    }

    @Override
    public MemoryReport getMemoryReport(InputType... inputTypes) {
        InputType out = getOutputType(-1, inputTypes);
        return new LayerMemoryReport.Builder(null, MaxPool2d.class, inputTypes[0], out)
                .standardMemory(0, 0)
                .workingMemory(0, 0, 0, 0)
                .cacheMemory(0, 0)
                .build();
    }

    @Override
    public String toString() {
        return "MaxPool2d(kernel " + kernelSize[0] + "x" + kernelSize[1] + ", stride " + stride[0] + "x" + stride[1]
                + ", padding " + padding[0] + "x" + padding[1]
                + (inputLayout == ActivationLayout.NCHW ? "" : ", input " + inputLayout) + ")";
    }
}
