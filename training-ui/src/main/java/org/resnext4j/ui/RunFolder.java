package org.resnext4j.ui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The layout of a training run folder, the one owner of its file names: everything that writes or reads a run's
 * files ({@link TrainingRun}, {@link Trainer}, {@link MetricsHistory}, {@link HtmlReport}, {@link TrainingUi}, the
 * CLI) takes the names and paths from here.
 *
 * <pre>
 * run/
 *   checkpoints/last.zip (+ last.json)   after every epoch: model, updater state, {@link CheckpointEnvelope}
 *   checkpoints/best.zip (+ best.json)   the epoch with the best monitored value so far
 *   metrics.csv, metrics.json            every finished epoch
 *   charts/accuracy.png, loss.png, learning_rate.png, confusion_matrix.png   (names: {@link Charts})
 *   report.html                          charts, metrics, per-class P/R/F1, run config
 *   run-config.json                      the run's settings
 *   ui-stats.dl4j                        DL4J UI stats (FileStatsStorage), see {@link TrainingUi#reopen}
 * </pre>
 *
 * <p>The names of the files inside a checkpoint zip are {@link Checkpoints}' and {@link CheckpointEnvelope}'s; the
 * temporary files of an atomic write ({@code .NAME.*.tmp}) are {@link AtomicFiles}'.
 */
public final class RunFolder {

    /** Folder of the checkpoints inside the run folder. */
    public static final String CHECKPOINT_DIR = "checkpoints";
    /** Checkpoint of the last finished (or interrupted) epoch, inside {@link #CHECKPOINT_DIR}. */
    public static final String LAST_CHECKPOINT = "last.zip";
    /** Checkpoint of the epoch with the best monitored value, inside {@link #CHECKPOINT_DIR}. */
    public static final String BEST_CHECKPOINT = "best.zip";
    /** Folder of the PNG charts inside the run folder. */
    public static final String CHARTS_DIR = "charts";
    /** DL4J UI stats file inside the run folder. */
    public static final String STATS_FILE = "ui-stats.dl4j";
    /** Run configuration file inside the run folder. */
    public static final String RUN_CONFIG_FILE = "run-config.json";
    /** Per-epoch metrics as CSV, inside the run folder. */
    public static final String METRICS_CSV = "metrics.csv";
    /** Per-epoch metrics as JSON ({@link MetricsHistory#readJson}), inside the run folder. */
    public static final String METRICS_JSON = "metrics.json";
    /** The HTML report inside the run folder. */
    public static final String REPORT_FILE = "report.html";

    private RunFolder() {}

    /**
     * @param run the run folder
     * @return its {@value #CHECKPOINT_DIR} folder
     */
    public static Path checkpoints(Path run) {
        return run.resolve(CHECKPOINT_DIR);
    }

    /**
     * @param run the run folder
     * @return its {@code checkpoints/last.zip}
     */
    public static Path last(Path run) {
        return checkpoints(run).resolve(LAST_CHECKPOINT);
    }

    /**
     * @param run the run folder
     * @return its {@code checkpoints/best.zip}
     */
    public static Path best(Path run) {
        return checkpoints(run).resolve(BEST_CHECKPOINT);
    }

    /**
     * @param run the run folder
     * @return its {@value #CHARTS_DIR} folder
     */
    public static Path charts(Path run) {
        return run.resolve(CHARTS_DIR);
    }

    /**
     * @param run the run folder
     * @return its {@value #STATS_FILE}
     */
    public static Path stats(Path run) {
        return run.resolve(STATS_FILE);
    }

    /**
     * @param run the run folder
     * @return its {@value #RUN_CONFIG_FILE}
     */
    public static Path runConfig(Path run) {
        return run.resolve(RUN_CONFIG_FILE);
    }

    /**
     * @param run the run folder
     * @return its {@value #METRICS_CSV}
     */
    public static Path metricsCsv(Path run) {
        return run.resolve(METRICS_CSV);
    }

    /**
     * @param run the run folder
     * @return its {@value #METRICS_JSON}
     */
    public static Path metricsJson(Path run) {
        return run.resolve(METRICS_JSON);
    }

    /**
     * @param run the run folder
     * @return its {@value #REPORT_FILE}
     */
    public static Path report(Path run) {
        return run.resolve(REPORT_FILE);
    }

    /**
     * Deletes the temporary files ({@link AtomicFiles#isTemporary}) that a process killed during a write left in the
     * run folder and its checkpoint folder; the files they were replacing are whole.
     *
     * @param run the run folder
     * @param log told about each file removed and each folder that could not be tidied
     */
    static void removeTemporaryFiles(Path run, RunLog log) {
        for (Path dir : List.of(run, checkpoints(run))) {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (AtomicFiles.isTemporary(f) && Files.isRegularFile(f)) {
                        Files.deleteIfExists(f);
                        log.say("Removed " + f + ", left by an interrupted write");
                    }
                }
            } catch (NoSuchFileException e) {
                // no such folder: nothing left over
            } catch (IOException e) {
                log.say("Could not tidy " + dir + ": " + e.getMessage());
            }
        }
    }
}
