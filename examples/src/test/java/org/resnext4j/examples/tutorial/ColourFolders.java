package org.resnext4j.examples.tutorial;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * A tiny image folder a small network learns in an epoch or two, so that a smoke test can tell a trained model from
 * an untrained one in seconds: three classes ({@link #CLASSES}) of noisy images whose dominant colour is the class,
 * at a random brightness. Deterministic for a seed.
 */
public final class ColourFolders {

    /** The class folders, in label order. */
    public static final List<String> CLASSES = List.of("blue", "green", "red");

    private ColourFolders() {}

    /**
     * Writes {@code perClass} PNG images of {@code size} pixels per class under {@code root/<class>/}.
     *
     * @return {@code root}
     */
    public static Path write(Path root, int perClass, int size, long seed) throws IOException {
        Random rng = new Random(seed);
        for (int c = 0; c < CLASSES.size(); c++) {
            Path dir = Files.createDirectories(root.resolve(CLASSES.get(c)));
            int shift =
                    switch (CLASSES.get(c)) {
                        case "red" -> 16;
                        case "green" -> 8;
                        default -> 0;
                    };
            for (int i = 0; i < perClass; i++) {
                BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                int strong = 140 + rng.nextInt(110);
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        int rgb = 0;
                        for (int s = 0; s <= 16; s += 8) {
                            int v = s == shift ? strong : rng.nextInt(110);
                            rgb |= Math.max(0, Math.min(255, v + rng.nextInt(41) - 20)) << s;
                        }
                        img.setRGB(x, y, rgb);
                    }
                }
                ImageIO.write(
                        img,
                        "png",
                        dir.resolve(String.format(Locale.ROOT, "%03d.png", i)).toFile());
            }
        }
        return root;
    }
}
