package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.EpochMetrics;
import org.resnext4j.ui.MetricsHistory;
import org.resnext4j.ui.ModelCard;

/**
 * {@code train --resume} through the command line reproduces the uninterrupted run: a run trained for 1 epoch and
 * resumed to 3 has the same per-epoch metrics as a run trained for 3 at once, with random-resized-crop and flip
 * augmentation and a shuffled data set (the resumed iterator reads epoch 2's shuffle and crops, not epoch 1's again).
 * A step schedule is used because a cosine schedule is planned over the first run's epoch count. Tolerance 1e-6,
 * as in training-ui's kill-and-resume test (the same operations in the same order give the same floats).
 */
class CliResumeTest {

    @Test
    void resumedRunHasTheMetricsOfTheUninterruptedRun(@TempDir Path tmp) throws IOException {
        Path data = ShapesDataset.write(tmp.resolve("shapes"), 30, ShapesDataset.DEFAULT_SIZE, 5);
        Path full = tmp.resolve("full");
        Path split = tmp.resolve("split");
        assertEquals(0, CliRunner.run(train(data, full, "--epochs", "3")).code());
        assertEquals(0, CliRunner.run(train(data, split, "--epochs", "1")).code());
        CliRunner.Result r = CliRunner.run("train", "--resume", "--out", split.toString(), "--epochs", "3", "--no-ui");
        assertEquals(0, r.code(), r.toString());

        List<EpochMetrics> a =
                MetricsHistory.readJson(full.resolve("metrics.json")).epochs();
        List<EpochMetrics> b =
                MetricsHistory.readJson(split.resolve("metrics.json")).epochs();
        assertEquals(List.of(1, 2, 3), b.stream().map(EpochMetrics::epoch).toList());
        for (int i = 0; i < 3; i++) {
            String e = "epoch " + (i + 1);
            assertEquals(a.get(i).iterations(), b.get(i).iterations(), e);
            assertEquals(a.get(i).learningRate(), b.get(i).learningRate(), 1e-12, e + " lr");
            assertEquals(a.get(i).trainLoss(), b.get(i).trainLoss(), 1e-6, e + " train loss");
            assertEquals(a.get(i).trainAccuracy(), b.get(i).trainAccuracy(), 1e-6, e + " train accuracy");
            assertEquals(a.get(i).valLoss(), b.get(i).valLoss(), 1e-6, e + " validation loss");
            assertEquals(a.get(i).valAccuracy(), b.get(i).valAccuracy(), 1e-6, e + " validation accuracy");
        }
        assertTrue(a.get(2).learningRate() < a.get(0).learningRate(), "the step schedule moved");
    }

    @Test
    void earlyStoppingAndReduceLrOptionsAreStoredAndHonouredOnResume(@TempDir Path tmp) throws IOException {
        Path data = ShapesDataset.write(tmp.resolve("shapes"), 12, ShapesDataset.DEFAULT_SIZE, 6);
        Path run = tmp.resolve("run");
        // --lr 1e-12: nothing can improve, so early stopping (patience 1) ends the run after epoch 2
        CliRunner.Result r = CliRunner.run(train(
                data,
                run,
                "--epochs",
                "6",
                "--lr",
                "1e-12",
                "--early-stopping",
                "1",
                "--early-stopping-min-delta",
                "0.001",
                "--reduce-lr",
                "1",
                "--reduce-lr-factor",
                "0.5"));
        assertEquals(0, r.code(), r.toString());
        MetricsHistory h = MetricsHistory.readJson(run.resolve("metrics.json"));
        assertEquals(2, h.size(), "stopped early: " + h.toCsv());
        CliRunner.Result again = CliRunner.run("train", "--resume", "--out", run.toString(), "--no-ui");
        assertEquals(0, again.code(), again.toString());
        assertEquals(2, MetricsHistory.readJson(run.resolve("metrics.json")).size(), "a stopped run stays stopped");
        CliRunner.Result bad = CliRunner.run(train(data, tmp.resolve("bad"), "--reduce-lr-factor", "0.5"));
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("--reduce-lr-factor needs --reduce-lr PATIENCE"), bad.err());
        CliRunner.Result monitor = CliRunner.run(
                train(data, tmp.resolve("bad2"), "--early-stopping", "2", "--early-stopping-monitor", "val_f1"));
        assertEquals(2, monitor.code(), monitor.toString());
        assertTrue(monitor.err().contains("--early-stopping-monitor: Unknown monitor \"val_f1\""), monitor.err());
    }

    /**
     * torchvision's recipe through the CLI: its options are stored in the model card, the moving average is
     * validated every epoch and picks best.zip, and a resumed run (2 epochs, then to 3) has the metrics of the
     * uninterrupted one, the moving average's included (see the decay below).
     */
    @Test
    void recipeOptionsAreStoredAndResumeExactly(@TempDir Path tmp) throws IOException {
        Path data = ShapesDataset.write(tmp.resolve("shapes"), 30, ShapesDataset.DEFAULT_SIZE, 5);
        String[] recipe = {
            "--label-smoothing",
            "0.1",
            "--mixup",
            "0.2",
            "--cutmix",
            "1.0",
            "--warmup-epochs",
            "1",
            "--warmup-decay",
            "0.1",
            "--clip-grad-norm",
            "2",
            "--ema",
            "--ema-decay",
            "0.9",
            "--ema-steps",
            "2",
            "--select-best",
            "ema"
        };
        Path full = tmp.resolve("full");
        Path split = tmp.resolve("split");
        assertEquals(
                0,
                CliRunner.run(train(data, full, concat(recipe, "--epochs", "3")))
                        .code());
        assertEquals(
                0,
                CliRunner.run(train(data, split, concat(recipe, "--epochs", "2")))
                        .code());
        CliRunner.Result r = CliRunner.run("train", "--resume", "--out", split.toString(), "--epochs", "3", "--no-ui");
        assertEquals(0, r.code(), r.toString());

        Map<String, Object> settings = ModelCard.fromMetadata(
                        Checkpoints.readMetadata(full.resolve("checkpoints/last.zip")))
                .training();
        assertEquals(0.1, settings.get("label_smoothing"));
        assertEquals(0.2, settings.get("mixup_alpha"));
        assertEquals(1.0, settings.get("cutmix_alpha"));
        assertEquals(1, ((Number) settings.get("lr_warmup_epochs")).intValue());
        assertEquals(2.0, settings.get("clip_grad_norm"));
        // 1 - min(1, (1 - 0.9) * 16 * 2 / 3): the adjusted decay depends on the planned epochs, which differ between
        // the two runs (3, and 2 then 3); capped at an alpha of 1 it is the same for both (the average then follows
        // the weights of the last update step; ExactResumeTest covers the resume of a real average)
        assertEquals(0.0, ((Number) settings.get("ema_decay_per_update")).doubleValue(), 0);
        assertEquals("ema", settings.get("best_checkpoint_from"));
        Map<?, ?> bestEma = (Map<?, ?>)
                Checkpoints.readMetadata(full.resolve("checkpoints/best.zip")).get("ema");
        assertEquals("ema", bestEma.get("model"), "best.zip holds the moving average");

        List<EpochMetrics> a =
                MetricsHistory.readJson(full.resolve("metrics.json")).epochs();
        List<EpochMetrics> b =
                MetricsHistory.readJson(split.resolve("metrics.json")).epochs();
        assertEquals(3, b.size());
        // warm-up: epoch 1 at 0.1 of --lr 0.003, then the step schedule from its start
        assertEquals(0.0003, a.get(0).learningRate(), 1e-12);
        assertEquals(0.003, a.get(1).learningRate(), 1e-12);
        for (int i = 0; i < 3; i++) {
            String e = "epoch " + (i + 1);
            assertTrue(a.get(i).hasEma(), e + " validates the moving average");
            assertEquals(a.get(i).learningRate(), b.get(i).learningRate(), 1e-12, e + " lr");
            assertEquals(a.get(i).trainLoss(), b.get(i).trainLoss(), 1e-6, e + " train loss");
            assertEquals(a.get(i).trainAccuracy(), b.get(i).trainAccuracy(), 1e-6, e + " train accuracy");
            assertEquals(a.get(i).valLoss(), b.get(i).valLoss(), 1e-6, e + " validation loss");
            assertEquals(a.get(i).emaValLoss(), b.get(i).emaValLoss(), 1e-6, e + " EMA validation loss");
            assertEquals(a.get(i).emaValAccuracy(), b.get(i).emaValAccuracy(), 1e-6, e + " EMA validation accuracy");
        }

        CliRunner.Result bad = CliRunner.run(train(data, tmp.resolve("bad"), "--select-best", "ema"));
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("--select-best ema needs --ema"), bad.err());
        CliRunner.Result warm =
                CliRunner.run(train(data, tmp.resolve("bad2"), "--epochs", "2", "--warmup-epochs", "2"));
        assertEquals(2, warm.code(), warm.toString());
        assertTrue(warm.err().contains("--warmup-epochs: expected fewer than the 2 planned epochs"), warm.err());
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(new String[0]);
    }

    private static String[] train(Path data, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of(
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
                "--optimizer",
                "adam",
                "--lr",
                "0.003",
                "--schedule",
                "step",
                "--lr-step",
                "1",
                "--lr-gamma",
                "0.7",
                "--augment",
                "light",
                "--no-ui",
                "--out",
                out.toString()));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }
}
