package org.resnext4j.datavec;

/**
 * Pillow's {@code RGB <-> HSV} conversion of 8-bit pixels ({@code rgb2hsv_row} and {@code hsv2rgb} in
 * {@code Convert.c}), the round trip of {@link AugmentOps#hue}, with float32 and float64 exactly where the C has
 * them.
 */
final class PillowHsv {

    private PillowHsv() {}

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
}
