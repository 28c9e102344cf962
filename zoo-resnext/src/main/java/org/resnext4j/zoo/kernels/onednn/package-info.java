/**
 * The fused layers' kernels and the inference form on oneDNN (FLOAT, ND4J's CPU backend), through JavaCPP's
 * {@code org.bytedeco.dnnl} bindings; {@link org.resnext4j.zoo.kernels.onednn.OneDnnEngine} is the one public class.
 *
 * <ul>
 *   <li><b>Plumbing, one way for everything.</b> {@code OneDnn} holds the CPU engine, the per-thread streams and
 *       scratch buffers, and the ND4J-to-oneDNN memory bridge. {@code OneDnnNatives} makes every primitive
 *       descriptor (with its attributes: post-ops, output scales), primitive, reorder and memory, and destroys a
 *       plan's together. {@code OneDnnPort} is one argument of a primitive, reordering between the caller's layout
 *       and the primitive's where they differ (in scratch, both ways), or once into a buffer of the caller's (weights,
 *       quantized on the way). {@code OneDnnConvPlan} makes every convolution: training (forward and both backward
 *       passes; on AVX2 a grouped conv of 4 channels per group as one of 8, {@code OneDnnConvPlan.GroupMerge}) and
 *       inference (forward with bias, post-ops, FP32/BF16/INT8 data types). {@code OneDnnPool} makes every pooling
 *       primitive.</li>
 *   <li><b>Training kernels.</b> {@code OneDnnConvNorm} (a convolution plan feeding oneDNN's batch normalization in
 *       its blocked layout, ReLU fused), {@code OneDnnAddRelu}, {@code OneDnnMaxPool}; each keeps, per thread and per
 *       call shape, a plan of created primitives.</li>
 *   <li><b>Inference form.</b> {@code OneDnnInference}: the whole network as a list of primitives over a few
 *       activation buffers, one plan per input shape, made of the same convolution plans, ports and pools.</li>
 * </ul>
 */
package org.resnext4j.zoo.kernels.onednn;
