package org.resnext4j.ui;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bookkeeping shared by {@link EarlyStopping} and {@link ReduceLrOnPlateau}: the best value of a monitored
 * quantity so far and the number of epochs since it last improved by more than {@code minDelta}. Written to and
 * read from checkpoint metadata, so a resumed run continues the same count.
 */
final class PlateauTracker {

    private final Monitor monitor;
    private final double minDelta;
    private double best = Double.NaN;
    private int bestEpoch;
    private int wait;

    PlateauTracker(Monitor monitor, double minDelta) {
        this.monitor = monitor;
        this.minDelta = minDelta;
    }

    /**
     * Records one epoch.
     *
     * @return whether it improved on the best so far (a NaN value never improves)
     */
    boolean update(EpochMetrics m) {
        double v = monitor.of(m);
        boolean improved = !Double.isNaN(v)
                && (Double.isNaN(best) || (monitor.maximise() ? v > best + minDelta : v < best - minDelta));
        if (improved) {
            best = v;
            bestEpoch = m.epoch();
            wait = 0;
        } else {
            wait++;
        }
        return improved;
    }

    int epochsWithoutImprovement() {
        return wait;
    }

    void resetWait() {
        wait = 0;
    }

    double best() {
        return best;
    }

    int bestEpoch() {
        return bestEpoch;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("best", Double.isNaN(best) ? null : best);
        m.put("best_epoch", bestEpoch);
        m.put("wait", wait);
        return m;
    }

    void restore(Map<?, ?> m) {
        Object b = m.get("best");
        best = b instanceof Number n ? n.doubleValue() : Double.NaN;
        bestEpoch = ((Number) m.get("best_epoch")).intValue();
        wait = ((Number) m.get("wait")).intValue();
    }
}
