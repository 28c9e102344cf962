package org.resnext4j.zoo.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.resnext4j.zoo.ChannelSliceVertex;
import org.resnext4j.zoo.kernels.AddReluKernel;
import org.resnext4j.zoo.kernels.ConvGeometry;
import org.resnext4j.zoo.kernels.ConvNormKernel;
import org.resnext4j.zoo.kernels.ConvNormOp;
import org.resnext4j.zoo.kernels.Kernels;
import org.resnext4j.zoo.kernels.nd4j.Nd4jEngine;
import org.resnext4j.zoo.kernels.onednn.OneDnnEngine;

/**
 * {@link Conv2dNormActivation} and {@link ResidualAddRelu} against the DL4J layers they replace (grouped convolution,
 * DL4J's BatchNormalization, ReLU), oneDNN against ND4J, and DL4J's gradient check.
 */
class Conv2dNormActivationTest {

    private static final String[] BN_KEYS = {"gamma", "beta", "mean", "log10stdev"};

    private static double relErr(INDArray a, INDArray b) {
        INDArray ad = a.castTo(DataType.DOUBLE).reshape(a.length());
        INDArray bd = b.castTo(DataType.DOUBLE).reshape(b.length());
        double n = bd.norm2Number().doubleValue();
        return n == 0
                ? ad.norm2Number().doubleValue()
                : ad.sub(bd).norm2Number().doubleValue() / n;
    }

    private static GroupedConvolution.Builder conv(int groups) {
        return new GroupedConvolution.Builder(3, 3)
                .groups(groups)
                .stride(2, 2)
                .padding(1, 1)
                .nOut(8)
                .hasBias(false)
                .weightInit(WeightInit.XAVIER);
    }

    /**
     * in -> (merged layer "c" | the split form: channel slices, DL4J convolutions "conv.group{g}" and a merge "conv",
     * DL4J BN "bn", ReLU "relu") -> pool -> out.
     */
    private static ComputationGraph net(boolean merged, boolean relu) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(1)
                .updater(new Sgd(0.1))
                .activation(Activation.IDENTITY)
                .convolutionMode(ConvolutionMode.Truncate)
                .graphBuilder()
                .addInputs("in");
        String last;
        if (merged) {
            b.addLayer(
                    "c",
                    new Conv2dNormActivation.Builder(conv(2))
                            .eps(1e-5)
                            .decay(0.9)
                            .relu(relu)
                            .build(),
                    "in");
            last = "c";
        } else {
            for (int g = 0; g < 2; g++) {
                b.addVertex("conv.slice" + g, new ChannelSliceVertex(2 * g, 2 * g + 1), "in")
                        .addLayer(
                                "conv.group" + g,
                                new ConvolutionLayer.Builder(3, 3)
                                        .stride(2, 2)
                                        .padding(1, 1)
                                        .nOut(4)
                                        .hasBias(false)
                                        .build(),
                                "conv.slice" + g);
            }
            b.addVertex("conv", new MergeVertex(), "conv.group0", "conv.group1")
                    .addLayer(
                            "bn",
                            new BatchNormalization.Builder()
                                    .eps(1e-5)
                                    .decay(0.9)
                                    .useLogStd(true)
                                    .build(),
                            "conv");
            last = "bn";
            if (relu) {
                b.addLayer(
                        "relu",
                        new ActivationLayer.Builder()
                                .activation(Activation.RELU)
                                .build(),
                        "bn");
                last = "relu";
            }
        }
        ComputationGraph net =
                new ComputationGraph(b.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last)
                        .addLayer(
                                "out",
                                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                        .nOut(3)
                                        .activation(Activation.SOFTMAX)
                                        .build(),
                                "pool")
                        .setOutputs("out")
                        .setInputTypes(InputType.convolutional(9, 7, 4))
                        .build());
        net.init();
        return net;
    }

    private static ComputationGraph withKernel(String kernel, java.util.function.Supplier<ComputationGraph> make) {
        String before = System.getProperty(Kernels.KERNEL_PROPERTY);
        System.setProperty(Kernels.KERNEL_PROPERTY, kernel);
        try {
            return make.get();
        } finally {
            if (before == null) {
                System.clearProperty(Kernels.KERNEL_PROPERTY);
            } else {
                System.setProperty(Kernels.KERNEL_PROPERTY, before);
            }
        }
    }

    /** The small case of the fused-versus-split equivalence: one grouped conv-BN(-ReLU), outputs and gradients. */
    @ParameterizedTest(name = "{0}, relu {1}")
    @CsvSource({"onednn, true", "onednn, false", "nd4j, true", "nd4j, false"})
    void matchesTheSplitFormWithDl4jBatchNormAndRelu(String kernel, boolean relu) {
        ComputationGraph ours = withKernel(kernel, () -> net(true, relu));
        ComputationGraph ref = net(false, relu);
        assertEquals(kernel, ((Conv2dNormActivationLayer) ours.getLayer("c")).kernelName());
        Nd4j.getRandom().setSeed(3);
        INDArray w = ours.getParam("c_W");
        ref.setParam("conv.group0_W", w.get(NDArrayIndex.interval(0, 4)).dup());
        ref.setParam("conv.group1_W", w.get(NDArrayIndex.interval(4, 8)).dup());
        for (String k : BN_KEYS) { // non-trivial gamma, beta and running statistics
            INDArray v =
                    Nd4j.rand(DataType.FLOAT, ours.getParam("c_" + k).shape()).subi(0.5);
            ours.setParam("c_" + k, v);
            ref.setParam("bn_" + k, v.reshape(ref.getParam("bn_" + k).shape()));
        }
        ref.setParam("out_W", ours.getParam("out_W"));
        INDArray x = Nd4j.randn(DataType.FLOAT, 3, 4, 9, 7).muli(2).addi(0.7);
        INDArray y = Nd4j.eye(3).getRows(0, 2, 1);
        String refOut = relu ? "relu" : "bn";

        assertTrue(relErr(ours.outputSingle(false, x), ref.outputSingle(false, x)) < 1e-5, "inference");
        assertTrue(
                relErr(
                                ours.feedForward(x, false).get("c"),
                                ref.feedForward(x, false).get(refOut))
                        < 1e-5,
                "inference activations");
        assertTrue(
                relErr(
                                ours.feedForward(x, true).get("c"),
                                ref.feedForward(x, true).get(refOut))
                        < 1e-5,
                "training-mode activations");
        for (ComputationGraph n : new ComputationGraph[] {ours, ref}) {
            n.setInputs(x);
            n.setLabels(y);
            n.computeGradientAndScore();
        }
        assertEquals(ref.score(), ours.score(), 1e-5);
        INDArray refW = Nd4j.concat(
                0,
                ref.gradient().gradientForVariable().get("conv.group0_W").reshape(4, 2, 3, 3),
                ref.gradient().gradientForVariable().get("conv.group1_W").reshape(4, 2, 3, 3));
        INDArray oursW = ours.gradient().gradientForVariable().get("c_W");
        assertTrue(relErr(oursW, refW) < 1e-5, "W gradient relative error " + relErr(oursW, refW));
        for (String k : BN_KEYS) {
            assertGradient(ours, "c_" + k, ref, "bn_" + k);
        }
        assertGradient(ours, "out_W", ref, "out_W");

        // one SGD step: weights, gamma and beta as DL4J's layers; running statistics updated as DL4J's BN does
        ours.fit(new DataSet(x, y));
        ref.fit(new DataSet(x, y));
        INDArray wAfter = Nd4j.concat(0, ref.getParam("conv.group0_W"), ref.getParam("conv.group1_W"));
        assertTrue(relErr(ours.getParam("c_W"), wAfter) < 1e-5, "W after fit");
        for (String k : BN_KEYS) {
            assertTrue(relErr(ours.getParam("c_" + k), ref.getParam("bn_" + k)) < 1e-5, k + " after fit");
        }
    }

    private static void assertGradient(ComputationGraph a, String ka, ComputationGraph b, String kb) {
        INDArray ga = a.gradient().gradientForVariable().get(ka);
        INDArray gb = b.gradient().gradientForVariable().get(kb);
        assertTrue(relErr(ga, gb) < 1e-5, ka + " gradient relative error " + relErr(ga, gb));
    }

    @ParameterizedTest(name = "N{0} C{1} {2}x{3} OC{4} G{5} k{6} s{7} p{8} relu {9}")
    @CsvSource({
        "2, 16, 9, 9, 16, 4, 3, 1, 1, true",
        "3, 32, 14, 11, 32, 32, 3, 2, 1, true",
        "2, 12, 5, 6, 12, 3, 1, 1, 0, false",
        "2, 3, 15, 15, 8, 1, 7, 2, 3, true",
        "2, 8, 6, 6, 20, 1, 1, 2, 0, false",
    })
    void oneDnnAndNd4jKernelsAgree(int n, int c, int h, int w, int oc, int g, int k, int s, int p, boolean relu) {
        ConvGeometry geo = new ConvGeometry(n, c, h, w, oc, g, k, k, s, s, p, p);
        Nd4j.getRandom().setSeed(42);
        INDArray x = Nd4j.randn(DataType.FLOAT, geo.inputShape());
        INDArray wt = Nd4j.randn(DataType.FLOAT, geo.weightShape());
        INDArray gamma = Nd4j.rand(DataType.FLOAT, oc).addi(0.5);
        INDArray beta = Nd4j.randn(DataType.FLOAT, oc);
        INDArray mean = Nd4j.randn(DataType.FLOAT, oc);
        INDArray var = Nd4j.rand(DataType.FLOAT, oc).addi(0.5);
        INDArray dy = Nd4j.randn(DataType.FLOAT, geo.outputShape());
        ConvNormOp nchw = ConvNormOp.nchw(geo, relu, 1e-5f);
        INDArray[] b = run(Nd4jEngine.INSTANCE.convNorm(), nchw, x, wt, gamma, beta, mean, var, dy);
        String[] what = {
            "training output", "batch mean", "batch variance", "dx", "dw", "dgamma", "dbeta", "inference output"
        };
        // oneDNN reading and writing nchw, then (where the channels divide by its block) the blocked layout
        ConvNormKernel onednn = OneDnnEngine.instanceOrNull().convNorm();
        int block = onednn.channelBlock();
        ConvNormOp blocked = new ConvNormOp(geo, relu, 1e-5f, c % block == 0, oc % block == 0);
        for (ConvNormOp op : new ConvNormOp[] {nchw, blocked}) {
            int inBlock = op.blockedInput() ? block : 0;
            int outBlock = op.blockedOutput() ? block : 0;
            INDArray[] a = run(
                    onednn,
                    op,
                    ActivationLayout.fromNchw(x, inBlock),
                    wt,
                    gamma,
                    beta,
                    mean,
                    var,
                    ActivationLayout.fromNchw(dy, outBlock));
            a[0] = ActivationLayout.toNchw(a[0], outBlock);
            a[3] = ActivationLayout.toNchw(a[3], inBlock);
            a[7] = ActivationLayout.toNchw(a[7], outBlock);
            for (int i = 0; i < what.length; i++) {
                assertTrue(relErr(a[i], b[i]) < 1e-4, op + ": " + what[i] + " relative error " + relErr(a[i], b[i]));
            }
        }
    }

    /** A layer without input gradient (the stem) returns none, and the same parameter gradients. */
    @Test
    void withoutInputGradientTheParameterGradientsAreTheSame() {
        LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 4, 7, 7);
        INDArray dy = null;
        Gradient[] grads = new Gradient[2];
        for (int k = 0; k < 2; k++) {
            boolean inputGradient = k == 0;
            Conv2dNormActivation conf = new Conv2dNormActivation.Builder(conv(2))
                    .relu(true)
                    .inputGradient(inputGradient)
                    .build();
            conf.setNIn(4);
            NeuralNetConfiguration nnc =
                    new NeuralNetConfiguration.Builder().seed(3).build();
            nnc.setLayer(conf);
            INDArray params = Nd4j.create(DataType.FLOAT, 1, conf.initializer().numParams(nnc));
            Conv2dNormActivationLayer layer = (Conv2dNormActivationLayer)
                    conf.instantiate(nnc, java.util.List.of(), 0, params, true, DataType.FLOAT);
            layer.setBackpropGradientsViewArray(Nd4j.create(DataType.FLOAT, params.shape()));
            layer.setInput(x, ws);
            INDArray y = layer.activate(true, ws);
            if (dy == null) {
                dy = Nd4j.randn(DataType.FLOAT, y.shape());
            }
            org.nd4j.common.primitives.Pair<Gradient, INDArray> p = layer.backpropGradient(dy, ws);
            assertEquals(inputGradient, p.getSecond() != null, "input gradient returned");
            grads[k] = p.getFirst();
        }
        for (String key : new String[] {"W", "gamma", "beta"}) {
            assertEquals(grads[0].getGradientFor(key), grads[1].getGradientFor(key), key);
        }
    }

    @Test
    void blockedLayoutConversionsAreInverseAndMoveChannelsInBlocks() {
        INDArray x = Nd4j.arange(2 * 16 * 3 * 2).castTo(DataType.FLOAT).reshape(2, 16, 3, 2);
        INDArray b = ActivationLayout.fromNchw(x, 8);
        // nChw8c: [n][c / 8][h][w][c % 8]; element (n 1, c 10, h 2, w 1) sits at ((1 * 2 + 1) * 3 + 2) * 2 + 1) * 8 + 2
        long offset = ((((1 * 2 + 1) * 3 + 2) * 2 + 1) * 8) + 2;
        assertEquals(x.getFloat(1, 10, 2, 1), b.reshape(b.length()).getFloat(offset));
        assertEquals(x, ActivationLayout.toNchw(b, 8));
        assertEquals(x, ActivationLayout.toNchw(x, 0));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ActivationLayout.toNchw(x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 12)), 8));
        assertTrue(e.getMessage().contains("C a multiple of 8"), e.getMessage());
    }

    private static INDArray[] run(
            ConvNormKernel kernel,
            ConvNormOp op,
            INDArray x,
            INDArray w,
            INDArray gamma,
            INDArray beta,
            INDArray mean,
            INDArray var,
            INDArray dy) {
        ConvGeometry g = op.g();
        long oc = g.outChannels();
        INDArray y = Nd4j.create(DataType.FLOAT, g.outputShape());
        INDArray saved = Nd4j.create(DataType.FLOAT, kernel.savedLength(op));
        INDArray bm = Nd4j.create(DataType.FLOAT, oc);
        INDArray bv = Nd4j.create(DataType.FLOAT, oc);
        ConvNormKernel.Inputs in = new ConvNormKernel.Inputs(x, w, gamma, beta);
        kernel.forwardTraining(op, in, y, new ConvNormKernel.Saved(saved, bm, bv));
        INDArray dx = Nd4j.create(DataType.FLOAT, g.inputShape());
        INDArray dw = Nd4j.create(DataType.FLOAT, g.weightShape());
        INDArray dGamma = Nd4j.create(DataType.FLOAT, oc);
        INDArray dBeta = Nd4j.create(DataType.FLOAT, oc);
        kernel.backward(
                op,
                in,
                new ConvNormKernel.Saved(saved, bm, bv),
                dy,
                new ConvNormKernel.Gradients(dx, dw, dGamma, dBeta));
        INDArray yInf = Nd4j.create(DataType.FLOAT, g.outputShape());
        kernel.forwardInference(op, in, mean, var, yInf);
        return new INDArray[] {y, bm, bv, dx, dw, dGamma, dBeta, yInf};
    }

    /**
     * DL4J's gradient check (double precision, ND4J kernels) through a residual block in miniature: a grouped
     * conv-BN-ReLU, a conv-BN, and the add-ReLU with the block input. The running statistics are not gradients and
     * are left out.
     */
    @Test
    void dl4jGradientCheckThroughConvNormAndResidual() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3)
                .updater(new NoOp())
                .dataType(DataType.DOUBLE)
                .convolutionMode(ConvolutionMode.Truncate)
                .graphBuilder()
                .addInputs("in")
                .addLayer(
                        "a",
                        new Conv2dNormActivation.Builder(new GroupedConvolution.Builder(3, 3)
                                        .groups(2)
                                        .padding(1, 1)
                                        .nOut(4)
                                        .weightInit(WeightInit.XAVIER))
                                .relu(true)
                                .build(),
                        "in")
                .addLayer(
                        "b",
                        new Conv2dNormActivation.Builder(new GroupedConvolution.Builder(1, 1)
                                        .nOut(4)
                                        .weightInit(WeightInit.XAVIER))
                                .build(),
                        "a")
                .addVertex("res", new ResidualAddRelu(), "b", "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "res")
                .addLayer(
                        "out",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                .nOut(3)
                                .activation(Activation.SOFTMAX)
                                .weightInit(WeightInit.XAVIER)
                                .build(),
                        "pool")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(6, 7, 4))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        assertEquals("nd4j", ((Conv2dNormActivationLayer) net.getLayer("a")).kernelName());
        assertEquals("nd4j", ((ResidualAddReluVertex) net.getVertex("res")).kernelName());
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 4, 6, 7);
        INDArray y = Nd4j.eye(3).castTo(DataType.DOUBLE).getRows(0, 2, 1);
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
                    .net(net)
                    .inputs(new INDArray[] {x})
                    .labels(new INDArray[] {y})
                    .epsilon(1e-6)
                    .maxRelError(1e-5)
                    .minAbsoluteError(1e-9)
                    .excludeParams(Set.of("a_mean", "a_log10stdev", "b_mean", "b_log10stdev")));
            assertTrue(ok, "DL4J gradient check");
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void residualAddReluOnOneDnnMatchesNd4j() {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .graphBuilder()
                .addInputs("a", "b")
                .addVertex("res", new ResidualAddRelu(), "a", "b")
                .setOutputs("res")
                .setInputTypes(InputType.convolutional(5, 6, 3), InputType.convolutional(5, 6, 3))
                .build());
        net.init();
        ResidualAddReluVertex v = (ResidualAddReluVertex) net.getVertex("res");
        assertEquals("onednn", v.kernelName());
        Nd4j.getRandom().setSeed(4);
        INDArray a = Nd4j.randn(DataType.FLOAT, 2, 3, 5, 6);
        INDArray b = Nd4j.randn(DataType.FLOAT, 2, 3, 5, 6);
        INDArray expected = a.add(b);
        expected.muli(expected.gt(0).castTo(DataType.FLOAT));
        assertEquals(expected, net.outputSingle(a, b));

        AddReluKernel k = OneDnnEngine.instanceOrNull().addRelu();
        INDArray y = a.ulike();
        k.forward(a, b, y);
        INDArray dy = Nd4j.randn(DataType.FLOAT, 2, 3, 5, 6);
        INDArray g = a.ulike();
        k.backward(y, dy, g);
        assertEquals(dy.mul(expected.gt(0).castTo(DataType.FLOAT)), g, "gradient passes where the sum is positive");
    }

    @Test
    void badConfigurationsAreNamed() {
        IllegalArgumentException eps =
                assertThrows(IllegalArgumentException.class, () -> new Conv2dNormActivation.Builder(conv(2)).eps(0));
        assertEquals("eps: expected a positive finite number, got 0.0", eps.getMessage());
        IllegalArgumentException decay = assertThrows(
                IllegalArgumentException.class, () -> new Conv2dNormActivation.Builder(conv(2)).decay(1.5));
        assertEquals("decay: expected a number in [0, 1], got 1.5", decay.getMessage());
        IllegalArgumentException nOut = assertThrows(
                IllegalArgumentException.class, () -> new Conv2dNormActivation.Builder(conv(3).nOut(8)).build());
        assertEquals("nOut: expected a multiple of groups (3), got 8", nOut.getMessage());
        ComputationGraph net = net(true, true);
        net.getLayer("c").setInput(Nd4j.randn(DataType.FLOAT, 2, 4, 9, 7), LayerWorkspaceMgr.noWorkspaces());
        net.getLayer("c").activate(false, LayerWorkspaceMgr.noWorkspaces());
        IllegalStateException backprop = assertThrows(
                IllegalStateException.class,
                () -> net.getLayer("c")
                        .backpropGradient(Nd4j.randn(DataType.FLOAT, 2, 8, 5, 4), LayerWorkspaceMgr.noWorkspaces()));
        assertTrue(
                backprop.getMessage().contains("backprop without a training-mode forward pass"), backprop.getMessage());
        InvalidInputTypeException shapes = assertThrows(
                InvalidInputTypeException.class,
                () -> new ResidualAddRelu()
                        .getOutputType(0, InputType.convolutional(5, 6, 3), InputType.convolutional(5, 6, 4)));
        assertTrue(
                shapes.getMessage()
                        .startsWith("ResidualAddRelu: the residual and the shortcut must have the same " + "shape"),
                shapes.getMessage());
    }
}
