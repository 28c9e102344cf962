package org.resnext4j.ui;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.zoo.Int8Calibration;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * What a saved model is, stored with it (in checkpoints and imported models, metadata key {@value #KEY}), each part
 * written and read by the module that owns it: the model's name and its {@link ResNeXtSpec} (zoo-resnext,
 * {@link ResNeXtSpec#toMap()}), the class names and the {@link PreprocessingConfig} its inputs need
 * (datavec-pipelines, {@link PreprocessingConfig#toJson()}), and the training settings (this module: whatever the
 * training loop recorded, e.g. the CLI's options, typed by {@link #settings()}). {@link SavedModel} reads it back
 * with the model.
 *
 * <p>Files written before the card existed keep loading: {@link #fromMetadata} reads their layout (class names at the
 * top level; model name, spec and preprocessing under {@code extra} for training checkpoints or at the top level for
 * imports; the other {@code extra} entries as training settings).
 *
 * @param model         the model's name (a preset, {@code tiny}, or the user's), or null
 * @param spec          the spec, or null (a network that is not a ResNeXt)
 * @param classNames    class names in output order, or null (indices)
 * @param preprocessing what an input image goes through, or null (unknown)
 * @param training      training settings, possibly empty, as stored (the form of {@link RunSettings#toMap()} for runs
 *                      of the command line; any JSON-ready values for a user's own loop)
 * @param int8          for a quantized model, the activation ranges of its int8 inference form (zoo-resnext,
 *                      {@link Int8Calibration#toMap()}, key {@code int8_calibration}), or null; cards written before
 *                      quantization existed have none
 */
public record ModelCard(
        String model,
        ResNeXtSpec spec,
        List<String> classNames,
        PreprocessingConfig preprocessing,
        Map<String, Object> training,
        Int8Calibration int8) {

    /** Metadata key of the card in a checkpoint. */
    public static final String KEY = "model_card";
    /** Value of the card's {@code format} key. */
    public static final String FORMAT = "resnext4j-model-card/1";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Key of the int8 calibration in the card's map. */
    public static final String INT8_KEY = "int8_calibration";

    /** Copies the lists and maps; {@code training} null is empty. */
    public ModelCard {
        classNames = classNames == null ? null : List.copyOf(classNames);
        training = training == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(training));
    }

    /** A card of a model that is not quantized. */
    public ModelCard(
            String model,
            ResNeXtSpec spec,
            List<String> classNames,
            PreprocessingConfig preprocessing,
            Map<String, Object> training) {
        this(model, spec, classNames, preprocessing, training, null);
    }

    /** An empty card. */
    public static ModelCard empty() {
        return new ModelCard(null, null, null, null, Map.of());
    }

    /** This card with the int8 calibration of a quantized model (null: not quantized). */
    public ModelCard withInt8(Int8Calibration calibration) {
        return new ModelCard(model, spec, classNames, preprocessing, training, calibration);
    }

    /** A card for a model built from {@code spec} (named after it) with the inputs' {@code preprocessing}. */
    public static ModelCard of(ResNeXtSpec spec, PreprocessingConfig preprocessing) {
        return new ModelCard(spec.name(), spec, null, preprocessing, Map.of());
    }

    /** This card with another model name. */
    public ModelCard withModel(String name) {
        return new ModelCard(name, spec, classNames, preprocessing, training, int8);
    }

    /** This card with class names. */
    public ModelCard withClassNames(List<String> names) {
        return new ModelCard(model, spec, names, preprocessing, training, int8);
    }

    /** This card with training settings (replacing the previous ones). */
    public ModelCard withTraining(Map<String, Object> settings) {
        return new ModelCard(model, spec, classNames, preprocessing, settings, int8);
    }

    /** This card with the settings of a run (replacing the previous training settings). */
    public ModelCard withSettings(RunSettings settings) {
        return withTraining(settings.toMap());
    }

    /**
     * The training settings, typed.
     *
     * @throws IllegalArgumentException naming the key when a stored value has the wrong type
     */
    public RunSettings settings() {
        return RunSettings.fromMap(training);
    }

    /** A training setting, if recorded. */
    public Optional<Object> setting(String key) {
        return Optional.ofNullable(training.get(key));
    }

    /** The card as JSON-ready values, the form stored under {@value #KEY}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        if (model != null) {
            m.put("model", model);
        }
        if (spec != null) {
            m.put("spec", spec.toMap());
        }
        if (classNames != null) {
            m.put("class_names", classNames);
        }
        if (preprocessing != null) {
            m.put("preprocessing", readJson(preprocessing.toJson()));
        }
        m.put("training", training);
        if (int8 != null) {
            m.put(INT8_KEY, int8.toMap());
        }
        return m;
    }

    /**
     * The card {@link #toMap()} wrote.
     *
     * @throws IllegalArgumentException naming the part that is unreadable
     */
    public static ModelCard fromMap(Map<?, ?> m) {
        return new ModelCard(
                m.get("model") == null ? null : String.valueOf(m.get("model")),
                spec(m.get("spec")),
                names(m.get("class_names")),
                preprocessing(m.get("preprocessing")),
                settings(m.get("training")),
                m.get(INT8_KEY) instanceof Map<?, ?> q ? Int8Calibration.fromMap(q) : null);
    }

    /**
     * The card of a saved model's metadata: the {@value #KEY} entry, or for files written before it existed, the
     * card their layout holds (see the class comment).
     *
     * @throws IllegalArgumentException naming the part that is unreadable
     */
    public static ModelCard fromMetadata(Map<String, Object> metadata) {
        if (metadata.get(KEY) instanceof Map<?, ?> card) {
            return fromMap(card);
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        if (metadata.get("extra") instanceof Map<?, ?> e) {
            e.forEach((k, v) -> extra.put(String.valueOf(k), v));
        }
        // an import kept model, spec and preprocessing at the top level, a training run under "extra"
        Object model = extra.containsKey("model") ? extra.get("model") : metadata.get("model");
        Object spec = extra.containsKey("spec") ? extra.remove("spec") : metadata.get("spec");
        Object pre = extra.containsKey("preprocessing") ? extra.remove("preprocessing") : metadata.get("preprocessing");
        return new ModelCard(
                model == null ? null : String.valueOf(model),
                spec(spec),
                names(metadata.get("class_names")),
                preprocessing(pre),
                extra);
    }

    /**
     * The card of a loaded checkpoint ({@link #fromMetadata}).
     *
     * @throws CheckpointException naming the file when the card is unreadable
     */
    static ModelCard of(Checkpoints.Checkpoint cp) {
        try {
            return fromMetadata(cp.metadata());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(
                    "Checkpoint " + cp.file() + ": the model card is unreadable: " + e.getMessage(), e);
        }
    }

    private static ResNeXtSpec spec(Object o) {
        return o instanceof Map<?, ?> m ? ResNeXtSpec.fromMap(m) : null;
    }

    private static List<String> names(Object o) {
        if (!(o instanceof List<?> list)) {
            return null;
        }
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(String.valueOf(n)));
        return out;
    }

    private static PreprocessingConfig preprocessing(Object o) {
        if (o == null) {
            return null;
        }
        try {
            return PreprocessingConfig.fromJson(JSON.writeValueAsString(o));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IllegalArgumentException("preprocessing: unreadable: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> settings(Object o) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), v));
        }
        return out;
    }

    private static Object readJson(String json) {
        try {
            return JSON.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("JSON written by PreprocessingConfig does not parse: " + e.getMessage(), e);
        }
    }
}
