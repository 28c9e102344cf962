package org.resnext4j.ui;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A training run's readable files ({@link RunFolder}): the run configuration at the start, and after every epoch the
 * metrics ({@code metrics.csv/json}) and {@code report.html}, and the charts at most every {@link
 * #CHARTS_INTERVAL_SECONDS} (always after the first epoch, and those of the last epoch when the run waits for its
 * writes: {@link #drawPendingCharts}), each written atomically; a failure becomes a {@link CheckpointException} naming
 * the file.
 *
 * <p>Why the charts wait: drawing them is the one output whose cost does not shrink after the first epochs. On the
 * 2-core machine of docs/performance.md the four PNGs took 0.1 s of CPU per epoch once warm, and their Java2D and
 * ImageIO code about a third of the JIT compiler's work in the second epoch (two threads' worth of CPU the training
 * shares): a few per cent of an epoch of 10-25 s, nothing of an epoch of minutes, where the charts are drawn after
 * every epoch as before. The UI's curves ({@code EpochCurvesModule}) and {@code metrics.csv} follow every epoch.
 */
final class RunOutputs {

    /** The charts are redrawn when at least this many seconds passed since they were last drawn. */
    static final long CHARTS_INTERVAL_SECONDS = 60;

    private final Path runDir;
    private final LongSupplier nanoTime;
    private final long chartsIntervalNanos;
    /** Written once at the start, read by the report on the writer thread after that. */
    private volatile Map<String, Object> runConfig = Map.of();

    private boolean chartsDrawn;
    private long chartsDrawnAt;
    private MetricsHistory pendingHistory;
    private EvaluationReport pendingEvaluation;

    /** @param runDir the run folder */
    RunOutputs(Path runDir) {
        this(runDir, System::nanoTime, TimeUnit.SECONDS.toNanos(CHARTS_INTERVAL_SECONDS));
    }

    /** With a clock and a charts interval of the caller's (tests). */
    RunOutputs(Path runDir, LongSupplier nanoTime, long chartsIntervalNanos) {
        this.runDir = runDir;
        this.nanoTime = nanoTime;
        this.chartsIntervalNanos = chartsIntervalNanos;
    }

    /**
     * Writes {@value RunFolder#RUN_CONFIG_FILE}; the report shows the same settings.
     *
     * @param config the run configuration ({@link RunConfiguration#runConfig})
     */
    void writeRunConfig(Map<String, Object> config) {
        this.runConfig = config;
        Path file = RunFolder.runConfig(runDir);
        IoAction.runOrFail(file, () -> AtomicFiles.writeString(file, Json.write(config)));
    }

    /**
     * Writes the metrics files and report of the given history, and its charts when they are due (else they are
     * pending until the next write or {@link #drawPendingCharts}); on either thread, one at a time.
     *
     * @param h          the finished epochs (not changed after this call)
     * @param evaluation the last validation (per-class figures, confusion matrix), or {@code null}
     */
    synchronized void write(MetricsHistory h, EvaluationReport evaluation) {
        IoAction.runOrFail(RunFolder.metricsCsv(runDir), () -> h.write(runDir));
        pendingHistory = h;
        pendingEvaluation = evaluation;
        if (!chartsDrawn || nanoTime.getAsLong() - chartsDrawnAt >= chartsIntervalNanos) {
            drawPendingCharts();
        }
        Map<String, Object> config = runConfig;
        IoAction.runOrFail(
                RunFolder.report(runDir),
                () -> HtmlReport.write(runDir, "Training run " + runDir.getFileName(), h, evaluation, config));
    }

    /** Draws the charts of the last write if they were left for later; {@code TrainingRun.awaitWrites} calls it. */
    synchronized void drawPendingCharts() {
        MetricsHistory h = pendingHistory;
        if (h == null) {
            return;
        }
        EvaluationReport evaluation = pendingEvaluation;
        pendingHistory = null;
        pendingEvaluation = null;
        chartsDrawn = true;
        chartsDrawnAt = nanoTime.getAsLong();
        Path charts = RunFolder.charts(runDir);
        IoAction.runOrFail(charts, () -> Charts.writeCurves(h, charts));
        if (evaluation != null) {
            IoAction.runOrFail(
                    charts.resolve(Charts.CONFUSION_PNG),
                    () -> Charts.writeConfusionMatrix(evaluation, charts.resolve(Charts.CONFUSION_PNG)));
        }
    }
}
