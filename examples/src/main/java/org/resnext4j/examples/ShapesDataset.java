package org.resnext4j.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * The built-in default data set, generated on the fly so that the main job needs no download: an image folder with one
 * folder per class ({@link #CLASSES}: circle, cross, square, triangle) of {@code perClass} PNG images each.
 * <pre>
 * root/
 *   dataset.txt                 what was generated (classes, count, size, seed)
 *   circle/circle_0000.png ...
 *   cross/cross_0000.png ...
 *   square/...  triangle/...
 * </pre>
 * Each image is one shape, filled (3 in 4) or outlined, of random colour, size (radius 20-34% of the side), position
 * and rotation, on a random two-colour gradient background, with 0-2 thin clutter lines and per-pixel Gaussian noise
 * (sigma 3-12 grey levels). Shapes stay inside the central crop of the evaluation transform. Everything derives from
 * {@code (seed, class, index)}: the same arguments give byte-identical files on any run.
 */
public final class ShapesDataset {

    /** The classes, sorted (the label order of an image folder). */
    public static final List<String> CLASSES = List.of("circle", "cross", "square", "triangle");
    /**
     * Images per class of the default data set: 600 (2,400 images), enough for the tiny ResNeXt to generalise
     * (the main job, 12 epochs: 95.8% validation accuracy, see the README; with 200 per class and 20 epochs the
     * default recipe reaches 38-54%, docs/training.md).
     */
    public static final int DEFAULT_PER_CLASS = 600;
    /** Images per class of the generated data set of runs made before {@code data_per_class} was stored: 200. */
    static final int LEGACY_PER_CLASS = 200;
    /** Side of the default images, in pixels. */
    public static final int DEFAULT_SIZE = 64;
    /** Seed of the default data set. */
    public static final long DEFAULT_SEED = 2024;

    private static final String DESCRIPTION_FILE = "dataset.txt";

    private ShapesDataset() {}

    /**
     * Writes the data set to {@code root}, or reuses it when {@code root} already holds exactly this data set
     * (same {@code dataset.txt}).
     *
     * @return {@code root}
     * @throws IllegalArgumentException when {@code root} exists and holds something else
     */
    public static Path write(Path root, int perClass, int size, long seed) throws IOException {
        String description = String.format(
                Locale.ROOT,
                "resnext4j generated shapes data set%nclasses %s%nper_class %d%nsize %d%nseed %d%n",
                CLASSES,
                perClass,
                size,
                seed);
        Path descriptionFile = root.resolve(DESCRIPTION_FILE);
        if (Files.isRegularFile(descriptionFile)
                && Files.readString(descriptionFile, StandardCharsets.UTF_8).equals(description)) {
            return root;
        }
        if (Files.isDirectory(root)) {
            try (Stream<Path> entries = Files.list(root)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException("data folder " + root + " exists and does not hold this "
                            + "generated data set; choose another run folder (--out)");
                }
            }
        }
        for (int c = 0; c < CLASSES.size(); c++) {
            String name = CLASSES.get(c);
            Path dir = Files.createDirectories(root.resolve(name));
            for (int i = 0; i < perClass; i++) {
                BufferedImage image = draw(c, size, new SplittableRandom(mix(seed, c, i)));
                ImageIO.write(
                        image,
                        "png",
                        dir.resolve(String.format(Locale.ROOT, "%s_%04d.png", name, i))
                                .toFile());
            }
        }
        Files.writeString(descriptionFile, description, StandardCharsets.UTF_8);
        return root;
    }

    private static long mix(long seed, int cls, int index) {
        long z = seed * 0x9E3779B97F4A7C15L + cls * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }

    /** Draws one image of class index {@code cls}. */
    static BufferedImage draw(int cls, int size, SplittableRandom rnd) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            Color bg1 = randomColor(rnd);
            Color bg2 = blend(bg1, randomColor(rnd), 0.35);
            g.setPaint(new GradientPaint(0, 0, bg1, size, (float) (size * rnd.nextDouble()), bg2));
            g.fillRect(0, 0, size, size);

            int lines = rnd.nextInt(2);
            for (int k = 0; k < lines; k++) {
                g.setColor(randomColor(rnd));
                g.setStroke(new BasicStroke(1f + (float) rnd.nextDouble()));
                g.draw(new Line2D.Double(
                        rnd.nextDouble() * size,
                        rnd.nextDouble() * size,
                        rnd.nextDouble() * size,
                        rnd.nextDouble() * size));
            }

            double radius = size * (0.2 + 0.14 * rnd.nextDouble());
            double margin = size * 0.06 + radius;
            double cx = margin + rnd.nextDouble() * (size - 2 * margin);
            double cy = margin + rnd.nextDouble() * (size - 2 * margin);
            double angle = rnd.nextDouble() * 2 * Math.PI;
            Shape shape = AffineTransform.getTranslateInstance(cx, cy)
                    .createTransformedShape(AffineTransform.getRotateInstance(angle)
                            .createTransformedShape(unitShape(cls, rnd, radius)));
            g.setColor(contrasting(bg1, bg2, rnd));
            if (rnd.nextDouble() < 0.75) {
                g.fill(shape);
            } else {
                g.setStroke(new BasicStroke(
                        (float) (3 + 2 * rnd.nextDouble()), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.draw(shape);
            }
        } finally {
            g.dispose();
        }
        addNoise(image, 3 + 9 * rnd.nextDouble(), rnd);
        return image;
    }

    /** The shape centred at the origin, fitting in a circle of {@code r}. */
    private static Shape unitShape(int cls, SplittableRandom rnd, double r) {
        switch (CLASSES.get(cls)) {
            case "circle":
                return new Ellipse2D.Double(-r, -r, 2 * r, 2 * r);
            case "square":
                return polygon(4, r, Math.PI / 4);
            case "triangle":
                return polygon(3, r, -Math.PI / 2);
            case "cross": {
                double t = r * (0.22 + 0.14 * rnd.nextDouble()); // half the arm thickness
                double a = r * 0.95;
                double[] xs = {-t, t, t, a, a, t, t, -t, -t, -a, -a, -t};
                double[] ys = {-a, -a, -t, -t, t, t, a, a, t, t, -t, -t};
                Path2D.Double p = new Path2D.Double();
                p.moveTo(xs[0], ys[0]);
                for (int i = 1; i < xs.length; i++) {
                    p.lineTo(xs[i], ys[i]);
                }
                p.closePath();
                return p;
            }
            default:
                throw new IllegalStateException("no drawing for class " + CLASSES.get(cls));
        }
    }

    private static Shape polygon(int corners, double r, double phase) {
        Path2D.Double p = new Path2D.Double();
        for (int i = 0; i < corners; i++) {
            double a = phase + 2 * Math.PI * i / corners;
            if (i == 0) {
                p.moveTo(r * Math.cos(a), r * Math.sin(a));
            } else {
                p.lineTo(r * Math.cos(a), r * Math.sin(a));
            }
        }
        p.closePath();
        return p;
    }

    private static Color randomColor(SplittableRandom rnd) {
        return Color.getHSBColor((float) rnd.nextDouble(), (float) (0.2 + 0.8 * rnd.nextDouble()), (float)
                (0.15 + 0.85 * rnd.nextDouble()));
    }

    /** A random colour whose brightness differs from the background's mean by at least 35 grey levels. */
    private static Color contrasting(Color bg1, Color bg2, SplittableRandom rnd) {
        double bg = (luma(bg1) + luma(bg2)) / 2;
        for (int attempt = 0; attempt < 50; attempt++) {
            Color c = randomColor(rnd);
            if (Math.abs(luma(c) - bg) >= 60) {
                return c;
            }
        }
        return bg > 128 ? Color.BLACK : Color.WHITE;
    }

    private static Color blend(Color a, Color b, double t) {
        return new Color(
                (int) Math.round(a.getRed() + t * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + t * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + t * (b.getBlue() - a.getBlue())));
    }

    private static double luma(Color c) {
        return 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
    }

    private static void addNoise(BufferedImage image, double sigma, SplittableRandom rnd) {
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int r = clamp(((rgb >> 16) & 0xFF) + gaussian(rnd) * sigma);
                int gr = clamp(((rgb >> 8) & 0xFF) + gaussian(rnd) * sigma);
                int b = clamp((rgb & 0xFF) + gaussian(rnd) * sigma);
                image.setRGB(x, y, (r << 16) | (gr << 8) | b);
            }
        }
    }

    /** Box-Muller, from the seeded generator only (no shared state). */
    private static double gaussian(SplittableRandom rnd) {
        double u = 1 - rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
