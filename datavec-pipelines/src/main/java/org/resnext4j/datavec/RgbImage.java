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
            throw new IllegalArgumentException("expected " + (width * height * 3) + " bytes for a " + width + "x"
                    + height + " RGB image, got " + pixels.length);
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

    /**
     * This image as it is meant to be displayed given an EXIF {@code Orientation} tag, as Pillow's
     * {@code ImageOps.exif_transpose}: 1 unchanged, 2 mirrored left-right, 3 turned 180 degrees, 4 mirrored top-bottom,
     * 5 transposed, 6 turned 90 degrees clockwise, 7 transversed, 8 turned 90 degrees counter-clockwise. Written out
     * by hand because it is an index permutation of our own pixel buffer (Java2D's affine transforms would add a
     * round trip through {@code BufferedImage} and interpolation settings).
     *
     * @param orientation the EXIF value; values outside 1..8 are treated as 1, as Pillow does
     * @return the upright image (this one for orientation 1)
     */
    public RgbImage exifTransposed(int orientation) {
        if (orientation < 2 || orientation > 8) {
            return this;
        }
        boolean swap = orientation >= 5;
        int w2 = swap ? height : width;
        int h2 = swap ? width : height;
        byte[] out = new byte[pixels.length];
        for (int oy = 0; oy < h2; oy++) {
            for (int ox = 0; ox < w2; ox++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> {
                        sx = width - 1 - ox;
                        sy = oy;
                    }
                    case 3 -> {
                        sx = width - 1 - ox;
                        sy = height - 1 - oy;
                    }
                    case 4 -> {
                        sx = ox;
                        sy = height - 1 - oy;
                    }
                    case 5 -> {
                        sx = oy;
                        sy = ox;
                    }
                    case 6 -> {
                        sx = oy;
                        sy = height - 1 - ox;
                    }
                    case 7 -> {
                        sx = width - 1 - oy;
                        sy = height - 1 - ox;
                    }
                    default -> {
                        sx = width - 1 - oy;
                        sy = ox;
                    }
                }
                int s = (sy * width + sx) * 3;
                int o = (oy * w2 + ox) * 3;
                out[o] = pixels[s];
                out[o + 1] = pixels[s + 1];
                out[o + 2] = pixels[s + 2];
            }
        }
        return new RgbImage(w2, h2, out);
    }
}
