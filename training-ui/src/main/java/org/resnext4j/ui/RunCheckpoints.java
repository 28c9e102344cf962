package org.resnext4j.ui;

import static org.resnext4j.ui.CheckpointEnvelope.EMA_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.EPOCHS_PLANNED_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.EPOCH_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.FORMAT;
import static org.resnext4j.ui.CheckpointEnvelope.FORMAT_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.HISTORY_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.PARTIAL_EPOCH_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.RNG_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.RNG_NODE_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.RNG_ROOT_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.SAVED_AT_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.SESSION_ID_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.STOP_REASON_KEY;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A training run's checkpoints: after every epoch {@code checkpoints/last.zip} (model, updater state and the
 * {@link CheckpointEnvelope} metadata; entries stored without compression, see {@link Checkpoints#STORED}) and, when
 * the monitored value improved, {@code checkpoints/best.zip} (a hard link to the same bytes, not a second write, or
 * with {@link TrainingRun.Builder#bestCheckpointFromEma} the moving average as its model); inside an interrupted
 * epoch {@code last.zip} with the epoch's sums ({@link CheckpointEnvelope#PARTIAL_EPOCH_KEY}).
 *
 * <p>An epoch's files are written from a snapshot of the model on a thread of their own while the next epoch trains,
 * one write at a time ({@link BackgroundWrites}), or in place when the run asks so or has a custom writer (which
 * takes the live model). Every file is written atomically: a failure leaves the previous checkpoint intact, and a
 * process killed during a write leaves it whole too (its temporary file is removed on resume,
 * {@link RunFolder#removeTemporaryFiles}). Guarded by the run's lock.
 */
final class RunCheckpoints {

    private final RunConfiguration settings;
    private final RunEma ema;
    private final EpochAccounting accounting;
    /** End-of-epoch writes while the next epoch trains; {@code null} when they are written in place. */
    private final BackgroundWrites backgroundWrites;
    /** The card given to the builder, or on resume the checkpoint's; class names and settings are the run's. */
    private ModelCard card;

    private String sessionId;
    /**
     * The last snapshots of the trained network and of the moving average, whose arrays the next epoch's snapshots
     * are copied into ({@link Checkpoints.ModelState#snapshot(org.deeplearning4j.nn.api.Model,
     * Checkpoints.ModelState)}); the writes that read them have finished by then ({@link #saveEpoch} waits for the
     * previous write first).
     */
    private Checkpoints.ModelState trainedSnapshot;

    private Checkpoints.ModelState averageSnapshot;

    RunCheckpoints(RunConfiguration settings, RunEma ema, EpochAccounting accounting) {
        this.settings = settings;
        this.ema = ema;
        this.accounting = accounting;
        this.backgroundWrites = settings.backgroundWrites() ? new BackgroundWrites() : null;
        this.card = settings.card();
    }

    /** @return {@code checkpoints/last.zip} of the run */
    Path last() {
        return RunFolder.last(settings.runDir());
    }

    /** @return {@code checkpoints/best.zip} of the run */
    Path best() {
        return RunFolder.best(settings.runDir());
    }

    /**
     * Keeps a resumed checkpoint's model card when the builder was given none.
     *
     * @param cp the checkpoint resumed
     */
    void resumed(Checkpoints.Checkpoint cp) {
        if (card == null) {
            card = ModelCard.of(cp);
        }
    }

    /** Creates the checkpoint folder (and the run folder). */
    void createFolder() {
        Path dir = RunFolder.checkpoints(settings.runDir());
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CheckpointException("Cannot create run folder " + dir + ": " + e, e);
        }
    }

    /** @param session the run's DL4J UI session id, stored in every checkpoint */
    void sessionStarted(String session) {
        this.sessionId = session;
    }

    /**
     * Saves a finished epoch (the last of the accounting's history): {@code last.zip}, and {@code best.zip} when it
     * improved, then {@code outputs}; in the background (after the previous epoch's writes) or in place.
     *
     * @param n               the trained network
     * @param improved        whether the value {@code best.zip} keeps the best of improved
     * @param interruptReason why the run was interrupted (at the epoch's end), or {@code null}
     * @param outputs         the epoch's further files (metrics, charts, report), written after the checkpoints
     */
    void saveEpoch(Network n, boolean improved, String interruptReason, IoAction outputs) {
        int epoch = accounting.epochsDone();
        // the previous epoch's write has finished (long ago, as a rule) before its snapshot's arrays are overwritten
        awaitWrites();
        Map<String, byte[]> average = ema.entries(); // serialised once for last.zip and best.zip
        CheckpointWrite checkpoint = save(n, n, last(), epoch, null, interruptReason, average);
        // best.zip from the moving average holds it as its model, so evaluate and predict use it
        Network emaNet = ema.lastNetwork();
        CheckpointWrite bestFromAverage = improved && settings.bestFromEma() && emaNet != null
                ? save(emaNet, n, best(), epoch, null, interruptReason, average)
                : null;
        IoAction writes = () -> {
            checkpoint.run();
            if (bestFromAverage != null) {
                bestFromAverage.run();
            } else if (improved) {
                // the same state as last.zip: a hard link to its bytes, not a second write of them
                AtomicFiles.link(last(), best());
                AtomicFiles.copy(Checkpoints.sidecar(last()), Checkpoints.sidecar(best()));
            }
            outputs.run();
        };
        if (backgroundWrites != null) {
            backgroundWrites.submit(last(), writes);
        } else {
            IoAction.runOrFail(last(), writes);
        }
    }

    /**
     * Saves the state inside an interrupted epoch to {@code last.zip}, in place and at once (after the previous
     * epoch's writes); the epoch stays unfinished.
     *
     * @param n               the trained network
     * @param totals          the epoch's sums so far
     * @param interruptReason why the run was interrupted
     */
    void savePartialEpoch(Network n, EpochTotals totals, String interruptReason) {
        awaitWrites();
        save(n, n, last(), accounting.epochsDone(), totals, interruptReason, ema.entries())
                .run();
    }

    /**
     * Waits until the checkpoint and outputs of the last finished epoch are on disk.
     *
     * @throws CheckpointException when that write failed (the previous checkpoint is then unchanged)
     */
    void awaitWrites() {
        if (backgroundWrites != null) {
            backgroundWrites.await();
        }
    }

    /** A checkpoint whose content is fixed and whose write is still to run (now or on the writer thread). */
    @FunctionalInterface
    private interface CheckpointWrite {
        void run();
    }

    /**
     * Takes what {@code model} (the trained network, or for {@code best.zip} from the moving average its copy) will
     * be saved as, with the run's metadata and the moving average's state, the configuration's counters those of
     * {@code trained}, and returns the write: with background writes from a snapshot, else of the model in place
     * (an interrupted epoch's checkpoint is written in place too, at once).
     *
     * <p>DL4J calls {@code onEpochEnd} before it increments the epoch count (and the early-stopping trainer
     * overwrites the count with its own), so the saved configuration is given the number of finished epochs for the
     * snapshot (or the write in place) and then put back.
     */
    private CheckpointWrite save(
            Network model,
            Network trained,
            Path file,
            int epoch,
            EpochTotals partial,
            String interruptReason,
            Map<String, byte[]> entries) {
        Map<String, Object> meta = metadata(interruptReason);
        if (partial != null) {
            meta.put(PARTIAL_EPOCH_KEY, partial.toMap(interruptReason));
        }
        if (!entries.isEmpty()) {
            meta.put(EMA_KEY, ema.state(model != trained));
        }
        if (model != trained) {
            model.setConfIterationCount(trained.iterationCount());
        }
        if (backgroundWrites == null || partial != null) {
            return () -> withEpochCount(
                    model, epoch, () -> Checkpoints.save(model.model(), file, meta, settings.modelWriter(), entries));
        }
        Checkpoints.ModelState[] state = new Checkpoints.ModelState[1];
        boolean average = model != trained;
        Checkpoints.ModelState reuse = average ? averageSnapshot : trainedSnapshot;
        withEpochCount(model, epoch, () -> state[0] = Checkpoints.ModelState.snapshot(model.model(), reuse));
        if (average) {
            averageSnapshot = state[0];
        } else {
            trainedSnapshot = state[0];
        }
        return () -> Checkpoints.save(state[0], file, meta, entries);
    }

    private static void withEpochCount(Network n, int epoch, Runnable action) {
        int count = n.epochCount();
        n.setConfEpochCount(epoch);
        try {
            action.run();
        } finally {
            n.setConfEpochCount(count);
        }
    }

    /** The checkpoint's metadata ({@link CheckpointEnvelope}), but for the partial epoch and the average's state. */
    private Map<String, Object> metadata(String interruptReason) {
        MetricsHistory history = accounting.history();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put(FORMAT_KEY, FORMAT);
        meta.put(EPOCH_KEY, history.size());
        meta.put(EPOCHS_PLANNED_KEY, settings.epochs());
        meta.put(SAVED_AT_KEY, Instant.now().toString());
        meta.put(SESSION_ID_KEY, sessionId);
        meta.put(ModelCard.KEY, modelCard().toMap());
        Random rng = Nd4j.getRandom();
        meta.put(RNG_KEY, Map.of(RNG_ROOT_KEY, rng.rootState(), RNG_NODE_KEY, rng.nodeState()));
        String stopReason = accounting.stopReason();
        if (stopReason != null && interruptReason == null) {
            meta.put(STOP_REASON_KEY, stopReason);
        }
        List<Map<String, Object>> h = new ArrayList<>();
        history.epochs().forEach(e -> h.add(e.toMap()));
        meta.put(HISTORY_KEY, h);
        return meta;
    }

    /**
     * The model card stored with every checkpoint: the builder's (or on resume the checkpoint's) with this run's
     * class names and its metadata as the training settings.
     */
    private ModelCard modelCard() {
        ModelCard c = card != null ? card : ModelCard.empty();
        Map<String, Object> training = new LinkedHashMap<>(c.training());
        training.putAll(settings.metadata());
        return c.withClassNames(settings.classNames() != null ? settings.classNames() : c.classNames())
                .withTraining(training);
    }
}
