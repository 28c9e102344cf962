package org.resnext4j.zoo.weights;

import java.util.Arrays;

/**
 * The evaluation transform a weights file was measured with (torchvision's {@code ImageClassification} preset,
 * timm's {@code pretrained_cfg}): resize the shorter side to {@code resizeSize} with {@code interpolation}, center crop
 * {@code cropSize}, scale to [0, 1], normalise RGB with {@code mean} and {@code std}.
 *
 * @param resizeSize    shorter side after resizing (256 or 232 for torchvision's ImageNet weights)
 * @param cropSize      side of the square center crop, the model's input size
 * @param interpolation the resize filter
 * @param mean          RGB means, 3 values
 * @param std           RGB standard deviations, 3 positive values
 */
public record InputTransform(int resizeSize, int cropSize, Interpolation interpolation, float[] mean, float[] std) {

    /** ImageNet's RGB means, as torchvision uses them. */
    static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    /** ImageNet's RGB standard deviations, as torchvision uses them. */
    static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** The resize filter. */
    public enum Interpolation {
        BILINEAR,
        BICUBIC
    }

    /** Validates and copies the arrays. */
    public InputTransform {
        if (resizeSize < cropSize || cropSize < 1) {
            throw new IllegalArgumentException(
                    "expected 1 <= cropSize <= resizeSize, got crop " + cropSize + " and resize " + resizeSize);
        }
        if (interpolation == null) {
            throw new IllegalArgumentException("interpolation: expected BILINEAR or BICUBIC, got null");
        }
        if (mean == null || std == null || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std: expected 3 values each, got " + Arrays.toString(mean)
                    + " and " + Arrays.toString(std));
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** torchvision's ImageNet evaluation: bilinear resize, ImageNet mean and std. */
    public static InputTransform imagenet(int resizeSize, int cropSize) {
        return new InputTransform(resizeSize, cropSize, Interpolation.BILINEAR, IMAGENET_MEAN, IMAGENET_STD);
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputTransform t
                && t.resizeSize == resizeSize
                && t.cropSize == cropSize
                && t.interpolation == interpolation
                && Arrays.equals(t.mean, mean)
                && Arrays.equals(t.std, std);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * resizeSize + cropSize) + interpolation.hashCode()) + Arrays.hashCode(mean);
    }

    @Override
    public String toString() {
        return "resize " + resizeSize + " (" + interpolation.name().toLowerCase(java.util.Locale.ROOT) + "), crop "
                + cropSize + ", mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std);
    }
}
