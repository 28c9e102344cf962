package org.resnext4j.ui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.deeplearning4j.earlystopping.scorecalc.ScoreCalculator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.datavec.EpochIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training run folder and the DL4J {@link TrainingListener}s that fill it, for any training loop: plain
 * {@code net.fit(iterator, epochs)}, DL4J's {@code EarlyStoppingGraphTrainer}, {@code ParallelWrapper}, or
 * {@link Trainer} (a thin loop over this class).
 *
 * <pre>{@code
 * try (TrainingRun run = TrainingRun.builder(Path.of("runs/birds")).epochs(30).validation(val)
 *         .classNames(names).build()) {
 *     ComputationGraph net = run.restoreOrStart(freshNet);   // continues checkpoints/last.zip when present
 *     run.prepare(train);                                   // an EpochIterator starts at the next epoch
 *     net.addListeners(run.listeners().toArray(TrainingListener[]::new));
 *     net.fit(train, run.remainingEpochs());
 *     TrainingResult result = run.result();
 * }
 * }</pre>
 *
 * <p><b>After every epoch</b> ({@code onEpochEnd}) the listener evaluates the validation data, appends the epoch's
 * {@link EpochMetrics} (training loss and accuracy accumulated from the epoch's own forward passes), applies
 * {@link ReduceLrOnPlateau} and {@link EarlyStopping} if configured, writes {@code checkpoints/last.zip} (model,
 * updater state, metadata; entries stored without compression, see {@link Checkpoints#STORED}) and, when the
 * monitored value improved, {@code checkpoints/best.zip} (a hard link to the same bytes, not a second write), then
 * {@code metrics.csv/json}, the charts and {@code report.html}; it logs one line. These files are written from a
 * snapshot of the model on a thread of their own while the next epoch trains (one write at a time; see
 * {@link Builder#backgroundCheckpoints}): {@link #result()}, {@link #close()} and {@link #awaitWrites()} wait for the
 * last one, so a loop of one's own (DL4J's {@code fit}, its early-stopping trainer) calls one of them before reading
 * the files. Every file is written atomically; a failure to write one stops training with an exception naming the
 * file (at the next epoch's end or the next wait), and the previous checkpoint stays intact; a process killed during
 * a write leaves the previous checkpoint whole, and the temporary file it left is removed on {@link #resume()}. The DL4J UI's {@code StatsListener} (recording into {@code ui-stats.dl4j}, shown live when the UI is on)
 * comes with {@link #listeners()}, and the UI server also serves this run's epoch curves at
 * {@code /resnext4j/epochs}.
 *
 * <p><b>Exact resume.</b> A checkpoint holds the parameters, the updater state (Adam's moments, momentum), the
 * iteration and epoch counters (which drive learning-rate schedules), any reduced learning rate (in the model
 * configuration), the metrics history, and the calling thread's ND4J random generator state (dropout). On
 * {@link #resume()} these are restored; the early-stopping and plateau counters are recomputed from the history
 * (they are functions of it), and {@link #prepare} puts an {@link EpochIterator} (the image-folder iterators) at the
 * epoch the uninterrupted run would read next, with the same shuffle and augmentation. A run stopped in the middle
 * of an epoch repeats that epoch from its start, so the resumed run reproduces the uninterrupted one.
 *
 * <p><b>Epoch signals.</b> DL4J's {@code fit(iterator)} and the early-stopping trainers call
 * {@code onEpochStart}/{@code onEpochEnd}. {@code ParallelWrapper} calls neither: call them around each
 * {@code wrapper.fit(iterator)} ({@code run.listener().onEpochStart(net)}, ..., {@code onEpochEnd(net)}, then
 * {@code net.incrementEpochCount()}). The iteration callbacks are thread-safe, as ParallelWrapper's workers share
 * the listener.
 *
 * <p><b>Stopping.</b> DL4J's {@code fit(iterator, n)} has no way for a listener to end it; loops that can stop
 * between epochs ask {@link #stopRequested()} ({@link Trainer} does), and DL4J's early-stopping trainer can use
 * {@link #scoreCalculator(Monitor)}, which returns the value this listener just measured instead of evaluating the
 * validation data a second time.
 *
 * <p><b>Interrupting.</b> {@link #interrupt(String)} (the CLI calls it on Ctrl-C) stops a loop mid-epoch: the
 * iterator returned by {@link #interruptible(DataSetIterator)} ends the epoch after the current batch, and the epoch
 * listener then writes {@code last.zip} with the state inside the epoch (model, updater, random state, the batches
 * trained and their running loss and accuracy under the metadata key {@code partial_epoch}) instead of finishing the
 * epoch. {@link #resume()} continues from that batch ({@link EpochIterator#setPosition}), so an interrupted and
 * resumed run equals the uninterrupted one.
 *
 * <p><b>torchvision's recipe.</b> With {@link Builder#ema} the run keeps a {@link ModelEma} of the weights: updated
 * after the training batches, validated after every epoch beside the raw weights ({@link EpochMetrics#emaValLoss()},
 * {@link EpochMetrics#emaValAccuracy()}), saved in every checkpoint (entry {@value #EMA_ENTRY}, metadata key
 * {@value #EMA_KEY}) and resumed; with {@link Builder#bestCheckpointFromEma} {@code best.zip} is chosen by the
 * average's validation metrics and holds the average as its model. A {@link BatchMixing} training iterator given to
 * {@link #prepare} has the training accuracy counted against its original labels.
 */
public final class TrainingRun implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TrainingRun.class);

    /** Folder of the checkpoints inside the run folder. */
    public static final String CHECKPOINT_DIR = "checkpoints";
    /** Checkpoint of the last finished epoch. */
    public static final String LAST_CHECKPOINT = "last.zip";
    /**
     * System property giving {@link Builder#backgroundCheckpoints}'s default ({@code true}); {@code false} writes every
     * epoch's files in place, e.g. to measure what the background writer saves.
     */
    public static final String BACKGROUND_CHECKPOINTS_PROPERTY = "resnext4j.checkpoints.background";

    /** Checkpoint of the epoch with the best monitored value. */
    public static final String BEST_CHECKPOINT = "best.zip";
    /** Folder of the PNG charts inside the run folder. */
    public static final String CHARTS_DIR = "charts";
    /** DL4J UI stats file inside the run folder. */
    public static final String STATS_FILE = "ui-stats.dl4j";
    /** Run configuration file inside the run folder. */
    public static final String RUN_CONFIG_FILE = "run-config.json";
    /** Value of the {@code format} key of checkpoint metadata. */
    public static final String CHECKPOINT_FORMAT = "resnext4j-checkpoint/1";
    /** Metadata key of a checkpoint written inside an epoch by {@link #interrupt}: the epoch's batches and sums. */
    public static final String PARTIAL_EPOCH_KEY = "partial_epoch";
    /** Metadata key of the moving average's state (decay, steps, updates since reset); see {@link #EMA_ENTRY}. */
    public static final String EMA_KEY = "ema";
    /** Checkpoint zip entry holding the moving average of the weights ({@code Nd4j.write} of the flat vector). */
    public static final String EMA_ENTRY = "resnext4j-ema.bin";

    private final Path runDir;
    private final int epochs;
    private final List<String> classNames;
    private final DataSetIterator validation;
    private final UiOptions ui;
    private final double progressIntervalSeconds;
    private final Map<String, Object> metadata;
    /** The card given to the builder, or on resume the checkpoint's; class names and settings are the run's. */
    private ModelCard card;

    private final Consumer<String> logSink;
    private final List<Consumer<EpochMetrics>> epochCallbacks;
    private final Checkpoints.ModelWriter modelWriter;
    /** End-of-epoch writes while the next epoch trains; {@code null} when they are written in place. */
    private final BackgroundWrites backgroundWrites;

    private final EarlyStopping earlyStopping;
    private final ReduceLrOnPlateau reduceLr;
    private final Monitor bestMonitor;
    private final ModelEma ema;
    private final boolean bestFromEma;
    private final EpochListener listener = new EpochListener();
    /** The training data's mixing (set by {@link #prepare}), whose original labels training accuracy counts. */
    private volatile BatchMixing mixing;
    /** A copy of the network that holds the moving average for validation and {@code best.zip}. */
    private Network emaNet;

    private MetricsHistory history = new MetricsHistory();
    private PlateauTracker bestTracker;
    private PlateauTracker stopTracker;
    private PlateauTracker lrTracker;
    private int cooldownLeft;
    private Network net;
    private TrainingUi trainingUi;
    private Map<String, Object> runConfig;
    private EvaluationReport lastEvaluation;
    private volatile String stopReason;
    private volatile String interruptReason;
    /** Sums of the epoch a resumed checkpoint was interrupted in, adopted by the next {@code onEpochStart}. */
    private EpochTotals resumedPartial;

    private boolean closed;
    private int batchesPerEpoch = -1;

    private TrainingRun(Builder b) {
        this.runDir = b.runDir.toAbsolutePath();
        this.epochs = b.epochs;
        this.classNames = b.classNames == null ? null : List.copyOf(b.classNames);
        this.validation = b.validation;
        this.ui = b.ui;
        this.progressIntervalSeconds = b.progressIntervalSeconds;
        this.metadata = new LinkedHashMap<>(b.metadata);
        this.card = b.card;
        this.logSink = b.logSink;
        this.epochCallbacks = List.copyOf(b.epochCallbacks);
        this.modelWriter = b.modelWriter;
        // a custom writer takes the live model, which the next epoch changes: only the default one has a snapshot
        this.backgroundWrites =
                b.backgroundCheckpoints && b.modelWriter == Checkpoints.STORED ? new BackgroundWrites() : null;
        this.earlyStopping = b.earlyStopping;
        this.reduceLr = b.reduceLr;
        this.bestMonitor = b.bestMonitor;
        this.ema = b.ema;
        this.bestFromEma = b.bestFromEma;
        if (bestFromEma && ema == null) {
            throw new IllegalArgumentException("bestCheckpointFromEma needs a moving average of the weights (ema)");
        }
        resetTrackers();
    }

    /**
     * @param runDir the run folder (created when missing)
     * @return a builder
     */
    public static Builder builder(Path runDir) {
        return new Builder(Objects.requireNonNull(runDir, "runDir"));
    }

    /** A builder whose run folder is set later ({@link Trainer.Builder}). */
    static Builder builderWithoutFolder() {
        return new Builder(null);
    }

    /** @return the run folder */
    public Path runDir() {
        return runDir;
    }

    /** @return {@code checkpoints/last.zip} of this run */
    public Path lastCheckpoint() {
        return runDir.resolve(CHECKPOINT_DIR).resolve(LAST_CHECKPOINT);
    }

    /** @return {@code checkpoints/best.zip} of this run */
    public Path bestCheckpoint() {
        return runDir.resolve(CHECKPOINT_DIR).resolve(BEST_CHECKPOINT);
    }

    /** @return whether the run folder holds a checkpoint to resume from */
    public boolean hasCheckpoint() {
        return Files.exists(lastCheckpoint());
    }

    /**
     * Starts a new run with the given (initialised) model: creates the folder, writes the run configuration and
     * starts the UI.
     *
     * @param model a {@code ComputationGraph} with one input and one output, or a {@code MultiLayerNetwork}
     * @param <T>   the model type
     * @return the same model
     * @throws CheckpointException when the folder already holds a checkpoint (use {@link #resume()})
     * @throws UiStartException    when the UI is on and cannot start
     */
    public <T extends Model> T start(T model) {
        if (hasCheckpoint()) {
            throw new CheckpointException("Run folder " + runDir + " already holds a checkpoint (" + lastCheckpoint()
                    + "); resume it (TrainingRun.resume / restoreOrStart, or the CLI's train --resume) or choose a "
                    + "new run folder");
        }
        if (ema != null) {
            ema.restore(null, 0); // a new run's average starts empty, also when the ModelEma was used before
        }
        begin(Network.of(model), null);
        return model;
    }

    /**
     * Continues the run from {@code checkpoints/last.zip}: model with updater state, epoch and iteration counters,
     * metrics history, random generator state, early-stopping and plateau counters.
     *
     * @return the restored model ({@code ComputationGraph} or {@code MultiLayerNetwork}, as saved)
     * @throws CheckpointException when the folder or its checkpoint is missing or unreadable
     */
    public Model resume() {
        if (!Files.isDirectory(runDir)) {
            throw new CheckpointException("Cannot resume: run folder " + runDir + " does not exist");
        }
        if (!hasCheckpoint()) {
            throw new CheckpointException("Cannot resume: run folder " + runDir + " has no checkpoint " + CHECKPOINT_DIR
                    + "/" + LAST_CHECKPOINT + " (one is written after every finished epoch)");
        }
        removeTemporaryFiles();
        Checkpoints.Checkpoint cp = Checkpoints.load(lastCheckpoint());
        MetricsHistory restored = historyOf(cp);
        Network n = Network.of(cp.model());
        n.setEpochCount(restored.size());
        if (cp.metadata().get("rng") instanceof Map<?, ?> rng
                && rng.get("root") instanceof Number root
                && rng.get("node") instanceof Number node) {
            Nd4j.getRandom().setStates(root.longValue(), node.longValue());
        }
        history = new MetricsHistory();
        resetTrackers();
        for (EpochMetrics m : restored.epochs()) {
            history.add(m);
            updateTrackers(m, null);
        }
        String sessionId = cp.metadata().get("session_id") instanceof String s ? s : null;
        if (card == null) {
            card = ModelCard.of(cp);
        }
        resumedPartial = cp.metadata().get(PARTIAL_EPOCH_KEY) instanceof Map<?, ?> p ? EpochTotals.fromMap(p) : null;
        restoreEma(cp);
        say(String.format(
                Locale.ROOT,
                "Resuming %s after epoch %d of %d (iteration %d)%s",
                runDir,
                history.size(),
                epochs,
                n.iterationCount(),
                resumedPartial == null
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                ", inside epoch %d after batch %d",
                                history.size() + 1,
                                resumedPartial.batches)));
        begin(n, sessionId);
        return n.model();
    }

    /**
     * {@link #resume()} when the folder holds a checkpoint, else {@link #start} with {@code fresh}: Keras's
     * {@code BackupAndRestore}.
     *
     * @param fresh the model to start with when there is nothing to resume
     * @param <T>   the model type
     * @return the model to train
     * @throws CheckpointException when the checkpoint holds another kind of model than {@code fresh}
     */
    public <T extends Model> T restoreOrStart(T fresh) {
        if (!hasCheckpoint()) {
            return start(fresh);
        }
        Model m = resume();
        if (!fresh.getClass().isInstance(m)) {
            throw new CheckpointException("Checkpoint " + lastCheckpoint() + " holds a "
                    + m.getClass().getSimpleName() + ", not a "
                    + fresh.getClass().getSimpleName());
        }
        @SuppressWarnings("unchecked")
        T t = (T) m;
        return t;
    }

    private void begin(Network n, String previousSession) {
        if (net != null) {
            throw new IllegalStateException("Training run " + runDir + " was already started");
        }
        requireOpen();
        try {
            Files.createDirectories(runDir.resolve(CHECKPOINT_DIR));
        } catch (IOException e) {
            throw new CheckpointException("Cannot create run folder " + runDir.resolve(CHECKPOINT_DIR) + ": " + e, e);
        }
        this.net = n;
        this.trainingUi = TrainingUi.start(
                runDir.resolve(STATS_FILE), ui, previousSession, n.model().numParams());
        this.runConfig = runConfig(n);
        writeOrFail(
                runDir.resolve(RUN_CONFIG_FILE),
                () -> AtomicFiles.writeString(runDir.resolve(RUN_CONFIG_FILE), Json.write(runConfig)));
        EpochCurvesModule.publish(trainingUi.sessionId(), runDir.getFileName().toString(), this::historySnapshot);
        trainingUi.url().ifPresent(u -> {
            say("DL4J training UI: " + u);
            say("Epoch curves:     " + u.replace("/train/overview", EpochCurvesModule.PAGE));
        });
    }

    /**
     * Positions the training data for the next epoch: an {@link EpochIterator} is set to epoch
     * {@link #epochsDone()} (0 for a new run), so a resumed run reads what the uninterrupted one would. Other
     * iterators are left as they are (a resumed run then sees whatever order they give; a warning says so).
     *
     * @param train the training iterator
     */
    public void prepare(DataSetIterator train) {
        requireStarted();
        int startBatch = resumedPartial == null ? 0 : resumedPartial.batches;
        mixing = train instanceof BatchMixing m ? m : null;
        if (train instanceof EpochIterator e) {
            e.setPosition(history.size(), startBatch);
            batchesPerEpoch = e.numBatches();
        } else if (history.size() > 0 || startBatch > 0) {
            say("Note: the training iterator (" + train.getClass().getSimpleName() + ") cannot be positioned at epoch "
                    + (history.size() + 1) + "; the resumed run reads it from where it starts (implement "
                    + EpochIterator.class.getSimpleName() + " for an exact resume)");
        }
    }

    /**
     * @return the listeners to add to the network: this run's epoch listener, then the DL4J UI
     *         {@code StatsListener} recording into {@code ui-stats.dl4j} (none with {@link UiStats#OFF})
     */
    public List<TrainingListener> listeners() {
        requireStarted();
        return trainingUi.listener() == null ? List.of(listener) : List.of(listener, trainingUi.listener());
    }

    /** @return the epoch listener alone (metrics, checkpoints, report; no UI stats) */
    public TrainingListener listener() {
        return listener;
    }

    /** @return finished epochs (restored ones included) */
    public int epochsDone() {
        synchronized (this) {
            return history.size();
        }
    }

    /** @return the planned number of epochs */
    public int epochs() {
        return epochs;
    }

    /** @return planned epochs not yet finished (0 when the plan is done) */
    public int remainingEpochs() {
        return Math.max(0, epochs - epochsDone());
    }

    /**
     * Asks loops that check {@link #stopRequested()} to end after the current epoch.
     *
     * @param reason what asked, for the log and the result
     */
    public void requestStop(String reason) {
        if (stopReason == null) {
            stopReason = Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Asks the run to stop after the current batch, mid-epoch: the iterator from {@link #interruptible} reports no
     * more batches, and the epoch listener saves the state inside the epoch to {@code last.zip} (see the class
     * comment). Safe to call from any thread, e.g. a signal handler.
     *
     * @param reason what asked, for the log and the result
     */
    public void interrupt(String reason) {
        interruptReason = Objects.requireNonNull(reason, "reason");
        requestStop(reason);
    }

    /** @return whether {@link #interrupt} was called */
    public boolean interrupted() {
        return interruptReason != null;
    }

    /**
     * @param train the (prepared) training iterator
     * @return a view of {@code train} that ends the epoch after the current batch once {@link #interrupt} is called
     */
    public DataSetIterator interruptible(DataSetIterator train) {
        return new InterruptibleIterator(train, this::interrupted);
    }

    /** @return whether early stopping or {@link #requestStop} asked to end the run */
    public boolean stopRequested() {
        return stopReason != null;
    }

    /** @return why the run was asked to stop, if it was */
    public Optional<String> stopReason() {
        return Optional.ofNullable(stopReason);
    }

    /** @return a copy of the metrics of the finished epochs */
    public MetricsHistory history() {
        return historySnapshot();
    }

    private synchronized MetricsHistory historySnapshot() {
        return new MetricsHistory(history.epochs());
    }

    /** @return the session id of this run in the DL4J UI */
    public String sessionId() {
        requireStarted();
        return trainingUi.sessionId();
    }

    /**
     * @return the run's DL4J stats storage ({@code ui-stats.dl4j}), e.g. for a remote stats router or a Spark
     *         training master to record into; {@code null} with {@link UiStats#OFF} and the UI server off
     */
    public org.deeplearning4j.core.storage.StatsStorage statsStorage() {
        requireStarted();
        return trainingUi.storage();
    }

    /**
     * A further DL4J {@code StatsListener} recording what this run's own records (its {@link UiOptions#stats()} level
     * and frequency, its session), for training that runs elsewhere: a Spark training master sets it on the
     * executors and routes their reports to {@link #statsStorage()}.
     *
     * @param workerId the worker id the UI shows
     * @return the listener, or empty when this run records no UI statistics ({@link UiStats#OFF})
     */
    public Optional<StatsListener> statsListener(String workerId) {
        requireStarted();
        return Optional.ofNullable(TrainingUi.statsListener(
                null, ui, trainingUi.sessionId(), workerId, net.model().numParams()));
    }

    /** @return the UI overview URL while the UI is on */
    public Optional<String> uiUrl() {
        return trainingUi == null ? Optional.empty() : trainingUi.url();
    }

    /**
     * A DL4J early-stopping score that reads the value this run's listener measured at the end of the epoch (the
     * early-stopping trainer calls its listeners' {@code onEpochEnd} before its score calculator), so the
     * validation data is evaluated once per epoch, not twice.
     *
     * @param monitor the value to report
     * @param <T>     the model type of the early-stopping configuration
     * @return the calculator
     */
    public <T extends Model> ScoreCalculator<T> scoreCalculator(Monitor monitor) {
        return new LastEpochScore<>(this, monitor);
    }

    /**
     * The outcome so far; evaluates the validation data once more when no epoch was finished in this process.
     *
     * @return the result
     */
    public synchronized TrainingResult result() {
        requireStarted();
        awaitWrites();
        if (lastEvaluation == null && validation != null) {
            lastEvaluation = EvaluationReport.evaluate(net, validation, classNames);
            writeOutputs(history, lastEvaluation);
        }
        return new TrainingResult(
                net.model(),
                new MetricsHistory(history.epochs()),
                lastEvaluation,
                runDir,
                lastCheckpoint(),
                bestCheckpoint(),
                trainingUi.sessionId(),
                trainingUi.url(),
                stopReason != null);
    }

    /** Stops the UI (when this run started it) and closes the stats file; the listeners may not be used after. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            awaitWrites();
        } finally {
            if (trainingUi != null) {
                EpochCurvesModule.unpublish(trainingUi.sessionId());
                trainingUi.close();
            }
        }
    }

    /**
     * Waits until the checkpoint and outputs of the last finished epoch are on disk (they are written while the next
     * epoch trains); {@link #result()} and {@link #close()} call it.
     *
     * @throws CheckpointException when that write failed (the previous checkpoint is then unchanged)
     */
    public void awaitWrites() {
        if (backgroundWrites != null) {
            backgroundWrites.await();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // epoch bookkeeping

    private void resetTrackers() {
        bestTracker = new PlateauTracker(bestMonitor, 0);
        stopTracker =
                earlyStopping == null ? null : new PlateauTracker(earlyStopping.monitor(), earlyStopping.minDelta());
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
        boolean improved = bestTracker.update(bestFromEma ? m.emaAsValidation() : m);
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
                        say(String.format(
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

    /** Saves the state inside an interrupted epoch to {@code last.zip}; the epoch stays unfinished. */
    private void savePartialEpoch(Network n, EpochTotals totals) {
        int epoch = history.size() + 1;
        totals.seconds += (System.nanoTime() - totals.startNanos) / 1e9;
        awaitWrites();
        saveCheckpoint(n, history.size(), totals).run();
        say(String.format(
                Locale.ROOT,
                "Interrupted (%s) in epoch %d after batch %d of %s: state saved to %s; "
                        + "resume continues from the next batch",
                interruptReason,
                epoch,
                totals.batches,
                batchesPerEpoch > 0 ? Integer.toString(batchesPerEpoch) : "?",
                lastCheckpoint()));
    }

    private void endEpoch(Network n, EpochTotals totals) {
        if (totals.batches == 0) {
            say("An epoch ended without training batches; nothing recorded");
            return;
        }
        int epoch = history.size() + 1;
        double lr = n.learningRate();
        EvaluationReport evaluation = validation == null ? null : EvaluationReport.evaluate(n, validation, classNames);
        EvaluationReport emaEvaluation = validation == null || emaNetwork(n) == null
                ? null
                : EvaluationReport.evaluate(emaNet, validation, classNames);
        double seconds = totals.seconds + (System.nanoTime() - totals.startNanos) / 1e9;
        EpochMetrics m = new EpochMetrics(
                epoch,
                totals.lossSum / totals.examples,
                totals.accuracy(),
                evaluation == null ? Double.NaN : evaluation.loss(),
                evaluation == null ? Double.NaN : evaluation.accuracy(),
                lr,
                seconds,
                n.iterationCount(),
                emaEvaluation == null ? Double.NaN : emaEvaluation.loss(),
                emaEvaluation == null ? Double.NaN : emaEvaluation.accuracy());
        history.add(m);
        lastEvaluation = evaluation;
        boolean improved = updateTrackers(m, n);
        Map<String, byte[]> average = emaEntries(); // serialised once for last.zip and best.zip
        CheckpointWrite checkpoint = saveModel(n, n, lastCheckpoint(), epoch, null, average);
        // best.zip from the moving average holds it as its model, so evaluate and predict use it
        CheckpointWrite bestFromAverage = improved && bestFromEma && emaNet != null
                ? saveModel(emaNet, n, bestCheckpoint(), epoch, null, average)
                : null;
        MetricsHistory written = new MetricsHistory(history.epochs());
        IoAction writes = () -> {
            checkpoint.run();
            if (bestFromAverage != null) {
                bestFromAverage.run();
            } else if (improved) {
                // the same state as last.zip: a hard link to its bytes, not a second write of them
                AtomicFiles.link(lastCheckpoint(), bestCheckpoint());
                AtomicFiles.copy(Checkpoints.sidecar(lastCheckpoint()), Checkpoints.sidecar(bestCheckpoint()));
            }
            writeOutputs(written, evaluation);
        };
        if (backgroundWrites != null) {
            backgroundWrites.submit(lastCheckpoint(), writes);
        } else {
            writeOrFail(lastCheckpoint(), writes);
        }
        say(m.toLogLine(Math.max(epochs, epoch)));
        if (stopReason != null) {
            say("Stop requested after epoch " + epoch + ": " + stopReason);
        }
        for (Consumer<EpochMetrics> c : epochCallbacks) {
            c.accept(m);
        }
    }

    /** A checkpoint whose content is fixed and whose write is still to run (now or on the writer thread). */
    @FunctionalInterface
    private interface CheckpointWrite {
        void run();
    }

    /**
     * Takes what {@code last.zip} will hold now (metadata, and with background writes a snapshot of the model) and
     * returns its write. DL4J calls {@code onEpochEnd} before it increments the epoch count (and the early-stopping
     * trainer overwrites the count with its own), so the saved configuration is given the number of finished epochs
     * for the snapshot (or the write in place) and then put back.
     */
    private CheckpointWrite saveCheckpoint(Network n, int epoch, EpochTotals partial) {
        return saveModel(n, n, lastCheckpoint(), epoch, partial, emaEntries());
    }

    /** The moving average's checkpoint entry (its values serialised now), or none when the run keeps none. */
    private Map<String, byte[]> emaEntries() {
        return ema != null && ema.average() != null ? Map.of(EMA_ENTRY, EmaState.write(ema.average())) : Map.of();
    }

    /**
     * Takes what {@code model} (the trained network, or for {@code best.zip} from the moving average its copy) will
     * be saved as, with the run's metadata and the moving average's state, the configuration's counters those of
     * {@code trained}, and returns the write: with background writes from a snapshot, else of the model in place
     * (an interrupted epoch's checkpoint is written in place too, at once).
     */
    private CheckpointWrite saveModel(
            Network model, Network trained, Path file, int epoch, EpochTotals partial, Map<String, byte[]> entries) {
        Map<String, Object> meta = checkpointMetadata();
        if (partial != null) {
            meta.put(PARTIAL_EPOCH_KEY, partial.toMap(interruptReason));
        }
        if (!entries.isEmpty()) {
            meta.put(
                    EMA_KEY,
                    Map.of(
                            "decay",
                            ema.decay(),
                            "steps",
                            ema.steps(),
                            "updates",
                            ema.updates(),
                            "model",
                            model == trained ? "raw" : "ema"));
        }
        if (model != trained) {
            model.setConfIterationCount(trained.iterationCount());
        }
        if (backgroundWrites == null || partial != null) {
            return () -> withEpochCount(
                    model, epoch, () -> Checkpoints.save(model.model(), file, meta, modelWriter, entries));
        }
        Checkpoints.ModelState[] state = new Checkpoints.ModelState[1];
        withEpochCount(model, epoch, () -> state[0] = Checkpoints.ModelState.snapshot(model.model()));
        return () -> Checkpoints.save(state[0], file, meta, entries);
    }

    /**
     * Deletes the temporary files ({@code .NAME.*.tmp}, see {@link AtomicFiles}) that a process killed during a write
     * left in the run folder and its checkpoint folder; the files they were replacing are whole.
     */
    private void removeTemporaryFiles() {
        for (Path dir : List.of(runDir, runDir.resolve(CHECKPOINT_DIR))) {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String name = f.getFileName().toString();
                    if (name.startsWith(".") && name.endsWith(".tmp") && Files.isRegularFile(f)) {
                        Files.deleteIfExists(f);
                        say("Removed " + f + ", left by an interrupted write");
                    }
                }
            } catch (NoSuchFileException e) {
                // no such folder: nothing left over
            } catch (IOException e) {
                say("Could not tidy " + dir + ": " + e.getMessage());
            }
        }
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

    /**
     * The copy of the network that validates the moving average, with the average's current values; {@code null}
     * when the run keeps no average or it has no update yet.
     */
    private Network emaNetwork(Network trained) {
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

    private void restoreEma(Checkpoints.Checkpoint cp) {
        if (ema == null) {
            return;
        }
        byte[] bytes = Checkpoints.readEntry(cp.file(), EMA_ENTRY);
        if (bytes == null) {
            ema.restore(null, 0);
            say("Note: checkpoint " + cp.file() + " holds no moving average of the weights; it starts afresh");
            return;
        }
        long updates = cp.metadata().get(EMA_KEY) instanceof Map<?, ?> m && m.get("updates") instanceof Number u
                ? u.longValue()
                : 1;
        ema.restore(EmaState.read(bytes, cp.file()), updates);
    }

    private Map<String, Object> checkpointMetadata() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", CHECKPOINT_FORMAT);
        meta.put("epoch", history.size());
        meta.put("epochs_planned", epochs);
        meta.put("saved_at", Instant.now().toString());
        meta.put("session_id", trainingUi.sessionId());
        meta.put(ModelCard.KEY, modelCard().toMap());
        Random rng = Nd4j.getRandom();
        meta.put("rng", Map.of("root", rng.rootState(), "node", rng.nodeState()));
        if (stopReason != null && interruptReason == null) {
            meta.put("stop_reason", stopReason);
        }
        List<Map<String, Object>> h = new ArrayList<>();
        history.epochs().forEach(e -> h.add(e.toMap()));
        meta.put("history", h);
        return meta;
    }

    /**
     * The model card stored with every checkpoint: the builder's (or on resume the checkpoint's) with this run's
     * class names and its metadata as the training settings.
     */
    private ModelCard modelCard() {
        ModelCard c = card != null ? card : ModelCard.empty();
        Map<String, Object> training = new LinkedHashMap<>(c.training());
        training.putAll(metadata);
        return c.withClassNames(classNames != null ? classNames : c.classNames())
                .withTraining(training);
    }

    private static MetricsHistory historyOf(Checkpoints.Checkpoint cp) {
        Object h = cp.metadata().get("history");
        Object epoch = cp.metadata().get("epoch");
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

    /** Writes the metrics files, charts and report of the given history (on either thread: nothing shared). */
    private void writeOutputs(MetricsHistory h, EvaluationReport evaluation) {
        Path charts = runDir.resolve(CHARTS_DIR);
        writeOrFail(runDir.resolve("metrics.csv"), () -> h.write(runDir));
        writeOrFail(charts, () -> Charts.writeCurves(h, charts));
        if (evaluation != null) {
            writeOrFail(
                    charts.resolve(Charts.CONFUSION_PNG),
                    () -> Charts.writeConfusionMatrix(evaluation, charts.resolve(Charts.CONFUSION_PNG)));
        }
        writeOrFail(
                runDir.resolve(HtmlReport.FILE_NAME),
                () -> HtmlReport.write(runDir, "Training run " + runDir.getFileName(), h, evaluation, runConfig));
    }

    private Map<String, Object> runConfig(Network n) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("run_dir", runDir.toString());
        c.put("model_type", n.typeName());
        c.put("parameters", n.model().numParams());
        c.put("epochs", epochs);
        c.put("start_epoch", history.size() + 1);
        c.put("iteration_at_start", n.iterationCount());
        c.put("learning_rate_at_start", n.learningRate());
        c.put("output_layer", n.outputLayer().getClass().getSimpleName());
        c.put("class_names", classNames == null ? "(indices)" : classNames);
        c.put("ui", trainingUi.url().orElse("off") + " (bind " + ui.bindAddress() + ")");
        c.put("ui_session_id", trainingUi.sessionId());
        c.put("stats_file", trainingUi.storage() == null ? "none (UI statistics off)" : STATS_FILE);
        c.put("ui_stats", ui.stats().key());
        c.put(
                "ui_stats_every_iterations",
                ui.stats() == UiStats.OFF ? 0 : ui.frequencyFor(n.model().numParams()));
        c.put("best_checkpoint_monitor", bestMonitor.key());
        if (ema != null) {
            c.put(
                    "ema",
                    "decay " + ema.decay() + " per update, every " + ema.steps() + " batches, reset during "
                            + ema.warmupEpochs() + " warm-up epochs");
            c.put("best_checkpoint_from", bestFromEma ? "ema" : "raw");
        }
        if (earlyStopping != null) {
            c.put("early_stopping", earlyStopping.toString());
        }
        if (reduceLr != null) {
            c.put("reduce_lr_on_plateau", reduceLr.toString());
        }
        c.put("started_at", Instant.now().toString());
        c.putAll(metadata);
        return c;
    }

    private void say(String line) {
        log.info(line);
        if (logSink != null) {
            logSink.accept(line);
        }
    }

    private void requireStarted() {
        if (net == null) {
            throw new IllegalStateException("Training run " + runDir + " is not started: call start(model), resume() "
                    + "or restoreOrStart(model) first");
        }
        requireOpen();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("Training run " + runDir + " is closed; its listeners cannot be used "
                    + "any more (remove them from the network or start a new TrainingRun)");
        }
    }

    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    /** Runs a write; a failure becomes a {@link CheckpointException} naming the file (nothing half-written). */
    private static void writeOrFail(Path file, IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new CheckpointException(
                    "Could not write " + file + " (the previous file, if any, is unchanged): " + e, e);
        }
    }

    /** Sums of one epoch's training batches. */
    private static final class EpochTotals {
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

        Map<String, Object> toMap(String reason) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("batches", batches);
            m.put("loss_sum", lossSum);
            m.put("examples", examples);
            m.put("correct", correct);
            m.put("total", total);
            m.put("accuracy_unsupported", accuracyUnsupported);
            m.put("seconds", seconds);
            m.put("reason", reason);
            return m;
        }

        static EpochTotals fromMap(Map<?, ?> m) {
            EpochTotals t = new EpochTotals();
            t.batches = ((Number) m.get("batches")).intValue();
            t.lossSum = ((Number) m.get("loss_sum")).doubleValue();
            t.examples = ((Number) m.get("examples")).longValue();
            t.correct = ((Number) m.get("correct")).longValue();
            t.total = ((Number) m.get("total")).longValue();
            t.accuracyUnsupported = Boolean.TRUE.equals(m.get("accuracy_unsupported"));
            t.seconds = ((Number) m.get("seconds")).doubleValue();
            return t;
        }
    }

    /**
     * The run's DL4J listener. Training loss is each iteration's score weighted by its batch size; training accuracy
     * is counted in {@code onBackwardPass}, where the output layer still holds its input and labels and the
     * parameters are not yet updated, so its activations are the predictions the loss was computed on (as Keras
     * reports training accuracy). Iteration callbacks may come from several threads (ParallelWrapper).
     */
    private final class EpochListener extends BaseTrainingListener {
        private final ThreadLocal<long[]> batchSize = ThreadLocal.withInitial(() -> new long[1]);
        private EpochTotals totals = new EpochTotals();

        @Override
        public void onEpochStart(Model model) {
            synchronized (TrainingRun.this) {
                requireStarted();
                totals = resumedPartial != null ? resumedPartial : new EpochTotals();
                resumedPartial = null;
                totals.startNanos = System.nanoTime();
                totals.lastReport = totals.startNanos;
            }
        }

        @Override
        public void onBackwardPass(Model model) {
            long[] counted = BatchAccuracy.count(model, mixing);
            batchSize.get()[0] = counted == null ? 0 : counted[1];
            synchronized (TrainingRun.this) {
                if (counted == null) {
                    totals.accuracyUnsupported = true;
                } else {
                    totals.correct += counted[0];
                    totals.total += counted[1];
                }
            }
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            long n = Math.max(1, batchSize.get()[0]);
            double score = model.score();
            synchronized (TrainingRun.this) {
                requireStarted();
                EpochTotals t = totals;
                if (ema != null) {
                    // after the update of batch t.batches of this epoch, as torchvision's loop
                    ema.afterBatch(model.params(), history.size(), t.batches);
                }
                t.batches++;
                t.lossSum += score * n;
                t.examples += n;
                long now = System.nanoTime();
                if (progressIntervalSeconds > 0 && (now - t.lastReport) / 1e9 >= progressIntervalSeconds) {
                    t.lastReport = now;
                    say(String.format(
                            Locale.ROOT,
                            "  epoch %d  batch %d/%s  loss %.4f  %.1f examples/s",
                            history.size() + 1,
                            t.batches,
                            batchesPerEpoch > 0 ? Integer.toString(batchesPerEpoch) : "?",
                            t.lossSum / t.examples,
                            t.examples / ((now - t.startNanos) / 1e9)));
                }
            }
        }

        @Override
        public void onEpochEnd(Model model) {
            synchronized (TrainingRun.this) {
                requireStarted();
                EpochTotals t = totals;
                totals = new EpochTotals();
                if (interruptReason != null && (batchesPerEpoch <= 0 || t.batches < batchesPerEpoch)) {
                    savePartialEpoch(Network.of(model), t);
                    return;
                }
                if (batchesPerEpoch <= 0 && t.batches > 0) {
                    batchesPerEpoch = t.batches;
                }
                endEpoch(Network.of(model), t);
            }
        }
    }

    /**
     * Ends an epoch whose training iterations ran elsewhere (Spark executors), with the training metrics measured
     * there; everything else is as {@code onEpochEnd}: validation here, checkpoints, metrics, report. Call
     * {@code listener().onEpochStart(model)} when the epoch starts, for its duration.
     *
     * @param model         the trained network (driver copy)
     * @param trainLoss     mean training score of the epoch
     * @param trainAccuracy training accuracy of the epoch, or NaN when not measured
     * @param examples      training examples of the epoch (0: nothing is recorded)
     */
    public void recordEpoch(Model model, double trainLoss, double trainAccuracy, long examples) {
        synchronized (this) {
            requireStarted();
            EpochTotals t = listener.totals;
            listener.totals = new EpochTotals();
            t.batches = examples > 0 ? 1 : 0;
            t.examples = examples;
            t.lossSum = trainLoss * examples;
            if (Double.isNaN(trainAccuracy)) {
                t.accuracyUnsupported = true;
            } else {
                t.total = examples;
                t.correct = Math.round(trainAccuracy * examples);
            }
            endEpoch(Network.of(model), t);
        }
    }

    /** {@link #scoreCalculator(Monitor)}. */
    private static final class LastEpochScore<T extends Model> implements ScoreCalculator<T> {
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

    /** Builder of a {@link TrainingRun}. */
    public static final class Builder {
        private Path runDir;
        private int epochs = 1;
        private List<String> classNames;
        private DataSetIterator validation;
        private UiOptions ui = UiOptions.disabled();
        private double progressIntervalSeconds = 10;
        private final Map<String, Object> metadata = new LinkedHashMap<>();
        private ModelCard card;
        private Consumer<String> logSink;
        private final List<Consumer<EpochMetrics>> epochCallbacks = new ArrayList<>();
        private Checkpoints.ModelWriter modelWriter = Checkpoints.STORED;
        private boolean backgroundCheckpoints =
                Boolean.parseBoolean(System.getProperty(BACKGROUND_CHECKPOINTS_PROPERTY, "true"));
        private EarlyStopping earlyStopping;
        private ReduceLrOnPlateau reduceLr;
        private Monitor bestMonitor = Monitor.VAL_ACCURACY;
        private ModelEma ema;
        private boolean bestFromEma;

        private Builder(Path runDir) {
            this.runDir = runDir;
        }

        /** The run folder of a builder made without one ({@link Trainer}'s). */
        Builder runDir(Path dir) {
            this.runDir = Objects.requireNonNull(dir, "runDir");
            return this;
        }

        /**
         * @param n planned number of epochs, at least 1 (the log's "epoch 3/10", {@link #remainingEpochs()})
         * @return this
         */
        public Builder epochs(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + n);
            }
            this.epochs = n;
            return this;
        }

        /**
         * @param names class names in label-index order (stored in checkpoints, shown in reports)
         * @return this
         */
        public Builder classNames(List<String> names) {
            this.classNames = names;
            return this;
        }

        /**
         * @param data validation data with one-hot labels, evaluated after every epoch (without it the validation
         *             metrics are NaN and no best checkpoint is kept for a validation monitor)
         * @return this
         */
        public Builder validation(DataSetIterator data) {
            this.validation = data;
            return this;
        }

        /**
         * @param options UI settings (default: server off, {@link UiStats#DEFAULT} stats still recorded to
         *     {@code ui-stats.dl4j})
         * @return this
         */
        public Builder ui(UiOptions options) {
            this.ui = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * @param seconds interval of the progress lines within an epoch; 0 turns them off (default 10)
         * @return this
         */
        public Builder progressIntervalSeconds(double seconds) {
            this.progressIntervalSeconds = seconds;
            return this;
        }

        /**
         * @param modelCard what the model is (name, spec, preprocessing), stored with every checkpoint together with
         *                  the run's class names and settings; on resume the checkpoint's card is kept when none is
         *                  given
         * @return this
         */
        public Builder modelCard(ModelCard modelCard) {
            this.card = modelCard;
            return this;
        }

        /**
         * @param key   a training setting, stored with every checkpoint in the model card's {@code training} part
         *              and in the run configuration
         * @param value its JSON-serialisable value
         * @return this
         */
        public Builder metadata(String key, Object value) {
            this.metadata.put(key, value);
            return this;
        }

        /**
         * @param sink receives every log line (besides slf4j)
         * @return this
         */
        public Builder logSink(Consumer<String> sink) {
            this.logSink = sink;
            return this;
        }

        /**
         * @param callback called after each epoch, once its checkpoint and files are written
         * @return this
         */
        public Builder onEpochEnd(Consumer<EpochMetrics> callback) {
            this.epochCallbacks.add(Objects.requireNonNull(callback, "callback"));
            return this;
        }

        /**
         * @param writer writes checkpoint zips (default {@link Checkpoints#STORED})
         * @return this
         */
        public Builder modelWriter(Checkpoints.ModelWriter writer) {
            this.modelWriter = Objects.requireNonNull(writer, "writer");
            return this;
        }

        /**
         * @param background whether an epoch's checkpoint, metrics and report are written from a snapshot on a
         *                   thread of their own while the next epoch trains (default {@code true}, or the system
         *                   property {@value TrainingRun#BACKGROUND_CHECKPOINTS_PROPERTY}; only with the
         *                   default {@link Checkpoints#STORED} writer, a custom writer always writes in place).
         *                   {@code TrainingRun.result()}, {@code close()} and {@code awaitWrites()} wait for them.
         * @return this
         */
        public Builder backgroundCheckpoints(boolean background) {
            this.backgroundCheckpoints = background;
            return this;
        }

        /**
         * @param rule early stopping, or {@code null} for none
         * @return this
         */
        public Builder earlyStopping(EarlyStopping rule) {
            this.earlyStopping = rule;
            return this;
        }

        /**
         * @param rule learning-rate reduction on plateau, or {@code null} for none
         * @return this
         */
        public Builder reduceLrOnPlateau(ReduceLrOnPlateau rule) {
            this.reduceLr = rule;
            return this;
        }

        /**
         * @param monitor what {@code best.zip} keeps the best of (default validation accuracy)
         * @return this
         */
        public Builder bestCheckpointMonitor(Monitor monitor) {
            this.bestMonitor = Objects.requireNonNull(monitor, "monitor");
            return this;
        }

        /**
         * @param average a moving average of the weights to keep (updated after the training batches, validated
         *                after every epoch beside the raw weights, saved in every checkpoint and resumed), or
         *                {@code null} for none
         * @return this
         */
        public Builder ema(ModelEma average) {
            this.ema = average;
            return this;
        }

        /**
         * @param fromEma whether {@code best.zip} is chosen by the moving average's validation metrics and holds the
         *                moving average as its model (default false: the raw weights); needs {@link #ema}
         * @return this
         */
        public Builder bestCheckpointFromEma(boolean fromEma) {
            this.bestFromEma = fromEma;
            return this;
        }

        /** @return the run (not started: call {@code start}, {@code resume} or {@code restoreOrStart}) */
        public TrainingRun build() {
            Objects.requireNonNull(runDir, "runDir");
            return new TrainingRun(this);
        }
    }
}
