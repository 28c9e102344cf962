package org.resnext4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.resnext4j.datavec.ImageBatchLoader;
import org.resnext4j.datavec.ImageFolder;
import org.resnext4j.ui.TrainingResult;
import org.resnext4j.ui.TrainingRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel training of a {@link ComputationGraph} on Apache Spark through DL4J's own Spark modules
 * ({@link SparkComputationGraph}), with the run outputs of one machine: the {@link TrainingRun} on the driver keeps
 * its checkpoints, metrics, report, exact-resume state and UI; the images are decoded and transformed on the
 * executors ({@link ImageBatchLoader}: the driver ships paths, the executors return {@code DataSet}s).
 *
 * <p>Per epoch: the driver lists the epoch's batches in {@code ImageFolderIterator}'s order for that epoch (so a
 * resumed run trains on the data the uninterrupted one would have), Spark loads them on the executors, the training
 * master trains, the executors' training loss and accuracy come back through Spark accumulators, and the run
 * validates on the driver and writes its outputs. The training master is DL4J's
 * {@link ParameterAveragingTrainingMaster}: every worker fits {@code averagingFrequency} minibatches of
 * {@code batchSizePerWorker}, then parameters (and the updater state) are averaged on the driver. It works on any
 * Spark master; data goes directly ({@code RDDTrainingApproach.Direct}, no export folder, so no shared file system is
 * needed). The epoch's batches must be shuffled ({@code fit(..., shuffle=true)}, as on one machine): in folder order
 * every averaging window holds one class, and the average of workers pulled each towards one class learns nothing.
 *
 * <p>DL4J's other master, gradient sharing ({@code SharedTrainingMaster}), is not offered: in 1.0.0-M2 it trains on
 * the executors but never returns the trained parameters to the driver (measured; docs/spark.md).
 *
 * <p>The UI: the executors' {@code StatsListener} reports (the run's statistics level, {@code UiStats}) are routed on the driver into the run's
 * {@code ui-stats.dl4j}, shown live by the run's UI server.
 */
public final class SparkTraining {

    private static final Logger log = LoggerFactory.getLogger(SparkTraining.class);

    private final JavaSparkContext sc;
    private final int batchSizePerWorker;
    private final int averagingFrequency;
    private final int workerPrefetch;

    private SparkTraining(Builder b) {
        this.sc = b.sc;
        this.batchSizePerWorker = b.batchSizePerWorker;
        this.averagingFrequency = b.averagingFrequency;
        this.workerPrefetch = b.workerPrefetch;
    }

    /**
     * @param sc the Spark context (the driver's)
     * @return a builder
     */
    public static Builder builder(JavaSparkContext sc) {
        return new Builder(sc);
    }

    /** @return DL4J's training master for these settings */
    public TrainingMaster<?, ?> trainingMaster() {
        return new ParameterAveragingTrainingMaster.Builder(batchSizePerWorker)
                .batchSizePerWorker(batchSizePerWorker)
                .averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(workerPrefetch)
                .saveUpdater(true)
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .collectTrainingStats(false)
                .build();
    }

    /**
     * Trains (or resumes) the run to its planned epochs.
     *
     * @param run     the run (not started); its validation data is evaluated on the driver
     * @param fresh   the network to start with when the run has no checkpoint
     * @param train   the training images (e.g. {@code ImageFolder.split(...).train()}); paths must be readable on
     *                every executor (a shared or replicated folder)
     * @param loader  decoder, transform and seed of the training data (executor side)
     * @param shuffle shuffle each epoch, as a training iterator does; keep it {@code true} (in folder order parameter
     *                averaging learns nothing: see the class comment), {@code false} logs a warning
     * @return the run's result
     */
    public TrainingResult fit(
            TrainingRun run, ComputationGraph fresh, ImageFolder train, ImageBatchLoader loader, boolean shuffle) {
        Objects.requireNonNull(loader, "loader");
        if (!shuffle) {
            log.warn("Training on Spark without shuffling: the batches come in folder order, class by class, so each "
                    + "averaging window trains the workers towards few classes and the averaged model may learn "
                    + "nothing while the executors report high training accuracy; pass shuffle = true");
        }
        ComputationGraph net = run.restoreOrStart(fresh);
        SparkComputationGraph sparkNet = new SparkComputationGraph(sc, net, trainingMaster());
        SparkEpochStats stats = new SparkEpochStats(sc);
        List<TrainingListener> listeners = new ArrayList<>();
        listeners.add(stats);
        // the run's statistics level and frequency (UiStats.DEFAULT unless asked otherwise; none when off)
        run.statsListener("spark-executor").ifPresent(listeners::add);
        sparkNet.setListeners(run.statsStorage(), listeners);
        int partitions = Math.max(1, sc.defaultParallelism());
        while (run.epochsDone() < run.epochs() && !run.stopRequested()) {
            int epoch = run.epochsDone();
            run.listener().onEpochStart(net);
            stats.reset();
            List<ImageBatchLoader.Batch> batches = loader.batches(train, batchSizePerWorker, epoch, shuffle);
            JavaRDD<DataSet> data = sc.parallelize(batches, Math.min(partitions, batches.size()))
                    .map(new LoadBatch(loader));
            sparkNet.fit(data);
            net = sparkNet.getNetwork();
            long listed = batches.stream().mapToLong(b -> b.paths().size()).sum();
            if (stats.examples() > 0) {
                run.recordEpoch(net, stats.meanLoss(), stats.accuracy(), stats.examples());
            } else {
                log.warn(
                        "Epoch {}: no training statistics came back from the executors; training loss = last score",
                        epoch + 1);
                run.recordEpoch(net, net.score(), Double.NaN, listed);
            }
            if (run.epochsDone() != epoch + 1) {
                throw new IllegalStateException("Spark training of epoch " + (epoch + 1) + " recorded nothing ("
                        + listed + " examples listed)");
            }
            net.incrementEpochCount();
        }
        return run.result();
    }

    /**
     * Evaluates a network on Spark: the executors load the images and evaluate (DL4J ships the configuration as
     * JSON and the parameters as a broadcast).
     *
     * @param net    the network
     * @param data   the images
     * @param loader decoder and (evaluation) transform
     * @return DL4J's evaluation
     */
    public Evaluation evaluate(ComputationGraph net, ImageFolder data, ImageBatchLoader loader) {
        SparkComputationGraph sparkNet = new SparkComputationGraph(sc, net, trainingMaster());
        List<ImageBatchLoader.Batch> batches = loader.batches(data, batchSizePerWorker, 0, false);
        JavaRDD<DataSet> rdd = sc.parallelize(batches, Math.max(1, Math.min(sc.defaultParallelism(), batches.size())))
                .map(new LoadBatch(loader));
        return sparkNet.evaluate(rdd, loader.classNames());
    }

    /**
     * The executors' work: a batch description in, a {@code DataSet} out. A named class rather than a method
     * reference: Spark 3.5 on Java 17 fails to deserialize the bound method reference {@code loader::load}
     * ("too many arguments").
     */
    private static final class LoadBatch implements Function<ImageBatchLoader.Batch, DataSet> {
        private static final long serialVersionUID = 1L;
        private final ImageBatchLoader loader;

        LoadBatch(ImageBatchLoader loader) {
            this.loader = loader;
        }

        @Override
        public DataSet call(ImageBatchLoader.Batch batch) {
            return loader.load(batch);
        }
    }

    /** Settings; defaults: 16 examples per worker and minibatch, averaging every 5, prefetch 2. */
    public static final class Builder {
        private final JavaSparkContext sc;
        private int batchSizePerWorker = 16;
        private int averagingFrequency = 5;
        private int workerPrefetch = 2;

        private Builder(JavaSparkContext sc) {
            this.sc = Objects.requireNonNull(sc, "sc");
        }

        /**
         * @param n examples per minibatch on each worker, at least 1
         * @return this
         */
        public Builder batchSizePerWorker(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("batchSizePerWorker must be >= 1, got " + n);
            }
            this.batchSizePerWorker = n;
            return this;
        }

        /**
         * @param n minibatches each worker fits between parameter averagings, at least 1
         * @return this
         */
        public Builder averagingFrequency(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("averagingFrequency must be >= 1, got " + n);
            }
            this.averagingFrequency = n;
            return this;
        }

        /**
         * @param n minibatches each worker prefetches, at least 0
         * @return this
         */
        public Builder workerPrefetch(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("workerPrefetch must be >= 0, got " + n);
            }
            this.workerPrefetch = n;
            return this;
        }

        /** @return the trainer */
        public SparkTraining build() {
            return new SparkTraining(this);
        }
    }
}
