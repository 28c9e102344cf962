package org.resnext4j.datavec;

import java.io.Serializable;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * torchvision 0.14's {@code RandomErasing(p, scale=(0.02, 0.33), ratio=(0.3, 3.3), value)} on the normalised
 * {@code [3, size, size]} tensor (after {@code Normalize}, as torchvision's reference recipe applies it): with
 * probability {@code p}, up to 10 attempts draw an area fraction uniformly from {@code scale} and an aspect ratio
 * log-uniformly from {@code ratio}; {@code h = round(sqrt(area * ratio))}, {@code w = round(sqrt(area / ratio))}
 * (half to even, as Python's {@code round}); the first box strictly smaller than the image is erased at a uniformly
 * random position, with the constant {@code value} (0 in the recipe) or, with {@link #randomValues}, a standard
 * normal value per erased element. If no attempt fits, nothing is erased.
 *
 * <p>Randomness comes from the {@link SplittableRandom} passed in. Immutable, serializable.
 */
public final class RandomErasing implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Attempts before giving up, as torchvision. */
    public static final int ATTEMPTS = 10;

    private final double probability;
    private final double scaleMin;
    private final double scaleMax;
    private final double ratioMin;
    private final double ratioMax;
    private final float value;
    private final boolean random;

    private RandomErasing(double p, double sMin, double sMax, double rMin, double rMax, float value, boolean random) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("random erasing probability must be in [0, 1], got " + p);
        }
        if (!(sMin > 0 && sMin <= sMax && sMax <= 1)) {
            throw new IllegalArgumentException(
                    "random erasing needs 0 < scaleMin <= scaleMax <= 1, got (" + sMin + ", " + sMax + ")");
        }
        if (!(rMin > 0 && rMin <= rMax && Double.isFinite(rMax))) {
            throw new IllegalArgumentException(
                    "random erasing needs 0 < ratioMin <= ratioMax, got (" + rMin + ", " + rMax + ")");
        }
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException("random erasing value must be finite, got " + value);
        }
        this.probability = p;
        this.scaleMin = sMin;
        this.scaleMax = sMax;
        this.ratioMin = rMin;
        this.ratioMax = rMax;
        this.value = value;
        this.random = random;
    }

    /**
     * torchvision's defaults with erasing probability {@code p} and value 0 (the reference recipe's
     * {@code --random-erase p}).
     *
     * @param p probability in [0, 1]
     * @return the transform
     */
    public static RandomErasing of(double p) {
        return new RandomErasing(p, 0.02, 0.33, 0.3, 3.3, 0f, false);
    }

    /**
     * The same box distribution, erasing with a constant.
     *
     * @param v the value written into the normalised tensor
     * @return a new transform
     */
    public RandomErasing withValue(float v) {
        return new RandomErasing(probability, scaleMin, scaleMax, ratioMin, ratioMax, v, false);
    }

    /** @return the same box distribution, erasing with standard normal values ({@code value='random'}) */
    public RandomErasing randomValues() {
        return new RandomErasing(probability, scaleMin, scaleMax, ratioMin, ratioMax, 0f, true);
    }

    /** @return the erasing probability */
    public double probability() {
        return probability;
    }

    /**
     * The box of {@code get_params}, or {@code null} when no attempt fits.
     *
     * @param height tensor height
     * @param width  tensor width
     * @param rnd    randomness
     * @return {@code {top, left, h, w}} or {@code null}
     */
    public int[] box(int height, int width, SplittableRandom rnd) {
        double area = (double) height * width;
        double logMin = Math.log(ratioMin);
        double logMax = Math.log(ratioMax);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double eraseArea = area * (scaleMin + (scaleMax - scaleMin) * rnd.nextDouble());
            double aspect = Math.exp(logMin + (logMax - logMin) * rnd.nextDouble());
            int h = (int) Math.rint(Math.sqrt(eraseArea * aspect));
            int w = (int) Math.rint(Math.sqrt(eraseArea / aspect));
            if (h < height && w < width) {
                int top = rnd.nextInt(height - h + 1);
                int left = rnd.nextInt(width - w + 1);
                return new int[] {top, left, h, w};
            }
        }
        return null;
    }

    /**
     * Erases, with the probability, a random box of a CHW tensor in place.
     *
     * @param dest   the tensor buffer
     * @param offset where its {@code channels * height * width} values start
     * @param channels channel count
     * @param height tensor height
     * @param width  tensor width
     * @param rnd    randomness: the probability draw, then the box's, then the random values if any
     */
    public void apply(float[] dest, int offset, int channels, int height, int width, SplittableRandom rnd) {
        if (probability == 0 || !(rnd.nextDouble() < probability)) {
            return;
        }
        int[] b = box(height, width, rnd);
        if (b == null) {
            return;
        }
        for (int c = 0; c < channels; c++) {
            for (int y = b[0]; y < b[0] + b[2]; y++) {
                int row = offset + (c * height + y) * width;
                for (int x = b[1]; x < b[1] + b[3]; x++) {
                    dest[row + x] = random ? (float) rnd.nextGaussian() : value;
                }
            }
        }
    }

    /**
     * torchvision's {@code F.erase(img, i, j, h, w, v)} with a constant: writes {@code v} into the box of every
     * channel.
     *
     * @param dest     the tensor buffer
     * @param offset   start of the tensor
     * @param channels channel count
     * @param height   tensor height
     * @param width    tensor width
     * @param box      {@code {top, left, h, w}}
     * @param v        the value
     */
    public static void erase(float[] dest, int offset, int channels, int height, int width, int[] box, float v) {
        for (int c = 0; c < channels; c++) {
            for (int y = box[0]; y < box[0] + box[2]; y++) {
                int row = offset + (c * height + y) * width;
                java.util.Arrays.fill(dest, row + box[1], row + box[1] + box[3], v);
            }
        }
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "RandomErasing(p=%s, scale=(%s, %s), ratio=(%s, %s), value=%s)",
                probability,
                scaleMin,
                scaleMax,
                ratioMin,
                ratioMax,
                random ? "random" : Float.toString(value));
    }
}
