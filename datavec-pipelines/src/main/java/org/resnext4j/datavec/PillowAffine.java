package org.resnext4j.datavec;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Pillow's nearest-neighbour affine resampling ({@code ImagingTransformAffine} in {@code Geometry.c}), the kernel
 * behind {@link AugmentOps#affine} and {@link AugmentOps#rotate}, bit-exact with Pillow 9.4: its scaling path, its
 * 16.16 fixed-point path and its double-precision fallback, each with Pillow's rounding.
 */
final class PillowAffine {

    private PillowAffine() {}

    /** Python's {@code round(v, 15)}: the decimal rounding of the exact binary value, read back. */
    static double round15(double v) {
        return new BigDecimal(v).setScale(15, RoundingMode.HALF_EVEN).doubleValue();
    }

    /**
     * Pillow's {@code ImagingTransformAffine} with nearest-neighbour sampling ({@code Geometry.c}): output pixel
     * {@code (x, y)} samples the input at {@code (m0 (x + 0.5) + m1 (y + 0.5) + m2, m3 (x + 0.5) + ...)}, through the
     * scaling path when {@code m1 == m3 == 0} (double coordinates) and otherwise through 16.16 fixed point, as
     * Pillow does for every image whose corners map inside +-32768 (beyond, through its double-precision path).
     */
    static RgbImage transform(RgbImage image, double[] a, int[] fill) {
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
}
