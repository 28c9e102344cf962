package org.resnext4j.zoo.weights;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntConsumer;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.TorchNames;
import org.resnext4j.zoo.layers.Conv2dNormActivation;

/**
 * torchvision/timm state dicts ({@code conv1.weight}, {@code bn1.running_var}, {@code layer1.0.conv2.weight},
 * {@code layer1.0.downsample.1.bias}, {@code fc.weight}, ...) to and from a graph whose vertices are named by
 * {@link TorchNames}. The mapping is a table ({@link #table(ComputationGraph)}), one row per torchvision tensor:
 * <ul>
 *   <li>a convolution's {@code weight} is DL4J's {@code W} (both {@code [out, in, kH, kW]}); the weight of a grouped
 *       conv, {@code [width, width / groups, 3, 3]}, is split by output rows into the branches
 *       {@code .group0 .. .group{G-1}};</li>
 *   <li>BatchNorm {@code weight, bias, running_mean} are {@code gamma, beta, mean}; {@code running_var} becomes what
 *       the layer stores: the variance, or {@code log10(sqrt(var))} when the layer uses DL4J's default log-std
 *       parameterisation (DL4J adds epsilon at inference, as PyTorch does);</li>
 *   <li>{@code fc.weight} {@code [classes, in]} is DL4J's {@code W} transposed, {@code fc.bias} is {@code b}.</li>
 * </ul>
 * {@code num_batches_tracked} buffers are accepted and ignored. Loading is strict by default: every tensor on both
 * sides must be mapped, and all names and shapes are checked before the first value is written, so a failed load
 * leaves the graph untouched.
 *
 * <p><b>Features-only graphs</b> ({@code ResNeXt.Builder.featuresOnly}, recognised by having no {@code fc} vertex)
 * load full state dicts: the file's tensors of the modules such a graph leaves out, {@code fc} and every stage
 * {@code layer{s}} of which the graph has no vertex, are ignored (listed in {@link LoadReport#ignored()}), as timm
 * loads a full checkpoint before cutting the model to its features. Every tensor the graph does have must still be in
 * the file, and any other tensor of the file is still unexpected.
 */
public final class TorchvisionWeights {

    /** How one torchvision tensor becomes (part of) a DL4J parameter. */
    public enum Transform {
        COPY,
        TRANSPOSE,
        BN_VARIANCE,
        ROWS
    }

    /** One DL4J parameter fed by a torchvision tensor; {@code rowFrom..rowTo} for {@link Transform#ROWS}. */
    public record Target(String vertex, String param, Transform transform, long rowFrom, long rowTo) {
        /** DL4J's parameter-table key, {@code vertex_param}. */
        public String key() {
            return vertex + "_" + param;
        }
    }

    /** One row of the mapping table: a torchvision key, its shape, and where its values go. */
    public record Mapping(String torchKey, long[] torchShape, List<Target> targets) {
        @Override
        public long[] torchShape() {
            return torchShape.clone();
        }
    }

    /** What to load: strict or lenient, and modules to leave out (e.g. {@code fc} to fine-tune). */
    public record Options(boolean strict, Set<String> excludedModules) {
        /** Every tensor on both sides mapped. */
        public static Options strictAll() {
            return new Options(true, Set.of());
        }

        /** Everything but the classifier, which stays as initialised. */
        public static Options allButClassifier() {
            return new Options(true, Set.of(TorchNames.FC));
        }

        boolean excluded(String torchKey) {
            for (String m : excludedModules) {
                if (torchKey.equals(m) || torchKey.startsWith(m + ".")) {
                    return true;
                }
            }
            return false;
        }
    }

    /** What a load did: tensors loaded, and the file's tensors that were ignored ({@code num_batches_tracked}, excluded). */
    public record LoadReport(int loaded, List<String> ignored) {}

    private static final String NUM_BATCHES_TRACKED = ".num_batches_tracked";

    private TorchvisionWeights() {}

    /** The mapping table of {@code net}, in graph order. */
    public static List<Mapping> table(ComputationGraph net) {
        Map<String, GraphVertex> vertices = net.getConfiguration().getVertices();
        Map<String, List<String>> branches = new TreeMap<>();
        for (String v : vertices.keySet()) {
            if (TorchNames.branchOf(v) >= 0 && isLayerWithParams(vertices.get(v))) {
                branches.computeIfAbsent(TorchNames.moduleOf(v), k -> new ArrayList<>())
                        .add(v);
            }
        }
        branches.values().forEach(list -> list.sort((a, b) -> TorchNames.branchOf(a) - TorchNames.branchOf(b)));

        List<Mapping> table = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : vertices.entrySet()) {
            String v = e.getKey();
            if (!isLayerWithParams(e.getValue())) {
                continue;
            }
            Layer layer = unfrozen(((LayerVertex) e.getValue()).getLayerConf().getLayer());
            if (layer instanceof Conv2dNormActivation) {
                table.add(new Mapping(v + ".weight", shape(net, v, "W"), List.of(target(v, "W", Transform.COPY))));
                batchNorm(table, net, v, TorchNames.normOf(v), true);
            } else if (layer instanceof ConvolutionLayer) {
                if (TorchNames.branchOf(v) >= 0) {
                    List<String> group = branches.get(TorchNames.moduleOf(v));
                    if (group.get(0).equals(v)) {
                        table.add(groupedConv(net, TorchNames.moduleOf(v), group));
                    }
                    continue;
                }
                table.add(new Mapping(v + ".weight", shape(net, v, "W"), List.of(target(v, "W", Transform.COPY))));
                if (((ConvolutionLayer) layer).hasBias()) {
                    table.add(copy(net, v, v, "bias", "b"));
                }
            } else if (layer instanceof BatchNormalization) {
                batchNorm(table, net, v, v, ((BatchNormalization) layer).isUseLogStd());
            } else if (layer instanceof DenseLayer) {
                long[] w = shape(net, v, "W");
                table.add(new Mapping(
                        v + ".weight", new long[] {w[1], w[0]}, List.of(target(v, "W", Transform.TRANSPOSE))));
                table.add(copy(net, v, v, "bias", "b"));
            } else {
                throw new IllegalArgumentException("vertex \"" + v + "\": no torchvision mapping for a "
                        + layer.getClass().getSimpleName() + " with parameters");
            }
        }
        return table;
    }

    /**
     * The layer a frozen layer wraps (DL4J's {@code TransferLearning} feature extractor, {@code initFineTune(...,
     * true)}): the same parameters under the same keys, so a fine-tuned model with a frozen backbone maps (and
     * exports, and gets an inference form) as the unfrozen one does.
     */
    private static Layer unfrozen(Layer layer) {
        if (layer instanceof FrozenLayer f) {
            return unfrozen(f.getLayer());
        }
        if (layer instanceof FrozenLayerWithBackprop f) {
            return unfrozen(f.getUnderlying());
        }
        return layer;
    }

    private static boolean isLayerWithParams(GraphVertex gv) {
        return gv instanceof LayerVertex && gv.numParams(true) > 0;
    }

    private static Mapping groupedConv(ComputationGraph net, String module, List<String> group) {
        long[] branch = shape(net, group.get(0), "W");
        List<Target> targets = new ArrayList<>();
        long row = 0;
        for (String v : group) {
            long rows = shape(net, v, "W")[0];
            targets.add(new Target(v, "W", Transform.ROWS, row, row + rows));
            row += rows;
        }
        return new Mapping(module + ".weight", new long[] {row, branch[1], branch[2], branch[3]}, targets);
    }

    /** The four tensors of torchvision BatchNorm {@code module}, held by {@code vertex}. */
    private static void batchNorm(
            List<Mapping> table, ComputationGraph net, String vertex, String module, boolean logStd) {
        table.add(copy(net, vertex, module, "weight", BatchNormalizationParamInitializer.GAMMA));
        table.add(copy(net, vertex, module, "bias", BatchNormalizationParamInitializer.BETA));
        table.add(copy(net, vertex, module, "running_mean", BatchNormalizationParamInitializer.GLOBAL_MEAN));
        String varKey = logStd
                ? BatchNormalizationParamInitializer.GLOBAL_LOG_STD
                : BatchNormalizationParamInitializer.GLOBAL_VAR;
        table.add(new Mapping(
                module + ".running_var",
                new long[] {length(net, vertex, varKey)},
                List.of(target(vertex, varKey, Transform.BN_VARIANCE))));
    }

    private static Mapping copy(ComputationGraph net, String vertex, String module, String torchSuffix, String param) {
        return new Mapping(
                module + "." + torchSuffix,
                new long[] {length(net, vertex, param)},
                List.of(target(vertex, param, Transform.COPY)));
    }

    private static Target target(String vertex, String param, Transform t) {
        return new Target(vertex, param, t, 0, 0);
    }

    private static long[] shape(ComputationGraph net, String vertex, String param) {
        return net.getParam(vertex + "_" + param).shape();
    }

    private static long length(ComputationGraph net, String vertex, String param) {
        return net.getParam(vertex + "_" + param).length();
    }

    /**
     * Loads every tensor of a torchvision/timm weights file (safetensors, or a PyTorch {@code .pth}/{@code .pt} of
     * either {@code torch.save} format: see {@link WeightFile#open(Path)}) into {@code net}, strictly.
     */
    public static LoadReport load(ComputationGraph net, Path file) throws IOException {
        return load(net, file, Options.strictAll());
    }

    /**
     * Loads a torchvision/timm weights file (safetensors or PyTorch {@code .pth}/{@code .pt}, told apart by its first
     * bytes) into {@code net}.
     *
     * @throws IllegalArgumentException naming the file, the missing and unexpected keys (strict mode) or the first
     *                                  key whose shape differs, with both shapes; {@code net} is then unchanged
     * @throws IOException              when the file is unreadable; a {@link WeightFileFormatException} when it is
     *                                  not a valid safetensors or PyTorch weights file
     */
    public static LoadReport load(ComputationGraph net, Path file, Options options) throws IOException {
        return load(net, file, options, loaded -> {});
    }

    /**
     * {@link #load(ComputationGraph, Path, Options)}, reporting progress: {@code progress} is called with the number
     * of tensors loaded so far after each one (of {@code table(net).size()} at most), e.g. for a progress bar.
     */
    public static LoadReport load(ComputationGraph net, Path file, Options options, IntConsumer progress)
            throws IOException {
        List<Mapping> table = table(net);
        Options leftOut = new Options(true, modulesNotBuilt(net));
        try (WeightFile reader = WeightFile.open(file)) {
            Map<String, Mapping> expected = new LinkedHashMap<>();
            for (Mapping m : table) {
                if (!options.excluded(m.torchKey())) {
                    expected.put(m.torchKey(), m);
                }
            }
            Set<String> missing = new TreeSet<>();
            for (String k : expected.keySet()) {
                if (!reader.contains(k)) {
                    missing.add(k);
                }
            }
            Set<String> unexpected = new TreeSet<>();
            List<String> ignored = new ArrayList<>();
            for (String k : reader.names()) {
                if (expected.containsKey(k)) {
                    continue;
                }
                if (k.endsWith(NUM_BATCHES_TRACKED) || options.excluded(k) || leftOut.excluded(k)) {
                    ignored.add(k);
                } else {
                    unexpected.add(k);
                }
            }
            if (options.strict() && (!missing.isEmpty() || !unexpected.isEmpty())) {
                throw new IllegalArgumentException(file + ": the weights do not fit the model: "
                        + missing.size() + " missing key(s) " + abbreviate(missing) + ", "
                        + unexpected.size() + " unexpected key(s) " + abbreviate(unexpected));
            }
            for (Mapping m : expected.values()) {
                if (!reader.contains(m.torchKey())) {
                    continue;
                }
                long[] shape = reader.shape(m.torchKey());
                if (!Arrays.equals(shape, m.torchShape())) {
                    throw new IllegalArgumentException(file + ": tensor \"" + m.torchKey() + "\" has shape "
                            + Arrays.toString(shape) + " in the file, the model expects "
                            + Arrays.toString(m.torchShape()) + hint(m.torchKey()));
                }
                DType dtype = reader.dtype(m.torchKey());
                if (!dtype.isFloat()) {
                    throw new IllegalArgumentException(file + ": tensor \"" + m.torchKey() + "\" has dtype " + dtype
                            + ", expected F32, F16, BF16 or F64");
                }
            }
            int loaded = 0;
            for (Mapping m : expected.values()) {
                if (reader.contains(m.torchKey())) {
                    write(net, m, reader.getFloat(m.torchKey()));
                    loaded++;
                    progress.accept(loaded);
                }
            }
            return new LoadReport(loaded, Collections.unmodifiableList(ignored));
        }
    }

    /**
     * The torchvision modules with parameters that a features-only graph (no {@code fc} vertex) does not build:
     * {@code fc} and the stages after its last feature; none for any other graph.
     */
    private static Set<String> modulesNotBuilt(ComputationGraph net) {
        Set<String> vertices = net.getConfiguration().getVertices().keySet();
        if (vertices.contains(TorchNames.FC)) {
            return Set.of();
        }
        Set<String> modules = new TreeSet<>(Set.of(TorchNames.FC));
        for (int stage = 1; stage <= ResNeXtSpec.NUM_STAGES; stage++) {
            String prefix = TorchNames.stage(stage) + ".";
            if (vertices.stream().noneMatch(v -> v.startsWith(prefix))) {
                modules.add(TorchNames.stage(stage));
            }
        }
        return modules;
    }

    private static String hint(String key) {
        return key.startsWith(TorchNames.FC + ".")
                ? " (a classifier for another number of classes: load all but fc, and fine-tune)"
                : "";
    }

    private static String abbreviate(Set<String> keys) {
        if (keys.size() <= 12) {
            return keys.toString();
        }
        List<String> first = new ArrayList<>(keys).subList(0, 12);
        return first.toString().replace("]", ", ... " + (keys.size() - 12) + " more]");
    }

    private static void write(ComputationGraph net, Mapping m, INDArray torch) {
        for (Target t : m.targets()) {
            INDArray param = net.getParam(t.key());
            INDArray value =
                    switch (t.transform()) {
                        case COPY -> torch;
                        case TRANSPOSE -> torch.transpose();
                        case ROWS ->
                            torch.get(
                                    NDArrayIndex.interval(t.rowFrom(), t.rowTo()),
                                    NDArrayIndex.all(),
                                    NDArrayIndex.all(),
                                    NDArrayIndex.all());
                        case BN_VARIANCE ->
                            t.param().equals(BatchNormalizationParamInitializer.GLOBAL_LOG_STD)
                                    ? Transforms.log(Transforms.sqrt(torch, true), 10.0, false)
                                    : torch;
                    };
            param.assign(value.reshape(param.shape()).castTo(param.dataType()));
        }
    }

    /** The graph's parameters under torchvision's names and layouts (F32), inverse of {@link #load}. */
    public static Map<String, INDArray> stateDict(ComputationGraph net) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Mapping m : table(net)) {
            List<INDArray> parts = new ArrayList<>();
            for (Target t : m.targets()) {
                INDArray p = net.getParam(t.key()).castTo(DataType.FLOAT);
                parts.add(
                        switch (t.transform()) {
                            case COPY, ROWS -> p.dup('c');
                            case TRANSPOSE -> p.transpose().dup('c');
                            case BN_VARIANCE ->
                                t.param().equals(BatchNormalizationParamInitializer.GLOBAL_LOG_STD)
                                        ? varianceFromLog10Std(p)
                                        : p.dup('c');
                        });
            }
            INDArray value = parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(new INDArray[0]));
            out.put(m.torchKey(), value.reshape('c', m.torchShape()));
        }
        return out;
    }

    /** {@code (10^log10std)^2}, the variance DL4J's log-std BatchNorm stores. */
    private static INDArray varianceFromLog10Std(INDArray log10Std) {
        INDArray std = Transforms.pow(Nd4j.valueArrayOf(log10Std.shape(), 10.0, DataType.FLOAT), log10Std, false);
        return std.muli(std);
    }

    /** Writes the graph's parameters as a torchvision-named F32 safetensors file (atomically). */
    public static void save(ComputationGraph net, Path file, Map<String, String> metadata) throws IOException {
        SafeTensorsWriter.write(file, stateDict(net), metadata);
    }
}
