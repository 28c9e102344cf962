package org.resnext4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
import org.resnext4j.zoo.ResNeXt;

/**
 * Gradient sharing ({@code SharedTrainingMaster}) on {@code local[2]}, on loopback: it starts (Aeron), trains on the
 * executors and ends within a hard time limit, without NaN. Not asserted: that the driver's model learned; DL4J
 * 1.0.0-M2 does not hand the trained network back to the driver (README, "What does not work").
 */
class SharedTrainingLocalTest {

    @Test
    void gradientSharingOnLocal2Trains(@TempDir Path tmp) throws Exception {
        Path data = SparkTestData.writeImages(tmp.resolve("data"), 30, 5);
        DatasetSplit split = ImageFolder.scan(data).split(0.25, 3);
        EvalTransform t = new EvalTransform(SparkTestData.SIZE, SparkTestData.SIZE, Normalization.IMAGENET);
        JavaSparkContext sc = SparkTestData.localSpark(2);
        try {
            TrainingResult r = assertTimeoutPreemptively(Duration.ofSeconds(150), () -> {
                try (TrainingRun run = TrainingRun.builder(tmp.resolve("run"))
                        .epochs(2)
                        .validation(ImageFolderIterator.builder(split.validation())
                                .transform(t)
                                .batchSize(16)
                                .build())
                        .classNames(split.train().classNames())
                        .progressIntervalSeconds(0)
                        .build()) {
                    ComputationGraph net = ResNeXt.builder(SparkTestData.tinySpec())
                            .seed(3)
                            .updater(new Adam(3e-3))
                            .build()
                            .init();
                    SparkTraining spark = SparkTraining.builder(sc)
                            .master(SparkTraining.Master.SHARED_GRADIENTS)
                            .batchSizePerWorker(8)
                            .controller("127.0.0.1", 40123)
                            .build();
                    INDArray before = net.params().dup();
                    TrainingResult result = spark.fit(
                            run,
                            net,
                            split.train(),
                            new ImageBatchLoader(t, split.train().classNames(), 3),
                            true);
                    assertTrue(
                            ((ComputationGraph) result.model())
                                            .params()
                                            .sub(before)
                                            .amaxNumber()
                                            .doubleValue()
                                    > 0,
                            "parameters moved");
                    return result;
                }
            });
            assertEquals(2, r.history().size());
            for (EpochMetrics m : r.history().epochs()) {
                assertTrue(Double.isFinite(m.trainLoss()) && Double.isFinite(m.valLoss()), "no NaN: " + m);
            }
            assertTrue(r.history().epochs().get(0).trainAccuracy() >= 0, "first epoch's accuracy from executors");
            System.out.println("gradient sharing local[2]: " + r.history().toCsv());
        } finally {
            sc.stop();
        }
    }
}
