package org.resnext4j.datavec;

import java.io.Serializable;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * torchvision 0.14's {@code ColorJitter(brightness, contrast, saturation, hue)} on 8-bit images: the four
 * adjustments in a random order (torchvision's {@code torch.randperm(4)}), each with a factor drawn uniformly from
 * {@code [max(0, 1 - b), 1 + b]} ({@code [-h, h]} for the hue); an adjustment given 0 is skipped (torchvision's
 * {@code None}). The adjustments are {@link AugmentOps#brightness}, {@link AugmentOps#contrast},
 * {@link AugmentOps#color} (saturation) and {@link AugmentOps#hue}, exact to torchvision's on PIL images.
 *
 * <p>Randomness: a Fisher-Yates permutation of the four, then the four factors in the order brightness, contrast,
 * saturation, hue (torchvision's order of draws), from the {@link SplittableRandom} passed in. Immutable.
 */
public final class ColorJitter implements Serializable {

    private static final long serialVersionUID = 1L;

    private final double brightness;
    private final double contrast;
    private final double saturation;
    private final double hue;

    /**
     * Creates the jitter.
     *
     * @param brightness how much to jitter brightness, at least 0 (0: never)
     * @param contrast   how much to jitter contrast, at least 0
     * @param saturation how much to jitter saturation, at least 0
     * @param hue        how much to jitter the hue, in [0, 0.5]
     */
    public ColorJitter(double brightness, double contrast, double saturation, double hue) {
        nonNegative("brightness", brightness);
        nonNegative("contrast", contrast);
        nonNegative("saturation", saturation);
        if (!(hue >= 0 && hue <= 0.5)) {
            throw new IllegalArgumentException("color jitter hue must be in [0, 0.5], got " + hue);
        }
        this.brightness = brightness;
        this.contrast = contrast;
        this.saturation = saturation;
        this.hue = hue;
    }

    private static void nonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("color jitter " + name + " must be a number >= 0, got " + v);
        }
    }

    /** @return brightness, contrast, saturation and hue, as given */
    public double[] strengths() {
        return new double[] {brightness, contrast, saturation, hue};
    }

    /**
     * Jitters an image.
     *
     * @param image  the image
     * @param random randomness
     * @return the jittered image
     */
    public RgbImage apply(RgbImage image, SplittableRandom random) {
        int[] order = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double[] factors = {
            factor(brightness, random), factor(contrast, random), factor(saturation, random), hueFactor(random)
        };
        return apply(image, order, factors);
    }

    private static double factor(double strength, SplittableRandom random) {
        if (strength == 0) {
            return 1.0;
        }
        double lo = Math.max(0, 1 - strength);
        return lo + (1 + strength - lo) * random.nextDouble();
    }

    private double hueFactor(SplittableRandom random) {
        return hue == 0 ? 0.0 : -hue + 2 * hue * random.nextDouble();
    }

    /**
     * The four adjustments with given factors in a given order (what torchvision's {@code forward} does once it
     * has drawn them); an identity factor (1, or 0 for the hue) skips the adjustment.
     *
     * @param image   the image
     * @param order   a permutation of 0 (brightness), 1 (contrast), 2 (saturation), 3 (hue)
     * @param factors brightness, contrast and saturation factors, and the hue shift
     * @return the result
     */
    public static RgbImage apply(RgbImage image, int[] order, double[] factors) {
        RgbImage out = image;
        for (int fn : order) {
            out = switch (fn) {
                case 0 -> factors[0] == 1.0 ? out : AugmentOps.brightness(out, factors[0]);
                case 1 -> factors[1] == 1.0 ? out : AugmentOps.contrast(out, factors[1]);
                case 2 -> factors[2] == 1.0 ? out : AugmentOps.color(out, factors[2]);
                case 3 -> factors[3] == 0.0 ? out : AugmentOps.hue(out, factors[3]);
                default -> throw new IllegalArgumentException("adjustment index must be 0..3, got " + fn);
            };
        }
        return out;
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "ColorJitter(brightness=%s, contrast=%s, saturation=%s, hue=%s)",
                brightness,
                contrast,
                saturation,
                hue);
    }
}
