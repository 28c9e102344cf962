package org.resnext4j.zoo;

import static org.resnext4j.zoo.TorchNames.blockAdd;
import static org.resnext4j.zoo.TorchNames.blockConv;
import static org.resnext4j.zoo.TorchNames.blockNorm;
import static org.resnext4j.zoo.TorchNames.blockRelu;
import static org.resnext4j.zoo.TorchNames.downsampleConv;
import static org.resnext4j.zoo.TorchNames.downsampleNorm;
import static org.resnext4j.zoo.TorchNames.groupConv;
import static org.resnext4j.zoo.TorchNames.groupSlice;
import static org.resnext4j.zoo.layers.ActivationLayout.BLOCKED;
import static org.resnext4j.zoo.layers.ActivationLayout.NCHW;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.resnext4j.zoo.layers.ActivationLayout;
import org.resnext4j.zoo.layers.Conv2dNormActivation;
import org.resnext4j.zoo.layers.GroupedConvolution;
import org.resnext4j.zoo.layers.MaxPool2d;
import org.resnext4j.zoo.layers.ResidualAddRelu;

/**
 * Builds the DL4J {@link ComputationGraphConfiguration} of a {@link ResNeXtSpec}, layer for layer as torchvision's
 * {@code ResNet(Bottleneck, ...)}:
 * <ul>
 *   <li>stem: 7x7/2 convolution (padding 3), BatchNorm, ReLU, 3x3/2 max pool (padding 1);</li>
 *   <li>four stages of bottleneck blocks: 1x1 conv, BN, ReLU; grouped 3x3 conv carrying the stage's stride
 *       ("ResNet v1.5"), BN, ReLU; 1x1 conv to {@code 4 x planes}, BN; a 1x1 projection shortcut (conv + BN) on the
 *       first block of a stage; residual sum; ReLU;</li>
 *   <li>global average pooling, {@code fc} producing logits, and an {@code output} softmax with cross-entropy.</li>
 * </ul>
 * No convolution has a bias. Padding is explicit and symmetric ({@link ConvolutionMode#Truncate}), since DL4J's
 * {@code Same} mode pads asymmetrically at stride 2. Initialisation follows torchvision: {@link KaimingNormalFanOut}
 * for convolutions, BatchNorm gamma 1 and beta 0, and {@code fc} weights uniform in {@code +-1/sqrt(fan_in)}
 * (torchvision also draws the {@code fc} bias from that range; here it starts at 0).
 *
 * <p>{@link #buildFeatures} builds a feature extractor instead (timm's {@code features_only}): the same layers up to
 * the last selected feature, no pooling or classifier, one output per feature ({@link FeatureInfo}).
 *
 * <p>Building a configuration changes no global state (no system property, no backend setting).
 *
 * <p>DL4J has no grouped convolution. The graph is built in the spec's {@link GraphForm}. {@code FUSED}: every
 * convolution with its batch norm (and ReLU, where one follows) is one {@link Conv2dNormActivation} layer named after
 * the convolution (groups = cardinality for the grouped 3x3, 1 otherwise), and each block ends in one
 * {@link ResidualAddRelu} vertex named after the block. {@code SPLIT}: DL4J's own layers, one vertex per torchvision
 * module; a grouped 3x3 conv is split into {@code cardinality} branches, each a {@link ChannelSliceVertex} of
 * {@code width / cardinality} channels followed by a convolution with as many outputs, concatenated in branch order by
 * a {@link MergeVertex} (the Keras Lambda/concatenate approach); with cardinality 1 it is one plain convolution.
 * Vertex names come from {@link TorchNames}.
 */
public final class ResNeXtGraphBuilder {

    private static final double BN_EPS = 1e-5;
    /** PyTorch's BatchNorm momentum 0.1 in DL4J's convention: running = decay * running + (1 - decay) * batch. */
    private static final double BN_DECAY = 0.9;

    private final ResNeXtSpec spec;
    private final ComputationGraphConfiguration.GraphBuilder graph;
    /** The feature indices a features-only graph returns (ascending), or null for the classifier. */
    private final int[] features;

    private ResNeXtGraphBuilder(ResNeXtSpec spec, NeuralNetConfiguration.Builder base, int[] features) {
        this.spec = spec;
        this.features = features;
        this.graph = base.activation(Activation.IDENTITY)
                .convolutionMode(ConvolutionMode.Truncate)
                .graphBuilder();
    }

    /**
     * The graph configuration for {@code spec}, on top of {@code base}'s global settings (seed, updater, workspace
     * and cache modes, regularisation). Activation and convolution mode of {@code base} are overridden.
     */
    public static ComputationGraphConfiguration build(ResNeXtSpec spec, NeuralNetConfiguration.Builder base) {
        return new ResNeXtGraphBuilder(spec, base, null).build();
    }

    /**
     * A features-only graph (timm's {@code features_only}): no {@code avgpool}, {@code fc} or {@code output}; its
     * outputs are the feature indices {@code outIndices} of {@link ResNeXtSpec#featureInfo()}, in ascending order,
     * each an identity vertex {@link TorchNames#featureOutput features.{name}} on the vertex that computes it. As timm does, the graph ends at the last selected
     * feature: stages after it are not built (and the max pool neither when only the stem is selected).
     *
     * @param outIndices distinct indices in 0..4, ascending
     */
    public static ComputationGraphConfiguration buildFeatures(
            ResNeXtSpec spec, NeuralNetConfiguration.Builder base, int... outIndices) {
        return new ResNeXtGraphBuilder(spec, base, outIndices.clone()).buildFeatures();
    }

    private ComputationGraphConfiguration build() {
        graph.addInputs(TorchNames.INPUT);
        String x = stem(TorchNames.INPUT);
        x = stages(x, ResNeXtSpec.NUM_STAGES);
        graph.addLayer(TorchNames.AVGPOOL, new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x)
                .addLayer(
                        TorchNames.FC,
                        new DenseLayer.Builder()
                                .nOut(spec.numClasses())
                                .weightInit(WeightInit.UNIFORM)
                                .activation(Activation.IDENTITY)
                                .build(),
                        TorchNames.AVGPOOL)
                .addLayer(
                        TorchNames.OUTPUT,
                        new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                .activation(Activation.SOFTMAX)
                                .build(),
                        TorchNames.FC)
                .setOutputs(TorchNames.OUTPUT)
                .setInputTypes(InputType.convolutional(spec.inputHeight(), spec.inputWidth(), spec.inputChannels()));
        return graph.build();
    }

    private ComputationGraphConfiguration buildFeatures() {
        graph.addInputs(TorchNames.INPUT);
        int last = features[features.length - 1];
        if (last == 0) {
            stemConvolution(TorchNames.INPUT);
        } else {
            stages(stem(TorchNames.INPUT), last);
        }
        // Each feature leaves the graph through a vertex of its own that nothing consumes: DL4J M2.1's inference
        // (ComputationGraph.outputOfLayersDetached) loses a workspace manager and fails with a NullPointerException
        // when it returns the activations of vertices that other vertices still read (seen with the FUSED stem).
        String[] outputs = new String[features.length];
        List<FeatureInfo> info = spec.featureInfo();
        for (int i = 0; i < features.length; i++) {
            outputs[i] = TorchNames.featureOutput(info.get(features[i]).name());
            graph.addVertex(outputs[i], new ScaleVertex(1.0), TorchNames.featureSource(spec, features[i]));
        }
        return graph.setOutputs(outputs)
                .setInputTypes(InputType.convolutional(spec.inputHeight(), spec.inputWidth(), spec.inputChannels()))
                .build();
    }

    /** Stages 1..{@code lastStage} on {@code x}; returns the output vertex of the last. */
    private String stages(String x, int lastStage) {
        for (int stage = 1; stage <= lastStage; stage++) {
            for (int block = 0; block < spec.blocks(stage); block++) {
                x = bottleneck(stage, block, x);
            }
        }
        return x;
    }

    /**
     * The stem's conv1, bn1 and relu; returns the output vertex. In the FUSED form that output is in oneDNN's layout
     * for the max pool, unless a features-only graph returns it, which needs it NCHW.
     */
    private String stemConvolution(String input) {
        if (fused()) {
            // the stem hands its output to the pool in oneDNN's layout, and computes no gradient for the network input
            return add(
                    TorchNames.STEM_CONV,
                    input,
                    convNorm(spec.stemWidth(), 7, 2, 3, 1, true, NCHW, stemLayout())
                            .inputGradient(false));
        }
        conv(TorchNames.STEM_CONV, input, spec.stemWidth(), 7, 2, 3, 1);
        batchNorm(TorchNames.STEM_BN, TorchNames.STEM_CONV);
        relu(TorchNames.STEM_RELU, TorchNames.STEM_BN);
        return TorchNames.STEM_RELU;
    }

    /** The layout of the FUSED stem's output: NCHW when it is a graph output (feature 0), else oneDNN's. */
    private ActivationLayout stemLayout() {
        return features != null && features[0] == 0 ? NCHW : BLOCKED;
    }

    private String stem(String input) {
        String stemOut = stemConvolution(input);
        if (fused()) {
            graph.addVertex(TorchNames.MAXPOOL, new MaxPool2d(3, 2, 1).withInputLayout(stemLayout()), stemOut);
        } else {
            graph.addLayer(
                    TorchNames.MAXPOOL,
                    new SubsamplingLayer.Builder(PoolingType.MAX)
                            .kernelSize(3, 3)
                            .stride(2, 2)
                            .padding(1, 1)
                            .convolutionMode(ConvolutionMode.Truncate)
                            .build(),
                    stemOut);
        }
        return TorchNames.MAXPOOL;
    }

    private boolean fused() {
        return spec.form() == GraphForm.FUSED;
    }

    /** One bottleneck block; returns the name of its output vertex. */
    private String bottleneck(int stage, int block, String input) {
        int width = spec.bottleneckWidth(stage);
        int out = spec.outChannels(stage);
        int stride = block == 0 ? spec.stageStride(stage) : 1;
        if (fused()) {
            return fusedBottleneck(stage, block, input, width, out, stride);
        }

        conv(blockConv(stage, block, 1), input, width, 1, 1, 0, 1);
        batchNorm(blockNorm(stage, block, 1), blockConv(stage, block, 1));
        relu(blockRelu(stage, block, 1), blockNorm(stage, block, 1));

        String conv2 = groupedConv3x3(blockConv(stage, block, 2), blockRelu(stage, block, 1), width, stride);
        batchNorm(blockNorm(stage, block, 2), conv2);
        relu(blockRelu(stage, block, 2), blockNorm(stage, block, 2));

        conv(blockConv(stage, block, 3), blockRelu(stage, block, 2), out, 1, 1, 0, 1);
        batchNorm(blockNorm(stage, block, 3), blockConv(stage, block, 3));

        String shortcut = input;
        if (block == 0) {
            conv(downsampleConv(stage, block), input, out, 1, stride, 0, 1);
            batchNorm(downsampleNorm(stage, block), downsampleConv(stage, block));
            shortcut = downsampleNorm(stage, block);
        }
        String add = blockAdd(stage, block);
        graph.addVertex(add, new ElementWiseVertex(ElementWiseVertex.Op.Add), blockNorm(stage, block, 3), shortcut);
        String output = TorchNames.block(stage, block);
        relu(output, add);
        return output;
    }

    /**
     * {@link #bottleneck} in the FUSED form: three conv-BN(-ReLU) layers, a projection, one add-ReLU vertex. Inside the
     * block, conv1 hands its output to conv2 and conv2 to conv3 in oneDNN's layout ({@link ActivationLayout#BLOCKED}),
     * with no reorder at those layer boundaries; the block's input and output, which the graph names after torchvision's
     * modules and which heads and feature extractors read, stay NCHW.
     */
    private String fusedBottleneck(int stage, int block, String input, int width, int out, int stride) {
        String c1 = add(blockConv(stage, block, 1), input, convNorm(width, 1, 1, 0, 1, true, NCHW, BLOCKED));
        String c2 = add(
                blockConv(stage, block, 2),
                c1,
                convNorm(width, 3, stride, 1, spec.cardinality(), true, BLOCKED, BLOCKED));
        String c3 = add(blockConv(stage, block, 3), c2, convNorm(out, 1, 1, 0, 1, false, BLOCKED, NCHW));
        String shortcut = block == 0
                ? add(downsampleConv(stage, block), input, convNorm(out, 1, stride, 0, 1, false, NCHW, NCHW))
                : input;
        String output = TorchNames.block(stage, block);
        graph.addVertex(output, new ResidualAddRelu(), c3, shortcut);
        return output;
    }

    /** A {@link Conv2dNormActivation} named after its convolution; returns that name. */
    private String add(String name, String input, Conv2dNormActivation.Builder layer) {
        graph.addLayer(name, layer.build(), input);
        return name;
    }

    private static Conv2dNormActivation.Builder convNorm(
            int nOut,
            int kernel,
            int stride,
            int padding,
            int groups,
            boolean relu,
            ActivationLayout inputLayout,
            ActivationLayout outputLayout) {
        return new Conv2dNormActivation.Builder(new GroupedConvolution.Builder(kernel, kernel)
                        .groups(groups)
                        .stride(stride, stride)
                        .padding(padding, padding)
                        .nOut(nOut)
                        .convolutionMode(ConvolutionMode.Truncate)
                        .weightInit(new KaimingNormalFanOut(1)))
                .eps(BN_EPS)
                .decay(BN_DECAY)
                .relu(relu)
                .layouts(inputLayout, outputLayout);
    }

    /**
     * The grouped 3x3 conv ({@code channels} in and out, {@code cardinality} groups, padding 1); returns the name of
     * its output vertex, which is {@code name} itself.
     */
    private String groupedConv3x3(String name, String input, int channels, int stride) {
        int groups = spec.cardinality();
        if (groups == 1) {
            conv(name, input, channels, 3, stride, 1, 1);
            return name;
        }
        int perGroup = channels / groups;
        String[] branches = new String[groups];
        for (int g = 0; g < groups; g++) {
            String slice = groupSlice(name, g);
            graph.addVertex(slice, new ChannelSliceVertex(g * perGroup, (g + 1) * perGroup - 1), input);
            branches[g] = groupConv(name, g);
            conv(branches[g], slice, perGroup, 3, stride, 1, groups);
        }
        graph.addVertex(name, new MergeVertex(), branches);
        return name;
    }

    private void conv(String name, String input, int nOut, int kernel, int stride, int padding, int groups) {
        graph.addLayer(
                name,
                new ConvolutionLayer.Builder(kernel, kernel)
                        .stride(stride, stride)
                        .padding(padding, padding)
                        .nOut(nOut)
                        .hasBias(false)
                        .convolutionMode(ConvolutionMode.Truncate)
                        .weightInit(new KaimingNormalFanOut(groups))
                        .activation(Activation.IDENTITY)
                        .build(),
                input);
    }

    private void batchNorm(String name, String input) {
        graph.addLayer(
                name,
                new BatchNormalization.Builder()
                        .eps(BN_EPS)
                        .decay(BN_DECAY)
                        .gamma(1.0)
                        .beta(0.0)
                        .activation(Activation.IDENTITY)
                        .build(),
                input);
    }

    private void relu(String name, String input) {
        graph.addLayer(
                name, new ActivationLayer.Builder().activation(Activation.RELU).build(), input);
    }
}
