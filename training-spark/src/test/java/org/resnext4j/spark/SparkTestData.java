package org.resnext4j.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.resnext4j.datavec.StripesDataset;
import org.resnext4j.zoo.ResNeXtSpec;

/** Generated images, the tiny ResNeXt and a local Spark context for the tests. */
final class SparkTestData {

    static final List<String> CLASSES = StripesDataset.CLASSES;
    static final int SIZE = 32;

    private SparkTestData() {}

    /** The tiny ResNeXt of the CLI (one block per stage, cardinality 4) for the test classes and size. */
    static ResNeXtSpec tinySpec() {
        return ResNeXtSpec.tiny().toBuilder()
                .numClasses(CLASSES.size())
                .inputShape(3, SIZE, SIZE)
                .build();
    }

    /** A local Spark master with the settings of DL4J's own Spark tests (Java serializer, driver on localhost). */
    static JavaSparkContext localSpark(int threads) {
        SparkConf conf = new SparkConf()
                .setMaster("local[" + threads + "]")
                .setAppName("resnext4j-test")
                .set("spark.driver.host", "localhost")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.bindAddress", "127.0.0.1");
        return new JavaSparkContext(conf);
    }

    /** {@link StripesDataset#write}. */
    static Path writeImages(Path root, int perClass, long seed) throws IOException {
        return StripesDataset.write(root, perClass, seed);
    }
}
