package org.resnext4j.datavec;

/**
 * Pillow's separable resampling with the bilinear (triangle) filter, reproduced operation by
 * operation: support widened by the downscale factor (anti-aliasing), coefficients normalised
 * and turned into 22-bit fixed point, a horizontal pass then a vertical pass, each rounded and
 * clipped to 8 bits. This is what torchvision's {@code Resize} and {@code RandomResizedCrop}
 * run on PIL images, so outputs agree with torchvision up to decoder differences.
 */
final class Resampler {

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private Resampler() {}

    /**
     * Resizes the window {@code [x0, x0 + w) x [y0, y0 + h)} of {@code src} (as if cropped first,
     * so nothing outside the window contributes) to {@code outW x outH}.
     */
    static RgbImage resize(RgbImage src, int x0, int y0, int w, int h, int outW, int outH) {
        if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > src.width() || y0 + h > src.height()) {
            throw new IllegalArgumentException("window " + x0 + "," + y0 + " " + w + "x" + h + " is outside the "
                    + src.width() + "x" + src.height() + " image");
        }
        if (outW == w && outH == h) {
            return crop(src, x0, y0, w, h);
        }
        Coefficients vert = Coefficients.compute(h, outH);
        int yFirst = vert.min[0];
        int yLast = vert.min[outH - 1] + vert.count[outH - 1];
        // Horizontal pass over the rows the vertical pass will read (Pillow's imTemp).
        int tempH = yLast - yFirst;
        byte[] temp;
        int tempW;
        if (outW != w) {
            Coefficients horiz = Coefficients.compute(w, outW);
            tempW = outW;
            temp = new byte[tempW * tempH * 3];
            byte[] in = src.pixels();
            int srcW = src.width();
            for (int yy = 0; yy < tempH; yy++) {
                int rowBase = ((y0 + yFirst + yy) * srcW + x0) * 3;
                int outBase = yy * tempW * 3;
                for (int xx = 0; xx < outW; xx++) {
                    int xmin = horiz.min[xx];
                    int n = horiz.count[xx];
                    int kOff = xx * horiz.ksize;
                    int s0 = 1 << (PRECISION_BITS - 1);
                    int s1 = s0;
                    int s2 = s0;
                    int p = rowBase + xmin * 3;
                    for (int k = 0; k < n; k++, p += 3) {
                        int c = horiz.fixed[kOff + k];
                        s0 += (in[p] & 0xFF) * c;
                        s1 += (in[p + 1] & 0xFF) * c;
                        s2 += (in[p + 2] & 0xFF) * c;
                    }
                    int o = outBase + xx * 3;
                    temp[o] = clip8(s0);
                    temp[o + 1] = clip8(s1);
                    temp[o + 2] = clip8(s2);
                }
            }
        } else {
            RgbImage rows = crop(src, x0, y0 + yFirst, w, tempH);
            temp = rows.pixels();
            tempW = w;
        }
        if (outH == h && yFirst == 0 && tempH == h) {
            return new RgbImage(tempW, tempH, temp);
        }
        byte[] out = new byte[outW * outH * 3];
        int rowStride = tempW * 3;
        for (int yy = 0; yy < outH; yy++) {
            int ymin = vert.min[yy] - yFirst;
            int n = vert.count[yy];
            int kOff = yy * vert.ksize;
            int outBase = yy * rowStride;
            for (int i = 0; i < rowStride; i++) {
                int s = 1 << (PRECISION_BITS - 1);
                int p = ymin * rowStride + i;
                for (int k = 0; k < n; k++, p += rowStride) {
                    s += (temp[p] & 0xFF) * vert.fixed[kOff + k];
                }
                out[outBase + i] = clip8(s);
            }
        }
        return new RgbImage(outW, outH, out);
    }

    /** Copies a window; pixels outside the source are zero (torchvision pads with 0). */
    static RgbImage crop(RgbImage src, int x0, int y0, int w, int h) {
        byte[] out = new byte[w * h * 3];
        byte[] in = src.pixels();
        int xs = Math.max(0, x0);
        int xe = Math.min(src.width(), x0 + w);
        if (xe > xs) {
            for (int y = 0; y < h; y++) {
                int sy = y0 + y;
                if (sy < 0 || sy >= src.height()) {
                    continue;
                }
                System.arraycopy(in, (sy * src.width() + xs) * 3, out, (y * w + xs - x0) * 3, (xe - xs) * 3);
            }
        }
        return new RgbImage(w, h, out);
    }

    private static byte clip8(int v) {
        if (v >= (1 << PRECISION_BITS << 8)) {
            return (byte) 255;
        }
        if (v <= 0) {
            return 0;
        }
        return (byte) (v >> PRECISION_BITS);
    }

    /** Pillow's {@code precompute_coeffs} and {@code normalize_coeffs_8bpc} for the bilinear filter. */
    private static final class Coefficients {
        final int ksize;
        final int[] min;
        final int[] count;
        final int[] fixed;

        private Coefficients(int ksize, int outSize) {
            this.ksize = ksize;
            this.min = new int[outSize];
            this.count = new int[outSize];
            this.fixed = new int[outSize * ksize];
        }

        static Coefficients compute(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = 1.0 * filterScale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            Coefficients c = new Coefficients(ksize, outSize);
            double[] k = new double[ksize];
            double ss = 1.0 / filterScale;
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    double w = triangle((x + xmin - center + 0.5) * ss);
                    k[x] = w;
                    ww += w;
                }
                for (int x = 0; x < xmax; x++) {
                    double v = ww != 0.0 ? k[x] / ww : k[x];
                    c.fixed[xx * ksize + x] =
                            v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
                }
                c.min[xx] = xmin;
                c.count[xx] = xmax;
            }
            return c;
        }

        private static double triangle(double x) {
            double a = Math.abs(x);
            return a < 1.0 ? 1.0 - a : 0.0;
        }
    }
}
