package org.resnext4j.zoo;

/**
 * How convolutions, and above all the grouped 3x3 convolution ({@code cardinality > 1}), become DL4J layers. Both
 * forms hold the same weights under the same torchvision names and compute the same function; they differ in speed,
 * memory and graph size (see the README's benchmark).
 */
public enum GraphForm {
    /**
     * DL4J's own {@code ConvolutionLayer}s; a grouped conv is {@code cardinality} branches, each a channel slice and a
     * small convolution, concatenated by a {@code MergeVertex} (the Keras Lambda/concatenate approach; about 1,200
     * vertices for ResNeXt-50). Runs on any ND4J backend.
     */
    SPLIT,
    /**
     * Every convolution, with its batch norm and ReLU, one {@link org.resnext4j.zoo.layers.Conv2dNormActivation}
     * layer (groups = cardinality for the grouped 3x3, 1 for the others), and every residual sum with its ReLU one
     * {@link org.resnext4j.zoo.layers.ResidualAddRelu} vertex: oneDNN with cached primitives on CPU, the batch norm in
     * oneDNN's blocked layout with the ReLU fused (ND4J operations on other backends or data types; see
     * {@link org.resnext4j.zoo.kernels.Kernels}). About 70
     * vertices for ResNeXt-50; the default, being the faster.
     */
    FUSED
}
