package org.resnext4j.datavec;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Per-channel normalisation {@code (x - mean[c]) / std[c]} applied after scaling pixels to
 * [0, 1], as torchvision's {@code Normalize}. Channels are in RGB order.
 */
public final class Normalization implements Serializable {

    private static final long serialVersionUID = 1L;

    /** ImageNet statistics used by torchvision's pretrained weights (the default). */
    public static final Normalization IMAGENET =
            new Normalization(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

    /** No normalisation: values stay in [0, 1]. */
    public static final Normalization NONE = new Normalization(new float[] {0f, 0f, 0f}, new float[] {1f, 1f, 1f});

    private final float[] mean;
    private final float[] std;

    /**
     * Creates a normalisation.
     *
     * @param mean three channel means, RGB
     * @param std  three positive channel standard deviations, RGB
     */
    public Normalization(float[] mean, float[] std) {
        if (mean == null || std == null || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 values (R, G, B), got " + Arrays.toString(mean)
                    + " and " + Arrays.toString(std));
        }
        for (float s : std) {
            if (!(s > 0f) || Float.isInfinite(s)) {
                throw new IllegalArgumentException(
                        "std values must be positive and finite, got " + Arrays.toString(std));
            }
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                throw new IllegalArgumentException("mean values must be finite, got " + Arrays.toString(mean));
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** @return a copy of the RGB means */
    public float[] mean() {
        return mean.clone();
    }

    /** @return a copy of the RGB standard deviations */
    public float[] std() {
        return std.clone();
    }

    /**
     * Normalises one 8-bit value exactly as torchvision does in float32:
     * {@code (v / 255 - mean) / std}.
     *
     * @param v       the 8-bit value, 0..255
     * @param channel 0 = R, 1 = G, 2 = B
     * @return the normalised value
     */
    public float apply(int v, int channel) {
        return (v / 255f - mean[channel]) / std[channel];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
