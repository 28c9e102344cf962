package org.resnext4j.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.zoo.ImageNetClasses;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.TorchNames;

/**
 * The CLI's model wiring: the {@code --model} names (the zoo presets plus {@value #TINY}) and reading what the CLI
 * stores with a model (class names, preprocessing, spec) back from a checkpoint's metadata.
 */
final class Models {

    /** A small custom spec for 2-core machines and tests: see {@link #tiny()}. */
    static final String TINY = "tiny";

    /** Keys of the CLI's entries in the checkpoint metadata ({@code extra} for runs written by the Trainer). */
    static final String KEY_MODEL = "model";
    static final String KEY_SPEC = "spec";
    static final String KEY_PREPROCESSING = "preprocessing";
    static final String KEY_CLASS_NAMES = "class_names";
    static final String KEY_EXTRA = "extra";

    private static final ObjectMapper JSON = new ObjectMapper();

    private Models() {
    }

    /** The names {@code --model} accepts. */
    static List<String> names() {
        List<String> names = new ArrayList<>(ResNeXtSpec.presetNames());
        names.add(TINY);
        return names;
    }

    /** The tiny ResNeXt, {@link ResNeXtSpec#tiny()}. */
    static ResNeXtSpec tiny() {
        return ResNeXtSpec.tiny();
    }

    /**
     * The spec for a {@code --model} name with a number of classes and a square input size.
     *
     * @throws IllegalArgumentException naming an unknown model and listing the known ones
     */
    static ResNeXtSpec spec(String model, int numClasses, int size) {
        ResNeXtSpec base;
        if (TINY.equals(model)) {
            base = tiny();
        } else if (ResNeXtSpec.presetNames().contains(model)) {
            base = ResNeXtSpec.preset(model);
        } else {
            throw new IllegalArgumentException("--model: unknown model \"" + model + "\", expected one of " + names());
        }
        return base.toBuilder().numClasses(numClasses).inputShape(3, size, size).build();
    }

    /** The spec as a JSON-serialisable map, stored with a model. */
    static Map<String, Object> describe(ResNeXtSpec spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", spec.name());
        m.put("blocks", toList(spec.blocks()));
        m.put("cardinality", spec.cardinality());
        m.put("baseWidth", spec.baseWidth());
        m.put("planes", toList(spec.planes()));
        m.put("stemWidth", spec.stemWidth());
        m.put("numClasses", spec.numClasses());
        m.put("inputShape", toList(spec.inputShape()));
        return m;
    }

    private static List<Integer> toList(int[] values) {
        List<Integer> l = new ArrayList<>();
        for (int v : values) {
            l.add(v);
        }
        return l;
    }

    /** The preprocessing as a JSON-serialisable map (its {@link PreprocessingConfig#toJson()} form). */
    static Map<String, Object> describe(PreprocessingConfig config) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = JSON.readValue(config.toJson(), LinkedHashMap.class);
            return m;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("preprocessing JSON does not parse: " + e.getMessage(), e);
        }
    }

    /** A checkpoint's graph and metadata. */
    record Loaded(ComputationGraph graph, Map<String, Object> metadata, Path file) {

        /** Class names stored with the model, if any. */
        Optional<List<String>> classNames() {
            if (metadata.get(KEY_CLASS_NAMES) instanceof List<?> names) {
                List<String> out = new ArrayList<>();
                names.forEach(n -> out.add(String.valueOf(n)));
                return Optional.of(out);
            }
            return Optional.empty();
        }

        /** Class names: stored ones, else ImageNet's for a 1000-class model, else the indices. */
        List<String> classNamesOrDefault() {
            Optional<List<String>> stored = classNames();
            if (stored.isPresent()) {
                return stored.get();
            }
            int k = numClasses();
            if (k == ImageNetClasses.COUNT) {
                return ImageNetClasses.names();
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                out.add(Integer.toString(i));
            }
            return out;
        }

        /** Outputs of the classifier. */
        int numClasses() {
            return (int) graph.getLayer(TorchNames.FC).getParam("W").size(1);
        }

        /** The value of a CLI metadata entry ({@code extra} of a Trainer checkpoint, or top level). */
        Optional<Object> entry(String key) {
            if (metadata.get(KEY_EXTRA) instanceof Map<?, ?> extra && extra.containsKey(key)) {
                return Optional.ofNullable(extra.get(key));
            }
            return Optional.ofNullable(metadata.get(key));
        }

        /**
         * The preprocessing stored with the model; a model without one (e.g. from elsewhere) gets ImageNet's at the
         * input size of its stored spec, or 224.
         */
        PreprocessingConfig preprocessing() {
            Optional<Object> stored = entry(KEY_PREPROCESSING);
            if (stored.isPresent()) {
                try {
                    return PreprocessingConfig.fromJson(JSON.writeValueAsString(stored.get()));
                } catch (JsonProcessingException | IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ": the stored preprocessing is unreadable: "
                            + e.getMessage(), e);
                }
            }
            int size = 224;
            if (entry(KEY_SPEC).orElse(null) instanceof Map<?, ?> spec && spec.get("inputShape") instanceof List<?> s
                    && s.size() == 3 && s.get(2) instanceof Number n) {
                size = n.intValue();
            }
            return PreprocessingConfig.imagenet(size);
        }
    }

    /**
     * Loads a checkpoint or model zip as a graph with its metadata.
     *
     * @throws org.resnext4j.ui.CheckpointException naming the file when it is missing, truncated or not a model
     * @throws IllegalArgumentException             when it holds a network other than a ResNeXt graph
     */
    static Loaded load(Path file) {
        Checkpoints.Checkpoint cp = Checkpoints.load(file);
        Model model = cp.model();
        if (!(model instanceof ComputationGraph graph) || graph.getVertex(TorchNames.FC) == null) {
            throw new IllegalArgumentException(file + ": expected a ResNeXt/ResNet ComputationGraph with an \"fc\" "
                    + "layer, got " + model.getClass().getSimpleName());
        }
        return new Loaded(graph, cp.metadata(), file);
    }
}
