package org.resnext4j.zoo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The 1000 ImageNet-1k class names in the order of the classifier's outputs, as torchvision lists them
 * ({@code weights.meta["categories"]}), so a prediction with ImageNet weights prints names.
 */
public final class ImageNetClasses {

    /** Number of ImageNet-1k classes. */
    public static final int COUNT = 1000;

    private static final List<String> NAMES = load();

    private ImageNetClasses() {}

    /** All names, index = class index. */
    public static List<String> names() {
        return NAMES;
    }

    /** The name of class {@code index} (0..999). */
    public static String name(int index) {
        if (index < 0 || index >= COUNT) {
            throw new IllegalArgumentException("index: expected 0.." + (COUNT - 1) + ", got " + index);
        }
        return NAMES.get(index);
    }

    private static List<String> load() {
        try (InputStream in = ImageNetClasses.class.getResourceAsStream("imagenet_classes.txt")) {
            if (in == null) {
                throw new IllegalStateException("resource org/resnext4j/zoo/imagenet_classes.txt is missing");
            }
            List<String> names = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .lines()
                    .filter(l -> !l.isEmpty())
                    .toList();
            if (names.size() != COUNT) {
                throw new IllegalStateException(
                        "imagenet_classes.txt: expected " + COUNT + " names, got " + names.size());
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
