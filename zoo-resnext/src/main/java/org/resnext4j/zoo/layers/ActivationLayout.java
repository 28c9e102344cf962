package org.resnext4j.zoo.layers;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.zoo.kernels.Kernels;

/**
 * How a {@link Conv2dNormActivation} lays out an activation it reads or writes (and its gradient), in DL4J's
 * {@code [N, C, H, W]} shape either way.
 *
 * <p>{@code BLOCKED} lets two of our layers hand an activation to each other in oneDNN's own channel-blocked layout
 * ({@code nChw8c} on AVX2, {@code nChw16c} on AVX-512: channels in blocks of 8 or 16, innermost), so that neither
 * reorders it to {@code nchw} and back at the DL4J layer boundary. It applies where the layer's kernel is oneDNN and
 * the side's channel count divides by the block
 * ({@link org.resnext4j.zoo.kernels.ConvNormKernel#channelBlock()}); elsewhere (the ND4J kernel:
 * other data types, the CUDA backend) the side is {@code nchw}. Both ends of an edge decide alike, since they share
 * the channel count and the kernel choice. {@link ResidualAddRelu} is elementwise and reads either layout, as long as
 * its two inputs agree.
 *
 * <p>Only our own layers may consume a {@code BLOCKED} side. The FUSED graphs of {@link org.resnext4j.zoo.ResNeXt} use
 * it inside each bottleneck block (conv1 to conv2 to conv3); the graph's input, the stem, every block's input and
 * output (the vertices named after torchvision's {@code layerN.M}, which heads and feature extractors read), the
 * pooling and the classifier stay {@code nchw}. To inspect an activation inside a block (the output of a block's
 * {@code conv1} or {@code conv2} vertex) as {@code nchw}, use {@link #toNchw(INDArray, int)} with
 * {@link #channelBlock(org.nd4j.linalg.api.buffer.DataType)}.
 */
public enum ActivationLayout {
    /** DL4J's layout. */
    NCHW,
    /** oneDNN's channel-blocked layout of this CPU where the kernel is oneDNN, else {@code nchw}. */
    BLOCKED;

    /**
     * The channel block {@code BLOCKED} activations of this data type have on this machine (8 or 16), or 0 when
     * they are {@code nchw} (no oneDNN kernel for the data type or backend).
     */
    public static int channelBlock(org.nd4j.linalg.api.buffer.DataType dataType) {
        return Kernels.engine(dataType).convNorm().channelBlock();
    }

    /**
     * {@code a} ({@code [N, C, H, W]} holding channel-blocked data with blocks of {@code block} channels) as a new
     * {@code nchw} array; a copy of {@code a} when {@code block} is 0.
     */
    public static INDArray toNchw(INDArray a, int block) {
        if (block == 0) {
            return a.dup('c');
        }
        long[] s = blockableShape(a, block);
        return a.dup('c')
                .reshape('c', s[0], s[1] / block, s[2], s[3], block)
                .permute(0, 1, 4, 2, 3)
                .dup('c')
                .reshape('c', s);
    }

    /** The inverse of {@link #toNchw}: {@code nchw} data as a new channel-blocked array of the same shape. */
    public static INDArray fromNchw(INDArray a, int block) {
        if (block == 0) {
            return a.dup('c');
        }
        long[] s = blockableShape(a, block);
        return a.dup('c')
                .reshape('c', s[0], s[1] / block, block, s[2], s[3])
                .permute(0, 1, 3, 4, 2)
                .dup('c')
                .reshape('c', s);
    }

    private static long[] blockableShape(INDArray a, int block) {
        long[] s = a.shape();
        if (s.length != 4 || s[1] % block != 0) {
            throw new IllegalArgumentException(
                    "expected [N, C, H, W] with C a multiple of " + block + ", got " + java.util.Arrays.toString(s));
        }
        return s;
    }
}
