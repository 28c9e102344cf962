package org.resnext4j.ui;

import java.util.EnumSet;
import java.util.Set;
import org.deeplearning4j.ui.model.stats.api.StatsType;
import org.deeplearning4j.ui.model.stats.api.StatsUpdateConfiguration;

/**
 * What the DL4J UI's {@code StatsListener} records into {@code ui-stats.dl4j}, and how often.
 *
 * <p>DL4J's own default ({@link #FULL}) computes, at every reported iteration, the mean, standard deviation, mean
 * magnitude and a 20-bin histogram of every parameter, gradient, update and activation array. For a ResNeXt-50 that
 * is several passes over 25 million parameters and every activation map per step, which cost more than the training
 * step itself on a 2-core machine (see docs/performance.md for the measured cost of each kind). {@link #DEFAULT}
 * keeps what the UI's pages read: the overview's score chart (score), its update:parameter ratio chart (mean
 * magnitudes of parameters and updates) and its standard deviation chart (of gradients and updates), the model
 * page's mean magnitudes and learning rates, and the system page (memory, garbage collection, performance). It
 * drops the histograms and every activation statistic (the overview's activation standard deviation line and the
 * model page's activation and histogram charts stay empty). {@link #OFF} adds no listener at all.
 *
 * <p><b>Frequency.</b> With {@link UiOptions#AUTO_FREQUENCY} (the default) the first reports come at
 * {@link #frequencyFor(long)} of the model (every iteration below {@value #PARAMS_PER_ITERATION} parameters, then
 * one report per that many parameters: ResNeXt-50's 25 million, every 11th iteration); from then on the listener
 * times its reports against the rest of the iteration and reports as often as {@link #COST_BUDGET} of the training
 * time allows, at most every {@value #MAX_AUTO_FREQUENCY} iterations ({@link CostBoundStatsListener}): what a report
 * costs next to a step depends on the image size and batch as much as on the parameter count.
 */
public enum UiStats {
    /** DL4J's default: every statistic of parameters, gradients, updates and activations, with histograms. */
    FULL,
    /** What the overview, model and system pages show, without histograms and activation statistics. */
    DEFAULT,
    /** No statistics listener. */
    OFF;

    /** Parameters per iteration between reports when the frequency is sized to the model. */
    public static final long PARAMS_PER_ITERATION = 2_500_000L;

    /** The share of the training time the statistics may take with an automatic frequency. */
    public static final double COST_BUDGET = 0.02;

    /** The longest automatic reporting interval, in iterations. */
    public static final int MAX_AUTO_FREQUENCY = 50;

    /**
     * @param numParams the model's parameter count ({@code numParams()})
     * @return the first reporting frequency for {@link UiOptions#AUTO_FREQUENCY}: 1 for models under
     *     {@value #PARAMS_PER_ITERATION} parameters, else {@code ceil(numParams / PARAMS_PER_ITERATION)}, at most
     *     {@value #MAX_AUTO_FREQUENCY}
     */
    public static int frequencyFor(long numParams) {
        if (numParams < 0) {
            throw new IllegalArgumentException("numParams must be >= 0, got " + numParams);
        }
        long f = (numParams + PARAMS_PER_ITERATION - 1) / PARAMS_PER_ITERATION;
        return (int) Math.max(1, Math.min(MAX_AUTO_FREQUENCY, f));
    }

    /**
     * @param frequency reporting frequency in iterations (at least 1)
     * @return the listener's update configuration for this level
     * @throws IllegalStateException for {@link #OFF}, which records nothing
     */
    public Configuration configuration(int frequency) {
        Set<StatsType> all = EnumSet.allOf(StatsType.class);
        Set<StatsType> none = EnumSet.noneOf(StatsType.class);
        switch (this) {
            case FULL:
                return new Configuration(frequency, true, true, true, true, all, all, all, all);
            case DEFAULT:
                return new Configuration(
                        frequency,
                        true,
                        true,
                        true,
                        true,
                        none,
                        none,
                        EnumSet.of(StatsType.Gradients, StatsType.Updates),
                        EnumSet.of(StatsType.Parameters, StatsType.Updates));
            default:
                throw new IllegalStateException("UiStats.OFF records no statistics");
        }
    }

    /**
     * A {@link StatsUpdateConfiguration} as a value. DL4J's {@code DefaultStatsUpdateConfiguration} (M2.1) answers
     * {@code collectHistograms(Gradients)} with its gradient standard deviation flag, so gradient histograms cannot
     * be turned off there while the overview's standard deviation chart is kept; this record answers each question
     * with its own setting.
     *
     * @param reportingFrequency report every this many iterations (at least 1)
     * @param performance        examples/s, minibatches/s, iteration time (system page, overview table)
     * @param memory             JVM and off-heap memory (system page)
     * @param garbageCollection  GC counts and times (system page)
     * @param learningRates      per-parameter learning rates (model page)
     * @param histograms         20-bin histograms of these kinds (model page)
     * @param mean               means of these kinds (model page, activations)
     * @param stdev              standard deviations of these kinds (overview chart)
     * @param meanMagnitudes     mean absolute values of these kinds (overview update:parameter ratios, model page)
     */
    public record Configuration(
            int reportingFrequency,
            boolean performance,
            boolean memory,
            boolean garbageCollection,
            boolean learningRates,
            Set<StatsType> histograms,
            Set<StatsType> mean,
            Set<StatsType> stdev,
            Set<StatsType> meanMagnitudes)
            implements StatsUpdateConfiguration {

        private static final long serialVersionUID = 1L;

        /** DL4J's number of histogram bins. */
        public static final int HISTOGRAM_BINS = 20;

        /** Validates and copies the sets. */
        public Configuration {
            if (reportingFrequency < 1) {
                throw new IllegalArgumentException("StatsListener frequency must be >= 1, got " + reportingFrequency);
            }
            histograms = copy(histograms);
            mean = copy(mean);
            stdev = copy(stdev);
            meanMagnitudes = copy(meanMagnitudes);
        }

        private static Set<StatsType> copy(Set<StatsType> s) {
            return s.isEmpty() ? EnumSet.noneOf(StatsType.class) : EnumSet.copyOf(s);
        }

        @Override
        public boolean collectPerformanceStats() {
            return performance;
        }

        @Override
        public boolean collectMemoryStats() {
            return memory;
        }

        @Override
        public boolean collectGarbageCollectionStats() {
            return garbageCollection;
        }

        @Override
        public boolean collectLearningRates() {
            return learningRates;
        }

        @Override
        public boolean collectHistograms(StatsType type) {
            return histograms.contains(type);
        }

        @Override
        public int numHistogramBins(StatsType type) {
            return HISTOGRAM_BINS;
        }

        @Override
        public boolean collectMean(StatsType type) {
            return mean.contains(type);
        }

        @Override
        public boolean collectStdev(StatsType type) {
            return stdev.contains(type);
        }

        @Override
        public boolean collectMeanMagnitudes(StatsType type) {
            return meanMagnitudes.contains(type);
        }
    }

    /** @return the lower-case name used on the command line ({@code full}, {@code default}, {@code off}) */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
