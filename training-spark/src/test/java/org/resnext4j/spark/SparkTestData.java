package org.resnext4j.spark;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import javax.imageio.ImageIO;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.resnext4j.zoo.ResNeXtSpec;

/** Generated images, the tiny ResNeXt and a local Spark context for the tests. */
final class SparkTestData {

    static final List<String> CLASSES = List.of("checker", "horizontal", "vertical");
    static final int SIZE = 32;

    private SparkTestData() {
    }

    /** The tiny ResNeXt of the CLI (one block per stage, cardinality 4) for the test classes and size. */
    static ResNeXtSpec tinySpec() {
        return ResNeXtSpec.tiny().toBuilder().numClasses(CLASSES.size()).inputShape(3, SIZE, SIZE).build();
    }

    /** A local Spark master with the settings of DL4J's own Spark tests (Java serializer, driver on localhost). */
    static JavaSparkContext localSpark(int threads) {
        SparkConf conf = new SparkConf().setMaster("local[" + threads + "]").setAppName("resnext4j-test")
                .set("spark.driver.host", "localhost").set("spark.ui.enabled", "false")
                .set("spark.driver.bindAddress", "127.0.0.1");
        return new JavaSparkContext(conf);
    }

    /** Stripes of random period, phase and colours (horizontal, vertical or a checkerboard), with noise. */
    static Path writeImages(Path root, int perClass, long seed) throws IOException {
        Random rng = new Random(seed);
        for (int c = 0; c < CLASSES.size(); c++) {
            Path dir = Files.createDirectories(root.resolve(CLASSES.get(c)));
            for (int i = 0; i < perClass; i++) {
                int size = 40;
                BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                int period = 3 + rng.nextInt(4);
                int phase = rng.nextInt(period);
                int a = rng.nextInt(0xFFFFFF);
                int b = rng.nextInt(0xFFFFFF);
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        boolean on = switch (c) {
                            case 1 -> ((y + phase) / period) % 2 == 0;
                            case 2 -> ((x + phase) / period) % 2 == 0;
                            default -> (((x + phase) / period) + ((y + phase) / period)) % 2 == 0;
                        };
                        int rgb = on ? a : b;
                        int noise = rng.nextInt(30) - 15;
                        int r = Math.max(0, Math.min(255, ((rgb >> 16) & 255) + noise));
                        int g = Math.max(0, Math.min(255, ((rgb >> 8) & 255) + noise));
                        int bl = Math.max(0, Math.min(255, (rgb & 255) + noise));
                        img.setRGB(x, y, (r << 16) | (g << 8) | bl);
                    }
                }
                ImageIO.write(img, "png", dir.resolve(String.format("%03d.png", i)).toFile());
            }
        }
        return root;
    }
}
