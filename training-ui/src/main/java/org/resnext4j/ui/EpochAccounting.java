package org.resnext4j.ui;

import java.util.Locale;
import java.util.Objects;

/**
 * A training run's epoch accounting: validation after each epoch, the epoch's {@link EpochMetrics} appended to the
 * history, and what the history decides: the best checkpoint's monitored value
 * ({@link TrainingRun.Builder#bestCheckpointMonitor}), {@link ReduceLrOnPlateau} and {@link EarlyStopping}, whose
 * counters are functions of the history (a resumed run recomputes them from the restored one, {@link #restore}). Guarded by the run's lock, except
 * the stop request, which any thread may make.
 */
final class EpochAccounting {

    /**
     * An epoch recorded by {@link #finish}.
     *
     * @param metrics    its metrics
     * @param evaluation the validation of the trained weights, or {@code null} without validation data
     * @param improved   whether the value {@code best.zip} keeps the best of improved
     */
    record Finished(EpochMetrics metrics, EvaluationReport evaluation, boolean improved) {}

    private final RunConfiguration settings;
    private final RunLog log;
    private final RunEma ema;

    private MetricsHistory history = new MetricsHistory();
    private PlateauTracker bestTracker;
    private PlateauTracker stopTracker;
    private PlateauTracker lrTracker;
    private int cooldownLeft;
    private EvaluationReport lastEvaluation;
    private volatile String stopReason;

    EpochAccounting(RunConfiguration settings, RunLog log, RunEma ema) {
        this.settings = settings;
        this.log = log;
        this.ema = ema;
        resetTrackers();
    }

    /** @return the live history (not a copy; read it under the run's lock) */
    MetricsHistory history() {
        return history;
    }

    /** @return finished epochs */
    int epochsDone() {
        return history.size();
    }

    /** @return the validation of the last epoch finished in this process, or {@code null} */
    EvaluationReport lastEvaluation() {
        return lastEvaluation;
    }

    /**
     * Evaluates a network on the run's validation data: the one place a run validates.
     *
     * @param n the network (the trained one, or the copy holding the moving average)
     * @return the evaluation, or {@code null} without validation data
     */
    EvaluationReport validate(Network n) {
        return settings.validation() == null
                ? null
                : EvaluationReport.evaluate(n, settings.validation(), settings.classNames());
    }

    /**
     * Validates the trained network and keeps the evaluation as the last one ({@link TrainingRun#result()} when no
     * epoch was finished in this process).
     *
     * @param n the trained network
     * @return the evaluation
     */
    EvaluationReport revalidate(Network n) {
        lastEvaluation = validate(n);
        return lastEvaluation;
    }

    /**
     * Replaces the history with a checkpoint's and replays it through the counters (no learning-rate change is
     * applied: the saved configuration holds the reduced rate).
     *
     * @param restored the checkpoint's history
     */
    void restore(MetricsHistory restored) {
        history = new MetricsHistory();
        resetTrackers();
        for (EpochMetrics m : restored.epochs()) {
            history.add(m);
            updateTrackers(m, null);
        }
    }

    /**
     * Records a finished epoch: validates the trained weights and the moving average, appends the metrics, and
     * applies the counters (a learning-rate reduction goes to {@code n}; early stopping requests a stop).
     *
     * @param n      the trained network
     * @param totals the epoch's training sums (at least one batch)
     * @return the epoch
     */
    Finished finish(Network n, EpochTotals totals) {
        int epoch = history.size() + 1;
        double lr = n.learningRate();
        EvaluationReport evaluation = validate(n);
        Network average = settings.validation() == null ? null : ema.network(n);
        EvaluationReport emaEvaluation = average == null ? null : validate(average);
        EpochMetrics m = new EpochMetrics(
                epoch,
                totals.lossSum / totals.examples,
                totals.accuracy(),
                evaluation == null ? Double.NaN : evaluation.loss(),
                evaluation == null ? Double.NaN : evaluation.accuracy(),
                lr,
                totals.secondsSoFar(),
                n.iterationCount(),
                emaEvaluation == null ? Double.NaN : emaEvaluation.loss(),
                emaEvaluation == null ? Double.NaN : emaEvaluation.accuracy());
        history.add(m);
        lastEvaluation = evaluation;
        boolean improved = updateTrackers(m, n);
        return new Finished(m, evaluation, improved);
    }

    /**
     * Asks the run to end after the current epoch; the first reason stays.
     *
     * @param reason what asked
     */
    void requestStop(String reason) {
        if (stopReason == null) {
            stopReason = Objects.requireNonNull(reason, "reason");
        }
    }

    /** @return why the run was asked to stop, or {@code null} */
    String stopReason() {
        return stopReason;
    }

    private void resetTrackers() {
        bestTracker = new PlateauTracker(settings.bestMonitor(), 0);
        EarlyStopping earlyStopping = settings.earlyStopping();
        stopTracker =
                earlyStopping == null ? null : new PlateauTracker(earlyStopping.monitor(), earlyStopping.minDelta());
        ReduceLrOnPlateau reduceLr = settings.reduceLr();
        lrTracker = reduceLr == null ? null : new PlateauTracker(reduceLr.monitor(), reduceLr.minDelta());
        cooldownLeft = 0;
    }

    /**
     * Feeds one epoch to the best-checkpoint, early-stopping and plateau counters; with a network, applies a
     * learning-rate reduction to it (without, as when replaying a restored history, only the counters move).
     *
     * @return whether the monitored value of the best checkpoint improved
     */
    private boolean updateTrackers(EpochMetrics m, Network target) {
        boolean improved = bestTracker.update(settings.bestFromEma() ? m.emaAsValidation() : m);
        ReduceLrOnPlateau reduceLr = settings.reduceLr();
        if (lrTracker != null) {
            boolean inCooldown = cooldownLeft > 0;
            if (inCooldown) {
                cooldownLeft--;
            }
            boolean better = lrTracker.update(m);
            if (inCooldown) {
                lrTracker.resetWait();
            } else if (!better && lrTracker.epochsWithoutImprovement() >= reduceLr.patience()) {
                double old = m.learningRate();
                if (old > reduceLr.minLr() * (1 + 1e-9)) {
                    double next = Math.max(old * reduceLr.factor(), reduceLr.minLr());
                    if (target != null) {
                        ReduceLrOnPlateau.scale(target, next / old);
                        log.say(String.format(
                                Locale.ROOT,
                                "Epoch %d: %s did not improve for %d epochs; learning rate " + "%s -> %s",
                                m.epoch(),
                                reduceLr.monitor().key(),
                                lrTracker.epochsWithoutImprovement(),
                                EpochMetrics.formatLearningRate(old),
                                EpochMetrics.formatLearningRate(next)));
                    }
                    cooldownLeft = reduceLr.cooldown();
                    lrTracker.resetWait();
                }
            }
        }
        EarlyStopping earlyStopping = settings.earlyStopping();
        if (stopTracker != null) {
            stopTracker.update(m);
            if (stopTracker.epochsWithoutImprovement() >= earlyStopping.patience()) {
                requestStop(String.format(
                        Locale.ROOT,
                        "early stopping: %s did not improve by more than %s for %d " + "epochs (best %.6g at epoch %d)",
                        earlyStopping.monitor().key(),
                        earlyStopping.minDelta(),
                        stopTracker.epochsWithoutImprovement(),
                        stopTracker.best(),
                        stopTracker.bestEpoch()));
            }
        }
        return improved;
    }
}
