package org.resnext4j.ui;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Trains a DL4J {@link ComputationGraph} (one input, one output) or {@link MultiLayerNetwork} for a number of epochs
 * with a {@link TrainingRun}'s listeners attached: a loop of plain DL4J {@code model.fit(iterator)} calls, one per
 * epoch, that stops early when the run asks ({@link EarlyStopping}, {@link #requestStop()}). Everything it writes
 * is the run's (see {@link TrainingRun}); a user with a loop of their own attaches the run's listeners instead.
 *
 * <p>Per epoch it logs one line such as
 * {@code Epoch  3/10  train_loss 0.323 train_acc 86.5%  val_loss 0.320 val_acc 85.8%  lr 1.0E-4  41s}
 * (see {@link EpochMetrics}), plus a progress line every {@code progressIntervalSeconds}. The run folder
 * ({@link RunFolder}) holds:
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
 * {@link #resume} continues an interrupted run from {@code checkpoints/last.zip} exactly: parameters, updater
 * state, counters (so schedules continue), random generator state, metrics history, and the data iterator's epoch
 * when it is an {@link org.resnext4j.datavec.EpochIterator}; the final history has every epoch exactly once.
 */
public final class Trainer {

    /** Folder of the checkpoints inside the run folder; the same as {@link RunFolder#CHECKPOINT_DIR}. */
    public static final String CHECKPOINT_DIR = RunFolder.CHECKPOINT_DIR;
    /** Checkpoint of the last finished epoch; the same as {@link RunFolder#LAST_CHECKPOINT}. */
    public static final String LAST_CHECKPOINT = RunFolder.LAST_CHECKPOINT;
    /** Checkpoint with the best validation accuracy; the same as {@link RunFolder#BEST_CHECKPOINT}. */
    public static final String BEST_CHECKPOINT = RunFolder.BEST_CHECKPOINT;
    /** Folder of the PNG charts inside the run folder; the same as {@link RunFolder#CHARTS_DIR}. */
    public static final String CHARTS_DIR = RunFolder.CHARTS_DIR;
    /** DL4J UI stats file inside the run folder; the same as {@link RunFolder#STATS_FILE}. */
    public static final String STATS_FILE = RunFolder.STATS_FILE;
    /** Run configuration file inside the run folder; the same as {@link RunFolder#RUN_CONFIG_FILE}. */
    public static final String RUN_CONFIG_FILE = RunFolder.RUN_CONFIG_FILE;

    private final Builder settings;
    private volatile TrainingRun current;
    private volatile boolean stopRequested;
    private volatile boolean interrupted;

    private Trainer(Builder b) {
        this.settings = b;
    }

    /** @return a builder; {@code runDir} and {@code epochs} are required */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the run folder */
    public Path runDir() {
        return settings.runDir.toAbsolutePath();
    }

    /**
     * Asks the running {@link #fit}/{@link #resume} to stop after the current epoch (its checkpoint and metrics
     * are still written). Safe to call from any thread, e.g. a shutdown hook.
     */
    public void requestStop() {
        stopRequested = true;
        TrainingRun run = current;
        if (run != null) {
            run.requestStop("stop requested");
        }
    }

    /**
     * Asks the running {@link #fit}/{@link #resume} to stop after the current batch, mid-epoch, with the state
     * inside the epoch saved to {@code last.zip} ({@link TrainingRun#interrupt}); {@link #resume} continues from the
     * next batch. Safe to call from any thread, e.g. a signal handler.
     */
    public void interrupt() {
        interrupted = true;
        stopRequested = true;
        TrainingRun run = current;
        if (run != null) {
            run.interrupt("interrupted");
        }
    }

    /**
     * Trains a model from scratch (or from whatever weights it has) in a new run folder.
     *
     * @param model      a {@link ComputationGraph} with one input and one output, or a
     *                   {@link MultiLayerNetwork}, initialised
     * @param train      training data
     * @param validation validation data with one-hot labels
     * @return the result
     * @throws CheckpointException when the run folder already holds a checkpoint (use {@link #resume})
     * @throws UiStartException    when the UI is on and cannot start
     */
    public TrainingResult fit(Model model, DataSetIterator train, DataSetIterator validation) {
        Objects.requireNonNull(train, "train");
        try (TrainingRun run = run(validation)) {
            return train(run, run.start(model), train);
        }
    }

    /**
     * Continues the interrupted run in {@link #runDir()} from {@code checkpoints/last.zip} until {@code epochs}
     * epochs are finished in total.
     *
     * @param train      training data, as in the original run
     * @param validation validation data
     * @return the result, with the full history (earlier and new epochs)
     * @throws CheckpointException when the folder or its checkpoint is missing or unreadable
     */
    public TrainingResult resume(DataSetIterator train, DataSetIterator validation) {
        Objects.requireNonNull(train, "train");
        try (TrainingRun run = run(validation)) {
            return train(run, run.resume(), train);
        }
    }

    private TrainingRun run(DataSetIterator validation) {
        return settings.run
                .validation(Objects.requireNonNull(validation, "validation"))
                .build();
    }

    private TrainingResult train(TrainingRun run, Model model, DataSetIterator train) {
        current = run;
        if (interrupted) {
            run.interrupt("interrupted");
        } else if (stopRequested) {
            run.requestStop("stop requested");
        }
        Network net = Network.of(model);
        Collection<TrainingListener> original = net.listeners();
        net.addListeners(settings.listeners.toArray(TrainingListener[]::new));
        net.addListeners(run.listeners().toArray(TrainingListener[]::new));
        run.prepare(train);
        DataSetIterator data = run.interruptible(train);
        try {
            while (run.epochsDone() < settings.epochs && !run.stopRequested()) {
                int before = run.epochsDone();
                net.fit(data);
                if (run.epochsDone() == before && !run.interrupted()) {
                    throw new IllegalStateException("The training iterator produced no batches in epoch "
                            + (before + 1)
                            + (train.resetSupported()
                                    ? ""
                                    : " (it is exhausted and does not support "
                                            + "reset(), so it cannot serve another epoch)"));
                }
            }
            return run.result();
        } finally {
            net.setListeners(original);
            current = null;
            stopRequested = false;
            interrupted = false;
        }
    }

    /**
     * Builder of a {@link Trainer}: the settings of its {@link TrainingRun} (each method is that of
     * {@link TrainingRun.Builder}), except that the UI is on by default and {@code runDir} and {@code epochs} are
     * required.
     */
    public static final class Builder {
        private final TrainingRun.Builder run =
                TrainingRun.builderWithoutFolder().ui(UiOptions.defaults());
        private Path runDir;
        private int epochs = -1;
        private List<String> classNames;
        private UiOptions ui = UiOptions.defaults();
        private final List<TrainingListener> listeners = new ArrayList<>();

        private Builder() {}

        /**
         * @param l a listener added to the network for the training (new or resumed), before the run's own, so its
         *          {@code onEpochEnd} comes before the epoch's validation and checkpoint (e.g. a progress bar)
         * @return this
         */
        public Builder listener(TrainingListener l) {
            listeners.add(Objects.requireNonNull(l, "listener"));
            return this;
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
         * @param names see {@link TrainingRun.Builder#classNames}
         * @return this
         */
        public Builder classNames(List<String> names) {
            this.classNames = names;
            run.classNames(names);
            return this;
        }

        /**
         * @param options see {@link TrainingRun.Builder#ui} (default here: on, port 9000, loopback)
         * @return this
         */
        public Builder ui(UiOptions options) {
            this.ui = Objects.requireNonNull(options);
            run.ui(options);
            return this;
        }

        /**
         * @param seconds see {@link TrainingRun.Builder#progressIntervalSeconds}
         * @return this
         */
        public Builder progressIntervalSeconds(double seconds) {
            run.progressIntervalSeconds(seconds);
            return this;
        }

        /**
         * @param card what the model is, stored with every checkpoint ({@link TrainingRun.Builder#modelCard})
         * @return this
         */
        public Builder modelCard(ModelCard card) {
            run.modelCard(card);
            return this;
        }

        /**
         * @param key   see {@link TrainingRun.Builder#metadata}
         * @param value the value
         * @return this
         */
        public Builder metadata(String key, Object value) {
            run.metadata(key, value);
            return this;
        }

        /**
         * @param sink see {@link TrainingRun.Builder#logSink}
         * @return this
         */
        public Builder logSink(Consumer<String> sink) {
            run.logSink(sink);
            return this;
        }

        /**
         * @param callback see {@link TrainingRun.Builder#onEpochEnd}
         * @return this
         */
        public Builder onEpochEnd(Consumer<EpochMetrics> callback) {
            run.onEpochEnd(callback);
            return this;
        }

        /**
         * @param writer see {@link TrainingRun.Builder#modelWriter}
         * @return this
         */
        public Builder modelWriter(Checkpoints.ModelWriter writer) {
            run.modelWriter(writer);
            return this;
        }

        /**
         * @param rule see {@link TrainingRun.Builder#earlyStopping}
         * @return this
         */
        public Builder earlyStopping(EarlyStopping rule) {
            run.earlyStopping(rule);
            return this;
        }

        /**
         * @param rule see {@link TrainingRun.Builder#reduceLrOnPlateau}
         * @return this
         */
        public Builder reduceLrOnPlateau(ReduceLrOnPlateau rule) {
            run.reduceLrOnPlateau(rule);
            return this;
        }

        /**
         * @param average see {@link TrainingRun.Builder#ema}
         * @return this
         */
        public Builder ema(ModelEma average) {
            run.ema(average);
            return this;
        }

        /**
         * @param fromEma see {@link TrainingRun.Builder#bestCheckpointFromEma}
         * @return this
         */
        public Builder bestCheckpointFromEma(boolean fromEma) {
            run.bestCheckpointFromEma(fromEma);
            return this;
        }

        /**
         * @param maxNorm clips the gradient to this global L2 norm before every update ({@link GradientClipping})
         * @return this
         */
        public Builder clipGradientNorm(double maxNorm) {
            listeners.add(new GradientClipping(maxNorm));
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
            runDir = runDir.toAbsolutePath();
            run.runDir(runDir).epochs(epochs);
            return new Trainer(this);
        }
    }

    /** @return the optional UI options in use */
    public UiOptions ui() {
        return settings.ui;
    }

    /** @return the planned number of epochs */
    public int epochs() {
        return settings.epochs;
    }

    /** @return the class names, if given */
    public Optional<List<String>> classNames() {
        return Optional.ofNullable(settings.classNames);
    }
}
