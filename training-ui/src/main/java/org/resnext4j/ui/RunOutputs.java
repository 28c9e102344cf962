package org.resnext4j.ui;

import java.nio.file.Path;
import java.util.Map;

/**
 * A training run's readable files ({@link RunFolder}): the run configuration at the start, and after every epoch the
 * metrics ({@code metrics.csv/json}), the charts and {@code report.html}, each written atomically; a failure becomes
 * a {@link CheckpointException} naming the file.
 */
final class RunOutputs {

    private final Path runDir;
    /** Written once at the start, read by the report on the writer thread after that. */
    private volatile Map<String, Object> runConfig = Map.of();

    /** @param runDir the run folder */
    RunOutputs(Path runDir) {
        this.runDir = runDir;
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
     * Writes the metrics files, charts and report of the given history (on either thread: nothing shared).
     *
     * @param h          the finished epochs
     * @param evaluation the last validation (per-class figures, confusion matrix), or {@code null}
     */
    void write(MetricsHistory h, EvaluationReport evaluation) {
        Path charts = RunFolder.charts(runDir);
        IoAction.runOrFail(RunFolder.metricsCsv(runDir), () -> h.write(runDir));
        IoAction.runOrFail(charts, () -> Charts.writeCurves(h, charts));
        if (evaluation != null) {
            IoAction.runOrFail(
                    charts.resolve(Charts.CONFUSION_PNG),
                    () -> Charts.writeConfusionMatrix(evaluation, charts.resolve(Charts.CONFUSION_PNG)));
        }
        Map<String, Object> config = runConfig;
        IoAction.runOrFail(
                RunFolder.report(runDir),
                () -> HtmlReport.write(runDir, "Training run " + runDir.getFileName(), h, evaluation, config));
    }
}
