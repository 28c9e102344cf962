/**
 * The fused layers' kernels and the inference form on oneDNN (FLOAT, ND4J's CPU backend), through JavaCPP's
 * {@code org.bytedeco.dnnl} bindings; {@link org.resnext4j.zoo.kernels.onednn.OneDnnEngine} is the one public class.
 *
 * <ul>
 *   <li><b>Plumbing.</b> {@code OneDnn} holds the CPU engine, the per-thread streams, the scratch buffers and the
 *       ND4J-to-oneDNN memory bridge; {@code OneDnnPort} is one argument of a primitive, reordering between the
 *       caller's layout and the primitive's only where they differ; {@code OneDnnConvPlan} makes every convolution
 *       primitive (training: forward and both backward passes; inference: forward with bias, post-ops, data types and
 *       output scales), and on AVX2 runs a grouped conv of 4 channels per group as one of 8
 *       ({@code OneDnnConvPlan.GroupMerge}); {@code OneDnnPool} makes the pooling primitives.</li>
 *   <li><b>Training kernels.</b> {@code OneDnnConvNorm} (a convolution plan feeding oneDNN's batch normalization in its
 *       blocked layout, ReLU fused), {@code OneDnnAddRelu}, {@code OneDnnMaxPool}; each keeps, per thread and per call
 *       shape, a plan of created primitives.</li>
 *   <li><b>Inference form.</b> {@code OneDnnInference}: the whole network as a list of primitives over a few
 *       activation buffers, per input shape, built from the same convolution plans, ports and pools.</li>
 * </ul>
 */
package org.resnext4j.zoo.kernels.onednn;
