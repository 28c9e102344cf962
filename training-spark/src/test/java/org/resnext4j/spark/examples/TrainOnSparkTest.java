package org.resnext4j.spark.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.examples.tutorial.ColourFolders;
import org.resnext4j.ui.EpochMetrics;
import org.resnext4j.ui.SavedModel;
import org.resnext4j.ui.TrainingResult;

/**
 * {@link TrainOnSpark} on {@code local[2]} and a tiny 3-class folder: the averaged model of the best epoch beats
 * chance (33%) by far on the held-out images, and its checkpoint loads with the folder's class names.
 *
 * <p>Sized so that the bound is beyond noise: 60 images per class (36 held out) and 4 epochs. With 40 per class
 * (24 held out) and 2 epochs the best epoch reached 100% here but 79% (19 of 24) on a CI machine: with averaging
 * over two workers' threads the epochs' accuracy moves by a few images from machine to machine; four epochs of 36
 * held-out images gave 100% as the best epoch in three runs here (every epoch 94-100%).
 */
class TrainOnSparkTest {

    @TempDir
    Path dir;

    @Test
    void theAveragedModelBeatsChance() throws Exception {
        Path data = ColourFolders.write(dir.resolve("colours"), 60, 32, 8);
        SparkConf conf = new SparkConf()
                .setMaster("local[2]")
                .setAppName("TrainOnSparkTest")
                .set("spark.driver.host", "localhost")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false");
        TrainingResult r;
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            r = TrainOnSpark.run(sc, data, dir.resolve("run"), 4, 32, 8);
        }
        assertEquals(4, r.history().size());
        EpochMetrics best = r.history().best().orElseThrow();
        assertTrue(best.valAccuracy() >= 0.8, "best validation accuracy " + best.valAccuracy() + ", chance 0.33");
        assertTrue(Files.isRegularFile(r.bestCheckpoint()));
        try (SavedModel m = SavedModel.load(r.bestCheckpoint())) {
            assertEquals(ColourFolders.CLASSES, m.classNames());
        }
    }
}
