package org.resnext4j.ui;

import static org.resnext4j.ui.CheckpointEnvelope.PARTIAL_ACCURACY_UNSUPPORTED_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.PARTIAL_BATCHES_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.PARTIAL_CORRECT_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.PARTIAL_EXAMPLES_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.PARTIAL_LOSS_SUM_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.PARTIAL_REASON_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.PARTIAL_SECONDS_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.PARTIAL_TOTAL_KEY;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sums of one epoch's training batches; saved inside an interrupted epoch under
 * {@link CheckpointEnvelope#PARTIAL_EPOCH_KEY} and adopted again on resume. Guarded by the run's lock.
 */
final class EpochTotals {
    long startNanos = System.nanoTime();
    long lastReport = startNanos;
    /** Seconds of this epoch spent before a resume. */
    double seconds;

    int batches;
    double lossSum;
    long examples;
    long correct;
    long total;
    boolean accuracyUnsupported;

    double accuracy() {
        return accuracyUnsupported || total == 0 ? Double.NaN : (double) correct / total;
    }

    /** @return the seconds of the epoch so far, this process's included */
    double secondsSoFar() {
        return seconds + (System.nanoTime() - startNanos) / 1e9;
    }

    /**
     * Sets the sums to those of an epoch whose batches ran elsewhere ({@link TrainingRun#recordEpoch}).
     *
     * @param trainLoss     mean training score of the epoch
     * @param trainAccuracy training accuracy of the epoch, or NaN when not measured
     * @param count         training examples of the epoch (0: no batch)
     */
    void measuredElsewhere(double trainLoss, double trainAccuracy, long count) {
        batches = count > 0 ? 1 : 0;
        examples = count;
        lossSum = trainLoss * count;
        if (Double.isNaN(trainAccuracy)) {
            accuracyUnsupported = true;
        } else {
            total = count;
            correct = Math.round(trainAccuracy * count);
        }
    }

    Map<String, Object> toMap(String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(PARTIAL_BATCHES_KEY, batches);
        m.put(PARTIAL_LOSS_SUM_KEY, lossSum);
        m.put(PARTIAL_EXAMPLES_KEY, examples);
        m.put(PARTIAL_CORRECT_KEY, correct);
        m.put(PARTIAL_TOTAL_KEY, total);
        m.put(PARTIAL_ACCURACY_UNSUPPORTED_KEY, accuracyUnsupported);
        m.put(PARTIAL_SECONDS_KEY, seconds);
        m.put(PARTIAL_REASON_KEY, reason);
        return m;
    }

    static EpochTotals fromMap(Map<?, ?> m) {
        EpochTotals t = new EpochTotals();
        t.batches = ((Number) m.get(PARTIAL_BATCHES_KEY)).intValue();
        t.lossSum = ((Number) m.get(PARTIAL_LOSS_SUM_KEY)).doubleValue();
        t.examples = ((Number) m.get(PARTIAL_EXAMPLES_KEY)).longValue();
        t.correct = ((Number) m.get(PARTIAL_CORRECT_KEY)).longValue();
        t.total = ((Number) m.get(PARTIAL_TOTAL_KEY)).longValue();
        t.accuracyUnsupported = Boolean.TRUE.equals(m.get(PARTIAL_ACCURACY_UNSUPPORTED_KEY));
        t.seconds = ((Number) m.get(PARTIAL_SECONDS_KEY)).doubleValue();
        return t;
    }
}
