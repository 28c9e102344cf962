package org.resnext4j.zoo.kernels;

/**
 * One call shape of a {@link ConvNormKernel}: the convolution's geometry, whether a ReLU follows the batch norm, BN's
 * epsilon, and the layouts of the input (and its gradient) and of the output (and its gradient): {@code nchw}, or with
 * {@code blockedInput}/{@code blockedOutput} the kernel's channel-blocked layout ({@link ConvNormKernel#channelBlock()}).
 * Equal calls share oneDNN primitives.
 */
public record ConvNormOp(ConvGeometry g, boolean relu, float eps, boolean blockedInput, boolean blockedOutput) {

    /** Both sides {@code nchw}. */
    public static ConvNormOp nchw(ConvGeometry g, boolean relu, float eps) {
        return new ConvNormOp(g, relu, eps, false, false);
    }
}
