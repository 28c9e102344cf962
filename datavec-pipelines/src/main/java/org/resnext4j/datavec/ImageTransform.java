package org.resnext4j.datavec;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Turns a decoded {@link RgbImage} into a normalised {@code [3, size, size]} float tensor (CHW,
 * RGB), written into a caller's buffer so a whole batch fills one array.
 *
 * <p>Implementations are immutable and thread-safe; all randomness comes from the
 * {@link SplittableRandom} passed in, which the iterator seeds per (seed, epoch, position), so
 * augmentation is reproducible whatever the thread scheduling. See {@link EvalTransform} and
 * {@link TrainTransform}. Serializable, so a transform travels to Spark executors with the job.
 */
public interface ImageTransform extends Serializable {

    /** @return the output height and width in pixels */
    int outputSize();

    /** @return whether {@link #apply} draws random numbers (augmentation) */
    boolean isRandom();

    /**
     * Transforms one image.
     *
     * @param image  the decoded image
     * @param random the source of randomness for this image (ignored by deterministic transforms)
     * @param dest   the destination buffer
     * @param offset where in {@code dest} the {@code 3 * size * size} values start
     */
    void apply(RgbImage image, SplittableRandom random, float[] dest, int offset);

    /**
     * Writes an image of exactly {@code size x size} pixels as normalised CHW floats.
     *
     * @param image  a square image of the output size
     * @param norm   the normalisation
     * @param flip   mirror left to right
     * @param dest   destination buffer
     * @param offset start offset in {@code dest}
     */
    static void toTensor(RgbImage image, Normalization norm, boolean flip, float[] dest, int offset) {
        int w = image.width();
        int h = image.height();
        int plane = w * h;
        byte[] px = image.pixels();
        float[][] lut = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                lut[c][v] = norm.apply(v, c);
            }
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int sx = flip ? w - 1 - x : x;
                int p = (y * w + sx) * 3;
                int o = offset + y * w + x;
                dest[o] = lut[0][px[p] & 0xFF];
                dest[o + plane] = lut[1][px[p + 1] & 0xFF];
                dest[o + 2 * plane] = lut[2][px[p + 2] & 0xFF];
            }
        }
    }
}
