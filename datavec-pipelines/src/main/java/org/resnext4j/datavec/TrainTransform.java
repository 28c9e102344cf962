package org.resnext4j.datavec;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The training augmentation, torchvision's
 * {@code Compose([RandomResizedCrop(size, scale, ratio), RandomHorizontalFlip(p), ToTensor(),
 * Normalize(mean, std)])}:
 * <ol>
 *   <li>random resized crop: up to 10 attempts draw an area fraction uniformly from
 *       {@code scale} and an aspect ratio log-uniformly from {@code ratio}; the first crop that
 *       fits is taken at a uniformly random position; otherwise the fallback is a center crop
 *       with the ratio clamped into range. The crop is resized to {@code size x size}
 *       (bilinear, anti-aliased, as PIL);</li>
 *   <li>horizontal flip with probability {@code flipProbability}. Never a vertical flip;</li>
 *   <li>optionally {@link ColorJitter} ({@link #withColorJitter});</li>
 *   <li>optionally an automatic augmentation policy, {@link AutoAugment#trivialAugmentWide()} or
 *       {@link AutoAugment#randAugment()} ({@link #withAutoAugment});</li>
 *   <li>scale to [0, 1] and normalise;</li>
 *   <li>optionally {@link RandomErasing} on the normalised tensor ({@link #withRandomErasing}).</li>
 * </ol>
 * The order is torchvision's reference recipe ({@code references/classification/presets.py}:
 * crop, flip, auto-augment, to tensor, normalise, random erasing), with the colour jitter, which the recipe does not
 * use, on the 8-bit image before the policy. Every step is exact to torchvision on PIL images (see
 * {@link AugmentOps}). Defaults ({@link #imagenet(int)}) are torchvision's: scale (0.08, 1), ratio (3/4, 4/3),
 * flip 0.5, ImageNet normalisation, no jitter, policy or erasing. Randomness comes only from the generator passed to
 * {@link #apply}, drawn in the order of the steps; immutable and thread-safe.
 */
public final class TrainTransform implements ImageTransform {

    private static final long serialVersionUID = 1L;

    /** Attempts before the center-crop fallback, as torchvision. */
    public static final int ATTEMPTS = 10;

    private final int size;
    private final double scaleMin;
    private final double scaleMax;
    private final double ratioMin;
    private final double ratioMax;
    private final double flipProbability;
    private final Normalization normalization;
    private final ColorJitter colorJitter;
    private final AutoAugment autoAugment;
    private final RandomErasing randomErasing;

    /**
     * Creates the transform.
     *
     * @param size            output side in pixels
     * @param scaleMin        smallest crop area as a fraction of the image, in (0, scaleMax]
     * @param scaleMax        largest crop area fraction, at most 1
     * @param ratioMin        smallest aspect ratio (width / height), positive
     * @param ratioMax        largest aspect ratio, at least {@code ratioMin}
     * @param flipProbability probability of a horizontal flip, in [0, 1]
     * @param normalization   channel normalisation
     */
    public TrainTransform(
            int size,
            double scaleMin,
            double scaleMax,
            double ratioMin,
            double ratioMax,
            double flipProbability,
            Normalization normalization) {
        this(size, scaleMin, scaleMax, ratioMin, ratioMax, flipProbability, normalization, null, null, null);
    }

    private TrainTransform(
            int size,
            double scaleMin,
            double scaleMax,
            double ratioMin,
            double ratioMax,
            double flipProbability,
            Normalization normalization,
            ColorJitter colorJitter,
            AutoAugment autoAugment,
            RandomErasing randomErasing) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be positive, got " + size);
        }
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1)) {
            throw new IllegalArgumentException(
                    "need 0 < scaleMin <= scaleMax <= 1, got (" + scaleMin + ", " + scaleMax + ")");
        }
        if (!(ratioMin > 0 && ratioMin <= ratioMax && Double.isFinite(ratioMax))) {
            throw new IllegalArgumentException(
                    "need 0 < ratioMin <= ratioMax, got (" + ratioMin + ", " + ratioMax + ")");
        }
        if (!(flipProbability >= 0 && flipProbability <= 1)) {
            throw new IllegalArgumentException("flipProbability must be in [0, 1], got " + flipProbability);
        }
        this.size = size;
        this.scaleMin = scaleMin;
        this.scaleMax = scaleMax;
        this.ratioMin = ratioMin;
        this.ratioMax = ratioMax;
        this.flipProbability = flipProbability;
        this.normalization = Objects.requireNonNull(normalization, "normalization");
        this.colorJitter = colorJitter;
        this.autoAugment = autoAugment;
        this.randomErasing = randomErasing;
    }

    /** This transform's crop with the other settings given: what every {@code with...} method changes one of. */
    private TrainTransform copy(
            double flip, Normalization norm, ColorJitter jitter, AutoAugment policy, RandomErasing erasing) {
        return new TrainTransform(size, scaleMin, scaleMax, ratioMin, ratioMax, flip, norm, jitter, policy, erasing);
    }

    /**
     * torchvision's defaults: scale (0.08, 1), ratio (3/4, 4/3), flip 0.5, ImageNet normalisation.
     *
     * @param size output side
     * @return the transform
     */
    public static TrainTransform imagenet(int size) {
        return new TrainTransform(size, 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5, Normalization.IMAGENET);
    }

    /**
     * The same crop parameters with another normalisation.
     *
     * @param norm the normalisation
     * @return a new transform
     */
    public TrainTransform withNormalization(Normalization norm) {
        return copy(flipProbability, norm, colorJitter, autoAugment, randomErasing);
    }

    /**
     * The same transform with another flip probability (0 disables flipping).
     *
     * @param p probability in [0, 1]
     * @return a new transform
     */
    public TrainTransform withFlipProbability(double p) {
        return copy(p, normalization, colorJitter, autoAugment, randomErasing);
    }

    /**
     * The same transform with a colour jitter after the flip.
     *
     * @param jitter the jitter, or {@code null} for none
     * @return a new transform
     */
    public TrainTransform withColorJitter(ColorJitter jitter) {
        return copy(flipProbability, normalization, jitter, autoAugment, randomErasing);
    }

    /**
     * The same transform with an automatic augmentation policy after the flip (and the jitter).
     *
     * @param policy TrivialAugmentWide or RandAugment, or {@code null} for none
     * @return a new transform
     */
    public TrainTransform withAutoAugment(AutoAugment policy) {
        return copy(flipProbability, normalization, colorJitter, policy, randomErasing);
    }

    /**
     * The same transform with random erasing of the normalised tensor.
     *
     * @param erasing the erasing, or {@code null} for none
     * @return a new transform
     */
    public TrainTransform withRandomErasing(RandomErasing erasing) {
        return copy(flipProbability, normalization, colorJitter, autoAugment, erasing);
    }

    /** @return the colour jitter, or {@code null} */
    public ColorJitter colorJitter() {
        return colorJitter;
    }

    /** @return the automatic augmentation policy, or {@code null} */
    public AutoAugment autoAugment() {
        return autoAugment;
    }

    /** @return the random erasing, or {@code null} */
    public RandomErasing randomErasing() {
        return randomErasing;
    }

    @Override
    public int outputSize() {
        return size;
    }

    @Override
    public boolean isRandom() {
        return true;
    }

    /** @return the normalisation */
    public Normalization normalization() {
        return normalization;
    }

    /**
     * torchvision's {@code RandomResizedCrop.get_params}: the crop window for an image.
     *
     * @param width  image width
     * @param height image height
     * @param random randomness
     * @return {@code {left, top, cropWidth, cropHeight}}
     */
    public int[] cropWindow(int width, int height, SplittableRandom random) {
        double area = (double) width * height;
        double logMin = Math.log(ratioMin);
        double logMax = Math.log(ratioMax);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double targetArea = area * (scaleMin + (scaleMax - scaleMin) * random.nextDouble());
            double aspect = Math.exp(logMin + (logMax - logMin) * random.nextDouble());
            int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height) {
                int top = random.nextInt(height - h + 1);
                int left = random.nextInt(width - w + 1);
                return new int[] {left, top, w, h};
            }
        }
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < ratioMin) {
            w = width;
            h = (int) Math.rint(w / ratioMin);
        } else if (inRatio > ratioMax) {
            h = height;
            w = (int) Math.rint(h * ratioMax);
        } else {
            w = width;
            h = height;
        }
        w = Math.max(1, Math.min(w, width));
        h = Math.max(1, Math.min(h, height));
        return new int[] {(width - w) / 2, (height - h) / 2, w, h};
    }

    @Override
    public void apply(RgbImage image, SplittableRandom random, float[] dest, int offset) {
        ImageTransform.toTensor(augment(image, random), normalization, false, dest, offset);
        if (randomErasing != null) {
            randomErasing.apply(dest, offset, 3, size, size, random);
        }
    }

    /**
     * The augmentation without the normalisation (and the random erasing, which works on the tensor): the random
     * crop resized to {@code size x size}, mirrored with the flip probability, jittered and auto-augmented when set
     * (the 8-bit image torchvision has before {@code ToTensor}).
     *
     * @param image  the decoded image
     * @param random randomness (the crop's draws, the flip's, the jitter's, the policy's)
     * @return the augmented image
     */
    public RgbImage augment(RgbImage image, SplittableRandom random) {
        int[] box = cropWindow(image.width(), image.height(), random);
        RgbImage crop = Resampler.resize(image, box[0], box[1], box[2], box[3], size, size);
        boolean flip = flipProbability > 0 && random.nextDouble() < flipProbability;
        RgbImage out = flip ? crop.exifTransposed(2) : crop;
        if (colorJitter != null) {
            out = colorJitter.apply(out, random);
        }
        if (autoAugment != null) {
            out = autoAugment.augment(out, random);
        }
        return out;
    }

    @Override
    public String toString() {
        return "TrainTransform[size=" + size + ", scale=(" + scaleMin + ", " + scaleMax + "), ratio=(" + ratioMin + ", "
                + ratioMax + "), flip=" + flipProbability
                + (colorJitter != null ? ", " + colorJitter : "")
                + (autoAugment != null ? ", " + autoAugment : "")
                + ", " + normalization
                + (randomErasing != null ? ", " + randomErasing : "") + "]";
    }
}
