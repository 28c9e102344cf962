/**
 * The FUSED form's DL4J layers: the classes a saved configuration names, and nothing else. Their names are frozen.
 *
 * <p><b>Frozen names.</b> DL4J writes a graph's configuration as JSON that names each layer and vertex configuration
 * class by its fully-qualified name, and a checkpoint holds that JSON; checkpoints written by earlier releases must keep
 * loading, so these classes must not move, be renamed or lose a property (a change needs a Jackson alias and a tested
 * migration): {@link org.resnext4j.zoo.layers.Conv2dNormActivation} (every convolution with its batch norm and ReLU),
 * {@link org.resnext4j.zoo.layers.ResidualAddRelu} (every block's end) and {@link org.resnext4j.zoo.layers.MaxPool2d}
 * (the stem's pool). The JSON also holds their properties, which are typed here: those of
 * {@link org.resnext4j.zoo.layers.GroupedConvolution} (the convolution part, the superclass) and the constant names of
 * {@link org.resnext4j.zoo.layers.ActivationLayout} ({@code NCHW}, {@code BLOCKED}). {@code FrozenNamesTest} builds
 * both graph forms and fails when their JSON names a class this list does not hold. (The SPLIT form's
 * {@code org.resnext4j.zoo.ChannelSliceVertex} and the weight initialisation {@code org.resnext4j.zoo.KaimingNormalFanOut}
 * are frozen names too, in {@code org.resnext4j.zoo}.)
 *
 * <p><b>With them</b>, since a configuration instantiates them: the parameter layouts
 * ({@link org.resnext4j.zoo.layers.Conv2dNormActivationParamInitializer},
 * {@link org.resnext4j.zoo.layers.GroupedConvolutionParamInitializer}), which fix the order of the parameters in a
 * checkpoint's flat array, and the runtime layer and vertices ({@link org.resnext4j.zoo.layers.Conv2dNormActivationLayer},
 * {@link org.resnext4j.zoo.layers.ResidualAddReluVertex}, {@link org.resnext4j.zoo.layers.MaxPool2dVertex}) with their
 * package-private helpers ({@code ConvLayer}, {@code ParameterFreeVertex}, and {@code BatchNormRunningStats}, DL4J's
 * running-statistics bookkeeping).
 *
 * <p><b>The path of a call.</b> {@code ResNeXtGraphBuilder} (FUSED form) adds one {@code Conv2dNormActivation} per
 * convolution (the grouped 3x3 with {@code groups = cardinality}), configured through
 * {@link org.resnext4j.zoo.layers.GroupedConvolution.Builder}, one {@code ResidualAddRelu} per block end and a
 * {@code MaxPool2d} after the stem; each side of a layer has an {@code ActivationLayout} ({@code BLOCKED} inside a block
 * and from the stem to the pool: oneDNN's own layout, no reorder at the boundary). At {@code init()} the runtime layers
 * ask {@link org.resnext4j.zoo.kernels.Kernels}, once, for their kernel, and from then on only call it; how the kernels
 * compute (oneDNN or ND4J operations) is the business of {@code org.resnext4j.zoo.kernels} alone.
 */
package org.resnext4j.zoo.layers;
