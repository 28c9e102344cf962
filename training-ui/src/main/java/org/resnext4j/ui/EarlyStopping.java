package org.resnext4j.ui;

/**
 * Stop training when a monitored quantity has stopped improving: Keras's {@code EarlyStopping(monitor, min_delta,
 * patience)}. After each epoch the monitored value counts as an improvement when it beats the best so far by more
 * than {@code minDelta} (below {@code best - minDelta} for a loss, above {@code best + minDelta} for an accuracy);
 * the run stops once {@code patience} epochs in a row did not improve. The count is stored in every checkpoint, so a
 * resumed run stops where the uninterrupted one would.
 *
 * <p>It is honoured by {@link Trainer} (and the CLI's {@code train --early-stopping-patience}) and by any loop that
 * asks {@link TrainingRun#stopRequested()} between epochs. Users of DL4J's own {@code EarlyStoppingGraphTrainer}
 * keep using its {@code ScoreImprovementEpochTerminationCondition}, which has the same semantics for a loss; the run's
 * listeners compose with that trainer too.
 *
 * @param monitor  the watched quantity (Keras's default: {@link Monitor#VAL_LOSS})
 * @param patience epochs without improvement before stopping, at least 1
 * @param minDelta smallest change that counts as an improvement, at least 0
 */
public record EarlyStopping(Monitor monitor, int patience, double minDelta) {

    /** Validates the values. */
    public EarlyStopping {
        if (monitor == null) {
            throw new IllegalArgumentException("Early stopping needs a monitor (val_loss, val_acc, ...)");
        }
        if (patience < 1) {
            throw new IllegalArgumentException("Early stopping patience must be >= 1 epoch, got " + patience);
        }
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
            throw new IllegalArgumentException(
                    "Early stopping min delta must be a finite number >= 0, got " + minDelta);
        }
    }

    /**
     * @param patience epochs without improvement of the validation loss before stopping
     * @return early stopping on {@code val_loss} with {@code minDelta} 0
     */
    public static EarlyStopping onValidationLoss(int patience) {
        return new EarlyStopping(Monitor.VAL_LOSS, patience, 0);
    }
}
