package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.ui.EpochMetrics;
import org.resnext4j.ui.MetricsHistory;
import org.resnext4j.ui.RunSettings;
import org.resnext4j.ui.SavedModel;
import org.resnext4j.ui.Trainer;

/**
 * {@code train --auto-augment/--color-jitter/--random-erase}: stored in the run's settings (the model card of every
 * checkpoint), printed, and honoured by {@code --resume}: a run trained for 1 epoch and resumed to 2 has the metrics
 * of the run trained for 2 at once (tolerance 1e-6 as {@link CliResumeTest}); were the augmentations not restored,
 * epoch 2 would see other pixels. Runs without them store none of the keys, so checkpoints written before these
 * options read as "no extra augmentation".
 */
class AugmentCliTest {

    private static final String[] EXTRAS = {
        "--auto-augment", "trivialaugment", "--color-jitter", "0.4,0.4,0.4,0.1", "--random-erase", "0.5"
    };

    @Test
    void extraAugmentationsAreStoredPrintedAndResumedExactly(@TempDir Path tmp) throws IOException {
        Path data = ShapesDataset.write(tmp.resolve("shapes"), 12, ShapesDataset.DEFAULT_SIZE, 5);
        Path full = tmp.resolve("full");
        Path split = tmp.resolve("split");
        CliRunner.Result first = CliRunner.run(train(data, full, "2"));
        assertEquals(0, first.code(), first.toString());
        assertTrue(
                first.out()
                        .contains("Augmentation: light, ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, "
                                + "hue=0.1), TrivialAugmentWide(bins=31), RandomErasing(p=0.5, scale=(0.02, 0.33), "
                                + "ratio=(0.3, 3.3), value=0.0)"),
                first.out());
        assertEquals(0, CliRunner.run(train(data, split, "1")).code());
        try (SavedModel m =
                SavedModel.load(split.resolve(Trainer.CHECKPOINT_DIR).resolve(Trainer.LAST_CHECKPOINT))) {
            Map<String, Object> t = m.card().training();
            assertEquals("trivialaugment", t.get("auto_augment"));
            assertEquals(List.of(0.4, 0.4, 0.4, 0.1), t.get("color_jitter"));
            assertEquals(0.5, t.get("random_erase"));
        }
        CliRunner.Result r = CliRunner.run("train", "--resume", "--out", split.toString(), "--epochs", "2", "--no-ui");
        assertEquals(0, r.code(), r.toString());
        List<EpochMetrics> a =
                MetricsHistory.readJson(full.resolve("metrics.json")).epochs();
        List<EpochMetrics> b =
                MetricsHistory.readJson(split.resolve("metrics.json")).epochs();
        assertEquals(2, b.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(a.get(i).trainLoss(), b.get(i).trainLoss(), 1e-6, "epoch " + (i + 1) + " train loss");
            assertEquals(a.get(i).valLoss(), b.get(i).valLoss(), 1e-6, "epoch " + (i + 1) + " validation loss");
        }
    }

    @Test
    void runsWithoutThemStoreNoneOfTheKeys() {
        RunSettings none = RunSettings.fromMap(Map.of("augment", "light"));
        assertEquals("", TrainData.extraAugmentationsDescription(none));
        assertFalse(TrainData.withExtraAugmentations(org.resnext4j.datavec.TrainTransform.imagenet(32), none)
                .toString()
                .contains("Augment"));
    }

    private static String[] train(Path data, Path out, String epochs) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "train",
                "--data",
                data.toString(),
                "--model",
                "tiny",
                "--size",
                "32",
                "--batch",
                "16",
                "--seed",
                "9",
                "--schedule",
                "step",
                "--lr-step",
                "1",
                "--augment",
                "light",
                "--no-ui",
                "--epochs",
                epochs,
                "--out",
                out.toString()));
        args.addAll(List.of(EXTRAS));
        return args.toArray(new String[0]);
    }
}
