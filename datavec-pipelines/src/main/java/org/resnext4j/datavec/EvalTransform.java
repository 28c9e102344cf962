package org.resnext4j.datavec;

import java.util.SplittableRandom;

/**
 * The evaluation transform, torchvision's
 * {@code Compose([Resize(resizeSize), CenterCrop(cropSize), ToTensor(), Normalize(mean, std)])}:
 * <ol>
 *   <li>resize so the shorter side is {@code resizeSize} (the longer side becomes
 *       {@code int(resizeSize * long / short)}), bilinear with anti-aliasing as PIL;</li>
 *   <li>center crop {@code cropSize x cropSize}, offsets {@code round((h - crop) / 2)} with
 *       Python's half-to-even rounding, zero padding if the image is smaller;</li>
 *   <li>scale to [0, 1] and normalise (ImageNet statistics by default).</li>
 * </ol>
 * Deterministic; immutable; thread-safe.
 */
public final class EvalTransform implements ImageTransform {

    private static final long serialVersionUID = 1L;

    private final int resizeSize;
    private final int cropSize;
    private final Normalization normalization;

    /**
     * Creates the transform.
     *
     * @param resizeSize    target length of the shorter side, at least 1 (256 for ImageNet at 224)
     * @param cropSize      side of the square center crop, at least 1
     * @param normalization channel normalisation ({@link Normalization#IMAGENET} or {@link Normalization#NONE})
     */
    public EvalTransform(int resizeSize, int cropSize, Normalization normalization) {
        if (resizeSize < 1 || cropSize < 1) {
            throw new IllegalArgumentException(
                    "resizeSize and cropSize must be positive, got " + resizeSize + " and " + cropSize);
        }
        this.resizeSize = resizeSize;
        this.cropSize = cropSize;
        this.normalization = java.util.Objects.requireNonNull(normalization, "normalization");
    }

    /**
     * torchvision's ImageNet evaluation preset for an image size: resize to
     * {@code round(size / 0.875)} (256 for 224), crop {@code size}, ImageNet normalisation.
     *
     * @param size output size
     * @return the transform
     */
    public static EvalTransform imagenet(int size) {
        return new EvalTransform(PreprocessingConfig.defaultResize(size), size, Normalization.IMAGENET);
    }

    /** @return the shorter-side resize target */
    public int resizeSize() {
        return resizeSize;
    }

    /** @return the normalisation */
    public Normalization normalization() {
        return normalization;
    }

    @Override
    public int outputSize() {
        return cropSize;
    }

    @Override
    public boolean isRandom() {
        return false;
    }

    /**
     * Resizes and crops without normalising (the 8-bit image torchvision has before
     * {@code ToTensor}).
     *
     * @param image the decoded image
     * @return the {@code cropSize x cropSize} image
     */
    public RgbImage resizeAndCrop(RgbImage image) {
        int w = image.width();
        int h = image.height();
        int newW;
        int newH;
        if (w <= h) {
            newW = resizeSize;
            newH = (int) ((double) resizeSize * h / w);
        } else {
            newH = resizeSize;
            newW = (int) ((double) resizeSize * w / h);
        }
        RgbImage resized = (newW == w && newH == h) ? image : Resampler.resize(image, 0, 0, w, h, newW, newH);
        int top = cropOffset(newH, cropSize);
        int left = cropOffset(newW, cropSize);
        if (top == 0 && left == 0 && newW == cropSize && newH == cropSize) {
            return resized;
        }
        return Resampler.crop(resized, left, top, cropSize, cropSize);
    }

    /** torchvision's center-crop offset; a negative offset pads {@code (crop - size) / 2} zeros first. */
    private static int cropOffset(int size, int crop) {
        return crop > size ? -((crop - size) / 2) : (int) Math.rint((size - crop) / 2.0);
    }

    @Override
    public void apply(RgbImage image, SplittableRandom random, float[] dest, int offset) {
        ImageTransform.toTensor(resizeAndCrop(image), normalization, false, dest, offset);
    }

    @Override
    public String toString() {
        return "EvalTransform[resize=" + resizeSize + ", crop=" + cropSize + ", " + normalization + "]";
    }
}
