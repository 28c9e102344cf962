package org.resnext4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.resnext4j.datavec.DatasetSplit;
import org.resnext4j.datavec.EvalTransform;
import org.resnext4j.datavec.ImageBatchLoader;
import org.resnext4j.datavec.ImageFolder;
import org.resnext4j.datavec.ImageFolderIterator;
import org.resnext4j.datavec.Normalization;
import org.resnext4j.datavec.StripesDataset;
import org.resnext4j.ui.EpochMetrics;
import org.resnext4j.ui.TrainingResult;
import org.resnext4j.ui.TrainingRun;
import org.resnext4j.ui.UiOptions;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * Where scale-out pays: images/s of parameter averaging with 1 and 2 workers ({@code local[N]}, this machine) and of
 * one machine without Spark, the bytes one averaging step moves, and what that predicts for 8 and 32 workers, for the
 * tiny ResNeXt and for ResNeXt-50 (its step time measured here too).
 *
 * <pre>
 * mvn -q -pl training-spark exec:exec -Dspark.main=org.resnext4j.spark.SparkScalingBenchmark -Dspark.args=""
 * </pre>
 *
 * <p>The model of a parameter-averaging window of {@code F} minibatches of {@code B} images per worker, {@code N}
 * workers: {@code F * t_step} of compute, then every worker sends its parameters and updater state ({@code S} bytes)
 * up DL4J's {@code treeAggregate} (depth 2: the driver receives about {@code sqrt(N)} partial sums) and the driver
 * broadcasts {@code S} bytes back (torrent broadcast: about {@code S} leave the driver), plus Spark's per-job
 * scheduling overhead {@code o}: {@code images/s(N) = N * F * B / (F * t_step + (ceil(sqrt N) + 1) * S / bandwidth +
 * o)}. {@code o} is measured from the 1-worker run (its time per window above its compute).
 */
public final class SparkScalingBenchmark {

    private SparkScalingBenchmark() {}

    /**
     * @param args {@code [perClass (default 200)] [epochs (default 4)] [resnext50 steps (default 3, 0 to skip)]}
     * @throws IOException when the temporary data cannot be written
     */
    public static void main(String[] args) throws IOException {
        int perClass = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int r50Steps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int size = 32;
        int batch = 16;
        int frequency = 5;
        Path tmp = Files.createTempDirectory("resnext4j-scaling");
        Path data = StripesDataset.write(tmp.resolve("data"), perClass, 3);
        DatasetSplit split = ImageFolder.scan(data).split(0.05, 1);
        EvalTransform t = new EvalTransform(size, size, Normalization.IMAGENET);
        ResNeXtSpec spec = ResNeXtSpec.tiny().toBuilder()
                .numClasses(3)
                .inputShape(3, size, size)
                .build();

        System.out.printf(
                Locale.ROOT,
                "tiny ResNeXt at %d px, %d training images, batch %d per worker, averaging every %d minibatches, "
                        + "%d epochs (the first, warm-up, not counted)%n",
                size,
                split.train().size(),
                batch,
                frequency,
                epochs);
        double single = oneMachine(tmp.resolve("single"), spec, split, t, batch, epochs);
        System.out.printf(Locale.ROOT, "one machine (no Spark, 2 cores): %.1f images/s%n", single);
        double[] spark = new double[3];
        for (int workers = 1; workers <= 2; workers++) {
            spark[workers] = onSpark(tmp.resolve("spark" + workers), spec, split, t, batch, frequency, epochs, workers);
            System.out.printf(Locale.ROOT, "parameter averaging, local[%d]: %.1f images/s%n", workers, spark[workers]);
        }

        ComputationGraph tiny =
                ResNeXt.builder(spec).updater(new Adam(1e-3)).build().init();
        long tinyBytes = stateBytes(tiny);
        double tStep = batch / single; // one worker's step on this machine's 2 cores
        double window1 = frequency * batch / spark[1];
        double overhead = Math.max(0, window1 - frequency * tStep);
        System.out.printf(
                Locale.ROOT,
                "tiny: %,d parameters, %,d bytes of parameters and Adam state per worker and averaging step; step "
                        + "%.3f s, window of %d steps %.2f s on 1 worker, so %.2f s of Spark overhead per window%n",
                tiny.numParams(),
                tinyBytes,
                tStep,
                frequency,
                window1,
                overhead);
        predict("tiny", tinyBytes, tStep, batch, frequency, overhead);

        if (r50Steps > 0) {
            ResNeXtSpec r50 = ResNeXtSpec.preset("resnext50_32x4d");
            ComputationGraph net =
                    ResNeXt.builder(r50).updater(new Adam(1e-3)).build().init();
            long bytes = stateBytes(net);
            INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, batch, 3, 224, 224);
            INDArray y = Nd4j.zeros(batch, r50.numClasses());
            y.putScalar(0, 1, 1.0);
            net.fit(new org.nd4j.linalg.dataset.DataSet(x, y)); // warm-up
            long t0 = System.nanoTime();
            for (int i = 0; i < r50Steps; i++) {
                net.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
            }
            double step = (System.nanoTime() - t0) / 1e9 / r50Steps;
            System.out.printf(
                    Locale.ROOT,
                    "ResNeXt-50 at 224 px: %,d parameters, %,d bytes per worker and averaging step; step of %d "
                            + "images %.2f s on this machine (%.2f images/s)%n",
                    net.numParams(),
                    bytes,
                    batch,
                    step,
                    batch / step);
            predict("ResNeXt-50", bytes, step, batch, frequency, overhead);
        }
    }

    /** Parameters plus updater state, as float32, the payload of one worker in one averaging step. */
    static long stateBytes(ComputationGraph net) {
        long n = net.params().length();
        INDArray u = net.getUpdater().getStateViewArray();
        return 4 * (n + (u == null ? 0 : u.length()));
    }

    private static void predict(String model, long bytes, double tStep, int batch, int frequency, double overhead) {
        for (double gbit : new double[] {1, 10}) {
            double bw = gbit * 1e9 / 8;
            List<String> parts = new ArrayList<>();
            for (int n : new int[] {1, 2, 8, 32}) {
                double comm = (Math.ceil(Math.sqrt(n)) + 1) * bytes / bw;
                double window = frequency * tStep + comm + overhead;
                double ips = n * frequency * batch / window;
                parts.add(String.format(
                        Locale.ROOT,
                        "%d workers %.0f images/s (%.1fx, network %.0f%% of the window)",
                        n,
                        ips,
                        ips / (batch / tStep),
                        100 * comm / window));
            }
            System.out.printf(
                    Locale.ROOT,
                    "predicted, %s, %.0f Gbit/s to the driver: %s%n",
                    model,
                    gbit,
                    String.join("; ", parts));
        }
    }

    private static double oneMachine(
            Path dir, ResNeXtSpec spec, DatasetSplit split, EvalTransform t, int batch, int epochs) {
        try (TrainingRun run = run(dir, split, t, batch, epochs)) {
            ComputationGraph net = run.start(ResNeXt.builder(spec)
                    .seed(1)
                    .updater(new Adam(3e-3))
                    .build()
                    .init());
            ImageFolderIterator train = ImageFolderIterator.builder(split.train())
                    .transform(t)
                    .batchSize(batch)
                    .shuffle(true)
                    .seed(1)
                    .build();
            run.prepare(train);
            net.addListeners(run.listeners().toArray(org.deeplearning4j.optimize.api.TrainingListener[]::new));
            net.fit(train, epochs);
            return imagesPerSecond(run.history().epochs(), split.train().size());
        }
    }

    private static double onSpark(
            Path dir,
            ResNeXtSpec spec,
            DatasetSplit split,
            EvalTransform t,
            int batch,
            int frequency,
            int epochs,
            int workers) {
        JavaSparkContext sc = new JavaSparkContext(new SparkConf()
                .setMaster("local[" + workers + "]")
                .setAppName("resnext4j scaling")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"));
        try (TrainingRun run = run(dir, split, t, batch, epochs)) {
            TrainingResult r = SparkTraining.builder(sc)
                    .batchSizePerWorker(batch)
                    .averagingFrequency(frequency)
                    .build()
                    .fit(
                            run,
                            ResNeXt.builder(spec)
                                    .seed(1)
                                    .updater(new Adam(3e-3))
                                    .build()
                                    .init(),
                            split.train(),
                            new ImageBatchLoader(t, split.train().classNames(), 1),
                            true);
            return imagesPerSecond(r.history().epochs(), split.train().size());
        } finally {
            sc.stop();
        }
    }

    private static TrainingRun run(Path dir, DatasetSplit split, EvalTransform t, int batch, int epochs) {
        return TrainingRun.builder(dir)
                .epochs(epochs)
                .classNames(split.train().classNames())
                .validation(ImageFolderIterator.builder(split.validation())
                        .transform(t)
                        .batchSize(batch)
                        .build())
                .ui(UiOptions.disabled())
                .progressIntervalSeconds(0)
                .build();
    }

    /** Training images per second over the epochs after the first (each epoch's seconds include its validation). */
    private static double imagesPerSecond(List<EpochMetrics> epochs, int images) {
        double seconds =
                epochs.stream().skip(1).mapToDouble(EpochMetrics::seconds).sum();
        return (epochs.size() - 1) * images / seconds;
    }
}
