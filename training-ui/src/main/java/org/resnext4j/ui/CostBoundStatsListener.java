package org.resnext4j.ui;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.stats.impl.DefaultStatsInitializationConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A DL4J {@code StatsListener} whose reporting frequency follows what its reports cost: it times its own callbacks
 * and the rest of each iteration (the training step, data loading, other listeners) and, after each report, sets the
 * frequency so that the reports take about {@code budget} of the training time ({@link UiStats#COST_BUDGET} by
 * default), between 1 and {@link UiStats#MAX_AUTO_FREQUENCY} iterations. A parameter count says little about that
 * cost: the same 366k-parameter model spends half a step on {@code default} statistics at 32 x 32 pixels and almost
 * nothing at 224, so the first reports come at {@link UiStats#frequencyFor(long)} and the measured times take over.
 *
 * <p>BaseStatsListener (M2.1) reads {@code reportingFrequency()} of its update configuration at every callback, so
 * a new configuration set between iterations takes effect at the next one; examples and minibatches are still
 * counted at every iteration, so the UI's examples/s stay right. The times are smoothed (an exponential moving
 * average) so one slow iteration (a garbage collection, a checkpoint) does not swing the frequency.
 */
class CostBoundStatsListener extends StatsListener {

    private static final long serialVersionUID = 1L;

    /** Weight of the newest time in the moving averages. */
    private static final double SMOOTHING = 0.3;

    private final UiStats level;
    private final double budget;
    private double reportSeconds = Double.NaN;
    private double stepSeconds = Double.NaN;
    private transient long insideNanos;
    private transient long lastEnd;

    /**
     * @param router           where it records ({@code null}: set later, as a Spark training master does)
     * @param level            what it records (not {@link UiStats#OFF})
     * @param initialFrequency the frequency until the first reports have been timed
     * @param budget           the share of the training time the reports may take, in (0, 1)
     * @param sessionId        the UI session
     * @param workerId         the worker id the UI shows
     */
    CostBoundStatsListener(
            StatsStorageRouter router,
            UiStats level,
            int initialFrequency,
            double budget,
            String sessionId,
            String workerId) {
        super(
                router,
                new DefaultStatsInitializationConfiguration(true, true, true),
                level.configuration(initialFrequency),
                sessionId,
                workerId);
        if (!(budget > 0 && budget < 1)) {
            throw new IllegalArgumentException("UI statistics cost budget must be in (0, 1), got " + budget);
        }
        this.level = level;
        this.budget = budget;
    }

    /**
     * @param reportSeconds what one report costs
     * @param stepSeconds   what an iteration costs besides the statistics
     * @param budget        the share of the training time the reports may take
     * @return the reporting frequency that keeps the reports within the budget, in 1 ..
     *     {@link UiStats#MAX_AUTO_FREQUENCY}
     */
    static int frequencyFor(double reportSeconds, double stepSeconds, double budget) {
        if (!(reportSeconds >= 0) || !(stepSeconds > 0)) {
            return 1;
        }
        double f = Math.ceil(reportSeconds / (budget * stepSeconds));
        return (int) Math.max(1, Math.min(UiStats.MAX_AUTO_FREQUENCY, f));
    }

    /** @return the current reporting frequency, in iterations */
    int frequency() {
        return getUpdateConfig().reportingFrequency();
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        long t0 = System.nanoTime();
        super.onForwardPass(model, activations);
        insideNanos += System.nanoTime() - t0;
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        long t0 = System.nanoTime();
        super.onForwardPass(model, activations);
        insideNanos += System.nanoTime() - t0;
    }

    @Override
    public void onGradientCalculation(Model model) {
        long t0 = System.nanoTime();
        super.onGradientCalculation(model);
        insideNanos += System.nanoTime() - t0;
    }

    @Override
    public void onBackwardPass(Model model) {
        long t0 = System.nanoTime();
        super.onBackwardPass(model);
        insideNanos += System.nanoTime() - t0;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        // BaseStatsListener reports when the frequency is 1 or the iteration is a non-zero multiple of it
        int frequency = frequency();
        boolean reports = frequency == 1 || (iteration != 0 && iteration % frequency == 0);
        long t0 = System.nanoTime();
        super.iterationDone(model, iteration, epoch);
        long end = System.nanoTime();
        long inside = insideNanos + (end - t0);
        insideNanos = 0;
        if (lastEnd != 0) {
            stepSeconds = smooth(stepSeconds, Math.max(0, end - lastEnd - inside) / 1e9);
            if (reports) {
                reportSeconds = smooth(reportSeconds, inside / 1e9);
                int f = frequencyFor(reportSeconds, stepSeconds, budget);
                if (f != frequency) {
                    setUpdateConfig(level.configuration(f));
                }
            }
        }
        lastEnd = System.nanoTime();
    }

    private static double smooth(double average, double value) {
        return Double.isNaN(average) ? value : average + SMOOTHING * (value - average);
    }

    @Override
    public CostBoundStatsListener clone() {
        return new CostBoundStatsListener(getStorageRouter(), level, frequency(), budget, null, null);
    }
}
