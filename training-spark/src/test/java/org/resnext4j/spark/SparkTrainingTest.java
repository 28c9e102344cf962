package org.resnext4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.resnext4j.datavec.DatasetSplit;
import org.resnext4j.datavec.EvalTransform;
import org.resnext4j.datavec.ImageBatchLoader;
import org.resnext4j.datavec.ImageFolder;
import org.resnext4j.datavec.ImageFolderIterator;
import org.resnext4j.datavec.Normalization;
import org.resnext4j.ui.EpochMetrics;
import org.resnext4j.ui.TrainingResult;
import org.resnext4j.ui.TrainingRun;
import org.resnext4j.zoo.GraphForm;
import org.resnext4j.zoo.ResNeXt;

/**
 * {@code local[2]} training of the tiny ResNeXt (FUSED form: the oneDNN conv-BN-ReLU layers and residual vertices
 * travel to the executors) with DL4J's parameter averaging: the run folder, every parameter trained, no NaN, the
 * executors' UI statistics, the SPLIT form, and evaluation on Spark equal to the driver's. How good the saved model
 * is, against one machine, is measured by {@link SparkClusterIT} on enough data to tell a trained model from chance.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkTrainingTest {

    private static final int EPOCHS = 2;
    private static final int BATCH = 16;
    private static final long SEED = 11;

    Path data;
    DatasetSplit split;
    JavaSparkContext sc;

    @BeforeAll
    void setUp(@TempDir Path tmp) throws Exception {
        data = SparkTestData.writeImages(tmp.resolve("data"), 60, 3);
        split = ImageFolder.scan(data).split(0.25, SEED);
        sc = SparkTestData.localSpark(2);
    }

    @AfterAll
    void tearDown() {
        if (sc != null) {
            sc.stop();
        }
    }

    private static ComputationGraph fresh() {
        return ResNeXt.builder(SparkTestData.tinySpec())
                .seed(SEED)
                .updater(new Adam(3e-3))
                .build()
                .init();
    }

    private TrainingRun run(Path dir) {
        ImageFolderIterator val = ImageFolderIterator.builder(split.validation())
                .transform(new EvalTransform(SparkTestData.SIZE, SparkTestData.SIZE, Normalization.IMAGENET))
                .batchSize(BATCH)
                .build();
        return TrainingRun.builder(dir)
                .epochs(EPOCHS)
                .validation(val)
                .classNames(split.train().classNames())
                .progressIntervalSeconds(0)
                .build();
    }

    private static EvalTransform transform() {
        return new EvalTransform(SparkTestData.SIZE, SparkTestData.SIZE, Normalization.IMAGENET);
    }

    @Test
    void parameterAveragingTrainsEveryParameterAndWritesTheRunFolder(@TempDir Path tmp) throws Exception {
        ComputationGraph start = fresh();
        Map<String, INDArray> before = new HashMap<>();
        start.paramTable().forEach((k, v) -> before.put(k, v.dup()));
        Path dir = tmp.resolve("spark");
        ImageBatchLoader loader =
                new ImageBatchLoader(transform(), split.train().classNames(), SEED);
        SparkTraining spark = SparkTraining.builder(sc)
                .batchSizePerWorker(BATCH)
                .averagingFrequency(2)
                .build();
        TrainingResult r;
        try (TrainingRun run = run(dir)) {
            r = spark.fit(run, start, split.train(), loader, true);
        }
        ComputationGraph trained = (ComputationGraph) r.model();
        List<EpochMetrics> h = r.history().epochs();
        assertEquals(EPOCHS, h.size());
        for (EpochMetrics m : h) {
            assertTrue(Double.isFinite(m.trainLoss()) && Double.isFinite(m.valLoss()), "no NaN: " + m);
            assertTrue(m.trainAccuracy() >= 0 && m.trainAccuracy() <= 1, "training accuracy from executors: " + m);
        }
        for (Map.Entry<String, INDArray> e : trained.paramTable().entrySet()) {
            double change =
                    e.getValue().sub(before.get(e.getKey())).amaxNumber().doubleValue();
            assertTrue(change > 0, "parameter " + e.getKey() + " unchanged");
            assertTrue(!e.getValue().isNaN().any(), "NaN in " + e.getKey());
        }
        for (String f : List.of(
                "checkpoints/last.zip",
                "checkpoints/best.zip",
                "metrics.csv",
                "report.html",
                "charts/accuracy.png",
                "ui-stats.dl4j")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }

        // evaluation through SparkComputationGraph (configuration shipped as JSON) = evaluation on the driver
        ImageBatchLoader evalLoader =
                new ImageBatchLoader(transform(), split.train().classNames(), SEED);
        Evaluation onSpark = spark.evaluate(trained, split.validation(), evalLoader);
        assertEquals(h.get(EPOCHS - 1).valAccuracy(), onSpark.accuracy(), 1e-9);
        assertEquals(split.validation().size(), onSpark.getNumRowCounter(), 0);
    }

    @Test
    void executorsUiStatisticsReachTheRunsStatsFile(@TempDir Path tmp) throws Exception {
        ImageBatchLoader loader =
                new ImageBatchLoader(transform(), split.train().classNames(), SEED);
        SparkTraining spark = SparkTraining.builder(sc)
                .batchSizePerWorker(BATCH)
                .averagingFrequency(2)
                .build();
        ImageFolderIterator val = ImageFolderIterator.builder(split.validation())
                .transform(transform())
                .batchSize(BATCH)
                .build();
        try (TrainingRun run = TrainingRun.builder(tmp.resolve("ui"))
                .epochs(1)
                .validation(val)
                .classNames(split.train().classNames())
                .progressIntervalSeconds(0)
                .build()) {
            spark.fit(run, fresh(), split.train(), loader, true);
            String session = run.sessionId();
            StatsStorage storage = run.statsStorage();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (storage.getNumUpdateRecordsFor(session) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(
                    storage.getNumUpdateRecordsFor(session) > 0,
                    "executors' stats in the run's stats file, " + "session " + session + ": "
                            + storage.listSessionIDs());
        }
    }

    @Test
    void splitFormTrainsOnSparkToo(@TempDir Path tmp) {
        ComputationGraph split0 = ResNeXt.builder(SparkTestData.tinySpec().withForm(GraphForm.SPLIT))
                .seed(SEED)
                .updater(new Adam(3e-3))
                .build()
                .init();
        INDArray before = split0.params().dup();
        ImageBatchLoader loader =
                new ImageBatchLoader(transform(), split.train().classNames(), SEED);
        TrainingResult r;
        try (TrainingRun run = TrainingRun.builder(tmp.resolve("split"))
                .epochs(1)
                .validation(ImageFolderIterator.builder(split.validation())
                        .transform(transform())
                        .batchSize(BATCH)
                        .build())
                .classNames(split.train().classNames())
                .progressIntervalSeconds(0)
                .build()) {
            r = SparkTraining.builder(sc)
                    .batchSizePerWorker(BATCH)
                    .averagingFrequency(2)
                    .build()
                    .fit(run, split0, split.train(), loader, true);
        }
        INDArray after = ((ComputationGraph) r.model()).params();
        assertTrue(after.sub(before).amaxNumber().doubleValue() > 0, "SPLIT parameters moved");
        assertTrue(!after.isNaN().any(), "no NaN");
        assertTrue(Double.isFinite(r.history().epochs().get(0).trainLoss()));
    }
}
