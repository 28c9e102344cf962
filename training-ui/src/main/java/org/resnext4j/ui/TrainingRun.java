package org.resnext4j.ui;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.earlystopping.scorecalc.ScoreCalculator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.resnext4j.datavec.EpochIterator;

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
 * {@code metrics.csv/json}, the charts (after the first epoch, then at most once a minute, and the last epoch's
 * when the run waits for its writes) and {@code report.html}; it logs one line. These files are written from a
 * snapshot of the model on a thread of their own while the next epoch trains (one write at a time; see
 * {@link Builder#backgroundCheckpoints}): {@link #result()}, {@link #close()} and {@link #awaitWrites()} wait for the
 * last one, so a loop of one's own (DL4J's {@code fit}, its early-stopping trainer) calls one of them before reading
 * the files. Every file is written atomically; a failure to write one stops training with an exception naming the
 * file (at the next epoch's end or the next wait), and the previous checkpoint stays intact; a process killed during
 * a write leaves the previous checkpoint whole, and the temporary file it left is removed on {@link #resume()}.
 * The DL4J UI's {@code StatsListener} (recording into {@code ui-stats.dl4j}, shown live when the UI is on) comes
 * with {@link #listeners()}, and the UI server also serves this run's epoch curves at {@code /resnext4j/epochs}.
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
 * {@link EpochMetrics#emaValAccuracy()}), saved in every checkpoint (entry {@value CheckpointEnvelope#EMA_ENTRY},
 * metadata key {@value CheckpointEnvelope#EMA_KEY}) and resumed; with {@link Builder#bestCheckpointFromEma}
 * {@code best.zip} is chosen by the average's validation metrics and holds the average as its model. A
 * {@link BatchMixing} training iterator given to {@link #prepare} has the training accuracy counted against its
 * original labels.
 *
 * <p><b>Files.</b> The names of the run folder's files are {@link RunFolder}'s, the keys and entries a checkpoint
 * holds besides the model {@link CheckpointEnvelope}'s; the constants here are the same values, kept for callers of
 * earlier releases.
 *
 * <p><b>Inside.</b> This class is the public face (start, resume, the run's state) and its {@link Builder}; the work
 * is done by package-private collaborators with one job each, all called under this object's lock:
 * {@code EpochListener} (the DL4J listener: the batches' sums, the end of an epoch), {@code EpochAccounting}
 * (validation, the history, the best-checkpoint, early-stopping and plateau counters), {@code RunCheckpoints}
 * (snapshots, {@code last.zip}/{@code best.zip}, the background writer, the checkpoint metadata),
 * {@code ResumeState} (reading a checkpoint back), {@code RunEma} (the moving average), {@code RunOutputs}
 * (metrics, charts, report, run configuration) and {@code RunUi} (the DL4J UI wiring). The file is longer than the
 * house's 500 lines by its {@link Builder} (a public nested type, which stays where callers name it) and the Javadoc
 * of the public API.
 */
public final class TrainingRun implements AutoCloseable {

    /** Folder of the checkpoints inside the run folder; the same as {@link RunFolder#CHECKPOINT_DIR}. */
    public static final String CHECKPOINT_DIR = RunFolder.CHECKPOINT_DIR;
    /** Checkpoint of the last finished epoch; the same as {@link RunFolder#LAST_CHECKPOINT}. */
    public static final String LAST_CHECKPOINT = RunFolder.LAST_CHECKPOINT;
    /** Checkpoint of the epoch with the best monitored value; the same as {@link RunFolder#BEST_CHECKPOINT}. */
    public static final String BEST_CHECKPOINT = RunFolder.BEST_CHECKPOINT;
    /** Folder of the PNG charts inside the run folder; the same as {@link RunFolder#CHARTS_DIR}. */
    public static final String CHARTS_DIR = RunFolder.CHARTS_DIR;
    /** DL4J UI stats file inside the run folder; the same as {@link RunFolder#STATS_FILE}. */
    public static final String STATS_FILE = RunFolder.STATS_FILE;
    /** Run configuration file inside the run folder; the same as {@link RunFolder#RUN_CONFIG_FILE}. */
    public static final String RUN_CONFIG_FILE = RunFolder.RUN_CONFIG_FILE;
    /** Value of the {@code format} key of checkpoint metadata; the same as {@link CheckpointEnvelope#FORMAT}. */
    public static final String CHECKPOINT_FORMAT = CheckpointEnvelope.FORMAT;
    /** Metadata key of an interrupted epoch's sums; the same as {@link CheckpointEnvelope#PARTIAL_EPOCH_KEY}. */
    public static final String PARTIAL_EPOCH_KEY = CheckpointEnvelope.PARTIAL_EPOCH_KEY;
    /** Metadata key of the moving average's state; the same as {@link CheckpointEnvelope#EMA_KEY}. */
    public static final String EMA_KEY = CheckpointEnvelope.EMA_KEY;
    /** Checkpoint zip entry of the moving average; the same as {@link CheckpointEnvelope#EMA_ENTRY}. */
    public static final String EMA_ENTRY = CheckpointEnvelope.EMA_ENTRY;
    /**
     * System property giving {@link Builder#backgroundCheckpoints}'s default ({@code true}); {@code false} writes every
     * epoch's files in place, e.g. to measure what the background writer saves.
     */
    public static final String BACKGROUND_CHECKPOINTS_PROPERTY = "resnext4j.checkpoints.background";

    private final RunConfiguration settings;
    private final RunLog log;
    private final RunEma ema;
    private final EpochAccounting accounting;
    private final RunCheckpoints checkpoints;
    private final RunOutputs outputs;
    private final EpochListener listener;

    private Network net;
    private RunUi ui;
    private boolean closed;

    private TrainingRun(RunConfiguration settings) {
        this.settings = settings;
        this.log = new RunLog(settings.logSink());
        this.ema = new RunEma(settings.ema(), log);
        this.accounting = new EpochAccounting(settings, log, ema);
        this.checkpoints = new RunCheckpoints(settings, ema, accounting);
        this.outputs = new RunOutputs(settings.runDir());
        this.listener = new EpochListener(this, settings, log, ema, accounting, checkpoints, outputs);
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
        return settings.runDir();
    }

    /** @return {@code checkpoints/last.zip} of this run */
    public Path lastCheckpoint() {
        return checkpoints.last();
    }

    /** @return {@code checkpoints/best.zip} of this run */
    public Path bestCheckpoint() {
        return checkpoints.best();
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
            throw new CheckpointException("Run folder " + runDir() + " already holds a checkpoint (" + lastCheckpoint()
                    + "); resume it (TrainingRun.resume / restoreOrStart, or the CLI's train --resume) or choose a "
                    + "new run folder");
        }
        ema.startAfresh();
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
        if (!Files.isDirectory(runDir())) {
            throw new CheckpointException("Cannot resume: run folder " + runDir() + " does not exist");
        }
        if (!hasCheckpoint()) {
            throw new CheckpointException("Cannot resume: run folder " + runDir() + " has no checkpoint "
                    + RunFolder.CHECKPOINT_DIR + "/" + RunFolder.LAST_CHECKPOINT
                    + " (one is written after every finished epoch)");
        }
        RunFolder.removeTemporaryFiles(runDir(), log);
        ResumeState state = ResumeState.read(Checkpoints.load(lastCheckpoint()));
        Network n = Network.of(state.checkpoint().model());
        n.setEpochCount(state.history().size());
        state.restoreRandom();
        accounting.restore(state.history());
        checkpoints.resumed(state.checkpoint());
        listener.resumeInside(state.partial());
        ema.restore(state.checkpoint().file(), state.emaUpdates());
        int done = accounting.epochsDone();
        log.say(String.format(
                Locale.ROOT,
                "Resuming %s after epoch %d of %d (iteration %d)%s",
                runDir(),
                done,
                settings.epochs(),
                n.iterationCount(),
                state.partial() == null
                        ? ""
                        : String.format(
                                Locale.ROOT, ", inside epoch %d after batch %d", done + 1, state.partial().batches)));
        begin(n, state.sessionId());
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
            throw new IllegalStateException("Training run " + runDir() + " was already started");
        }
        requireOpen();
        checkpoints.createFolder();
        this.net = n;
        this.ui = RunUi.start(settings, n.model().numParams(), previousSession);
        checkpoints.sessionStarted(ui.sessionId());
        outputs.writeRunConfig(settings.runConfig(n, accounting.epochsDone() + 1, ui.trainingUi()));
        ui.publish(runDir().getFileName().toString(), this::historySnapshot, log);
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
        listener.prepare(train);
    }

    /**
     * @return the listeners to add to the network: this run's epoch listener, then the DL4J UI
     *         {@code StatsListener} recording into {@code ui-stats.dl4j} (none with {@link UiStats#OFF})
     */
    public List<TrainingListener> listeners() {
        requireStarted();
        return ui.listener() == null ? List.of(listener) : List.of(listener, ui.listener());
    }

    /** @return the epoch listener alone (metrics, checkpoints, report; no UI stats) */
    public TrainingListener listener() {
        return listener;
    }

    /** @return finished epochs (restored ones included) */
    public int epochsDone() {
        synchronized (this) {
            return accounting.epochsDone();
        }
    }

    /** @return the planned number of epochs */
    public int epochs() {
        return settings.epochs();
    }

    /** @return planned epochs not yet finished (0 when the plan is done) */
    public int remainingEpochs() {
        return Math.max(0, epochs() - epochsDone());
    }

    /**
     * Asks loops that check {@link #stopRequested()} to end after the current epoch.
     *
     * @param reason what asked, for the log and the result
     */
    public void requestStop(String reason) {
        accounting.requestStop(reason);
    }

    /**
     * Asks the run to stop after the current batch, mid-epoch: the iterator from {@link #interruptible} reports no
     * more batches, and the epoch listener saves the state inside the epoch to {@code last.zip} (see the class
     * comment). Safe to call from any thread, e.g. a signal handler.
     *
     * @param reason what asked, for the log and the result
     */
    public void interrupt(String reason) {
        listener.interrupt(Objects.requireNonNull(reason, "reason"));
        requestStop(reason);
    }

    /** @return whether {@link #interrupt} was called */
    public boolean interrupted() {
        return listener.interruptReason() != null;
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
        return accounting.stopReason() != null;
    }

    /** @return why the run was asked to stop, if it was */
    public Optional<String> stopReason() {
        return Optional.ofNullable(accounting.stopReason());
    }

    /** @return a copy of the metrics of the finished epochs */
    public MetricsHistory history() {
        return historySnapshot();
    }

    private synchronized MetricsHistory historySnapshot() {
        return new MetricsHistory(accounting.history().epochs());
    }

    /** @return the session id of this run in the DL4J UI */
    public String sessionId() {
        requireStarted();
        return ui.sessionId();
    }

    /**
     * @return the run's DL4J stats storage ({@code ui-stats.dl4j}), e.g. for a remote stats router or a Spark
     *         training master to record into; {@code null} with {@link UiStats#OFF} and the UI server off
     */
    public StatsStorage statsStorage() {
        requireStarted();
        return ui.storage();
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
        return Optional.ofNullable(ui.statsListener(workerId, net.model().numParams()));
    }

    /** @return the UI overview URL while the UI is on */
    public Optional<String> uiUrl() {
        return ui == null ? Optional.empty() : ui.url();
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
        if (accounting.lastEvaluation() == null && settings.validation() != null) {
            outputs.write(accounting.history(), accounting.revalidate(net));
        }
        return new TrainingResult(
                net.model(),
                new MetricsHistory(accounting.history().epochs()),
                accounting.lastEvaluation(),
                runDir(),
                lastCheckpoint(),
                bestCheckpoint(),
                ui.sessionId(),
                ui.url(),
                stopRequested());
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
            if (ui != null) {
                ui.close();
            }
        }
    }

    /**
     * Waits until the checkpoint and outputs of the last finished epoch are on disk (they are written while the next
     * epoch trains), and draws its charts if they were left for later (charts are redrawn at most once a minute while
     * the run trains); {@link #result()} and {@link #close()} call it.
     *
     * @throws CheckpointException when that write failed (the previous checkpoint is then unchanged)
     */
    public void awaitWrites() {
        checkpoints.awaitWrites();
        outputs.drawPendingCharts();
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
            listener.recordEpoch(model, trainLoss, trainAccuracy, examples);
        }
    }

    /** @throws IllegalStateException unless the run was started and is open */
    void requireStarted() {
        if (net == null) {
            throw new IllegalStateException("Training run " + runDir() + " is not started: call start(model), "
                    + "resume() or restoreOrStart(model) first");
        }
        requireOpen();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("Training run " + runDir() + " is closed; its listeners cannot be used "
                    + "any more (remove them from the network or start a new TrainingRun)");
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
            return new TrainingRun(new RunConfiguration(
                    runDir,
                    epochs,
                    classNames,
                    validation,
                    ui,
                    progressIntervalSeconds,
                    metadata,
                    card,
                    logSink,
                    epochCallbacks,
                    modelWriter,
                    backgroundCheckpoints,
                    earlyStopping,
                    reduceLr,
                    bestMonitor,
                    ema,
                    bestFromEma));
        }
    }
}
