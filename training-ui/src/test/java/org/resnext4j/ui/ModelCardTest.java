package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.resnext4j.datavec.ImagePreprocessor;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.datavec.StripesDataset;
import org.resnext4j.zoo.GraphForm;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * The model card: its JSON round trip, the migration of files written before it existed (training checkpoints and
 * imports), and {@link SavedModel}: load and predict in three lines with the stored names and preprocessing.
 */
class ModelCardTest {

    private static final ResNeXtSpec SPEC = ResNeXtSpec.tiny().toBuilder()
            .numClasses(3)
            .inputShape(3, 32, 32)
            .form(GraphForm.SPLIT)
            .build();
    private static final PreprocessingConfig PRE =
            new PreprocessingConfig(32, 40, new float[] {0.5f, 0.4f, 0.3f}, new float[] {0.2f, 0.25f, 0.3f});

    @Test
    void jsonRoundTripKeepsEveryPart() throws IOException {
        ModelCard card = ModelCard.of(SPEC, PRE)
                .withModel("tiny")
                .withClassNames(StripesDataset.CLASSES)
                .withTraining(Map.of("seed", 7, "optimizer", "adam"));
        ObjectMapper json = new ObjectMapper();
        Map<?, ?> back = json.readValue(json.writeValueAsString(card.toMap()), Map.class);
        ModelCard read = ModelCard.fromMap(back);
        assertEquals("tiny", read.model());
        assertEquals(SPEC, read.spec());
        assertEquals(GraphForm.SPLIT, read.spec().form());
        assertEquals(StripesDataset.CLASSES, read.classNames());
        assertEquals(PRE, read.preprocessing());
        assertEquals(Map.of("seed", 7, "optimizer", "adam"), read.training());
        assertEquals(ModelCard.FORMAT, back.get("format"));
    }

    /** The layout of checkpoints and imports written before model cards (this project's 0.1.0 sessions). */
    @Test
    void filesWrittenBeforeModelCardsMigrate() {
        Map<String, Object> spec = new LinkedHashMap<>(SPEC.toMap());
        spec.remove("form"); // not stored then
        Map<String, Object> pre = new ObjectMapperHolder().map(PRE.toJson());
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("data", "/data/stripes");
        extra.put("model", "tiny");
        extra.put("seed", 42);
        extra.put("spec", spec);
        extra.put("preprocessing", pre);
        Map<String, Object> checkpoint = new LinkedHashMap<>();
        checkpoint.put("format", "resnext4j-checkpoint/1");
        checkpoint.put("class_names", List.of("a", "b", "c"));
        checkpoint.put("extra", extra);
        ModelCard c = ModelCard.fromMetadata(checkpoint);
        assertEquals("tiny", c.model());
        assertEquals(SPEC.withForm(ResNeXtSpec.tiny().form()), c.spec());
        assertEquals(List.of("a", "b", "c"), c.classNames());
        assertEquals(PRE, c.preprocessing());
        assertEquals(Map.of("data", "/data/stripes", "model", "tiny", "seed", 42), c.training());

        Map<String, Object> imported = new LinkedHashMap<>();
        imported.put("format", "resnext4j-imported/1");
        imported.put("model", "resnext50_32x4d");
        imported.put("spec", ResNeXtSpec.preset("resnext50_32x4d").toMap());
        imported.put(
                "preprocessing",
                new ObjectMapperHolder().map(PreprocessingConfig.imagenet(224).toJson()));
        ModelCard i = ModelCard.fromMetadata(imported);
        assertEquals("resnext50_32x4d", i.model());
        assertEquals(ResNeXtSpec.preset("resnext50_32x4d"), i.spec());
        assertNull(i.classNames());
        assertEquals(PreprocessingConfig.imagenet(224), i.preprocessing());
        assertTrue(i.training().isEmpty());

        checkpoint.put(ModelCard.KEY, Map.of("spec", Map.of("name", "x")));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ModelCard.fromMetadata(checkpoint));
        assertEquals("spec: missing \"blocks\"", e.getMessage());
    }

    /**
     * The training settings of checkpoints written before {@link RunSettings} (a model card's {@code training} part
     * as {@code train} and {@code spark-train} wrote it at f300108, and the {@code extra} entries of the layout before
     * model cards) read into the record and write back identical.
     */
    @Test
    void settingsOfThePreviousReleasesReadIntoTheRecordAndWriteBackIdentical() throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (Map.Entry<String, Map<String, Object>> e :
                RunSettingsTest.fixture().entrySet()) {
            Map<String, Object> card = new LinkedHashMap<>(
                    ModelCard.of(SPEC, PRE).withModel("tiny").toMap());
            card.put("training", e.getValue());
            Map<String, Object> metadata = json.readValue(
                    json.writeValueAsString(Map.of("format", "resnext4j-checkpoint/1", ModelCard.KEY, card)),
                    new TypeReference<Map<String, Object>>() {});
            ModelCard read = ModelCard.fromMetadata(metadata);
            RunSettings settings = read.settings();
            assertEquals(e.getValue().get("data"), settings.data().folder(), e.getKey());
            ModelCard written = read.withSettings(settings);
            assertEquals(
                    json.writeValueAsString(e.getValue()),
                    json.writeValueAsString(written.toMap().get("training")),
                    e.getKey());
            assertEquals(
                    json.writeValueAsString(((Map<?, ?>) metadata.get(ModelCard.KEY))),
                    json.writeValueAsString(written.toMap()),
                    e.getKey() + ": the whole card");
        }
        // the first releases' layout: settings among "extra" (no model key yet), spec and preprocessing beside them
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("data", "/data/shapes");
        extra.put("data_generated", false);
        extra.put("image_size", 64);
        extra.put("batch_size", 16);
        extra.put("validation_split", 0.2);
        extra.put("seed", 42);
        extra.put("augment", "imagenet");
        extra.put("optimizer", "adam");
        extra.put("learning_rate", 0.001);
        extra.put("schedule", "cosine");
        extra.put("weight_decay", 0.0);
        extra.put("pretrained", "/w/resnet50.safetensors");
        extra.put("freeze_backbone", true);
        Map<String, Object> withLayout = new LinkedHashMap<>(extra);
        withLayout.put("spec", SPEC.toMap());
        withLayout.put("preprocessing", new ObjectMapperHolder().map(PRE.toJson()));
        ModelCard old = ModelCard.fromMetadata(
                Map.of("format", "resnext4j-checkpoint/1", "class_names", List.of("a", "b", "c"), "extra", withLayout));
        RunSettings settings = old.settings();
        assertNull(settings.model());
        assertEquals(new RunSettings.FineTune("/w/resnet50.safetensors", true, null, null), settings.fineTune());
        assertEquals(json.writeValueAsString(extra), json.writeValueAsString(settings.toMap()));
    }

    @Test
    void savedModelPredictsInThreeLinesWithStoredNamesAndPreprocessing(@TempDir Path tmp) throws IOException {
        Path data = StripesDataset.write(tmp.resolve("stripes"), 2, 3);
        ComputationGraph net = ResNeXt.builder(SPEC).seed(1).build().init();
        Path file = tmp.resolve("model.zip");
        // as an old checkpoint: class names at the top level, no card; then as a new one
        Checkpoints.save(
                net,
                file,
                Map.of(
                        "class_names",
                        StripesDataset.CLASSES,
                        "extra",
                        Map.of("preprocessing", new ObjectMapperHolder().map(PRE.toJson()))));
        Path image = data.resolve(StripesDataset.CLASSES.get(1)).resolve("000.png");
        for (int round = 0; round < 2; round++) {
            SavedModel model = SavedModel.load(file);
            List<SavedModel.Prediction> top = model.predict(image, 2);
            System.out.println(top.get(0).label() + " " + top.get(0).probability());

            INDArray p = net.outputSingle(false, new ImagePreprocessor(PRE).preprocess(image));
            int best = p.argMax(1).getInt(0);
            assertEquals(StripesDataset.CLASSES.get(best), top.get(0).label());
            assertEquals(p.getDouble(0, best), top.get(0).probability(), 1e-6);
            assertEquals(2, top.size());
            assertTrue(top.get(0).probability() >= top.get(1).probability());
            assertEquals(PRE, model.preprocessing());
            assertEquals(3, model.numClasses());
            // with the spec in its card (the second round) it predicts on the inference form
            assertEquals(round == 1, model.usesInferenceForm());
            model.close();
            Checkpoints.save(
                    net,
                    file,
                    Map.of(
                            ModelCard.KEY,
                            ModelCard.of(SPEC, PRE)
                                    .withClassNames(StripesDataset.CLASSES)
                                    .toMap()));
        }
    }

    @Test
    void aCardWithoutPreprocessingIsRefusedNotGuessed(@TempDir Path tmp) throws IOException {
        Path data = StripesDataset.write(tmp.resolve("stripes"), 1, 3);
        Path image = data.resolve(StripesDataset.CLASSES.get(0)).resolve("000.png");
        ComputationGraph net = ResNeXt.builder(SPEC).seed(1).build().init();
        Path file = tmp.resolve("no-preprocessing.zip");
        // what a TrainingRun without modelCard(...) wrote: class names and settings only
        Checkpoints.save(
                net,
                file,
                Map.of(
                        ModelCard.KEY,
                        ModelCard.empty().withClassNames(StripesDataset.CLASSES).toMap()));
        SavedModel model = SavedModel.load(file);
        assertTrue(!model.hasPreprocessing());
        CheckpointException e = assertThrows(CheckpointException.class, () -> model.predict(image, 1));
        assertEquals(
                file + ": its model card holds no preprocessing (the input size, resize and normalisation it was "
                        + "trained with); give it with SavedModel.withPreprocessing(PreprocessingConfig)",
                e.getMessage());
        assertThrows(CheckpointException.class, model::preprocessing);

        SavedModel given = model.withPreprocessing(PRE);
        INDArray p = net.outputSingle(false, new ImagePreprocessor(PRE).preprocess(image));
        assertEquals(
                p.getDouble(0, p.argMax(1).getInt(0)),
                given.predict(image, 1).get(0).probability(),
                1e-6);
        assertEquals(PRE, given.preprocessing());
    }

    /** JSON text to a map, as a checkpoint's metadata holds it. */
    private static final class ObjectMapperHolder {
        @SuppressWarnings("unchecked")
        Map<String, Object> map(String json) {
            try {
                return new ObjectMapper().readValue(json, Map.class);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
