/**
 * How the FUSED layers and the inference form compute, behind one seam. Nothing here is named by a checkpoint, so
 * everything here may change freely.
 *
 * <ul>
 *   <li><b>The seam.</b> {@link org.resnext4j.zoo.kernels.Kernels} chooses the {@link org.resnext4j.zoo.kernels.Engine}
 *       in one place, for the training layers and the inference form alike: oneDNN for FLOAT data on ND4J's CPU
 *       backend where oneDNN's natives load, ND4J operations otherwise (other data types, the CUDA backend, or
 *       {@code -Dresnext4j.kernel=nd4j}). The layers of {@code org.resnext4j.zoo.layers} and
 *       {@code org.resnext4j.zoo.InferenceModel} ask it and name no engine class.</li>
 *   <li><b>Kernels.</b> {@link org.resnext4j.zoo.kernels.ConvNormKernel} (convolution, batch norm, optional ReLU:
 *       forward for training and inference, backward), {@link org.resnext4j.zoo.kernels.AddReluKernel} (the residual
 *       sum and ReLU) and {@link org.resnext4j.zoo.kernels.MaxPoolKernel}, each call described by a
 *       {@link org.resnext4j.zoo.kernels.ConvNormOp} or {@link org.resnext4j.zoo.kernels.PoolGeometry} (equal calls
 *       share oneDNN primitives), on arrays {@link org.resnext4j.zoo.kernels.DenseArrays} makes dense.</li>
 *   <li><b>The inference form.</b> {@link org.resnext4j.zoo.kernels.InferenceEngine}: a whole network's forward pass
 *       with batch norm folded and ReLU and the residual sum fused, in FP32, BF16 or INT8.</li>
 *   <li><b>Engines.</b> {@code org.resnext4j.zoo.kernels.onednn} (oneDNN through JavaCPP: the kernels and the inference
 *       form) and {@code org.resnext4j.zoo.kernels.nd4j} (ND4J operations on any backend and data type: the reference
 *       the oneDNN kernels are tested against; no inference form). Each shows one public class, its engine.</li>
 * </ul>
 */
package org.resnext4j.zoo.kernels;
