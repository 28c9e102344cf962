/**
 * ResNeXt and ResNet models for DL4J, layer for layer torchvision's ("v1.5"): the immutable {@link
 * org.resnext4j.zoo.ResNeXtSpec} with its presets, the one graph builder ({@code ResNeXtGraphBuilder}: stem, stages,
 * bottlenecks, the grouped 3x3 convolution as {@code cardinality} branches merged by a {@code MergeVertex} (SPLIT) or
 * one fused oneDNN layer (FUSED)), vertex names that are torchvision's state-dict keys ({@code TorchNames}), the
 * {@link org.resnext4j.zoo.ResNeXt} {@code ZooModel} with pretrained weights and feature extraction, the model
 * summary, and {@link org.resnext4j.zoo.InferenceModel}, the optimised inference form (FP32, bf16, int8).
 * Weight files and the pretrained catalog are in {@code org.resnext4j.zoo.weights}; the layer configurations that
 * checkpoints name in {@code org.resnext4j.zoo.layers}; how those layers and the inference form compute (oneDNN or
 * ND4J, chosen in one place) in {@code org.resnext4j.zoo.kernels}.
 *
 * <p>Two classes of this package are named by saved configurations too and are frozen like those of
 * {@code org.resnext4j.zoo.layers}: {@link org.resnext4j.zoo.ChannelSliceVertex} (the SPLIT form's grouped-conv
 * branches) and {@link org.resnext4j.zoo.KaimingNormalFanOut} (every convolution's weight initialisation).
 */
package org.resnext4j.zoo;
