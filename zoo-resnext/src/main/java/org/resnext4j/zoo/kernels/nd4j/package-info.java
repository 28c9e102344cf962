/**
 * The fused layers' kernels as ND4J operations ({@link org.resnext4j.zoo.kernels.nd4j.Nd4jEngine}): any data type, any
 * ND4J backend (CPU or CUDA), {@code nchw} only. {@code Nd4jConvNorm} runs the grouped convolution of
 * {@code Nd4jGroupedConv} (libnd4j's {@code conv2d} per group) and writes batch norm and ReLU out as broadcast
 * operations; {@code Nd4jAddRelu} and {@code Nd4jMaxPool} ({@code maxpool2d}, as DL4J's SubsamplingLayer) complete it.
 * Written for clarity, not speed: they are the reference the oneDNN kernels are tested against, and what runs where
 * oneDNN does not. A package of its own so that a reader sees at once which code is the reference.
 */
package org.resnext4j.zoo.kernels.nd4j;
