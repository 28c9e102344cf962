package org.resnext4j.ui;

import static java.lang.Double.NaN;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The metrics of one finished epoch, as Keras and PyTorch training logs show them.
 *
 * <p>{@code trainLoss} is the mean of the minibatch scores of the epoch weighted by batch size (the
 * score DL4J optimises: data loss plus regularisation). {@code trainAccuracy} is accumulated over the
 * epoch from the predictions of each training forward pass, before that batch's update (as Keras
 * does), so it lags the end-of-epoch weights; {@code NaN} when the output layer is not a classifier.
 * {@code valLoss} and {@code valAccuracy} come from one pass over the validation set after the
 * epoch. {@code learningRate} is the updater's rate at the last iteration of the epoch, read from its
 * schedule. Accuracies are fractions in [0, 1].
 *
 * @param epoch         1-based epoch number
 * @param trainLoss     mean training score of the epoch
 * @param trainAccuracy accumulated training accuracy of the epoch
 * @param valLoss       validation loss after the epoch
 * @param valAccuracy   validation accuracy after the epoch
 * @param learningRate  learning rate at the end of the epoch
 * @param seconds       wall time of the epoch (training and validation)
 * @param iterations    DL4J iteration count (parameter updates so far) at the end of the epoch
 * @param emaValLoss    validation loss of the exponential moving average of the weights ({@link ModelEma}), NaN
 *                      when the run keeps none
 * @param emaValAccuracy validation accuracy of the moving average, NaN when the run keeps none
 */
public record EpochMetrics(
        int epoch,
        double trainLoss,
        double trainAccuracy,
        double valLoss,
        double valAccuracy,
        double learningRate,
        double seconds,
        long iterations,
        double emaValLoss,
        double emaValAccuracy) {

    /** Metrics of a run without a moving average of the weights (its EMA values NaN). */
    public EpochMetrics(
            int epoch,
            double trainLoss,
            double trainAccuracy,
            double valLoss,
            double valAccuracy,
            double learningRate,
            double seconds,
            long iterations) {
        this(epoch, trainLoss, trainAccuracy, valLoss, valAccuracy, learningRate, seconds, iterations, NaN, NaN);
    }

    /** @return whether the EMA of the weights was validated this epoch */
    public boolean hasEma() {
        return !Double.isNaN(emaValLoss) || !Double.isNaN(emaValAccuracy);
    }

    /**
     * @return these metrics with the moving average's validation values as the validation values (how
     *         {@code best.zip} selects the EMA weights)
     */
    public EpochMetrics emaAsValidation() {
        return new EpochMetrics(
                epoch, trainLoss, trainAccuracy, emaValLoss, emaValAccuracy, learningRate, seconds, iterations);
    }

    /** CSV header matching {@link #toCsvRow()}. */
    public static final String CSV_HEADER = "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds,iterations";

    /**
     * The one log line of this epoch, e.g.
     * {@code Epoch  3/10  train_loss 0.323 train_acc 86.5%  val_loss 0.320 val_acc 85.8%  lr 1.0E-4  41s}.
     *
     * @param totalEpochs the planned number of epochs (sets the width of the epoch number)
     * @return the formatted line
     */
    public String toLogLine(int totalEpochs) {
        int width = Integer.toString(totalEpochs).length();
        return String.format(
                        Locale.ROOT,
                        "Epoch %" + width
                                + "d/%d  train_loss %.3f train_acc %.1f%%  val_loss %.3f val_acc %.1f%%  lr %s  %ds",
                        epoch,
                        totalEpochs,
                        trainLoss,
                        100 * trainAccuracy,
                        valLoss,
                        100 * valAccuracy,
                        formatLearningRate(learningRate),
                        Math.round(seconds))
                + (hasEma()
                        ? String.format(
                                Locale.ROOT, "  ema val_loss %.3f val_acc %.1f%%", emaValLoss, 100 * emaValAccuracy)
                        : "");
    }

    /**
     * Formats a learning rate with at most 4 significant digits in Java's {@code Double.toString}
     * style: {@code 0.1}, {@code 0.0125}, {@code 1.0E-4}, {@code 3.333E-5}.
     *
     * @param lr the learning rate
     * @return the text
     */
    public static String formatLearningRate(double lr) {
        if (Double.isNaN(lr) || Double.isInfinite(lr) || lr == 0) {
            return Double.toString(lr);
        }
        return Double.toString(new BigDecimal(lr).round(new MathContext(4)).doubleValue());
    }

    /**
     * One CSV row (no quoting needed: numbers only), matching {@link #CSV_HEADER}.
     *
     * @return the row without line terminator
     */
    public String toCsvRow() {
        return String.format(
                Locale.ROOT,
                "%d,%s,%s,%s,%s,%s,%.3f,%d",
                epoch,
                trainLoss,
                trainAccuracy,
                valLoss,
                valAccuracy,
                learningRate,
                seconds,
                iterations);
    }

    /**
     * The metrics as an ordered map (JSON object with snake_case keys; NaN is written as null).
     *
     * @return a new map
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("train_loss", finite(trainLoss));
        m.put("train_acc", finite(trainAccuracy));
        m.put("val_loss", finite(valLoss));
        m.put("val_acc", finite(valAccuracy));
        m.put("lr", finite(learningRate));
        m.put("seconds", seconds);
        m.put("iterations", iterations);
        if (hasEma()) {
            m.put("ema_val_loss", finite(emaValLoss));
            m.put("ema_val_acc", finite(emaValAccuracy));
        }
        return m;
    }

    /**
     * Reads metrics written by {@link #toMap()}.
     *
     * @param m the JSON object
     * @return the metrics
     * @throws IllegalArgumentException when a key is missing (the EMA keys are optional)
     */
    public static EpochMetrics fromMap(Map<?, ?> m) {
        return new EpochMetrics(
                ((Number) require(m, "epoch")).intValue(),
                number(m, "train_loss"),
                number(m, "train_acc"),
                number(m, "val_loss"),
                number(m, "val_acc"),
                number(m, "lr"),
                number(m, "seconds"),
                ((Number) require(m, "iterations")).longValue(),
                optional(m, "ema_val_loss"),
                optional(m, "ema_val_acc"));
    }

    /** A key written only by runs that keep it (older histories lack it): NaN when absent or null. */
    private static double optional(Map<?, ?> m, String key) {
        return m.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static Object finite(double d) {
        return Double.isFinite(d) ? d : null;
    }

    private static Object require(Map<?, ?> m, String key) {
        if (!m.containsKey(key)) {
            throw new IllegalArgumentException("Epoch metrics entry lacks \"" + key + "\": " + m);
        }
        return m.get(key);
    }

    private static double number(Map<?, ?> m, String key) {
        Object o = require(m, key);
        return o == null ? Double.NaN : ((Number) o).doubleValue();
    }
}
