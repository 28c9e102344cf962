package org.resnext4j.zoo.kernels;

/**
 * The shape of one grouped 2D convolution call: batch and input size (NCHW), output channels, groups, kernel,
 * stride and symmetric padding. Equal geometries share oneDNN primitives.
 */
public record ConvGeometry(
        long n, long c, long h, long w, long outChannels, int groups, int kH, int kW, int sH, int sW, int pH, int pW) {

    public ConvGeometry {
        if (kH < 1 || kW < 1 || sH < 1 || sW < 1 || pH < 0 || pW < 0) {
            throw new IllegalArgumentException("kernel " + kH + "x" + kW + ", stride " + sH + "x" + sW + ", padding "
                    + pH + "x" + pW + ": expected positive kernel and stride, non-negative padding");
        }
        if (groups < 1 || c % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("groups: expected a positive divisor of the input channels (" + c
                    + ") and of the output channels (" + outChannels + "), got " + groups);
        }
        if (Math.floorDiv(h + 2L * pH - kH, sH) + 1 < 1 || Math.floorDiv(w + 2L * pW - kW, sW) + 1 < 1) {
            throw new IllegalArgumentException("input " + h + "x" + w + ": too small for a " + kH + "x" + kW
                    + " window with stride " + sH + "x" + sW + " and padding " + pH + "x" + pW);
        }
    }

    public long outH() {
        return Math.floorDiv(h + 2L * pH - kH, sH) + 1;
    }

    public long outW() {
        return Math.floorDiv(w + 2L * pW - kW, sW) + 1;
    }

    public long[] inputShape() {
        return new long[] {n, c, h, w};
    }

    public long[] outputShape() {
        return new long[] {n, outChannels, outH(), outW()};
    }

    /** DL4J/PyTorch weight shape {@code [out, in / groups, kH, kW]}. */
    public long[] weightShape() {
        return new long[] {outChannels, c / groups, kH, kW};
    }
}
