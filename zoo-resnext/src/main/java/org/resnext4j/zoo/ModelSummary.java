package org.resnext4j.zoo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.resnext4j.zoo.layers.Conv2dNormActivation;

/**
 * A model summary as Keras' {@code model.summary()} and {@code torchsummary} print it: one row per torchvision-named
 * module (the branches of a split grouped convolution are summed into their module) with its output shape and
 * parameter count, then the totals in both conventions:
 * <ul>
 *   <li><b>trainable</b> parameters, torchvision's count ({@code sum(p.numel() for p in model.parameters())});</li>
 *   <li><b>DL4J</b> {@code numParams()}, which also counts each BatchNorm layer's running mean and running
 *       variance (stored as log10 of the standard deviation), two values per channel.</li>
 * </ul>
 * Computed from the configuration alone: nothing is allocated, so any preset and input size is cheap.
 */
public final class ModelSummary {

    /** One module: its name, DL4J type, output shape (without the batch dimension) and parameter counts. */
    public record Row(String module, String type, long[] outputShape, long trainableParams, long dl4jParams) {
        /** Output shape as {@code CxHxW} or {@code N}. */
        public String shapeText() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < outputShape.length; i++) {
                sb.append(i == 0 ? "" : "x").append(outputShape[i]);
            }
            return sb.toString();
        }
    }

    private final String title;
    private final List<Row> rows;

    private ModelSummary(String title, List<Row> rows) {
        this.title = title;
        this.rows = Collections.unmodifiableList(rows);
    }

    /** The summary of a spec's graph at the spec's input shape. */
    public static ModelSummary of(ResNeXtSpec spec) {
        ComputationGraphConfiguration conf = ResNeXtGraphBuilder.build(spec, new NeuralNetConfiguration.Builder());
        InputType input = InputType.convolutional(spec.inputHeight(), spec.inputWidth(), spec.inputChannels());
        return of(
                spec.name() + " (" + spec.inputChannels() + "x" + spec.inputHeight() + "x" + spec.inputWidth()
                        + " input, " + spec.numClasses() + " classes)",
                conf,
                input);
    }

    /** The summary of any single-input graph configuration, with vertex branch suffixes folded per {@link TorchNames}. */
    public static ModelSummary of(String title, ComputationGraphConfiguration conf, InputType input) {
        Map<String, InputType> types = conf.getLayerActivationTypes(input);
        Map<String, Module> modules = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            String vertex = e.getKey();
            GraphVertex gv = e.getValue();
            Module m = modules.computeIfAbsent(TorchNames.moduleOf(vertex), Module::new);
            long all = gv.numParams(true);
            m.dl4jParams += all;
            m.trainableParams += all - runningStatistics(gv);
            if (gv instanceof LayerVertex) {
                m.type = m.type == null ? typeOf(gv) : m.type;
                m.branches += TorchNames.branchOf(vertex) >= 0 ? 1 : 0;
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Module m : modules.values()) {
            String type = m.type == null ? typeOf(conf.getVertices().get(m.name)) : m.type;
            if (m.branches > 0) {
                type += " x" + m.branches + " (split)";
            }
            rows.add(new Row(m.name, type, shapeOf(conf, types, m.name), m.trainableParams, m.dl4jParams));
        }
        return new ModelSummary(title, rows);
    }

    private static final class Module {
        final String name;
        String type;
        int branches;
        long trainableParams;
        long dl4jParams;

        Module(String name) {
            this.name = name;
        }
    }

    private static long runningStatistics(GraphVertex gv) {
        if (gv instanceof LayerVertex) {
            Layer layer = ((LayerVertex) gv).getLayerConf().getLayer();
            if (layer instanceof BatchNormalization) {
                return 2 * ((BatchNormalization) layer).getNOut();
            }
            if (layer instanceof Conv2dNormActivation) {
                return 2 * ((Conv2dNormActivation) layer).getNOut();
            }
        }
        return 0;
    }

    private static String typeOf(GraphVertex gv) {
        if (gv instanceof LayerVertex) {
            return ((LayerVertex) gv).getLayerConf().getLayer().getClass().getSimpleName();
        }
        return gv.getClass().getSimpleName();
    }

    /** A vertex's output shape; a loss layer (which reports size 0) has its input's shape. */
    private static long[] shapeOf(ComputationGraphConfiguration conf, Map<String, InputType> types, String vertex) {
        GraphVertex gv = conf.getVertices().get(vertex);
        if (gv instanceof LayerVertex && ((LayerVertex) gv).getLayerConf().getLayer() instanceof LossLayer) {
            return shapeOf(conf, types, conf.getVertexInputs().get(vertex).get(0));
        }
        InputType type = types.get(vertex);
        return type == null ? new long[0] : type.getShape(false);
    }

    public List<Row> rows() {
        return rows;
    }

    /** The row of one module, e.g. {@code layer2.0.conv2}. */
    public Row row(String module) {
        for (Row r : rows) {
            if (r.module().equals(module)) {
                return r;
            }
        }
        throw new IllegalArgumentException("module: no module named \"" + module + "\" in " + title);
    }

    /** Trainable parameters, torchvision's count. */
    public long trainableParams() {
        return rows.stream().mapToLong(Row::trainableParams).sum();
    }

    /** DL4J's {@code numParams()}: trainable plus BatchNorm running mean and variance. */
    public long dl4jParams() {
        return rows.stream().mapToLong(Row::dl4jParams).sum();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        String line = "-".repeat(96) + "\n";
        sb.append(title).append('\n').append(line);
        sb.append(String.format("%-26s %-34s %-16s %17s%n", "Module", "Type", "Output shape", "Trainable params"));
        sb.append(line);
        for (Row r : rows) {
            sb.append(String.format(
                    "%-26s %-34s %-16s %,17d%n", r.module(), r.type(), r.shapeText(), r.trainableParams()));
        }
        sb.append(line);
        sb.append(String.format("Trainable parameters (torchvision's count):           %,15d%n", trainableParams()));
        sb.append(String.format("DL4J numParams() (adds BatchNorm running mean/var):   %,15d%n", dl4jParams()));
        return sb.toString();
    }
}
