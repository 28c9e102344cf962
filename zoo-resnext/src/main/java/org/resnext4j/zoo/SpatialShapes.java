package org.resnext4j.zoo;

/**
 * Spatial sizes through the network, with torchvision's arithmetic ({@code floor((n + 2p - k) / s) + 1} for every
 * convolution and pooling window, as PyTorch and DL4J's {@code ConvolutionMode.Truncate} compute it).
 *
 * <p>At 224x224: stem conv 112, max pool 56, then layer1 56, layer2 28, layer3 14, layer4 7.
 */
public final class SpatialShapes {

    private SpatialShapes() {}

    /** Output size of a window of size {@code k}, stride {@code s}, symmetric padding {@code p} over {@code n}. */
    public static int out(int n, int k, int s, int p) {
        return Math.floorDiv(n + 2 * p - k, s) + 1;
    }

    /**
     * Height and width after stage {@code stage} (0 = after the stem's max pool, 1..4 = after {@code layerN}).
     *
     * @return {@code {height, width}}
     */
    public static int[] afterStage(ResNeXtSpec spec, int stage) {
        return new int[] {along(spec.inputHeight(), stage), along(spec.inputWidth(), stage)};
    }

    private static int along(int n, int stage) {
        int x = out(out(n, 7, 2, 3), 3, 2, 1); // conv1 7x7/2 pad 3, maxpool 3x3/2 pad 1
        for (int s = 2; s <= stage; s++) {
            x = out(x, 3, 2, 1); // the grouped 3x3 conv of the first block carries the stride (v1.5)
        }
        return x;
    }

    /** Fails, naming the input shape and the first layer whose output would be empty. */
    static void check(ResNeXtSpec spec) {
        String[] where = {"maxpool", "layer1", "layer2", "layer3", "layer4"};
        for (int stage = 0; stage <= ResNeXtSpec.NUM_STAGES; stage++) {
            int[] hw = afterStage(spec, stage);
            if (hw[0] < 1 || hw[1] < 1) {
                throw new IllegalArgumentException("inputShape: expected a height and width for which every layer's "
                        + "output is non-empty, got " + spec.inputChannels() + "x" + spec.inputHeight() + "x"
                        + spec.inputWidth()
                        + ", which gives " + hw[0] + "x" + hw[1] + " after " + where[stage]);
            }
        }
    }
}
