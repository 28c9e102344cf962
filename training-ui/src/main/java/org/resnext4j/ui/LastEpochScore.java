package org.resnext4j.ui;

import java.util.Objects;
import org.deeplearning4j.earlystopping.scorecalc.ScoreCalculator;
import org.deeplearning4j.nn.api.Model;

/**
 * {@link TrainingRun#scoreCalculator(Monitor)}: the value the run's listener measured at the end of the last epoch.
 *
 * @param <T> the model type of the early-stopping configuration
 */
final class LastEpochScore<T extends Model> implements ScoreCalculator<T> {
    private static final long serialVersionUID = 1L;
    private final transient TrainingRun run;
    private final Monitor monitor;

    LastEpochScore(TrainingRun run, Monitor monitor) {
        this.run = run;
        this.monitor = Objects.requireNonNull(monitor, "monitor");
    }

    @Override
    public double calculateScore(T network) {
        MetricsHistory h = run.history();
        if (h.size() == 0) {
            throw new IllegalStateException("No epoch was recorded yet: add the TrainingRun's listeners to the "
                    + "network the early-stopping trainer trains");
        }
        return monitor.of(h.epochs().get(h.size() - 1));
    }

    @Override
    public boolean minimizeScore() {
        return !monitor.maximise();
    }
}
