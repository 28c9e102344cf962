package org.resnext4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.core.storage.impl.RemoteUIStatsStorageRouter;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
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
 * validates on the driver and writes its outputs. Two training masters:
 * <ul>
 *   <li>{@link Master#PARAMETER_AVERAGING}: DL4J's {@link ParameterAveragingTrainingMaster}; every worker fits
 *       {@code averagingFrequency} minibatches of {@code batchSizePerWorker}, then parameters (and the updater
 *       state) are averaged on the driver. Works on any Spark master; data goes directly
 *       ({@code RDDTrainingApproach.Direct}, no export folder, so no shared file system is needed).</li>
 *   <li>{@link Master#SHARED_GRADIENTS}: DL4J's {@link SharedTrainingMaster} (gradient sharing with threshold
 *       encoding over Aeron on UDP; {@code controllerAddress} and {@code unicastPort} of the
 *       {@link VoidConfiguration}).</li>
 * </ul>
 * The UI: with parameter averaging the executors' {@link StatsListener} reports are routed on the driver into the
 * run's {@code ui-stats.dl4j}, shown live by the run's UI server; see {@link #statsRouter} for gradient sharing.
 */
public final class SparkTraining {

    private static final Logger log = LoggerFactory.getLogger(SparkTraining.class);

    /** DL4J's two Spark training masters. */
    public enum Master {
        /** {@link ParameterAveragingTrainingMaster}. */
        PARAMETER_AVERAGING,
        /** {@link SharedTrainingMaster} (gradient sharing). */
        SHARED_GRADIENTS
    }

    private final JavaSparkContext sc;
    private final Master master;
    private final int batchSizePerWorker;
    private final int averagingFrequency;
    private final int workerPrefetch;
    private final String controllerAddress;
    private final int unicastPort;

    private SparkTraining(Builder b) {
        this.sc = b.sc;
        this.master = b.master;
        this.batchSizePerWorker = b.batchSizePerWorker;
        this.averagingFrequency = b.averagingFrequency;
        this.workerPrefetch = b.workerPrefetch;
        this.controllerAddress = b.controllerAddress;
        this.unicastPort = b.unicastPort;
    }

    /**
     * @param sc the Spark context (the driver's)
     * @return a builder
     */
    public static Builder builder(JavaSparkContext sc) {
        return new Builder(sc);
    }

    /**
     * Aeron's media driver (gradient sharing) refuses to start when its publication-unblock timeout (Aeron 1.39
     * default 15 s) is not above the client liveness timeout, which DL4J's transport sets to 30 s; DL4J leaves the
     * former at its default, so every start fails with a {@code ConfigurationException}. Raised to 60 s here, for
     * this JVM; executors on a cluster need {@value #AERON_UNBLOCK_OPTION} in {@code spark.executor.extraJavaOptions}.
     */
    public static final String AERON_UNBLOCK_OPTION = "-Daeron.publication.unblock.timeout=60000000000";

    static void configureAeron() {
        if (System.getProperty("aeron.publication.unblock.timeout") == null) {
            System.setProperty("aeron.publication.unblock.timeout", "60000000000");
        }
    }

    /** @return DL4J's training master for these settings */
    public TrainingMaster<?, ?> trainingMaster() {
        if (master == Master.SHARED_GRADIENTS) {
            log.warn("Gradient sharing (DL4J 1.0.0-M2's SharedTrainingMaster) trains on the executors but does not "
                    + "return the trained network to the driver: measured on local[2], the executors' training score "
                    + "falls while the driver's model keeps its initial validation loss; off local[N] its parameters "
                    + "do not change at all (an error then stops the run). Use parameter averaging for a usable "
                    + "model.");
            configureAeron();
            VoidConfiguration voidConf = VoidConfiguration.builder()
                    .unicastPort(unicastPort)
                    .controllerAddress(controllerAddress)
                    .build();
            return new SharedTrainingMaster.Builder(voidConf, batchSizePerWorker)
                    .batchSizePerWorker(batchSizePerWorker)
                    .workerPrefetchNumBatches(workerPrefetch)
                    .rddTrainingApproach(RDDTrainingApproach.Direct)
                    .collectTrainingStats(false)
                    .build();
        }
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
     * @param shuffle shuffle each epoch, as a training iterator does
     * @return the run's result
     */
    public TrainingResult fit(
            TrainingRun run, ComputationGraph fresh, ImageFolder train, ImageBatchLoader loader, boolean shuffle) {
        Objects.requireNonNull(loader, "loader");
        ComputationGraph net = run.restoreOrStart(fresh);
        SparkComputationGraph sparkNet = new SparkComputationGraph(sc, net, trainingMaster());
        SparkEpochStats stats = new SparkEpochStats(sc);
        List<TrainingListener> listeners = new ArrayList<>();
        listeners.add(stats);
        StatsStorageRouter router = statsRouter(run);
        if (router != null) {
            listeners.add(new StatsListener(null, 1, run.sessionId()));
            sparkNet.setListeners(router, listeners);
        } else {
            sparkNet.setListeners(listeners);
        }
        int partitions = Math.max(1, sc.defaultParallelism());
        while (run.epochsDone() < run.epochs() && !run.stopRequested()) {
            int epoch = run.epochsDone();
            run.listener().onEpochStart(net);
            stats.reset();
            List<ImageBatchLoader.Batch> batches = loader.batches(train, batchSizePerWorker, epoch, shuffle);
            JavaRDD<DataSet> data = sc.parallelize(batches, Math.min(partitions, batches.size()))
                    .map(new LoadBatch(loader));
            INDArray before = master == Master.SHARED_GRADIENTS ? net.params().dup() : null;
            sparkNet.fit(data);
            net = sparkNet.getNetwork();
            if (before != null && before.equals(net.params())) {
                throw new IllegalStateException("Gradient sharing trained epoch " + (epoch + 1) + " on the executors "
                        + "but the driver's parameters did not change: DL4J 1.0.0-M2's SharedTrainingMaster returns "
                        + "the updater state and score to the driver, not the parameters, so the trained model is "
                        + "lost. Use --training-master averaging (ParameterAveragingTrainingMaster).");
            }
            long listed = batches.stream().mapToLong(b -> b.paths().size()).sum();
            if (stats.examples() > 0) {
                run.recordEpoch(net, stats.meanLoss(), stats.accuracy(), stats.examples());
            } else {
                // gradient sharing keeps one training wrapper per executor JVM, with the listener copies of its
                // first task: later epochs' accumulator updates do not reach the driver. The epoch's training loss
                // is then the network's last score, its accuracy unmeasured.
                log.info(
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

    /**
     * Where the executors' {@link StatsListener} reports go. With parameter averaging DL4J collects them on the
     * executors and routes them on the driver, straight into the run's stats file (which the run's UI server, when on,
     * shows live). With gradient sharing the router itself travels to the executors, which would need DL4J's
     * {@link RemoteUIStatsStorageRouter} posting to the driver's UI server; in a JVM with Spark 3.5 that server cannot
     * receive them (Spark's Netty 4.1.96 breaks Vert.x 3.9's request handling: a {@code NullPointerException} in
     * {@code Http1xServerConnection.handleError} on every POST), so no UI statistics are recorded for it.
     */
    private StatsStorageRouter statsRouter(TrainingRun run) {
        if (master == Master.PARAMETER_AVERAGING) {
            return run.statsStorage();
        }
        log.warn("Gradient sharing: the executors' DL4J UI statistics are not recorded (the remote stats router's "
                + "POSTs fail against the UI server when Spark 3.5's Netty is on the class path); epoch metrics, "
                + "checkpoints and the epoch-curves page are unaffected");
        return null;
    }

    /** Settings; defaults: parameter averaging, 16 examples per worker and minibatch, averaging every 5, prefetch 2. */
    public static final class Builder {
        private final JavaSparkContext sc;
        private Master master = Master.PARAMETER_AVERAGING;
        private int batchSizePerWorker = 16;
        private int averagingFrequency = 5;
        private int workerPrefetch = 2;
        private String controllerAddress = "127.0.0.1";
        private int unicastPort = 40123;

        private Builder(JavaSparkContext sc) {
            this.sc = Objects.requireNonNull(sc, "sc");
        }

        /**
         * @param m the training master
         * @return this
         */
        public Builder master(Master m) {
            this.master = Objects.requireNonNull(m, "master");
            return this;
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

        /**
         * @param address the gradient-sharing controller (the driver's address, reachable by the executors)
         * @param port    its UDP port
         * @return this
         */
        public Builder controller(String address, int port) {
            this.controllerAddress = Objects.requireNonNull(address, "address");
            if (port < 1 || port > 0xFFFF) {
                throw new IllegalArgumentException("controller port must be in 1..65535, got " + port);
            }
            this.unicastPort = port;
            return this;
        }

        /** @return the trainer */
        public SparkTraining build() {
            return new SparkTraining(this);
        }
    }
}
