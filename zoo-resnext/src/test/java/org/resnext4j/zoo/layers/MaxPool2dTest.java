package org.resnext4j.zoo.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.resnext4j.zoo.kernels.MaxPoolKernel;
import org.resnext4j.zoo.kernels.PoolGeometry;
import org.resnext4j.zoo.kernels.nd4j.Nd4jEngine;
import org.resnext4j.zoo.kernels.onednn.OneDnnEngine;

/**
 * {@link MaxPool2d}: oneDNN and ND4J kernels agree, the vertex equals DL4J's SubsamplingLayer(MAX, Truncate) forward
 * and backward, DL4J's gradient check passes through it, its configuration round-trips, bad windows are refused.
 */
class MaxPool2dTest {

    private static double relErr(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue()
                / Math.max(1e-12, b.norm2Number().doubleValue());
    }

    @ParameterizedTest(name = "N{0} C{1} {2}x{3} k{4} s{5} p{6}")
    @CsvSource({
        "4, 64, 32, 32, 3, 2, 1", // the stem's pool at 64 px: channel-blocked inside oneDNN
        "2, 16, 9, 7, 3, 2, 1", // odd sizes
        "3, 3, 8, 8, 2, 2, 0", // channels not a multiple of the block: nchw
        "2, 8, 5, 6, 3, 1, 1",
    })
    void oneDnnAndNd4jKernelsAgree(int n, int c, int h, int w, int k, int s, int p) {
        PoolGeometry g = new PoolGeometry(n, c, h, w, k, k, s, s, p, p);
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.randn(DataType.FLOAT, g.inputShape());
        INDArray dy = Nd4j.randn(DataType.FLOAT, g.outputShape());
        INDArray[] b = run(Nd4jEngine.INSTANCE.maxPool(), g, false, x, dy);
        assertTrue(b[1].sumNumber().doubleValue() != 0, "the gradient reaches the input");
        String[] what = {"training output", "dx", "inference output"};
        MaxPoolKernel onednn = OneDnnEngine.instanceOrNull().maxPool();
        int block = onednn.channelBlock();
        // oneDNN reading nchw, then (where the channels divide by its block) its channel-blocked layout
        for (boolean blocked : new boolean[] {false, c % block == 0}) {
            int inBlock = blocked ? block : 0;
            INDArray[] a = run(onednn, g, blocked, ActivationLayout.fromNchw(x, inBlock), dy);
            a[1] = ActivationLayout.toNchw(a[1], inBlock);
            for (int i = 0; i < what.length; i++) {
                assertTrue(
                        relErr(a[i], b[i]) < 1e-6,
                        "blocked input " + blocked + ": " + what[i] + " relative error " + relErr(a[i], b[i]));
            }
        }
    }

    private static INDArray[] run(MaxPoolKernel kernel, PoolGeometry g, boolean blocked, INDArray x, INDArray dy) {
        INDArray y = Nd4j.create(DataType.FLOAT, g.outputShape());
        long n = kernel.savedLength(g);
        INDArray saved = n == 0 ? null : Nd4j.create(DataType.FLOAT, n);
        kernel.forwardTraining(g, blocked, x, y, saved);
        INDArray dx = Nd4j.create(DataType.FLOAT, g.inputShape());
        kernel.backward(g, blocked, x, saved, dy, dx);
        INDArray yInf = Nd4j.create(DataType.FLOAT, g.outputShape());
        kernel.forwardInference(g, blocked, x, yInf);
        return new INDArray[] {y, dx, yInf};
    }

    /** input, a 1x1 convolution (so that the pool's input gradient shows in a weight gradient), a max pool (ours or
     * DL4J's), a 3-way output layer. */
    private static ComputationGraph net(boolean ours, DataType dataType) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(11)
                .updater(new NoOp())
                .dataType(dataType)
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer(
                        "conv",
                        new ConvolutionLayer.Builder(1, 1)
                                .nOut(16)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "in");
        if (ours) {
            b.addVertex("pool", new MaxPool2d(3, 2, 1), "conv");
        } else {
            b.addLayer(
                    "pool",
                    new SubsamplingLayer.Builder(PoolingType.MAX)
                            .kernelSize(3, 3)
                            .stride(2, 2)
                            .padding(1, 1)
                            .convolutionMode(ConvolutionMode.Truncate)
                            .build(),
                    "conv");
        }
        ComputationGraph net = new ComputationGraph(b.addLayer(
                        "out",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                .nOut(3)
                                .activation(Activation.SOFTMAX)
                                .build(),
                        "pool")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(9, 10, 16))
                .build());
        net.init();
        return net;
    }

    @Test
    void equalsDl4jSubsamplingLayerForwardAndBackward() {
        ComputationGraph ours = net(true, DataType.FLOAT);
        ComputationGraph dl4j = net(false, DataType.FLOAT);
        dl4j.setParams(ours.params());
        assertEquals("onednn", ((MaxPool2dVertex) ours.getVertex("pool")).kernelName());
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 16, 9, 10);
        INDArray y = Nd4j.eye(3).castTo(DataType.FLOAT).getRows(0, 2);
        assertTrue(relErr(
                        ours.feedForward(x, false).get("pool"),
                        dl4j.feedForward(x, false).get("pool"))
                < 1e-7);
        for (ComputationGraph net : new ComputationGraph[] {ours, dl4j}) {
            net.setInputs(x);
            net.setLabels(y);
            net.computeGradientAndScore();
        }
        INDArray a = ours.gradient().getGradientFor("conv_W");
        INDArray b = dl4j.gradient().getGradientFor("conv_W");
        assertTrue(b.norm2Number().doubleValue() > 0);
        assertTrue(relErr(a, b) < 1e-6, "the gradient through the pool, relative error " + relErr(a, b));
    }

    @Test
    void dl4jGradientCheckThroughTheVertex() {
        ComputationGraph net = net(true, DataType.DOUBLE);
        assertEquals("nd4j", ((MaxPool2dVertex) net.getVertex("pool")).kernelName());
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 16, 9, 10);
        INDArray y = Nd4j.eye(3).castTo(DataType.DOUBLE).getRows(2, 0);
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
                    .net(net)
                    .inputs(new INDArray[] {x})
                    .labels(new INDArray[] {y})
                    .epsilon(1e-6)
                    .maxRelError(1e-5)
                    .minAbsoluteError(1e-9)));
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void configurationRoundTripsAndBadWindowsAreRefused() {
        ComputationGraphConfiguration conf = net(true, DataType.FLOAT).getConfiguration();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(new MaxPool2d(3, 2, 1), back.getVertices().get("pool"));
        MaxPool2d blocked = new MaxPool2d(3, 2, 1).withInputLayout(ActivationLayout.BLOCKED);
        assertTrue(!blocked.equals(new MaxPool2d(3, 2, 1)), "the layout is part of the configuration");
        assertEquals(conf, back);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(3, 2, 2));
        assertTrue(e.getMessage().contains("padding at most half the window"), e.getMessage());
        InvalidInputTypeException tooSmall = assertThrows(
                InvalidInputTypeException.class,
                () -> new MaxPool2d(5, 1, 0).getOutputType(0, InputType.convolutional(3, 3, 4)));
        assertTrue(tooSmall.getMessage().contains("smaller than the 5x5 window"), tooSmall.getMessage());
    }
}
