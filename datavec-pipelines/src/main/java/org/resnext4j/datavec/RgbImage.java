package org.resnext4j.datavec;

import java.util.Objects;

/**
 * A decoded 8-bit image in RGB order, stored interleaved row by row ({@code R,G,B,R,G,B,...}),
 * which is what PIL holds after {@code Image.convert("RGB")}.
 *
 * <p>Every {@link ImageDecoder} produces this type, whatever the file held (grayscale, palette,
 * alpha, BGR as decoded by OpenCV): grayscale is replicated into three channels and alpha is
 * dropped without compositing, as PIL does.
 *
 * @param width  width in pixels, at least 1
 * @param height height in pixels, at least 1
 * @param pixels {@code width * height * 3} bytes, unsigned, RGB interleaved
 */
public record RgbImage(int width, int height, byte[] pixels) {

    /** Validates the dimensions against the pixel buffer. */
    public RgbImage {
        Objects.requireNonNull(pixels, "pixels");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (pixels.length != width * height * 3) {
            throw new IllegalArgumentException("expected " + (width * height * 3) + " bytes for a "
                    + width + "x" + height + " RGB image, got " + pixels.length);
        }
    }

    /**
     * Returns one channel value of one pixel.
     *
     * @param x       column, 0-based
     * @param y       row, 0-based
     * @param channel 0 = red, 1 = green, 2 = blue
     * @return the value in 0..255
     */
    public int get(int x, int y, int channel) {
        return pixels[(y * width + x) * 3 + channel] & 0xFF;
    }
}
