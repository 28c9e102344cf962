package org.resnext4j.ui;

/**
 * What a {@link TrainingRun} stores around the model in each checkpoint zip, the one owner of its names: the keys of
 * the metadata entry ({@link Checkpoints#METADATA_ENTRY}, also written beside the zip as {@code <name>.json}) and the
 * extra zip entry of the moving average. The run writes them ({@code RunCheckpoints}) and reads them back on resume
 * ({@code ResumeState}); the CLI reads a few ({@link #EPOCH_KEY}, {@link #EPOCHS_PLANNED_KEY}) to tell what a run
 * folder holds.
 *
 * <pre>
 * {
 *   "format": "resnext4j-checkpoint/1",
 *   "epoch": 3,                      finished epochs (the size of "history")
 *   "epochs_planned": 10,
 *   "saved_at": "2026-...Z",
 *   "session_id": "...",             the DL4J UI session, continued on resume
 *   "model_card": {...},             {@link ModelCard#KEY}, the model card's own format
 *   "rng": {"root": ..., "node": ...},   the training thread's ND4J random generator
 *   "stop_reason": "...",            only when the run was asked to stop (not by an interrupt)
 *   "history": [{...}, ...],         {@link EpochMetrics} of every finished epoch
 *   "partial_epoch": {"batches": ..., "loss_sum": ..., "examples": ..., "correct": ..., "total": ...,
 *                     "accuracy_unsupported": ..., "seconds": ..., "reason": "..."},   only inside an interrupted epoch
 *   "ema": {"decay": ..., "steps": ..., "updates": ..., "model": "raw" | "ema"}       only with a moving average
 * }
 * </pre>
 *
 * These names are a saved format: checkpoints written by earlier releases must keep loading, so they do not change.
 */
public final class CheckpointEnvelope {

    /** Metadata key of the format tag, {@value #FORMAT}. */
    public static final String FORMAT_KEY = "format";
    /** Value of the {@value #FORMAT_KEY} key of a training checkpoint's metadata. */
    public static final String FORMAT = "resnext4j-checkpoint/1";
    /** Metadata key of the number of finished epochs the checkpoint holds. */
    public static final String EPOCH_KEY = "epoch";
    /** Metadata key of the run's planned number of epochs. */
    public static final String EPOCHS_PLANNED_KEY = "epochs_planned";
    /** Metadata key of the time of the save (ISO-8601). */
    public static final String SAVED_AT_KEY = "saved_at";
    /** Metadata key of the run's DL4J UI session id. */
    public static final String SESSION_ID_KEY = "session_id";
    /** Metadata key of the ND4J random generator state: a map of {@value #RNG_ROOT_KEY} and {@value #RNG_NODE_KEY}. */
    public static final String RNG_KEY = "rng";
    /** Key of the generator's root state inside {@value #RNG_KEY}. */
    public static final String RNG_ROOT_KEY = "root";
    /** Key of the generator's node state inside {@value #RNG_KEY}. */
    public static final String RNG_NODE_KEY = "node";
    /** Metadata key of why the run was asked to stop (early stopping, a stop request), when it was. */
    public static final String STOP_REASON_KEY = "stop_reason";
    /** Metadata key of the metrics of the finished epochs, a list of {@link EpochMetrics#toMap()}. */
    public static final String HISTORY_KEY = "history";

    /**
     * Metadata key of a checkpoint written inside an epoch by {@link TrainingRun#interrupt}: the epoch's batches and
     * sums (the {@code PARTIAL_*} keys).
     */
    public static final String PARTIAL_EPOCH_KEY = "partial_epoch";
    /** Key of the batches trained in the interrupted epoch, inside {@value #PARTIAL_EPOCH_KEY}. */
    public static final String PARTIAL_BATCHES_KEY = "batches";
    /** Key of the sum of the batches' losses weighted by their sizes, inside {@value #PARTIAL_EPOCH_KEY}. */
    public static final String PARTIAL_LOSS_SUM_KEY = "loss_sum";
    /** Key of the examples trained, inside {@value #PARTIAL_EPOCH_KEY}. */
    public static final String PARTIAL_EXAMPLES_KEY = "examples";
    /** Key of the correctly predicted training examples, inside {@value #PARTIAL_EPOCH_KEY}. */
    public static final String PARTIAL_CORRECT_KEY = "correct";
    /** Key of the training examples whose accuracy was counted, inside {@value #PARTIAL_EPOCH_KEY}. */
    public static final String PARTIAL_TOTAL_KEY = "total";
    /** Key of whether training accuracy could not be counted, inside {@value #PARTIAL_EPOCH_KEY}. */
    public static final String PARTIAL_ACCURACY_UNSUPPORTED_KEY = "accuracy_unsupported";
    /** Key of the seconds the epoch trained so far, inside {@value #PARTIAL_EPOCH_KEY}. */
    public static final String PARTIAL_SECONDS_KEY = "seconds";
    /** Key of what interrupted the epoch, inside {@value #PARTIAL_EPOCH_KEY}. */
    public static final String PARTIAL_REASON_KEY = "reason";

    /**
     * Metadata key of the moving average's state ({@value #EMA_DECAY_KEY}, {@value #EMA_STEPS_KEY},
     * {@value #EMA_UPDATES_KEY}, {@value #EMA_MODEL_KEY}); the values are in the entry {@link #EMA_ENTRY}.
     */
    public static final String EMA_KEY = "ema";
    /** Checkpoint zip entry holding the moving average of the weights ({@code Nd4j.write} of the flat vector). */
    public static final String EMA_ENTRY = "resnext4j-ema.bin";
    /** Key of the average's decay per update, inside {@value #EMA_KEY}. */
    public static final String EMA_DECAY_KEY = "decay";
    /** Key of the batches between updates of the average, inside {@value #EMA_KEY}. */
    public static final String EMA_STEPS_KEY = "steps";
    /** Key of the updates since the average was last reset, inside {@value #EMA_KEY}. */
    public static final String EMA_UPDATES_KEY = "updates";
    /**
     * Key of which weights the checkpoint's model holds, inside {@value #EMA_KEY}: {@value #EMA_MODEL_RAW} or
     * {@value #EMA_MODEL_AVERAGE}.
     */
    public static final String EMA_MODEL_KEY = "model";
    /** {@value #EMA_MODEL_KEY} of a checkpoint whose model holds the trained (raw) weights. */
    public static final String EMA_MODEL_RAW = "raw";
    /** {@value #EMA_MODEL_KEY} of a checkpoint whose model holds the moving average ({@code best.zip} from it). */
    public static final String EMA_MODEL_AVERAGE = "ema";

    private CheckpointEnvelope() {}
}
