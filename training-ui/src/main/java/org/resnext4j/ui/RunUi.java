package org.resnext4j.ui;

import java.util.Optional;
import java.util.function.Supplier;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.ui.model.stats.StatsListener;

/**
 * A training run's wiring to the DL4J UI: the {@link TrainingUi} recording into {@value RunFolder#STATS_FILE} (and
 * serving it while the UI is on), the run's epoch curves published at {@link EpochCurvesModule#PAGE}, and further
 * stats listeners for training that runs elsewhere.
 */
final class RunUi implements AutoCloseable {

    private final TrainingUi trainingUi;
    private final UiOptions options;

    private RunUi(TrainingUi trainingUi, UiOptions options) {
        this.trainingUi = trainingUi;
        this.options = options;
    }

    /**
     * Opens the stats file and starts the UI when it is on.
     *
     * @param settings        the run's settings
     * @param numParams       the model's parameter count (sets the default stats frequency)
     * @param previousSession the session a resumed run continues, or {@code null}
     * @throws UiStartException when the UI is on and cannot start
     */
    static RunUi start(RunConfiguration settings, long numParams, String previousSession) {
        return new RunUi(
                TrainingUi.start(RunFolder.stats(settings.runDir()), settings.ui(), previousSession, numParams),
                settings.ui());
    }

    /**
     * Serves the run's epoch curves in the UI and logs where to look.
     *
     * @param runName the run's name in the UI
     * @param history the finished epochs, read when the page asks
     * @param log     the run's log
     */
    void publish(String runName, Supplier<MetricsHistory> history, RunLog log) {
        EpochCurvesModule.publish(trainingUi.sessionId(), runName, history);
        trainingUi.url().ifPresent(u -> {
            log.say("DL4J training UI: " + u);
            log.say("Epoch curves:     " + u.replace("/train/overview", EpochCurvesModule.PAGE));
        });
    }

    /** @return the UI handle */
    TrainingUi trainingUi() {
        return trainingUi;
    }

    /** @return the run's own stats listener, or {@code null} with {@link UiStats#OFF} */
    StatsListener listener() {
        return trainingUi.listener();
    }

    /** @return the run's UI session id */
    String sessionId() {
        return trainingUi.sessionId();
    }

    /** @return the stats storage, or {@code null} with {@link UiStats#OFF} and the server off */
    StatsStorage storage() {
        return trainingUi.storage();
    }

    /** @return the UI overview URL while the UI is on */
    Optional<String> url() {
        return trainingUi.url();
    }

    /**
     * @param workerId  the worker id the UI shows
     * @param numParams the model's parameter count
     * @return a further listener recording what the run's own records, or {@code null} with {@link UiStats#OFF}
     */
    StatsListener statsListener(String workerId, long numParams) {
        return TrainingUi.statsListener(null, options, trainingUi.sessionId(), workerId, numParams);
    }

    /** Stops publishing the curves and closes the UI (stopping the server when this run started it). */
    @Override
    public void close() {
        EpochCurvesModule.unpublish(trainingUi.sessionId());
        trainingUi.close();
    }
}
