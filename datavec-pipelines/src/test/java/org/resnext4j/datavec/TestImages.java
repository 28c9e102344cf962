package org.resnext4j.datavec;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Generates small test images and folder trees with java.awt and ImageIO. */
final class TestImages {

    private TestImages() {}

    /** A colourful image whose content depends on the seed: gradient, a rectangle, noise. */
    static BufferedImage pattern(int w, int h, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int base = r.nextInt(256);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int red = (base + x * 255 / w) & 0xFF;
                int green = (y * 255 / h + r.nextInt(8)) & 0xFF;
                int blue = (x * y + base) & 0xFF;
                img.setRGB(x, y, (red << 16) | (green << 8) | blue);
            }
        }
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
        g.fillRect(r.nextInt(w / 2 + 1), r.nextInt(h / 2 + 1), w / 3 + 1, h / 3 + 1);
        g.dispose();
        return img;
    }

    static BufferedImage solid(int w, int h, int rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    /** Writes an image; the format comes from the extension (jpg/jpeg written as JPEG). */
    static Path write(BufferedImage img, Path file) {
        try {
            Files.createDirectories(file.getParent());
            String name = file.getFileName().toString();
            String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
            String format =
                    switch (ext) {
                        case "jpg", "jpeg" -> "jpeg";
                        default -> ext;
                    };
            if (!ImageIO.write(img, format, file.toFile())) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Creates {@code root/<class>/img<i>.png} with {@code counts[c]} images per class.
     *
     * @return root
     */
    static Path tree(Path root, String[] classes, int[] counts, int w, int h, String ext) {
        for (int c = 0; c < classes.length; c++) {
            for (int i = 0; i < counts[c]; i++) {
                write(
                        pattern(w, h, c * 1000L + i),
                        root.resolve(classes[c]).resolve(String.format("img%03d.%s", i, ext)));
            }
        }
        return root;
    }

    static void bytes(Path file, byte[] content) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
