package org.resnext4j.datavec;

import java.math.BigDecimal;
import java.math.RoundingMode;

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
            rgbToHsv(px[i] & 0xFF, px[i + 1] & 0xFF, px[i + 2] & 0xFF, hsv);
            hsvToRgb((hsv[0] + shift) & 0xFF, hsv[1], hsv[2], out, i);
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
        return transformAffine(image, m, fill);
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
        double cos = round15(StrictMath.cos(rad));
        double sin = round15(StrictMath.sin(rad));
        double[] m = {cos, sin, 0.0, round15(-StrictMath.sin(rad)), cos, 0.0};
        double x = -cx;
        double y = -cy;
        m[2] = m[0] * x + m[1] * y + m[2];
        m[5] = m[3] * x + m[4] * y + m[5];
        m[2] += cx;
        m[5] += cy;
        return transformAffine(image, m, fill);
    }

    /** Python's {@code round(v, 15)}: the decimal rounding of the exact binary value, read back. */
    private static double round15(double v) {
        return new BigDecimal(v).setScale(15, RoundingMode.HALF_EVEN).doubleValue();
    }

    /**
     * Pillow's {@code ImagingTransformAffine} with nearest-neighbour sampling ({@code Geometry.c}): output pixel
     * {@code (x, y)} samples the input at {@code (m0 (x + 0.5) + m1 (y + 0.5) + m2, m3 (x + 0.5) + ...)}, through the
     * scaling path when {@code m1 == m3 == 0} (double coordinates) and otherwise through 16.16 fixed point, as
     * Pillow does for every image whose corners map inside +-32768 (beyond, through its double-precision path).
     */
    static RgbImage transformAffine(RgbImage image, double[] a, int[] fill) {
        int w = image.width();
        int h = image.height();
        byte[] in = image.pixels();
        byte[] out = new byte[in.length];
        for (int i = 0; i < out.length; i += 3) {
            out[i] = (byte) fill[0];
            out[i + 1] = (byte) fill[1];
            out[i + 2] = (byte) fill[2];
        }
        if (a[1] == 0 && a[3] == 0) {
            double xo = a[2] + a[0] * 0.5;
            double yo = a[5] + a[4] * 0.5;
            int[] xin = new int[w];
            for (int x = 0; x < w; x++) {
                xin[x] = coord(xo);
                xo += a[0];
            }
            for (int y = 0; y < h; y++) {
                int yi = coord(yo);
                if (yi >= 0 && yi < h) {
                    for (int x = 0; x < w; x++) {
                        if (xin[x] >= 0 && xin[x] < w) {
                            copyPixel(in, (yi * w + xin[x]) * 3, out, (y * w + x) * 3);
                        }
                    }
                }
                yo += a[4];
            }
            return new RgbImage(w, h, out);
        }
        if (!(fixed(a, 0, 0) && fixed(a, w, h) && fixed(a, 0, h) && fixed(a, w, 0))) {
            // Pillow's floating-point path, for images whose corners map beyond +-32768 pixels
            double xo = a[2] + a[1] * 0.5 + a[0] * 0.5;
            double yo = a[5] + a[4] * 0.5 + a[3] * 0.5;
            for (int y = 0; y < h; y++) {
                double xx = xo;
                double yy = yo;
                for (int x = 0; x < w; x++) {
                    int xi = coord(xx);
                    int yi = coord(yy);
                    if (xi >= 0 && xi < w && yi >= 0 && yi < h) {
                        copyPixel(in, (yi * w + xi) * 3, out, (y * w + x) * 3);
                    }
                    xx += a[0];
                    yy += a[3];
                }
                xo += a[1];
                yo += a[4];
            }
            return new RgbImage(w, h, out);
        }
        int a0 = fix(a[0]);
        int a1 = fix(a[1]);
        int a3 = fix(a[3]);
        int a4 = fix(a[4]);
        int a2 = fix(a[2] + a[0] * 0.5 + a[1] * 0.5);
        int a5 = fix(a[5] + a[3] * 0.5 + a[4] * 0.5);
        for (int y = 0; y < h; y++) {
            int xx = a2;
            int yy = a5;
            for (int x = 0; x < w; x++) {
                int xi = xx >> 16;
                if (xi >= 0 && xi < w) {
                    int yi = yy >> 16;
                    if (yi >= 0 && yi < h) {
                        copyPixel(in, (yi * w + xi) * 3, out, (y * w + x) * 3);
                    }
                }
                xx += a0;
                yy += a3;
            }
            a2 += a1;
            a5 += a4;
        }
        return new RgbImage(w, h, out);
    }

    private static boolean fixed(double[] a, int x, int y) {
        return Math.abs(x * a[0] + y * a[1] + a[2]) < 32768.0 && Math.abs(x * a[3] + y * a[4] + a[5]) < 32768.0;
    }

    /** Pillow's {@code FIX}: {@code FLOOR(v * 65536.0 + 0.5)}. */
    private static int fix(double v) {
        return (int) Math.floor(v * 65536.0 + 0.5);
    }

    /** Pillow's {@code COORD}: -1 below zero, else truncation. */
    private static int coord(double v) {
        return v < 0.0 ? -1 : (int) v;
    }

    private static void copyPixel(byte[] in, int s, byte[] out, int o) {
        out[o] = in[s];
        out[o + 1] = in[s + 1];
        out[o + 2] = in[s + 2];
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

    /** Pillow's {@code rgb2hsv_row} ({@code Convert.c}), float32 and float64 exactly where the C has them. */
    static void rgbToHsv(int r, int g, int b, int[] hsv) {
        int maxc = Math.max(r, Math.max(g, b));
        int minc = Math.min(r, Math.min(g, b));
        if (minc == maxc) {
            hsv[0] = 0;
            hsv[1] = 0;
            hsv[2] = maxc;
            return;
        }
        float cr = maxc - minc;
        float s = cr / (float) maxc;
        float rc = (maxc - r) / cr;
        float gc = (maxc - g) / cr;
        float bc = (maxc - b) / cr;
        float hf;
        if (r == maxc) {
            hf = bc - gc;
        } else if (g == maxc) {
            hf = (float) (2.0 + rc - bc);
        } else {
            hf = (float) (4.0 + gc - rc);
        }
        // C's fmod(h / 6 + 1, 1): the argument lies in [5/6, 2), where subtracting 1 is exact (Sterbenz), and Java's
        // double remainder is a slow path
        double wrapped = hf / 6.0 + 1.0;
        hf = (float) (wrapped >= 1.0 ? wrapped - 1.0 : wrapped);
        hsv[0] = clip8((int) (hf * 255.0));
        hsv[1] = clip8((int) (s * 255.0));
        hsv[2] = maxc;
    }

    /** Pillow's {@code hsv2rgb} ({@code Convert.c}). */
    static void hsvToRgb(int h, int s, int v, byte[] out, int o) {
        if (s == 0) {
            out[o] = (byte) v;
            out[o + 1] = (byte) v;
            out[o + 2] = (byte) v;
            return;
        }
        int i = (int) Math.floor((float) h * 6.0 / 255.0);
        float f = (float) ((float) h * 6.0 / 255.0 - (float) i);
        float fs = (float) ((float) s / 255.0);
        int p = clip8((int) Math.round((float) v * (1.0 - fs)));
        int q = clip8((int) Math.round((float) v * (1.0 - fs * f)));
        int t = clip8((int) Math.round((float) v * (1.0 - fs * (1.0 - f))));
        int r;
        int g;
        int b;
        switch (i % 6) {
            case 0 -> {
                r = v;
                g = t;
                b = p;
            }
            case 1 -> {
                r = q;
                g = v;
                b = p;
            }
            case 2 -> {
                r = p;
                g = v;
                b = t;
            }
            case 3 -> {
                r = p;
                g = q;
                b = v;
            }
            case 4 -> {
                r = t;
                g = p;
                b = v;
            }
            default -> {
                r = v;
                g = p;
                b = q;
            }
        }
        out[o] = (byte) r;
        out[o + 1] = (byte) g;
        out[o + 2] = (byte) b;
    }

    private static int clip8(int v) {
        return v <= 0 ? 0 : Math.min(v, 255);
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
