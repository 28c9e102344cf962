package org.resnext4j.zoo.layers;

import org.deeplearning4j.nn.conf.CNN2DFormat;

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

    /**
     * The geometry of {@code conf} applied to {@code in}; fails naming the layer when the input is not NCHW with the
     * configured number of channels.
     */
    static ConvGeometry of(GroupedConvolution conf, org.nd4j.linalg.api.ndarray.INDArray in, String layer) {
        String what = conf.getClass().getSimpleName() + " " + layer;
        if (in.rank() != 4) {
            throw new IllegalStateException(what + ": expected rank 4 NCHW input, got " + in.shapeInfoToString());
        }
        if (conf.getCnn2dDataFormat() != null && conf.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            throw new IllegalStateException(what + ": only NCHW data is supported");
        }
        if (in.size(1) != conf.getNIn()) {
            throw new IllegalStateException(what + ": expected " + conf.getNIn()
                    + " input channels, got input of shape " + java.util.Arrays.toString(in.shape()));
        }
        int[] k = conf.getKernelSize();
        int[] s = conf.getStride();
        int[] p = conf.getPadding();
        return new ConvGeometry(
                in.size(0),
                in.size(1),
                in.size(2),
                in.size(3),
                conf.getNOut(),
                conf.getGroups(),
                k[0],
                k[1],
                s[0],
                s[1],
                p[0],
                p[1]);
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

    /**
     * Whether {@code a} is dense in C order, judged by its strides (strides of size-1 dimensions do not matter, nor
     * does ND4J's ordering flag, which a vector view may report as 'f').
     */
    static boolean isContiguousC(org.nd4j.linalg.api.ndarray.INDArray a) {
        long expected = 1;
        for (int i = a.rank() - 1; i >= 0; i--) {
            if (a.size(i) != 1) {
                if (a.stride(i) != expected) {
                    return false;
                }
                expected *= a.size(i);
            }
        }
        return true;
    }

    /** {@code a} as a dense C-ordered array of {@code dataType}: itself when it already is, else a copy. */
    static org.nd4j.linalg.api.ndarray.INDArray contiguous(
            org.nd4j.linalg.api.ndarray.INDArray a, org.nd4j.linalg.api.buffer.DataType dataType) {
        org.nd4j.linalg.api.ndarray.INDArray t = a.dataType() == dataType ? a : a.castTo(dataType);
        return isContiguousC(t) ? t : t.dup('c');
    }

    /** DL4J/PyTorch weight shape {@code [out, in / groups, kH, kW]}. */
    public long[] weightShape() {
        return new long[] {outChannels, c / groups, kH, kW};
    }
}
