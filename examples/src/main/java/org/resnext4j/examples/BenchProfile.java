package org.resnext4j.examples;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.layers.Conv2dNormActivation;
import org.resnext4j.zoo.layers.GroupedConvolution;

/**
 * Where inference time goes: runs a graph's vertices one by one in topological order (no workspaces), timing each,
 * and sums the time per kind of layer (1x1 conv, 3x3 conv, grouped conv, batch norm, ReLU, ...).
 */
final class BenchProfile {

    private BenchProfile() {}

    /** Milliseconds per forward pass by kind of layer, median-free mean over {@code reps} passes after one warm-up. */
    static Map<String, Double> inference(ComputationGraph net, int batch, int size, int reps) {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, size, size);
        Map<String, Double> ms = new LinkedHashMap<>();
        GraphVertex[] vertices = net.getVertices();
        int[] order = net.topologicalSortOrder();
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        for (int rep = 0; rep <= reps; rep++) {
            INDArray[] out = new INDArray[vertices.length];
            for (int idx : order) {
                GraphVertex v = vertices[idx];
                if (v.isInputVertex()) {
                    out[idx] = x;
                    continue;
                }
                VertexIndices[] in = v.getInputVertices();
                for (int i = 0; i < in.length; i++) {
                    v.setInput(i, out[in[i].getVertexIndex()], mgr);
                }
                long t0 = System.nanoTime();
                out[idx] = v.doForward(false, mgr);
                long t = System.nanoTime() - t0;
                if (rep > 0) {
                    ms.merge(kind(v), t / 1e6 / reps, Double::sum);
                }
                v.clear();
            }
        }
        return ms;
    }

    private static String kind(GraphVertex v) {
        if (v.hasLayer()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = v.getLayer().conf().getLayer();
            if (conf instanceof Conv2dNormActivation) {
                Conv2dNormActivation c = (Conv2dNormActivation) conf;
                int k = c.getKernelSize()[0];
                return (c.getGroups() > 1 ? "grouped conv " : "conv ") + k + "x" + k + " + BN"
                        + (c.isRelu() ? " + ReLU" : "") + " (oneDNN layer)";
            }
            if (conf instanceof GroupedConvolution) {
                GroupedConvolution g = (GroupedConvolution) conf;
                int k = g.getKernelSize()[0];
                return (g.getGroups() > 1 ? "grouped conv " : "conv ") + k + "x" + k + " (oneDNN layer)";
            }
            if (conf instanceof ConvolutionLayer) {
                int k = ((ConvolutionLayer) conf).getKernelSize()[0];
                return "conv " + k + "x" + k + (v.getVertexName().contains(".group") ? " (split branches)" : "");
            }
            return switch (conf.getClass().getSimpleName()) {
                case "BatchNormalization" -> "batch norm (DL4J layer)";
                case "ActivationLayer" -> "relu";
                case "SubsamplingLayer" -> "max pool";
                case "GlobalPoolingLayer" -> "global avg pool";
                case "DenseLayer", "OutputLayer" -> "fc";
                case "LossLayer" -> "softmax";
                default -> conf.getClass().getSimpleName();
            };
        }
        return switch (v.getClass().getSimpleName()) {
            case "ElementWiseVertex" -> "residual add";
            case "ResidualAddReluVertex" -> "residual add + ReLU (oneDNN vertex)";
            case "MaxPool2dVertex" -> "max pool (oneDNN vertex)";
            case "MergeVertex" -> "concat (split form)";
            case "SubsetVertex" -> "channel slice (split form)";
            default -> v.getClass().getSimpleName();
        };
    }

    static String table(String title, Map<String, Double> ms) {
        double total = ms.values().stream().mapToDouble(Double::doubleValue).sum();
        StringBuilder sb = new StringBuilder(title).append('\n');
        ms.entrySet().stream()
                .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                .forEach(e -> sb.append(String.format(
                        Locale.ROOT,
                        "  %-30s %9.1f ms  %5.1f%%%n",
                        e.getKey(),
                        e.getValue(),
                        100 * e.getValue() / total)));
        sb.append(String.format(Locale.ROOT, "  %-30s %9.1f ms%n", "total", total));
        return sb.toString();
    }
}
