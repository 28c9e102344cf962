package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The run folder's file names and the checkpoint metadata's keys are a saved format: run folders and checkpoints
 * written by earlier releases must keep resuming and loading. The other tests use the constants; this one pins
 * their values, literally.
 */
class SavedNamesTest {

    /** {@link RunFolder}'s names that {@link TrainingRun} and {@link Trainer} repeat as constants of their own. */
    private static final List<String> REPEATED_FOLDER_NAMES = List.of(
            RunFolder.CHECKPOINT_DIR,
            RunFolder.LAST_CHECKPOINT,
            RunFolder.BEST_CHECKPOINT,
            RunFolder.CHARTS_DIR,
            RunFolder.STATS_FILE,
            RunFolder.RUN_CONFIG_FILE);

    private static List<String> concat(List<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void runFolderNames() {
        assertEquals(
                List.of(
                        "checkpoints",
                        "last.zip",
                        "best.zip",
                        "charts",
                        "ui-stats.dl4j",
                        "run-config.json",
                        "metrics.csv",
                        "metrics.json",
                        "report.html"),
                concat(REPEATED_FOLDER_NAMES, RunFolder.METRICS_CSV, RunFolder.METRICS_JSON, RunFolder.REPORT_FILE));
        Path run = Path.of("runs", "birds");
        assertEquals(run.resolve("checkpoints"), RunFolder.checkpoints(run));
        assertEquals(run.resolve("checkpoints").resolve("last.zip"), RunFolder.last(run));
        assertEquals(run.resolve("checkpoints").resolve("best.zip"), RunFolder.best(run));
        assertEquals(run.resolve("charts"), RunFolder.charts(run));
        assertEquals(run.resolve("ui-stats.dl4j"), RunFolder.stats(run));
        assertEquals(run.resolve("run-config.json"), RunFolder.runConfig(run));
        assertEquals(run.resolve("metrics.csv"), RunFolder.metricsCsv(run));
        assertEquals(run.resolve("metrics.json"), RunFolder.metricsJson(run));
        assertEquals(run.resolve("report.html"), RunFolder.report(run));
    }

    @Test
    void checkpointEnvelopeKeys() {
        assertEquals(
                List.of(
                        "format",
                        "resnext4j-checkpoint/1",
                        "epoch",
                        "epochs_planned",
                        "saved_at",
                        "session_id",
                        "rng",
                        "root",
                        "node",
                        "stop_reason",
                        "history"),
                List.of(
                        CheckpointEnvelope.FORMAT_KEY,
                        CheckpointEnvelope.FORMAT,
                        CheckpointEnvelope.EPOCH_KEY,
                        CheckpointEnvelope.EPOCHS_PLANNED_KEY,
                        CheckpointEnvelope.SAVED_AT_KEY,
                        CheckpointEnvelope.SESSION_ID_KEY,
                        CheckpointEnvelope.RNG_KEY,
                        CheckpointEnvelope.RNG_ROOT_KEY,
                        CheckpointEnvelope.RNG_NODE_KEY,
                        CheckpointEnvelope.STOP_REASON_KEY,
                        CheckpointEnvelope.HISTORY_KEY));
        assertEquals(
                List.of(
                        "partial_epoch",
                        "batches",
                        "loss_sum",
                        "examples",
                        "correct",
                        "total",
                        "accuracy_unsupported",
                        "seconds",
                        "reason"),
                List.of(
                        CheckpointEnvelope.PARTIAL_EPOCH_KEY,
                        CheckpointEnvelope.PARTIAL_BATCHES_KEY,
                        CheckpointEnvelope.PARTIAL_LOSS_SUM_KEY,
                        CheckpointEnvelope.PARTIAL_EXAMPLES_KEY,
                        CheckpointEnvelope.PARTIAL_CORRECT_KEY,
                        CheckpointEnvelope.PARTIAL_TOTAL_KEY,
                        CheckpointEnvelope.PARTIAL_ACCURACY_UNSUPPORTED_KEY,
                        CheckpointEnvelope.PARTIAL_SECONDS_KEY,
                        CheckpointEnvelope.PARTIAL_REASON_KEY));
        assertEquals(
                List.of("ema", "resnext4j-ema.bin", "decay", "steps", "updates", "model", "raw", "ema"),
                List.of(
                        CheckpointEnvelope.EMA_KEY,
                        CheckpointEnvelope.EMA_ENTRY,
                        CheckpointEnvelope.EMA_DECAY_KEY,
                        CheckpointEnvelope.EMA_STEPS_KEY,
                        CheckpointEnvelope.EMA_UPDATES_KEY,
                        CheckpointEnvelope.EMA_MODEL_KEY,
                        CheckpointEnvelope.EMA_MODEL_RAW,
                        CheckpointEnvelope.EMA_MODEL_AVERAGE));
    }

    @Test
    void theOlderConstantsAreTheSameNames() {
        assertEquals(
                concat(
                        REPEATED_FOLDER_NAMES,
                        CheckpointEnvelope.FORMAT,
                        CheckpointEnvelope.PARTIAL_EPOCH_KEY,
                        CheckpointEnvelope.EMA_KEY,
                        CheckpointEnvelope.EMA_ENTRY),
                List.of(
                        TrainingRun.CHECKPOINT_DIR,
                        TrainingRun.LAST_CHECKPOINT,
                        TrainingRun.BEST_CHECKPOINT,
                        TrainingRun.CHARTS_DIR,
                        TrainingRun.STATS_FILE,
                        TrainingRun.RUN_CONFIG_FILE,
                        TrainingRun.CHECKPOINT_FORMAT,
                        TrainingRun.PARTIAL_EPOCH_KEY,
                        TrainingRun.EMA_KEY,
                        TrainingRun.EMA_ENTRY));
        assertEquals(
                REPEATED_FOLDER_NAMES,
                List.of(
                        Trainer.CHECKPOINT_DIR,
                        Trainer.LAST_CHECKPOINT,
                        Trainer.BEST_CHECKPOINT,
                        Trainer.CHARTS_DIR,
                        Trainer.STATS_FILE,
                        Trainer.RUN_CONFIG_FILE));
        assertEquals(RunFolder.REPORT_FILE, HtmlReport.FILE_NAME);
    }

    @Test
    void temporaryFilesOfAnAtomicWrite() {
        assertTrue(AtomicFiles.isTemporary(Path.of("checkpoints", ".last.zip.123456.tmp")));
        assertTrue(AtomicFiles.isTemporary(Path.of(".metrics.json.0b9f.tmp")));
        assertFalse(AtomicFiles.isTemporary(Path.of("last.zip")));
        assertFalse(AtomicFiles.isTemporary(Path.of("notes.tmp")), "not hidden: not one of ours");
        assertFalse(AtomicFiles.isTemporary(Path.of(".hidden")));
    }
}
