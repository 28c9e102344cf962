/**
 * The FUSED form's DL4J layers and their kernels. One path, the same for every layer and vertex:
 *
 * <ol>
 *   <li><b>Builder.</b> {@code ResNeXtGraphBuilder} (FUSED form) adds one {@link Conv2dNormActivation} per
 *       convolution (with its batch norm, and its ReLU where one follows; the grouped 3x3 with
 *       {@code groups = cardinality}), configured through {@link GroupedConvolution.Builder}, one
 *       {@link ResidualAddRelu} vertex per block end and a {@link MaxPool2d} vertex after the stem. Each side of a
 *       layer has an {@link ActivationLayout}: inside a block and from the stem to the pool, {@code BLOCKED} (oneDNN's
 *       own layout, no reorder at the boundary). These configurations are what a checkpoint's JSON holds.</li>
 *   <li><b>Layer.</b> At {@code init()} they instantiate {@link Conv2dNormActivationLayer} (parameters by
 *       {@link Conv2dNormActivationParamInitializer}, running statistics as DL4J's BatchNormalization keeps them,
 *       {@link BatchNormRunningStats}), {@link ResidualAddReluVertex} and {@link MaxPool2dVertex}. Each asks
 *       {@link Kernels}, once, for its kernel and from then on only calls it, describing each call by a
 *       {@link ConvNormOp} (geometry, options, layouts as resolved on the kernel) or {@link PoolGeometry}.</li>
 *   <li><b>Kernel.</b> {@link ConvNormKernel}, {@link AddReluKernel} and {@link MaxPoolKernel}, each with two
 *       implementations chosen in {@link Kernels} alone: oneDNN ({@link OneDnnConvNorm}, {@link OneDnnAddRelu},
 *       {@link OneDnnMaxPool}) for FLOAT on ND4J's CPU backend, ND4J operations ({@link Nd4jConvNorm} with
 *       {@link Nd4jGroupedConv}, {@link Nd4jAddRelu}, {@link Nd4jMaxPool}; {@code nchw} only) elsewhere or with
 *       {@code -Dresnext4j.kernel=nd4j}. The ND4J kernels are the reference the oneDNN ones are tested against.</li>
 *   <li><b>oneDNN plan.</b> A oneDNN kernel keeps, per thread and per {@link ConvGeometry} (or length), a plan of
 *       created primitives: {@link OneDnnConvPlan} (convolution forward and both backward passes, layouts chosen by
 *       oneDNN; on AVX2 a grouped conv of 4 channels per group as one of 8, {@link OneDnnConvPlan.GroupMerge}) feeding oneDNN's batch normalization in its blocked layout inside {@link OneDnnConvNorm};
 *       {@link OneDnnPort}s reorder between DL4J's {@code nchw} arrays and the primitives' layouts only where they
 *       differ; {@link OneDnn} holds the engine, the per-thread streams and the ND4J-to-oneDNN memory bridge.</li>
 * </ol>
 */
package org.resnext4j.zoo.layers;
