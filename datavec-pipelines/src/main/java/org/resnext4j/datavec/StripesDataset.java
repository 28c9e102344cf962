package org.resnext4j.datavec;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * A generated image folder for trying Spark training without a data set: three classes of 40x40 PNGs, horizontal
 * stripes, vertical stripes and checkerboards, each with a random period, phase and two random colours, plus noise.
 * Deterministic for a seed.
 * <pre>
 * java -cp ... org.resnext4j.datavec.StripesDataset DIR [perClass] [seed]
 * </pre>
 */
public final class StripesDataset {

    /** The class folders, in label order. */
    public static final List<String> CLASSES = List.of("checker", "horizontal", "vertical");

    private StripesDataset() {}

    /**
     * Writes the data set.
     *
     * @param args folder, images per class (default 60), seed (default 1)
     * @throws IOException when writing fails
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: StripesDataset DIR [perClass] [seed]");
            System.exit(2);
        }
        Path root = write(
                Path.of(args[0]),
                args.length > 1 ? Integer.parseInt(args[1]) : 60,
                args.length > 2 ? Long.parseLong(args[2]) : 1);
        System.out.println("Wrote " + CLASSES + " images to " + root.toAbsolutePath());
    }

    /**
     * @param root     the folder to create
     * @param perClass images per class
     * @param seed     the seed
     * @return root
     * @throws IOException when writing fails
     */
    public static Path write(Path root, int perClass, long seed) throws IOException {
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
                        boolean on =
                                switch (c) {
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
                ImageIO.write(
                        img, "png", dir.resolve(String.format("%03d.png", i)).toFile());
            }
        }
        return root;
    }
}
