package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * {@link RunSettings}: the settings maps the command line's {@code train} and {@code spark-train} wrote before the
 * record existed (fixture {@code compat/run-settings-f300108.json}, real runs of that commit) read into it and write
 * back identical; a round trip; absent keys read as today's defaults; a wrong type or an incomplete group is refused
 * naming the key; unknown keys are kept.
 */
class RunSettingsTest {

    static final String FIXTURE = "/compat/run-settings-f300108.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The fixture's settings maps by name, values as a checkpoint's metadata reads them back. */
    static Map<String, Map<String, Object>> fixture() throws IOException {
        try (InputStream in = RunSettingsTest.class.getResourceAsStream(FIXTURE)) {
            return JSON.readValue(in, new TypeReference<LinkedHashMap<String, Map<String, Object>>>() {});
        }
    }

    @Test
    void mapsOfThePreviousReleaseWriteBackIdentical() throws IOException {
        Set<RunSettings.Key> seen = EnumSet.noneOf(RunSettings.Key.class);
        for (Map.Entry<String, Map<String, Object>> e : fixture().entrySet()) {
            Map<String, Object> stored = e.getValue();
            RunSettings s = RunSettings.fromMap(stored);
            assertEquals(Map.of(), s.other(), e.getKey() + ": every key is known");
            assertEquals(JSON.writeValueAsString(stored), JSON.writeValueAsString(s.toMap()), e.getKey());
            // and once more through JSON, as a checkpoint stores it
            Map<?, ?> reread = JSON.readValue(JSON.writeValueAsString(s.toMap()), Map.class);
            assertEquals(s, RunSettings.fromMap(reread), e.getKey());
            for (RunSettings.Key k : RunSettings.Key.values()) {
                if (stored.containsKey(k.json())) {
                    seen.add(k);
                }
            }
        }
        assertEquals(EnumSet.allOf(RunSettings.Key.class), seen, "the fixture holds every key");
    }

    @Test
    void fixtureValuesReadIntoTheirComponents() throws IOException {
        Map<String, Map<String, Object>> f = fixture();
        RunSettings t = RunSettings.fromMap(f.get("train_fine_tune"));
        assertEquals("/home/user/data/shapes", t.data().folder());
        assertEquals(false, t.data().generated());
        assertEquals(0.2, t.data().validationSplit());
        assertEquals(42L, t.seed());
        assertEquals(32, t.imageSize());
        assertEquals(8, t.batchSize());
        assertEquals(
                new RunSettings.Augmentation("light", "randaugment", List.of(0.4, 0.3, 0.2, 0.1), 0.25),
                t.augmentation());
        assertEquals(new RunSettings.Optimisation("sgd", 0.02, "step", 1, 0.5, 2e-4), t.optimisation());
        assertEquals(
                new RunSettings.FineTune("/home/user/weights/tiny.safetensors", false, "layer2", 0.1), t.fineTune());
        assertEquals(
                new EarlyStopping(Monitor.VAL_ACCURACY, 3, 0.01),
                t.earlyStopping().toEarlyStopping());
        assertEquals(
                new ReduceLrOnPlateau(Monitor.VAL_LOSS, 0.5, 2, 0.001, 1, 1e-5),
                t.reduceLr().toReduceLrOnPlateau());
        assertEquals(0.1, t.recipe().smoothing());
        assertEquals(0.2, t.recipe().mixup());
        assertEquals(1.0, t.recipe().cutmix());
        assertEquals(new RunSettings.Warmup(1, 0.1), t.recipe().warmup());
        assertEquals(2.0, t.recipe().clipGradNorm());
        assertEquals(
                new RunSettings.Ema(0.99, 2, 0.9199999999999999, "ema"),
                t.recipe().ema());
        assertTrue(t.recipe().ema().bestFromEma());
        assertEquals("finetune", t.recipeName());
        assertEquals(RunSettings.Spark.EMPTY, t.spark());

        RunSettings g = RunSettings.fromMap(f.get("train_generated"));
        assertEquals(new RunSettings.Data("/home/user/runs/run-20261202-083000/data/shapes", true, 600, 0.2), g.data());

        RunSettings s = RunSettings.fromMap(f.get("spark_train"));
        assertEquals(new RunSettings.Spark(true, false, "averaging", 2, "local[1]"), s.spark());
        assertNull(s.augmentation().policy(), "spark-train's augment is its boolean");
        assertEquals(0.01, s.optimisation().learningRate());
        assertNull(s.optimisation().optimizer());
    }

    @Test
    void roundTripOfBuiltSettings() throws IOException {
        RunSettings s = new RunSettings(
                new RunSettings.Data("/d", false, null, 0.1),
                "resnet50",
                224,
                32,
                7L,
                new RunSettings.Augmentation("imagenet", "trivialaugment", null, 0.1),
                new RunSettings.Optimisation("adam", 1e-3, "cosine", null, null, 0.0),
                new RunSettings.FineTune("resnet50.imagenet1k_v2", true, "layer4", 1.0),
                null,
                new RunSettings.ReduceLr(2, 0.1, "val_loss", 1e-4, 0, 0.0),
                new RunSettings.RecipeOptions(0.1, null, 1.0, new RunSettings.Warmup(2, 0.01), null, null),
                "torchvision",
                null,
                Map.of("note", "kept"));
        Map<?, ?> stored = JSON.readValue(JSON.writeValueAsString(s.toMap()), Map.class);
        assertEquals(s, RunSettings.fromMap(stored));
        assertEquals("kept", stored.get("note"));
        assertFalse(stored.containsKey("mixup_alpha"), "absent values are not written");
    }

    @Test
    void absentKeysReadAsTodaysDefaults() {
        RunSettings s = RunSettings.fromMap(Map.of());
        assertEquals(RunSettings.EMPTY, s);
        assertEquals(Map.of(), s.toMap());
        assertNull(s.data().folder());
        assertNull(s.data().perClass(), "a generated run of before data_per_class: the command reads 200");
        assertNull(s.fineTune());
        assertNull(s.earlyStopping());
        assertNull(s.reduceLr());
        assertEquals(0, s.recipe().smoothing());
        assertEquals(0, s.recipe().mixup());
        assertEquals(0, s.recipe().cutmix());
        assertEquals(0, s.recipe().warmupEpochs());
        assertNull(s.recipe().clipGradNorm());
        assertNull(s.recipe().ema());
        assertNull(s.augmentation().autoAugment());
        assertNull(s.augmentation().colorJitter());
        assertNull(s.augmentation().randomErase());
        // a fine-tuning run of before --freeze-until and --backbone-lr-scale
        RunSettings old = RunSettings.fromMap(Map.of("pretrained", "/w.safetensors", "freeze_backbone", true));
        assertEquals(new RunSettings.FineTune("/w.safetensors", true, null, null), old.fineTune());
        assertEquals(Map.of("pretrained", "/w.safetensors", "freeze_backbone", true), old.toMap());
        // an EMA run that keeps best.zip from the raw weights stores no best_checkpoint_from
        RunSettings ema = RunSettings.fromMap(Map.of("ema_decay", 0.9, "ema_steps", 1, "ema_decay_per_update", 0.8));
        assertFalse(ema.recipe().ema().bestFromEma());
    }

    @Test
    void aWrongTypeIsRefusedNamingTheKey() {
        assertEquals("image_size: expected an integer, got \"big\"", refused(Map.of("image_size", "big")));
        assertEquals("image_size: expected an integer, got 32.5", refused(Map.of("image_size", 32.5)));
        assertEquals("seed: expected an integer, got true", refused(Map.of("seed", true)));
        assertEquals("learning_rate: expected a number, got \"fast\"", refused(Map.of("learning_rate", "fast")));
        assertEquals("data: expected a string, got 3", refused(Map.of("data", 3)));
        assertEquals("data_generated: expected true or false, got \"yes\"", refused(Map.of("data_generated", "yes")));
        assertEquals(
                "color_jitter: expected a list of 4 numbers, got [0.4, 0.4]",
                refused(Map.of("color_jitter", List.of(0.4, 0.4))));
        assertEquals(
                "augment: expected a string (train's none, light or imagenet) or a boolean (spark-train's), got 1",
                refused(Map.of("augment", 1)));
        assertEquals(
                "early_stopping_monitor: missing; the run's early-stopping settings are stored together, and this one "
                        + "is not",
                refused(Map.of("early_stopping_patience", 3, "early_stopping_min_delta", 0.0)));
        assertEquals(
                "pretrained: missing; the run's fine-tuning settings are stored together, and this one is not",
                refused(Map.of("freeze_until", "layer2")));
        // the model card names its part
        ModelCard card = ModelCard.empty().withTraining(Map.of("batch_size", "16"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, card::settings);
        assertEquals("batch_size: expected an integer, got \"16\"", e.getMessage());
    }

    @Test
    void unknownKeysAreKept() throws IOException {
        Map<String, Object> stored = new LinkedHashMap<>();
        stored.put("seed", 3);
        stored.put("preset", "tiny-test");
        stored.put("extra_block", Map.of("a", List.of(1, 2)));
        stored.put("model", null);
        RunSettings s = RunSettings.fromMap(stored);
        assertEquals(3L, s.seed());
        assertNull(s.model(), "a null value is absent");
        assertEquals(Set.of("preset", "extra_block", "model"), s.other().keySet());
        assertEquals(JSON.writeValueAsString(stored), JSON.writeValueAsString(s.toMap()));
        Map<?, ?> reread = JSON.readValue(JSON.writeValueAsString(s.toMap()), Map.class);
        assertEquals(s, RunSettings.fromMap(reread));
    }

    @Test
    void bothKindsOfAugmentAreRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new RunSettings(
                        null,
                        null,
                        null,
                        null,
                        null,
                        new RunSettings.Augmentation("light", null, null, null),
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        new RunSettings.Spark(true, null, null, null, null),
                        null));
        assertTrue(e.getMessage().startsWith("augment: either train's policy (light) or spark-train's flag"));
    }

    private static String refused(Map<String, Object> stored) {
        return assertThrows(IllegalArgumentException.class, () -> RunSettings.fromMap(stored))
                .getMessage();
    }
}
