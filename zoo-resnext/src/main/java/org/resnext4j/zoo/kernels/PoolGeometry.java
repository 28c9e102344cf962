package org.resnext4j.zoo.kernels;

/**
 * The shape of one 2D pooling call: batch and input size (NCHW), window, stride and symmetric padding. Padded positions
 * never win a max (PyTorch's and oneDNN's convention). Equal geometries share oneDNN primitives.
 */
public record PoolGeometry(long n, long c, long h, long w, int kH, int kW, int sH, int sW, int pH, int pW) {

    public PoolGeometry {
        if (kH < 1 || kW < 1 || sH < 1 || sW < 1 || pH < 0 || pW < 0 || 2 * pH > kH || 2 * pW > kW) {
            throw new IllegalArgumentException("window " + kH + "x" + kW + ", stride " + sH + "x" + sW + ", padding "
                    + pH + "x" + pW + ": expected a positive window and stride, padding at most half the window");
        }
        if (h + 2L * pH < kH || w + 2L * pW < kW) {
            throw new IllegalArgumentException("input " + h + "x" + w + ": smaller than the " + kH + "x" + kW
                    + " window with padding " + pH + "x" + pW);
        }
    }

    public long outH() {
        return (h + 2L * pH - kH) / sH + 1;
    }

    public long outW() {
        return (w + 2L * pW - kW) / sW + 1;
    }

    public long[] inputShape() {
        return new long[] {n, c, h, w};
    }

    public long[] outputShape() {
        return new long[] {n, c, outH(), outW()};
    }
}
