package org.resnext4j.spark.examples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.learning.config.Adam;
import org.resnext4j.datavec.DatasetSplit;
import org.resnext4j.datavec.EvalTransform;
import org.resnext4j.datavec.ImageBatchLoader;
import org.resnext4j.datavec.ImageFolder;
import org.resnext4j.datavec.ImageFolderIterator;
import org.resnext4j.datavec.Normalization;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.datavec.StripesDataset;
import org.resnext4j.spark.SparkTraining;
import org.resnext4j.ui.ModelCard;
import org.resnext4j.ui.TrainingResult;
import org.resnext4j.ui.TrainingRun;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * Tutorial: data-parallel training of a small ResNeXt on Apache Spark, with DL4J's parameter averaging, on
 * {@code local[N]} (N worker threads in this JVM) or a cluster ({@code spark://host:7077}; the image folder must then
 * be readable at the same path on every executor). The driver lists each epoch's shuffled batches, the executors
 * decode them ({@code ImageBatchLoader}) and train, and the run's listeners on the driver evaluate, checkpoint and
 * chart each epoch as for training on one machine.
 *
 * <p>Needs: {@code SparkTraining} ({@code training-spark}), {@code ImageFolder}/{@code ImageBatchLoader}
 * ({@code datavec-pipelines}), {@code TrainingRun} ({@code training-ui}); Spark 3.5 on Java 17 with Spark's
 * {@code --add-opens} (this module's {@code exec:exec} passes them):
 * <pre>
 * mvn -q -pl training-spark exec:exec -Dspark.main=org.resnext4j.spark.examples.TrainOnSpark \
 *     -Dspark.args="/data/birds --master local[2] --out runs/spark --epochs 8"
 * </pre>
 * Without a folder it trains on a generated stripes data set (3 classes of 200 images, 40x40). For {@code
 * spark-submit} on a cluster use the {@code spark-train} command of the shaded application jar (docs/spark.md).
 */
public final class TrainOnSpark {

    private TrainOnSpark() {}

    /**
     * @param args {@code [FOLDER] [--master URL] [--out DIR] [--epochs N] [--size PX] [--batch N]}
     * @throws IOException when the generated data cannot be written
     */
    public static void main(String[] args) throws IOException {
        Map<String, String> o = options(args, Set.of("--master", "--out", "--epochs", "--size", "--batch"));
        Path out = Path.of(o.getOrDefault("--out", "runs/spark"));
        Path data = o.containsKey("") ? Path.of(o.get("")) : null;
        if (data == null) {
            data = StripesDataset.write(out.resolve("stripes"), 200, 1);
            System.out.println("No folder given: training on generated stripes in " + data);
        }
        SparkConf conf = new SparkConf() // spark-submit's --conf settings are kept (spark.* system properties)
                .setIfMissing("spark.master", o.getOrDefault("--master", "local[2]"))
                .setAppName("resnext4j TrainOnSpark")
                .setIfMissing("spark.ui.enabled", "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            TrainingResult r = run(
                    sc, data, out, positive(o, "--epochs", 8), positive(o, "--size", 32), positive(o, "--batch", 16));
            r.history()
                    .best()
                    .ifPresent(best -> System.out.printf(
                            "Best validation accuracy %.1f%% (epoch %d): %s%n",
                            100 * best.valAccuracy(), best.epoch(), r.bestCheckpoint()));
        }
    }

    /**
     * Trains the tiny ResNeXt on Spark.
     *
     * @param sc      the Spark context
     * @param dataDir one sub-folder of images per class (20% held out for validation, on the driver)
     * @param out     the run folder
     * @param epochs  epochs in all
     * @param size    input side in pixels
     * @param batch   images per batch on each worker
     * @return the run's result (metrics per epoch, checkpoints, the averaged model)
     */
    public static TrainingResult run(JavaSparkContext sc, Path dataDir, Path out, int epochs, int size, int batch) {
        // tag::spark[]
        DatasetSplit split = ImageFolder.scan(dataDir).split(0.2, 42); // 20% held out, seeded
        EvalTransform transform = new EvalTransform(size, size, Normalization.IMAGENET);
        ImageBatchLoader loader = new ImageBatchLoader(transform, split.train().classNames(), 42); // executor side
        ResNeXtSpec spec = ResNeXtSpec.tiny()
                .withNumClasses(split.train().classNames().size())
                .withInputShape(3, size, size);
        SparkTraining spark = SparkTraining.builder(sc)
                .batchSizePerWorker(batch)
                .averagingFrequency(2) // average the workers' parameters every 2 batches
                .build();
        try (TrainingRun run = TrainingRun.builder(out)
                .epochs(epochs)
                .validation(ImageFolderIterator.builder(split.validation())
                        .transform(transform)
                        .batchSize(batch)
                        .build())
                .classNames(split.train().classNames())
                .modelCard(ModelCard.of(spec, PreprocessingConfig.of(transform)))
                .build()) {
            return spark.fit(
                    run,
                    ResNeXt.builder(spec)
                            .updater(new Adam(3e-3))
                            .seed(42)
                            .build()
                            .init(),
                    split.train(),
                    loader,
                    true); // shuffle every epoch: parameter averaging learns nothing in folder order
        }
        // end::spark[]
    }

    /**
     * {@code --name value} pairs of the known options, and the one positional argument under the key {@code ""}.
     *
     * @throws IllegalArgumentException naming an unknown option, a missing value or a second positional argument
     */
    private static Map<String, String> options(String[] args, Set<String> known) {
        Map<String, String> o = new HashMap<>();
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty()) {
            String a = rest.remove(0);
            if (!a.startsWith("--")) {
                if (o.putIfAbsent("", a) != null) {
                    throw new IllegalArgumentException("expected one image folder, got " + o.get("") + " and " + a);
                }
            } else if (!known.contains(a)) {
                throw new IllegalArgumentException("unknown option " + a + ", expected one of " + known);
            } else if (rest.isEmpty()) {
                throw new IllegalArgumentException(a + ": expected a value after it");
            } else {
                o.put(a, rest.remove(0));
            }
        }
        return o;
    }

    private static int positive(Map<String, String> o, String name, int fallback) {
        String v = o.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + ": expected a positive integer, got '" + v + "'");
    }
}
