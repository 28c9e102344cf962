package org.resnext4j.zoo;

/**
 * How a grouped 3x3 convolution ({@code cardinality > 1}) becomes DL4J layers. Both forms hold the same weights
 * under the same torchvision names and compute the same function; they differ in speed and graph size.
 */
public enum GroupedConvForm {
    /**
     * {@code cardinality} branches, each a channel slice and a small convolution, concatenated by a
     * {@code MergeVertex} (the Keras Lambda/concatenate approach; about 1,200 vertices for ResNeXt-50).
     */
    SPLIT,
    /** One {@link org.resnext4j.zoo.layers.GroupedConvolution} layer per grouped conv (oneDNN on CPU). */
    FUSED
}
