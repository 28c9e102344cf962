package org.resnext4j.datavec;

/**
 * The image operations of torchvision 0.14's {@code transforms.autoaugment._apply_op} and {@code ColorJitter} on
 * 8-bit RGB images, exact to what torchvision computes on PIL images with Pillow 9.4 (tested pixel by pixel against
 * fixtures of {@code tools/make_augment_fixtures.py}).
 *
 * <p>Written by hand because no Java library reproduces Pillow's arithmetic: each method mirrors the C code of
 * Pillow's {@code libImaging} or the Python of {@code PIL.ImageEnhance}/{@code PIL.ImageOps} it names, including the
 * order of floating-point operations and the float32/float64 split, since that is what decides the last grey level:
 * <ul>
 *   <li>{@link #brightness}, {@link #color}, {@link #contrast}, {@link #sharpness}: {@code ImageEnhance}, a blend
 *       ({@code Blend.c}, float32, truncated and clipped) of the image with a degenerate image (black; the
 *       {@code L}-converted image; the rounded mean of the {@code L} image; the 3x3 {@code SMOOTH} filter with the
 *       border pixels kept);</li>
 *   <li>{@link #affine}: {@code Image.transform(AFFINE, NEAREST)} through {@code Geometry.c}'s 16.16 fixed-point
 *       path (or its scaling path for pure translations), with torchvision's {@code _get_inverse_affine_matrix};
 *       {@link #rotate} is {@code Image.rotate} with its transpose fast paths for 0, 90, 180 and 270 degrees;</li>
 *   <li>{@link #posterize}, {@link #solarize}, {@link #autoContrast}, {@link #equalize}: {@code ImageOps}' lookup
 *       tables, per channel;</li>
 *   <li>{@link #hue}: torchvision's {@code adjust_hue}, a round trip through Pillow's {@code HSV} mode
 *       ({@code Convert.c}) with the hue shifted by {@code uint8(factor * 255)}.</li>
 * </ul>
 * Fill colours are {@code int}s per channel, as torchvision's {@code _parse_fill} truncates them for PIL.
 *
 * <p>Pillow's two kernels that are more than a loop over pixels live in package-private classes of their own:
 * {@link PillowAffine} (the nearest-neighbour affine resampler of {@code Geometry.c}) and {@link PillowHsv} (the
 * {@code RGB <-> HSV} conversion of {@code Convert.c}).
 */
public final class AugmentOps {

    private AugmentOps() {}

    /** {@code SMOOTH}'s kernel weights, divided by the divisor 13 in float32 as Pillow's {@code _filter} does. */
    private static final float SMOOTH_EDGE = 1f / 13f;

    private static final float SMOOTH_CENTER = 5f / 13f;

    /** Python's {@code math.radians} and {@code math.degrees} factors (CPython multiplies by these). */
    private static final double DEG_TO_RAD = Math.PI / 180.0;

    private static final double RAD_TO_DEG = 180.0 / Math.PI;

    // ---------------------------------------------------------------- colour

    /**
     * {@code ImageEnhance.Brightness(img).enhance(factor)}: a blend with black.
     *
     * @param image  the image
     * @param factor 0 gives black, 1 the image
     * @return the result
     */
    public static RgbImage brightness(RgbImage image, double factor) {
        return blend(new byte[image.pixels().length], image, factor);
    }

    /**
     * {@code ImageEnhance.Color(img).enhance(factor)} (torchvision's {@code adjust_saturation}): a blend with the
     * image converted to {@code L} and back.
     *
     * @param image  the image
     * @param factor 0 gives grey, 1 the image
     * @return the result
     */
    public static RgbImage color(RgbImage image, double factor) {
        byte[] px = image.pixels();
        byte[] grey = new byte[px.length];
        for (int i = 0; i < px.length; i += 3) {
            byte l = (byte) luma(px[i] & 0xFF, px[i + 1] & 0xFF, px[i + 2] & 0xFF);
            grey[i] = l;
            grey[i + 1] = l;
            grey[i + 2] = l;
        }
        return blend(grey, image, factor);
    }

    /**
     * {@code ImageEnhance.Contrast(img).enhance(factor)}: a blend with a flat image of the mean of the {@code L}
     * image, rounded as {@code int(mean + 0.5)}.
     *
     * @param image  the image
     * @param factor 0 gives the flat mean, 1 the image
     * @return the result
     */
    public static RgbImage contrast(RgbImage image, double factor) {
        byte[] px = image.pixels();
        long sum = 0;
        for (int i = 0; i < px.length; i += 3) {
            sum += luma(px[i] & 0xFF, px[i + 1] & 0xFF, px[i + 2] & 0xFF);
        }
        double mean = (double) sum / (px.length / 3);
        byte m = (byte) (int) (mean + 0.5);
        byte[] flat = new byte[px.length];
        java.util.Arrays.fill(flat, m);
        return blend(flat, image, factor);
    }

    /**
     * {@code ImageEnhance.Sharpness(img).enhance(factor)}: a blend with {@code ImageFilter.SMOOTH} (3x3 kernel
     * {@code [1 1 1; 1 5 1; 1 1 1] / 13}, border pixels copied unfiltered).
     *
     * @param image  the image
     * @param factor 0 gives the smoothed image, 1 the image, above 1 sharpens
     * @return the result
     */
    public static RgbImage sharpness(RgbImage image, double factor) {
        return blend(smooth(image).pixels(), image, factor);
    }

    /**
     * torchvision's {@code adjust_hue} on a PIL image: to {@code HSV}, hue plus {@code np.uint8(factor * 255)}
     * modulo 256, back to {@code RGB}.
     *
     * @param image  the image
     * @param factor hue shift in [-0.5, 0.5]
     * @return the result
     */
    public static RgbImage hue(RgbImage image, double factor) {
        if (!(factor >= -0.5 && factor <= 0.5)) {
            throw new IllegalArgumentException("hue factor must be in [-0.5, 0.5], got " + factor);
        }
        int shift = ((int) (factor * 255)) & 0xFF; // numpy's uint8 of a float: truncation, then modulo 256
        byte[] px = image.pixels();
        byte[] out = new byte[px.length];
        int[] hsv = new int[3];
        for (int i = 0; i < px.length; i += 3) {
            PillowHsv.rgbToHsv(px[i] & 0xFF, px[i + 1] & 0xFF, px[i + 2] & 0xFF, hsv);
            PillowHsv.hsvToRgb((hsv[0] + shift) & 0xFF, hsv[1], hsv[2], out, i);
        }
        return new RgbImage(image.width(), image.height(), out);
    }

    // ---------------------------------------------------------------- lookup tables

    /**
     * {@code ImageOps.posterize}: keeps the {@code bits} high bits of every channel.
     *
     * @param image the image
     * @param bits  0 to 8
     * @return the result
     */
    public static RgbImage posterize(RgbImage image, int bits) {
        if (bits < 0 || bits > 8) {
            throw new IllegalArgumentException("posterize bits must be in 0..8, got " + bits);
        }
        int mask = ~((1 << (8 - bits)) - 1);
        int[] lut = new int[256];
        for (int v = 0; v < 256; v++) {
            lut[v] = v & mask;
        }
        return applyLut(image, lut, lut, lut);
    }

    /**
     * {@code ImageOps.solarize}: inverts every channel value at or above the threshold.
     *
     * @param image     the image
     * @param threshold values {@code >= threshold} become {@code 255 - v}
     * @return the result
     */
    public static RgbImage solarize(RgbImage image, double threshold) {
        int[] lut = new int[256];
        for (int v = 0; v < 256; v++) {
            lut[v] = v < threshold ? v : 255 - v;
        }
        return applyLut(image, lut, lut, lut);
    }

    /**
     * {@code ImageOps.autocontrast} (cutoff 0): each channel stretched linearly from its lowest to its highest
     * value, {@code int(v * scale + offset)} clipped.
     *
     * @param image the image
     * @return the result
     */
    public static RgbImage autoContrast(RgbImage image) {
        int[][] h = histograms(image);
        int[][] luts = new int[3][256];
        for (int c = 0; c < 3; c++) {
            int lo = 0;
            while (lo < 256 && h[c][lo] == 0) {
                lo++;
            }
            int hi = 255;
            while (hi >= 0 && h[c][hi] == 0) {
                hi--;
            }
            for (int v = 0; v < 256; v++) {
                if (hi <= lo) {
                    luts[c][v] = v;
                } else {
                    double scale = 255.0 / (hi - lo);
                    double offset = -lo * scale;
                    int x = (int) (v * scale + offset);
                    luts[c][v] = Math.max(0, Math.min(255, x));
                }
            }
        }
        return applyLut(image, luts[0], luts[1], luts[2]);
    }

    /**
     * {@code ImageOps.equalize}: per channel, the cumulative histogram in steps of
     * {@code (count - count of the last used value) / 255} (integer division).
     *
     * @param image the image
     * @return the result
     */
    public static RgbImage equalize(RgbImage image) {
        int[][] h = histograms(image);
        int[][] luts = new int[3][256];
        for (int c = 0; c < 3; c++) {
            long total = 0;
            int last = 0;
            int used = 0;
            for (int v = 0; v < 256; v++) {
                if (h[c][v] != 0) {
                    total += h[c][v];
                    last = h[c][v];
                    used++;
                }
            }
            long step = used <= 1 ? 0 : (total - last) / 255;
            if (step == 0) {
                for (int v = 0; v < 256; v++) {
                    luts[c][v] = v;
                }
            } else {
                long n = step / 2;
                for (int v = 0; v < 256; v++) {
                    luts[c][v] = (int) Math.min(255, n / step);
                    n += h[c][v];
                }
            }
        }
        return applyLut(image, luts[0], luts[1], luts[2]);
    }

    // ---------------------------------------------------------------- geometry

    /**
     * torchvision's {@code F.affine} on a PIL image with nearest-neighbour sampling: the inverse matrix of
     * {@code _get_inverse_affine_matrix(center, angle, translate, scale, shear)}, then Pillow's
     * {@code transform(AFFINE, NEAREST)}.
     *
     * @param image     the image
     * @param angle     rotation in degrees, clockwise
     * @param tx        horizontal translation in pixels (torchvision passes integers)
     * @param ty        vertical translation
     * @param scale     overall scale, positive
     * @param shearX    shear parallel to x, degrees
     * @param shearY    shear parallel to y, degrees
     * @param centerX   center x ({@code width * 0.5} is torchvision's default, autoaugment's shears use 0)
     * @param centerY   center y
     * @param fill      fill colour {r, g, b} for pixels mapped from outside the image
     * @return the result, the same size
     */
    public static RgbImage affine(
            RgbImage image,
            double angle,
            double tx,
            double ty,
            double scale,
            double shearX,
            double shearY,
            double centerX,
            double centerY,
            int[] fill) {
        double rot = angle * DEG_TO_RAD;
        double sx = shearX * DEG_TO_RAD;
        double sy = shearY * DEG_TO_RAD;
        double a = StrictMath.cos(rot - sy) / StrictMath.cos(sy);
        double b = -StrictMath.cos(rot - sy) * StrictMath.tan(sx) / StrictMath.cos(sy) - StrictMath.sin(rot);
        double c = StrictMath.sin(rot - sy) / StrictMath.cos(sy);
        double d = -StrictMath.sin(rot - sy) * StrictMath.tan(sx) / StrictMath.cos(sy) + StrictMath.cos(rot);
        double[] m = {d / scale, -b / scale, 0.0 / scale, -c / scale, a / scale, 0.0 / scale};
        m[2] += m[0] * (-centerX - tx) + m[1] * (-centerY - ty);
        m[5] += m[3] * (-centerX - tx) + m[4] * (-centerY - ty);
        m[2] += centerX;
        m[5] += centerY;
        return PillowAffine.transform(image, m, fill);
    }

    /**
     * Pillow's {@code Image.rotate(angle, NEAREST, expand=False, fillcolor=fill)} (torchvision's {@code F.rotate} on
     * PIL images): about the image center, counter-clockwise; 0 and 180 degrees, and 90 and 270 on square images,
     * are Pillow's exact transposes.
     *
     * @param image the image
     * @param angle degrees, counter-clockwise
     * @param fill  fill colour {r, g, b}
     * @return the result, the same size
     */
    public static RgbImage rotate(RgbImage image, double angle, int[] fill) {
        double deg = angle % 360.0;
        if (deg != 0 && deg < 0) {
            deg += 360.0; // Python's float modulo takes the sign of the divisor
        }
        int w = image.width();
        int h = image.height();
        if (deg == 0) {
            return image;
        }
        if (deg == 180) {
            return image.exifTransposed(3);
        }
        if ((deg == 90 || deg == 270) && w == h) {
            return image.exifTransposed(deg == 90 ? 8 : 6);
        }
        double cx = w / 2.0;
        double cy = h / 2.0;
        double rad = -(deg * DEG_TO_RAD);
        double cos = PillowAffine.round15(StrictMath.cos(rad));
        double sin = PillowAffine.round15(StrictMath.sin(rad));
        double[] m = {cos, sin, 0.0, PillowAffine.round15(-StrictMath.sin(rad)), cos, 0.0};
        double x = -cx;
        double y = -cy;
        m[2] = m[0] * x + m[1] * y + m[2];
        m[5] = m[3] * x + m[4] * y + m[5];
        m[2] += cx;
        m[5] += cy;
        return PillowAffine.transform(image, m, fill);
    }

    // ---------------------------------------------------------------- Pillow's helpers

    /** Pillow's {@code RGB -> L}: ITU-R 601-2 luma in 16-bit fixed point, rounded. */
    static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    /**
     * {@code Image.blend(degenerate, image, alpha)} ({@code Blend.c}): {@code d + alpha * (v - d)} in float32 with
     * alpha converted to float32, truncated, clipped to 0..255; alpha 0 and 1 copy.
     */
    private static RgbImage blend(byte[] degenerate, RgbImage image, double factor) {
        float alpha = (float) factor;
        byte[] px = image.pixels();
        if (alpha == 1.0f) {
            return new RgbImage(image.width(), image.height(), px.clone());
        }
        if (alpha == 0.0f) {
            return new RgbImage(image.width(), image.height(), degenerate.clone());
        }
        byte[] out = new byte[px.length];
        for (int i = 0; i < px.length; i++) {
            int d = degenerate[i] & 0xFF;
            float t = d + alpha * ((px[i] & 0xFF) - d);
            out[i] = (byte) (t <= 0.0f ? 0 : t >= 255.0f ? 255 : (int) t);
        }
        return new RgbImage(image.width(), image.height(), out);
    }

    /** {@code ImageFilter.SMOOTH} ({@code Filter.c}'s 3x3 path): float32 sums row by row, +0.5, truncated. */
    static RgbImage smooth(RgbImage image) {
        int w = image.width();
        int h = image.height();
        byte[] in = image.pixels();
        byte[] out = in.clone();
        float[] k = {SMOOTH_EDGE, SMOOTH_EDGE, SMOOTH_EDGE, SMOOTH_EDGE, SMOOTH_CENTER, SMOOTH_EDGE};
        for (int y = 1; y < h - 1; y++) {
            for (int x = 1; x < w - 1; x++) {
                for (int c = 0; c < 3; c++) {
                    float ss = 0.5f;
                    ss += row3(in, w, x, y + 1, c, k[0], k[1], k[2]);
                    ss += row3(in, w, x, y, c, k[3], k[4], k[5]);
                    ss += row3(in, w, x, y - 1, c, k[0], k[1], k[2]);
                    float clipped = ss < 0.0f ? 0.0f : ss > 255.0f ? 255.0f : ss;
                    out[(y * w + x) * 3 + c] = (byte) (int) clipped;
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static float row3(byte[] in, int w, int x, int y, int c, float k0, float k1, float k2) {
        int p = (y * w + x) * 3 + c;
        return (float) (in[p - 3] & 0xFF) * k0 + (float) (in[p] & 0xFF) * k1 + (float) (in[p + 3] & 0xFF) * k2;
    }

    private static int[][] histograms(RgbImage image) {
        int[][] h = new int[3][256];
        byte[] px = image.pixels();
        for (int i = 0; i < px.length; i += 3) {
            h[0][px[i] & 0xFF]++;
            h[1][px[i + 1] & 0xFF]++;
            h[2][px[i + 2] & 0xFF]++;
        }
        return h;
    }

    private static RgbImage applyLut(RgbImage image, int[] r, int[] g, int[] b) {
        byte[] px = image.pixels();
        byte[] out = new byte[px.length];
        for (int i = 0; i < px.length; i += 3) {
            out[i] = (byte) r[px[i] & 0xFF];
            out[i + 1] = (byte) g[px[i + 1] & 0xFF];
            out[i + 2] = (byte) b[px[i + 2] & 0xFF];
        }
        return new RgbImage(image.width(), image.height(), out);
    }

    /** Degrees of {@code atan(v)}, as torchvision's shear ops compute {@code math.degrees(math.atan(magnitude))}. */
    static double atanDegrees(double v) {
        return StrictMath.atan(v) * RAD_TO_DEG;
    }
}
