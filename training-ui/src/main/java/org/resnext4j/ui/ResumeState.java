package org.resnext4j.ui;

import static org.resnext4j.ui.CheckpointEnvelope.EMA_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.EMA_UPDATES_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.EPOCH_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.HISTORY_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.PARTIAL_EPOCH_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.RNG_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.RNG_NODE_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.RNG_ROOT_KEY;
import static org.resnext4j.ui.CheckpointEnvelope.SESSION_ID_KEY;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What a training run continues from, read back from a checkpoint's {@link CheckpointEnvelope} (the counterpart of
 * {@code RunCheckpoints}' metadata): the finished epochs' history, the random generator state, the UI session, the
 * sums of an interrupted epoch and the moving average's update count. The model, its updater state and counters
 * are the checkpoint's model; the early-stopping and plateau counters are recomputed from the history
 * ({@code EpochAccounting#restore}).
 *
 * @param checkpoint the checkpoint read
 * @param history    the metrics of its finished epochs
 * @param rng        the ND4J random generator state, or {@code null} when it holds none
 * @param sessionId  the DL4J UI session to continue, or {@code null}
 * @param partial    the sums of the epoch it was interrupted in, or {@code null} after a finished epoch
 * @param emaUpdates the moving average's updates since its last reset (1 when not recorded)
 */
record ResumeState(
        Checkpoints.Checkpoint checkpoint,
        MetricsHistory history,
        RandomState rng,
        String sessionId,
        EpochTotals partial,
        long emaUpdates) {

    /**
     * @param cp a loaded checkpoint
     * @return its resume state
     * @throws CheckpointException when its metadata holds no (consistent) training history
     */
    static ResumeState read(Checkpoints.Checkpoint cp) {
        Map<String, Object> meta = cp.metadata();
        RandomState rng = meta.get(RNG_KEY) instanceof Map<?, ?> r
                        && r.get(RNG_ROOT_KEY) instanceof Number root
                        && r.get(RNG_NODE_KEY) instanceof Number node
                ? new RandomState(root.longValue(), node.longValue())
                : null;
        return new ResumeState(
                cp,
                historyOf(cp),
                rng,
                meta.get(SESSION_ID_KEY) instanceof String s ? s : null,
                meta.get(PARTIAL_EPOCH_KEY) instanceof Map<?, ?> p ? EpochTotals.fromMap(p) : null,
                meta.get(EMA_KEY) instanceof Map<?, ?> m && m.get(EMA_UPDATES_KEY) instanceof Number u
                        ? u.longValue()
                        : 1);
    }

    /** Sets the calling thread's ND4J random generator to the saved state (dropout continues as it would have). */
    void restoreRandom() {
        if (rng != null) {
            Nd4j.getRandom().setStates(rng.root(), rng.node());
        }
    }

    /**
     * An ND4J random generator's state ({@code Random.rootState()}, {@code nodeState()}).
     *
     * @param root the root state
     * @param node the node state
     */
    record RandomState(long root, long node) {}

    private static MetricsHistory historyOf(Checkpoints.Checkpoint cp) {
        Object h = cp.metadata().get(HISTORY_KEY);
        Object epoch = cp.metadata().get(EPOCH_KEY);
        if (!(h instanceof List<?> list) || !(epoch instanceof Number n)) {
            throw new CheckpointException("Checkpoint " + cp.file() + " has no training history in its metadata entry "
                    + Checkpoints.METADATA_ENTRY + " (expected a checkpoint written by a TrainingRun or Trainer)");
        }
        List<EpochMetrics> epochs = new ArrayList<>();
        for (Object o : list) {
            epochs.add(EpochMetrics.fromMap((Map<?, ?>) o));
        }
        MetricsHistory history = new MetricsHistory(epochs);
        if (history.size() != n.intValue()) {
            throw new CheckpointException("Checkpoint " + cp.file() + " is for epoch " + n + " but holds "
                    + history.size() + " epochs of history");
        }
        return history;
    }
}
