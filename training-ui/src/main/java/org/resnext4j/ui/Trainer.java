package org.resnext4j.ui;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.deeplearning4j.datasets.iterator.AsyncDataSetIterator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a DL4J {@link ComputationGraph} (one input, one output) or {@link MultiLayerNetwork} for a
 * number of epochs on any {@link DataSetIterator}, with per-epoch validation, Keras-style metrics,
 * checkpoints, charts, an HTML report and the DL4J browser UI.
 *
 * <p>Per epoch it logs one line such as
 * {@code Epoch  3/10  train_loss 0.323 train_acc 86.5%  val_loss 0.320 val_acc 85.8%  lr 1.0E-4  41s}
 * (see {@link EpochMetrics} for what each number means; train accuracy is accumulated from the
 * training forward passes, not from an extra evaluation pass), plus a progress line every
 * {@code progressIntervalSeconds} (batch i/n, running loss, examples/s). The run folder holds:
 * <pre>
 * run/
 *   checkpoints/last.zip (+ last.json)   after every epoch, with updater state and metadata
 *   checkpoints/best.zip (+ best.json)   best validation accuracy so far
 *   metrics.csv, metrics.json            every finished epoch
 *   charts/accuracy.png, loss.png, learning_rate.png, confusion_matrix.png
 *   report.html                          charts, metrics, per-class P/R/F1, run config
 *   run-config.json                      the run's settings
 *   ui-stats.dl4j                        DL4J UI stats (FileStatsStorage), see TrainingUi.reopen
 * </pre>
 * All files are written atomically. {@link #resume} continues an interrupted run from
 * {@code checkpoints/last.zip}: parameters, updater state, iteration and epoch counters (so the
 * learning-rate schedule continues) and the metrics history stored inside the checkpoint, so the
 * final history has every epoch exactly once.
 *
 * <p>The trainer resets the training iterator at the start of every epoch; with a deterministic
 * iterator an interrupted and resumed run sees the same batches as an uninterrupted one.
 */
public final class Trainer {

    private static final Logger log = LoggerFactory.getLogger(Trainer.class);

    /** Folder of the checkpoints inside the run folder. */
    public static final String CHECKPOINT_DIR = "checkpoints";
    /** Checkpoint of the last finished epoch. */
    public static final String LAST_CHECKPOINT = "last.zip";
    /** Checkpoint with the best validation accuracy. */
    public static final String BEST_CHECKPOINT = "best.zip";
    /** Folder of the PNG charts inside the run folder. */
    public static final String CHARTS_DIR = "charts";
    /** DL4J UI stats file inside the run folder. */
    public static final String STATS_FILE = "ui-stats.dl4j";
    /** Run configuration file inside the run folder. */
    public static final String RUN_CONFIG_FILE = "run-config.json";

    private final Path runDir;
    private final int epochs;
    private final List<String> classNames;
    private final UiOptions ui;
    private final double progressIntervalSeconds;
    private final Map<String, Object> metadata;
    private final Consumer<String> logSink;
    private final Consumer<EpochMetrics> onEpochEnd;
    private final Checkpoints.ModelWriter modelWriter;
    private final AtomicBoolean stopRequested = new AtomicBoolean();

    private Trainer(Builder b) {
        this.runDir = Objects.requireNonNull(b.runDir, "runDir").toAbsolutePath();
        this.epochs = b.epochs;
        this.classNames = b.classNames == null ? null : List.copyOf(b.classNames);
        this.ui = b.ui;
        this.progressIntervalSeconds = b.progressIntervalSeconds;
        this.metadata = new LinkedHashMap<>(b.metadata);
        this.logSink = b.logSink;
        this.onEpochEnd = b.onEpochEnd;
        this.modelWriter = b.modelWriter;
    }

    /** @return a builder; {@code runDir} and {@code epochs} are required */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the run folder */
    public Path runDir() {
        return runDir;
    }

    /**
     * Asks the running {@link #fit}/{@link #resume} to stop after the current epoch (its checkpoint
     * and metrics are still written). Safe to call from any thread, e.g. a shutdown hook.
     */
    public void requestStop() {
        stopRequested.set(true);
    }

    /**
     * Trains a model from scratch (or from whatever weights it has) in a new run folder.
     *
     * @param model      a {@link ComputationGraph} with one input and one output, or a
     *                   {@link MultiLayerNetwork}, initialised
     * @param train      training data; reset at the start of every epoch
     * @param validation validation data with one-hot labels
     * @return the result
     * @throws CheckpointException when the run folder already holds a checkpoint (use {@link #resume})
     * @throws UiStartException    when the UI is on and cannot start
     */
    public TrainingResult fit(Model model, DataSetIterator train, DataSetIterator validation) {
        Path last = runDir.resolve(CHECKPOINT_DIR).resolve(LAST_CHECKPOINT);
        if (Files.exists(last)) {
            throw new CheckpointException("Run folder " + runDir + " already holds a checkpoint (" + last
                    + "); resume it with Trainer.resume or choose a new run folder");
        }
        return run(Network.of(model), new MetricsHistory(), null, train, validation);
    }

    /**
     * Continues the interrupted run in {@link #runDir()} from {@code checkpoints/last.zip} until
     * {@code epochs} epochs are finished in total.
     *
     * @param train      training data, as in the original run
     * @param validation validation data
     * @return the result, with the full history (earlier and new epochs)
     * @throws CheckpointException when the folder or its checkpoint is missing or unreadable
     */
    public TrainingResult resume(DataSetIterator train, DataSetIterator validation) {
        if (!Files.isDirectory(runDir)) {
            throw new CheckpointException("Cannot resume: run folder " + runDir + " does not exist");
        }
        Path last = runDir.resolve(CHECKPOINT_DIR).resolve(LAST_CHECKPOINT);
        if (!Files.exists(last)) {
            throw new CheckpointException("Cannot resume: run folder " + runDir + " has no checkpoint " + CHECKPOINT_DIR
                    + "/" + LAST_CHECKPOINT + " (one is written after every finished epoch)");
        }
        Checkpoints.Checkpoint cp = Checkpoints.load(last);
        MetricsHistory history = historyOf(cp);
        String sessionId = cp.metadata().get("session_id") instanceof String s ? s : null;
        Network net = Network.of(cp.model());
        say(String.format(Locale.ROOT, "Resuming %s from epoch %d of %d (iteration %d, DL4J epoch count %d)", runDir,
                history.size(), epochs, net.iterationCount(), net.epochCount()));
        return run(net, history, sessionId, train, validation);
    }

    private static MetricsHistory historyOf(Checkpoints.Checkpoint cp) {
        Object h = cp.metadata().get("history");
        Object epoch = cp.metadata().get("epoch");
        if (!(h instanceof List<?> list) || !(epoch instanceof Number n)) {
            throw new CheckpointException("Checkpoint " + cp.file() + " has no training history in its metadata entry "
                    + Checkpoints.METADATA_ENTRY + " (expected a checkpoint written by Trainer)");
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

    private TrainingResult run(Network net, MetricsHistory history, String previousSession, DataSetIterator train,
                               DataSetIterator validation) {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(validation, "validation");
        stopRequested.set(false);
        Path checkpoints = runDir.resolve(CHECKPOINT_DIR);
        Path last = checkpoints.resolve(LAST_CHECKPOINT);
        Path best = checkpoints.resolve(BEST_CHECKPOINT);
        Collection<TrainingListener> originalListeners = net.listeners();
        EvaluationReport evaluation = null;
        boolean stoppedEarly = false;
        try {
            Files.createDirectories(checkpoints);
        } catch (IOException e) {
            throw new CheckpointException("Cannot create run folder " + runDir + ": " + e, e);
        }
        try (TrainingUi trainingUi = TrainingUi.start(runDir.resolve(STATS_FILE), ui, previousSession)) {
            Map<String, Object> runConfig = runConfig(net, trainingUi, history.size());
            writeOrFail(() -> AtomicFiles.writeString(runDir.resolve(RUN_CONFIG_FILE), Json.write(runConfig)));
            trainingUi.url().ifPresent(u -> say("DL4J training UI: " + u));
            AccuracyListener accuracy = new AccuracyListener();
            net.addListeners(trainingUi.listener(), accuracy);
            double bestAcc = history.best().map(EpochMetrics::valAccuracy).orElse(Double.NEGATIVE_INFINITY);
            int batchesPerEpoch = -1;
            for (int epoch = history.size() + 1; epoch <= epochs; epoch++) {
                if (stopRequested.get()) {
                    stoppedEarly = true;
                    say("Stop requested; ending after epoch " + history.size());
                    break;
                }
                long start = System.nanoTime();
                accuracy.reset();
                double[] lossSum = {0};
                long[] examples = {0};
                int batches = trainEpoch(net, train, epoch, batchesPerEpoch, lossSum, examples);
                batchesPerEpoch = batches;
                double lr = net.learningRate();
                net.incrementEpochCount();
                evaluation = EvaluationReport.evaluate(net, validation, classNames);
                double seconds = (System.nanoTime() - start) / 1e9;
                EpochMetrics m = new EpochMetrics(epoch, examples[0] == 0 ? Double.NaN : lossSum[0] / examples[0],
                        accuracy.accuracy(), evaluation.loss(), evaluation.accuracy(), lr, seconds,
                        net.iterationCount());
                history.add(m);
                Map<String, Object> meta = checkpointMetadata(history, trainingUi.sessionId());
                Checkpoints.save(net.model(), last, meta, modelWriter);
                if (m.valAccuracy() > bestAcc) {
                    bestAcc = m.valAccuracy();
                    writeOrFail(() -> {
                        AtomicFiles.copy(last, best);
                        AtomicFiles.copy(Checkpoints.sidecar(last), Checkpoints.sidecar(best));
                    });
                }
                writeOutputs(history, evaluation, runConfig);
                say(m.toLogLine(epochs));
                if (onEpochEnd != null) {
                    onEpochEnd.accept(m);
                }
            }
            if (evaluation == null) {
                evaluation = EvaluationReport.evaluate(net, validation, classNames);
                writeOutputs(history, evaluation, runConfig);
            }
            say("Run folder: " + runDir + " (report: " + runDir.resolve(HtmlReport.FILE_NAME) + ")");
            return new TrainingResult(net.model(), history, evaluation, runDir, last, best, trainingUi.sessionId(),
                    trainingUi.url(), stoppedEarly);
        } finally {
            net.setListeners(originalListeners);
        }
    }

    private int trainEpoch(Network net, DataSetIterator train, int epoch, int knownBatches, double[] lossSum,
                           long[] examples) {
        if (train.resetSupported()) {
            train.reset();
        } else if (!train.hasNext()) {
            throw new IllegalStateException("The training iterator is exhausted and does not support reset(); "
                    + "it cannot serve epoch " + epoch);
        }
        DataSetIterator it = train.asyncSupported() ? new AsyncDataSetIterator(train, 2, false) : train;
        long epochStart = System.nanoTime();
        long lastReport = epochStart;
        int batches = 0;
        try {
            while (it.hasNext()) {
                DataSet batch = it.next();
                long n = batch.getFeatures().size(0);
                net.fit(batch);
                batches++;
                lossSum[0] += net.score() * n;
                examples[0] += n;
                long now = System.nanoTime();
                if (progressIntervalSeconds > 0 && (now - lastReport) / 1e9 >= progressIntervalSeconds) {
                    lastReport = now;
                    double secs = (now - epochStart) / 1e9;
                    say(String.format(Locale.ROOT, "  epoch %d  batch %d/%s  loss %.4f  %.1f examples/s", epoch,
                            batches, knownBatches > 0 ? Integer.toString(knownBatches) : "?",
                            lossSum[0] / examples[0], examples[0] / secs));
                }
            }
        } finally {
            if (it instanceof AsyncDataSetIterator async) {
                async.shutdown();
            }
        }
        if (batches == 0) {
            throw new IllegalStateException("The training iterator produced no batches in epoch " + epoch);
        }
        return batches;
    }

    private void writeOutputs(MetricsHistory history, EvaluationReport evaluation, Map<String, Object> runConfig) {
        writeOrFail(() -> {
            history.write(runDir);
            Charts.writeCurves(history, runDir.resolve(CHARTS_DIR));
            Charts.writeConfusionMatrix(evaluation, runDir.resolve(CHARTS_DIR).resolve(Charts.CONFUSION_PNG));
            HtmlReport.write(runDir, "Training run " + runDir.getFileName(), history, evaluation, runConfig);
        });
    }

    private Map<String, Object> checkpointMetadata(MetricsHistory history, String sessionId) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", "resnext4j-checkpoint/1");
        meta.put("epoch", history.size());
        meta.put("epochs_planned", epochs);
        meta.put("saved_at", Instant.now().toString());
        if (classNames != null) {
            meta.put("class_names", classNames);
        }
        meta.put("session_id", sessionId);
        meta.put("extra", metadata);
        List<Map<String, Object>> h = new ArrayList<>();
        history.epochs().forEach(m -> h.add(m.toMap()));
        meta.put("history", h);
        return meta;
    }

    private Map<String, Object> runConfig(Network net, TrainingUi trainingUi, int startEpoch) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("run_dir", runDir.toString());
        c.put("model_type", net.typeName());
        c.put("parameters", net.model().numParams());
        c.put("epochs", epochs);
        c.put("start_epoch", startEpoch + 1);
        c.put("iteration_at_start", net.iterationCount());
        c.put("learning_rate_at_start", net.learningRate());
        c.put("output_layer", net.outputLayer().getClass().getSimpleName());
        c.put("class_names", classNames == null ? "(indices)" : classNames);
        c.put("ui", trainingUi.url().orElse("off") + " (bind " + ui.bindAddress() + ")");
        c.put("ui_session_id", trainingUi.sessionId());
        c.put("stats_file", STATS_FILE);
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

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    private static void writeOrFail(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new UncheckedIOException("Writing run outputs failed: " + e.getMessage(), e);
        }
    }

    /**
     * Accumulates training accuracy from each batch's forward pass: in {@code onBackwardPass} (called
     * inside {@code computeGradientAndScore}, before the parameter update) the output layer still
     * holds its input and labels, so its activations are the predictions the loss was computed on.
     */
    private static final class AccuracyListener extends BaseTrainingListener {
        private long correct;
        private long total;
        private boolean unsupported;

        void reset() {
            correct = 0;
            total = 0;
            unsupported = false;
        }

        double accuracy() {
            return unsupported || total == 0 ? Double.NaN : (double) correct / total;
        }

        @Override
        public void onBackwardPass(Model model) {
            if (unsupported) {
                return;
            }
            Layer out = Network.of(model).outputLayer();
            if (!(out instanceof IOutputLayer ol) || ol.getLabels() == null || ol.getLabels().rank() != 2) {
                unsupported = true;
                return;
            }
            INDArray labels = ol.getLabels();
            INDArray predictions = out.activate(false, LayerWorkspaceMgr.noWorkspaces());
            INDArray predicted = predictions.argMax(1);
            INDArray actual = labels.argMax(1);
            correct += predicted.eq(actual).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
            total += labels.size(0);
        }
    }

    /** Builder of a {@link Trainer}. */
    public static final class Builder {
        private Path runDir;
        private int epochs = -1;
        private List<String> classNames;
        private UiOptions ui = UiOptions.defaults();
        private double progressIntervalSeconds = 10;
        private final Map<String, Object> metadata = new LinkedHashMap<>();
        private Consumer<String> logSink;
        private Consumer<EpochMetrics> onEpochEnd;
        private Checkpoints.ModelWriter modelWriter = Checkpoints.MODEL_SERIALIZER;

        private Builder() {
        }

        /**
         * @param dir the run folder (created when missing)
         * @return this
         */
        public Builder runDir(Path dir) {
            this.runDir = dir;
            return this;
        }

        /**
         * @param n total number of epochs of the run (also when resuming)
         * @return this
         */
        public Builder epochs(int n) {
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
         * @param options UI settings (default: on, port 9000, loopback)
         * @return this
         */
        public Builder ui(UiOptions options) {
            this.ui = Objects.requireNonNull(options);
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
         * Adds a metadata entry stored in every checkpoint (under {@code extra}) and shown in the run
         * configuration, e.g. preset name or a preprocessing description (JSON-serialisable values:
         * strings, numbers, booleans, lists, maps).
         *
         * @param key   the name
         * @param value the value
         * @return this
         */
        public Builder metadata(String key, Object value) {
            this.metadata.put(key, value);
            return this;
        }

        /**
         * @param sink receives every log line of the trainer (besides slf4j), e.g. {@code System.out::println}
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
            this.onEpochEnd = callback;
            return this;
        }

        /**
         * @param writer writes checkpoint zips (default {@link Checkpoints#MODEL_SERIALIZER})
         * @return this
         */
        public Builder modelWriter(Checkpoints.ModelWriter writer) {
            this.modelWriter = Objects.requireNonNull(writer);
            return this;
        }

        /**
         * @return the trainer
         * @throws IllegalArgumentException when the run folder or a positive epoch count is missing
         */
        public Trainer build() {
            if (runDir == null) {
                throw new IllegalArgumentException("Trainer needs a run folder (runDir)");
            }
            if (epochs < 1) {
                throw new IllegalArgumentException("Trainer needs epochs >= 1, got " + epochs);
            }
            return new Trainer(this);
        }
    }

    /** @return the optional UI options in use */
    public UiOptions ui() {
        return ui;
    }

    /** @return the planned number of epochs */
    public int epochs() {
        return epochs;
    }

    /** @return the class names, if given */
    public Optional<List<String>> classNames() {
        return Optional.ofNullable(classNames);
    }
}
