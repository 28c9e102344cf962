package org.resnext4j.ui;

import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;

/**
 * A training run's moving average of the weights ({@link TrainingRun.Builder#ema}), or nothing when the run keeps
 * none (every method then does nothing): its updates after the training batches, the copy of the network that
 * validates it, its checkpoint entry {@link CheckpointEnvelope#EMA_ENTRY} and state {@link CheckpointEnvelope#EMA_KEY},
 * and its restore on resume. Guarded by the run's lock.
 */
final class RunEma {

    private final ModelEma ema;
    private final RunLog log;
    /** A copy of the network that holds the moving average for validation and {@code best.zip}. */
    private Network emaNet;

    /**
     * @param ema the average, or {@code null} for none
     * @param log the run's log
     */
    RunEma(ModelEma ema, RunLog log) {
        this.ema = ema;
        this.log = log;
    }

    /** A new run's average starts empty, also when the {@link ModelEma} was used before. */
    void startAfresh() {
        if (ema != null) {
            ema.restore(null, 0);
        }
    }

    /**
     * After the update of batch {@code batch} of epoch {@code epoch} (from 0), as torchvision's loop.
     *
     * @param trained the trained network, whose parameters are averaged
     * @param epoch   finished epochs before this one
     * @param batch   the batch's index in its epoch
     */
    void afterBatch(Model trained, int epoch, int batch) {
        if (ema != null) {
            ema.afterBatch(trained.params(), epoch, batch);
        }
    }

    /**
     * The copy of the network that validates the moving average, with the average's current values; {@code null}
     * when the run keeps no average or it has no update yet.
     *
     * @param trained the trained network (copied the first time)
     */
    Network network(Network trained) {
        if (ema == null || ema.average() == null) {
            return null;
        }
        if (emaNet == null) {
            emaNet = trained.copyWithParams(ema.average());
        } else {
            emaNet.model().setParams(ema.average());
        }
        return emaNet;
    }

    /** @return the copy {@link #network} last returned, or {@code null} when it was never asked for one */
    Network lastNetwork() {
        return emaNet;
    }

    /** The average's checkpoint entry (its values serialised now), or none when the run keeps none. */
    Map<String, byte[]> entries() {
        return ema != null && ema.average() != null
                ? Map.of(CheckpointEnvelope.EMA_ENTRY, EmaState.write(ema.average()))
                : Map.of();
    }

    /**
     * @param averageIsModel whether the checkpoint's model is the average ({@code best.zip} from it) rather than the
     *                       trained weights
     * @return the metadata value {@link CheckpointEnvelope#EMA_KEY}
     */
    Map<String, Object> state(boolean averageIsModel) {
        return Map.of(
                CheckpointEnvelope.EMA_DECAY_KEY,
                ema.decay(),
                CheckpointEnvelope.EMA_STEPS_KEY,
                ema.steps(),
                CheckpointEnvelope.EMA_UPDATES_KEY,
                ema.updates(),
                CheckpointEnvelope.EMA_MODEL_KEY,
                averageIsModel ? CheckpointEnvelope.EMA_MODEL_AVERAGE : CheckpointEnvelope.EMA_MODEL_RAW);
    }

    /**
     * Restores the average from a checkpoint's entry; one without the entry starts the average afresh (a note says
     * so).
     *
     * @param checkpoint the checkpoint file
     * @param updates    the updates since the last reset, from its metadata ({@link ResumeState#emaUpdates()})
     */
    void restore(Path checkpoint, long updates) {
        if (ema == null) {
            return;
        }
        byte[] bytes = Checkpoints.readEntry(checkpoint, CheckpointEnvelope.EMA_ENTRY);
        if (bytes == null) {
            ema.restore(null, 0);
            log.say("Note: checkpoint " + checkpoint + " holds no moving average of the weights; it starts afresh");
            return;
        }
        ema.restore(EmaState.read(bytes, checkpoint), updates);
    }
}
