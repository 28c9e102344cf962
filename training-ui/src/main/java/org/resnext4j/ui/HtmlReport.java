package org.resnext4j.ui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Writes {@code report.html} into a run folder: the PNG charts (accuracy, loss, learning rate,
 * confusion matrix; linked relative to the folder, so the folder can be moved), the per-epoch
 * metrics table, per-class precision/recall/F1 of the latest validation, and the run configuration.
 * Self-contained HTML without scripts; written atomically.
 */
public final class HtmlReport {

    /** File name of the report inside the run folder. */
    public static final String FILE_NAME = RunFolder.REPORT_FILE;

    private HtmlReport() {}

    /**
     * Writes the report.
     *
     * @param runDir     the run folder (charts expected under {@code charts/})
     * @param title      page title, e.g. the run folder name
     * @param history    the metrics
     * @param evaluation the latest validation evaluation, or {@code null}
     * @param runConfig  key/value pairs describing the run (shown as a table)
     * @return the written file
     * @throws IOException when writing fails
     */
    public static Path write(
            Path runDir, String title, MetricsHistory history, EvaluationReport evaluation, Map<String, ?> runConfig)
            throws IOException {
        StringBuilder h = new StringBuilder(8192);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(esc(title))
                .append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:2em;color:#222}")
                .append("table{border-collapse:collapse;margin:1em 0}")
                .append("td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}")
                .append("th{background:#f0f0f0}td.l,th.l{text-align:left}")
                .append("tr.best td{background:#e6f4ea;font-weight:bold}")
                .append("img{max-width:100%;border:1px solid #ddd;margin:4px}")
                .append("pre{background:#f7f7f7;padding:8px}\n</style>\n</head>\n<body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        history.best()
                .ifPresent(b -> h.append(String.format(
                        Locale.ROOT,
                        "<p>%d epochs. Best validation accuracy %.2f%% at epoch %d; last %.2f%%.</p>%n",
                        history.size(),
                        100 * b.valAccuracy(),
                        b.epoch(),
                        100 * history.epochs().get(history.size() - 1).valAccuracy())));

        h.append("<h2>Curves</h2>\n");
        for (String png : new String[] {Charts.ACCURACY_PNG, Charts.LOSS_PNG, Charts.LEARNING_RATE_PNG}) {
            if (Files.exists(RunFolder.charts(runDir).resolve(png))) {
                h.append("<img src=\"")
                        .append(RunFolder.CHARTS_DIR)
                        .append('/')
                        .append(png)
                        .append("\" alt=\"")
                        .append(png)
                        .append("\">\n");
            }
        }

        boolean ema = history.epochs().stream().anyMatch(EpochMetrics::hasEma);
        h.append("<h2>Metrics per epoch</h2>\n<table>\n<tr><th>epoch</th><th>train loss</th><th>train acc</th>")
                .append("<th>val loss</th><th>val acc</th>")
                .append(ema ? "<th>EMA val loss</th><th>EMA val acc</th>" : "")
                .append("<th>lr</th><th>time (s)</th><th>iterations</th></tr>\n");
        int bestEpoch = history.best().map(EpochMetrics::epoch).orElse(-1);
        for (EpochMetrics m : history.epochs()) {
            h.append(m.epoch() == bestEpoch ? "<tr class=\"best\">" : "<tr>")
                    .append(String.format(
                            Locale.ROOT,
                            "<td>%d</td><td>%.4f</td><td>%s</td><td>%.4f</td><td>%s</td>%s<td>%s</td><td>%.1f</td>"
                                    + "<td>%d</td></tr>%n",
                            m.epoch(),
                            m.trainLoss(),
                            pct(m.trainAccuracy()),
                            m.valLoss(),
                            pct(m.valAccuracy()),
                            ema
                                    ? String.format(
                                            Locale.ROOT,
                                            "<td>%.4f</td><td>%s</td>",
                                            m.emaValLoss(),
                                            pct(m.emaValAccuracy()))
                                    : "",
                            EpochMetrics.formatLearningRate(m.learningRate()),
                            m.seconds(),
                            m.iterations()));
        }
        h.append("</table>\n");

        if (evaluation != null) {
            h.append(String.format(
                    Locale.ROOT,
                    "<h2>Validation, last epoch</h2>%n<p>%d examples, loss %.4f, accuracy %.2f%%.</p>%n",
                    evaluation.examples(),
                    evaluation.loss(),
                    100 * evaluation.accuracy()));
            h.append("<table>\n<tr><th class=\"l\">class</th><th>precision</th><th>recall</th><th>F1</th>")
                    .append("<th>support</th></tr>\n");
            for (int c = 0; c < evaluation.numClasses(); c++) {
                h.append(String.format(
                        Locale.ROOT,
                        "<tr><td class=\"l\">%s</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%d</td></tr>%n",
                        esc(evaluation.classNames().get(c)),
                        evaluation.precision(c),
                        evaluation.recall(c),
                        evaluation.f1(c),
                        evaluation.support(c)));
            }
            h.append("</table>\n");
            if (Files.exists(RunFolder.charts(runDir).resolve(Charts.CONFUSION_PNG))) {
                h.append("<img src=\"")
                        .append(RunFolder.CHARTS_DIR)
                        .append('/')
                        .append(Charts.CONFUSION_PNG)
                        .append("\" alt=\"confusion matrix\">\n");
            }
            h.append("<pre>").append(esc(evaluation.toText())).append("</pre>\n");
        }

        h.append("<h2>Run configuration</h2>\n<table>\n");
        for (Map.Entry<String, ?> e : runConfig.entrySet()) {
            h.append("<tr><th class=\"l\">")
                    .append(esc(e.getKey()))
                    .append("</th><td class=\"l\">")
                    .append(esc(String.valueOf(e.getValue())))
                    .append("</td></tr>\n");
        }
        h.append("</table>\n<p>Files: ")
                .append(link(RunFolder.METRICS_CSV))
                .append(", ")
                .append(link(RunFolder.METRICS_JSON))
                .append(", ")
                .append(link(RunFolder.RUN_CONFIG_FILE))
                .append(". Reopen the DL4J UI with the stats file <code>")
                .append(RunFolder.STATS_FILE)
                .append("</code>.</p>\n")
                .append("</body>\n</html>\n");
        Path file = RunFolder.report(runDir);
        AtomicFiles.writeString(file, h.toString());
        return file;
    }

    /** A link to a file of the run folder, named by its file name. */
    private static String link(String file) {
        return "<a href=\"" + file + "\">" + file + "</a>";
    }

    private static String pct(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.2f%%", 100 * fraction) : "n/a";
    }

    /**
     * Escapes text for HTML element content and attribute values.
     *
     * @param s the text
     * @return the escaped text
     */
    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
