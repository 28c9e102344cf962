package org.resnext4j.ui;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of a run, drawn with XChart: accuracy curves and loss curves (train vs validation, per
 * epoch), the learning rate per epoch, and the validation confusion matrix as a heat map. Every
 * file is written atomically.
 */
public final class Charts {

    /** File name of the accuracy chart inside the charts folder. */
    public static final String ACCURACY_PNG = "accuracy.png";
    /** File name of the loss chart inside the charts folder. */
    public static final String LOSS_PNG = "loss.png";
    /** File name of the learning-rate chart inside the charts folder. */
    public static final String LEARNING_RATE_PNG = "learning_rate.png";
    /** File name of the confusion-matrix chart inside the charts folder. */
    public static final String CONFUSION_PNG = "confusion_matrix.png";

    private static final int WIDTH = 800;
    private static final int HEIGHT = 500;

    private Charts() {}

    /**
     * Writes the accuracy, loss and learning-rate charts of a history into a folder.
     *
     * @param history the metrics
     * @param dir     the charts folder (created when missing)
     * @throws IOException when writing fails
     */
    public static void writeCurves(MetricsHistory history, Path dir) throws IOException {
        Files.createDirectories(dir);
        XYChart acc = curveChart("Accuracy", "accuracy (%)");
        addSeries(acc, "train", history, m -> 100 * m.trainAccuracy());
        addSeries(acc, "validation", history, m -> 100 * m.valAccuracy());
        addSeries(acc, "validation (EMA)", history, m -> 100 * m.emaValAccuracy());
        writeIfAny(acc, dir.resolve(ACCURACY_PNG));

        XYChart loss = curveChart("Loss", "loss");
        addSeries(loss, "train", history, EpochMetrics::trainLoss);
        addSeries(loss, "validation", history, EpochMetrics::valLoss);
        addSeries(loss, "validation (EMA)", history, EpochMetrics::emaValLoss);
        writeIfAny(loss, dir.resolve(LOSS_PNG));

        XYChart lr = curveChart("Learning rate", "learning rate");
        addSeries(lr, "lr", history, EpochMetrics::learningRate);
        lr.getStyler().setLegendVisible(false);
        writeIfAny(lr, dir.resolve(LEARNING_RATE_PNG));
    }

    /**
     * Writes the confusion matrix of an evaluation as a heat map with the counts in the cells
     * (rows: actual class, top to bottom; columns: predicted class).
     *
     * @param report the evaluation
     * @param file   the PNG file
     * @throws IOException when writing fails
     */
    public static void writeConfusionMatrix(EvaluationReport report, Path file) throws IOException {
        int k = report.numClasses();
        int side = Math.max(400, Math.min(1600, 120 + 40 * k));
        HeatMapChart chart = new HeatMapChartBuilder()
                .width(side + 120)
                .height(side)
                .title("Confusion matrix (validation)")
                .xAxisTitle("predicted")
                .yAxisTitle("actual")
                .build();
        chart.getStyler()
                .setShowValue(k <= 30)
                .setHeatMapValueDecimalPattern("#")
                .setRangeColors(new Color[] {new Color(0xF7FBFF), new Color(0x6BAED6), new Color(0x08306B)})
                .setValueFontColor(Color.DARK_GRAY);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setLegendVisible(true);
        List<String> xs = new ArrayList<>(report.classNames());
        List<String> ys = new ArrayList<>();
        for (int i = k - 1; i >= 0; i--) {
            ys.add(report.classNames().get(i));
        }
        long[][] m = report.confusionMatrix();
        List<Number[]> cells = new ArrayList<>();
        for (int a = 0; a < k; a++) {
            for (int p = 0; p < k; p++) {
                cells.add(new Number[] {p, k - 1 - a, m[a][p]});
            }
        }
        chart.addSeries("count", xs, ys, cells);
        write(chart, file);
    }

    private static XYChart curveChart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder()
                .width(WIDTH)
                .height(HEIGHT)
                .title(title)
                .xAxisTitle("epoch")
                .yAxisTitle(yTitle)
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisDecimalPattern("#");
        return chart;
    }

    private static void addSeries(
            XYChart chart, String name, MetricsHistory history, ToDoubleFunction<EpochMetrics> value) {
        List<Integer> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (EpochMetrics m : history.epochs()) {
            double v = value.applyAsDouble(m);
            if (Double.isFinite(v)) {
                xs.add(m.epoch());
                ys.add(v);
            }
        }
        if (!xs.isEmpty()) {
            chart.addSeries(name, xs, ys).setMarker(SeriesMarkers.CIRCLE);
        }
    }

    private static void writeIfAny(XYChart chart, Path file) throws IOException {
        if (!chart.getSeriesMap().isEmpty()) {
            write(chart, file);
        }
    }

    private static void write(Chart<?, ?> chart, Path file) throws IOException {
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(file, tmp -> Files.write(tmp, png));
    }
}
