package org.resnext4j.zoo.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.resnext4j.zoo.GroupedConvForm;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.TorchNames;
import org.resnext4j.zoo.weights.TorchvisionWeights;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fused grouped convolution against the split form, against ND4J's convolution, and against finite differences. */
class GroupedConvolutionTest {

    private static final ResNeXtSpec TINY = ResNeXtSpec.builder().name("tiny").blocks(1, 1, 1, 1).cardinality(4)
            .baseWidth(32).planes(8, 16, 32, 64).stemWidth(8).numClasses(5).inputShape(3, 32, 32).build();

    /** Relative error {@code ||a - b|| / ||b||} (Frobenius norms, in double). */
    private static double relErr(INDArray a, INDArray b) {
        INDArray ad = a.castTo(DataType.DOUBLE);
        INDArray bd = b.castTo(DataType.DOUBLE);
        double norm = bd.norm2Number().doubleValue();
        return norm == 0 ? ad.norm2Number().doubleValue() : ad.sub(bd).norm2Number().doubleValue() / norm;
    }

    @Test
    void oneDnnComputesFusedLayersAndDl4jHelpersOnThisCpu() {
        ComputationGraph net = ResNeXt.builder(TINY).build().init();
        Conv2dNormActivationLayer layer = (Conv2dNormActivationLayer) net.getLayer("layer1.0.conv2");
        assertEquals("onednn", layer.kernelName());
        assertEquals(4, layer.layerConf().getGroups());
        assertTrue(layer.layerConf().isRelu());
        assertEquals("onednn", ((Conv2dNormActivationLayer) net.getLayer("conv1")).kernelName(), "plain convs too");
        assertEquals("onednn", ((ResidualAddReluVertex) net.getVertex("layer1.0")).kernelName(), "residual add");
        // DL4J's own oneDNN helpers, created thanks to the org.nd4j.nativeblas.Nd4jCpu shim
        ComputationGraph split = ResNeXt.builder(TINY.withGroupedConv(GroupedConvForm.SPLIT)).build().init();
        assertInstanceOf(MKLDNNConvHelper.class,
                ((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) split.getLayer("conv1")).getHelper());
        assertInstanceOf(MKLDNNBatchNormHelper.class,
                ((org.deeplearning4j.nn.layers.normalization.BatchNormalization) split.getLayer("bn1")).getHelper());
        assertInstanceOf(MKLDNNSubsamplingHelper.class,
                ((org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer) net.getLayer("maxpool"))
                        .getHelper());
    }

    @ParameterizedTest(name = "N{0} C{1} {2}x{3} OC{4} G{5} k{6} s{7} p{8}")
    @CsvSource({
        "2, 16, 9, 9, 16, 4, 3, 1, 1",
        "3, 32, 14, 11, 32, 32, 3, 2, 1",
        "1, 8, 7, 7, 16, 2, 3, 2, 0",
        "2, 12, 5, 6, 6, 3, 1, 1, 0",
        "2, 64, 8, 8, 64, 1, 3, 1, 1",
    })
    void oneDnnAndNd4jKernelsAgree(int n, int c, int h, int w, int oc, int g, int k, int s, int p) {
        ConvGeometry geo = new ConvGeometry(n, c, h, w, oc, g, k, k, s, s, p, p);
        Nd4j.getRandom().setSeed(42);
        INDArray x = Nd4j.randn(DataType.FLOAT, geo.inputShape());
        INDArray wt = Nd4j.randn(DataType.FLOAT, geo.weightShape());
        INDArray dy = Nd4j.randn(DataType.FLOAT, geo.outputShape());
        GroupedConvKernel onednn = OneDnnGroupedConv.instanceOrNull();
        GroupedConvKernel nd4j = Nd4jGroupedConv.INSTANCE;
        INDArray[] a = run(onednn, geo, x, wt, dy);
        INDArray[] b = run(nd4j, geo, x, wt, dy);
        String[] what = {"forward", "backward data", "backward weights"};
        for (int i = 0; i < 3; i++) {
            assertTrue(relErr(a[i], b[i]) < 1e-5, what[i] + " relative error " + relErr(a[i], b[i]));
        }
    }

    private static INDArray[] run(GroupedConvKernel k, ConvGeometry g, INDArray x, INDArray w, INDArray dy) {
        INDArray y = Nd4j.create(DataType.FLOAT, g.outputShape());
        INDArray dx = Nd4j.create(DataType.FLOAT, g.inputShape());
        INDArray dw = Nd4j.create(DataType.FLOAT, g.weightShape());
        k.forward(g, x, w, y);
        k.backwardData(g, dy, w, dx);
        k.backwardWeights(g, x, dy, dw);
        return new INDArray[] {y, dx, dw};
    }

    /** L = sum(conv(x, w) * r) is linear in x and in w, so central differences are exact up to rounding. */
    @Test
    void oneDnnGradientsMatchFiniteDifferences() {
        ConvGeometry g = new ConvGeometry(2, 8, 6, 6, 8, 4, 3, 3, 2, 2, 1, 1);
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.randn(DataType.FLOAT, g.inputShape());
        INDArray w = Nd4j.randn(DataType.FLOAT, g.weightShape());
        INDArray r = Nd4j.randn(DataType.FLOAT, g.outputShape());
        GroupedConvKernel k = OneDnnGroupedConv.instanceOrNull();
        INDArray dx = Nd4j.create(DataType.FLOAT, g.inputShape());
        INDArray dw = Nd4j.create(DataType.FLOAT, g.weightShape());
        k.backwardData(g, r, w, dx);
        k.backwardWeights(g, x, r, dw);
        double eps = 0.25;
        for (long i = 0; i < w.length(); i += 7) {
            double numeric = (loss(k, g, x, bump(w, i, eps), r) - loss(k, g, x, bump(w, i, -eps), r)) / (2 * eps);
            assertEquals(numeric, dw.getDouble(i), 2e-3 * Math.max(1, Math.abs(numeric)), "dL/dw[" + i + "]");
        }
        for (long i = 0; i < x.length(); i += 11) {
            double numeric = (loss(k, g, bump(x, i, eps), w, r) - loss(k, g, bump(x, i, -eps), w, r)) / (2 * eps);
            assertEquals(numeric, dx.getDouble(i), 2e-3 * Math.max(1, Math.abs(numeric)), "dL/dx[" + i + "]");
        }
    }

    private static INDArray bump(INDArray a, long i, double eps) {
        INDArray b = a.dup();
        b.putScalar(i, b.getDouble(i) + eps);
        return b;
    }

    private static double loss(GroupedConvKernel k, ConvGeometry g, INDArray x, INDArray w, INDArray r) {
        INDArray y = Nd4j.create(DataType.FLOAT, g.outputShape());
        k.forward(g, x, w, y);
        return y.castTo(DataType.DOUBLE).mul(r.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
    }

    @Test
    void fusedAndSplitGraphsGiveTheSameOutputsAndGradients() throws Exception {
        ComputationGraph fused = ResNeXt.builder(TINY).seed(3).build().init();
        ComputationGraph split = ResNeXt.builder(TINY.withGroupedConv(GroupedConvForm.SPLIT)).seed(9).build().init();
        java.nio.file.Path tmp = java.nio.file.Files.createTempFile("fused", ".safetensors");
        try {
            TorchvisionWeights.save(fused, tmp, Map.of());
            TorchvisionWeights.load(split, tmp);
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 3, 32, 32);
        INDArray y = Nd4j.eye(5).getRows(0, 1, 2, 3);
        assertTrue(relErr(fused.outputSingle(false, x), split.outputSingle(false, x)) < 1e-5, "inference outputs");
        Map<String, INDArray> ff = fused.feedForward(x, true);
        Map<String, INDArray> fs = split.feedForward(x, true);
        assertTrue(relErr(ff.get(TorchNames.FC), fs.get(TorchNames.FC)) < 1e-5, "training-mode logits");

        // compared tensor by tensor under torchvision's names: the fused form holds a batch norm in its convolution's
        // vertex, the split form a grouped conv's weight in its branches (stacked by output rows)
        Map<String, INDArray> gf = gradients(fused, x, y);
        Map<String, INDArray> gs = gradients(split, x, y);
        assertEquals(fused.score(), split.score(), 1e-5 * Math.abs(fused.score()));
        assertEquals(gs.keySet(), gf.keySet());
        assertTrue(gf.size() > 40, "compared " + gf.size());
        for (String key : gf.keySet()) {
            // per tensor: float rounding differs between the two graphs and grows towards the stem
            assertTrue(relErr(gf.get(key), gs.get(key)) < 1e-4, key + " gradient relative error "
                    + relErr(gf.get(key), gs.get(key)));
        }
        // In double precision (the fused form then runs on ND4J ops, the split form on DL4J's layers) the two forms
        // are the same function: outputs and gradients agree to 1e-9.
        ComputationGraph fusedDouble = fused.convertDataType(DataType.DOUBLE);
        ComputationGraph splitDouble = split.convertDataType(DataType.DOUBLE);
        INDArray xd = x.castTo(DataType.DOUBLE);
        assertTrue(relErr(fusedDouble.outputSingle(false, xd), splitDouble.outputSingle(false, xd)) < 1e-9);
        Map<String, INDArray> truth = gradients(fusedDouble, xd, y.castTo(DataType.DOUBLE));
        assertTrue(wholeRelErr(truth, gradients(splitDouble, xd, y.castTo(DataType.DOUBLE))) < 1e-9, "double");
        // In float, rounding along ~20 layers puts either form about 1.1-1.6e-5 from the double-precision gradient
        // (measured), so the forms agree to float's accuracy, not beyond it.
        assertTrue(wholeRelErr(gf, gs) < 3e-5, "whole-gradient relative error " + wholeRelErr(gf, gs));
        assertTrue(wholeRelErr(gf, truth) < 3e-5, "fused (oneDNN, float) against double " + wholeRelErr(gf, truth));
        assertTrue(wholeRelErr(gs, truth) < 3e-5, "split (DL4J, float) against double " + wholeRelErr(gs, truth));
    }

    private static Map<String, INDArray> gradients(ComputationGraph net, INDArray x, INDArray y) {
        net.setInputs(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        return gradientsByTorchName(net);
    }

    /** {@code ||a - b|| / ||b||} over all true gradients (running-statistics updates left out). */
    private static double wholeRelErr(Map<String, INDArray> a, Map<String, INDArray> b) {
        double diff2 = 0;
        double norm2 = 0;
        for (String k : b.keySet()) {
            if (!k.endsWith(".running_mean") && !k.endsWith(".running_var")) {
                INDArray bd = b.get(k).castTo(DataType.DOUBLE);
                diff2 += Math.pow(a.get(k).castTo(DataType.DOUBLE).sub(bd).norm2Number().doubleValue(), 2);
                norm2 += Math.pow(bd.norm2Number().doubleValue(), 2);
            }
        }
        return Math.sqrt(diff2 / norm2);
    }

    /** A graph's gradient per torchvision tensor (running statistics: DL4J's update values). */
    private static Map<String, INDArray> gradientsByTorchName(ComputationGraph net) {
        Map<String, INDArray> g = net.gradient().gradientForVariable();
        Map<String, INDArray> out = new java.util.TreeMap<>();
        for (TorchvisionWeights.Mapping m : TorchvisionWeights.table(net)) {
            INDArray[] parts = m.targets().stream().map(t -> g.get(t.key()).reshape(net.getParam(t.key()).shape()))
                    .toArray(INDArray[]::new);
            out.put(m.torchKey(), parts.length == 1 ? parts[0].reshape(parts[0].length())
                    : Nd4j.concat(0, parts).reshape(-1));
        }
        return out;
    }

    /**
     * DL4J's gradient check (double precision, central differences) through two stacked grouped convolutions, one with
     * stride 2 and a bias, between tanh layers; BatchNorm and ReLU are left out because their kinks and batch
     * statistics make finite differences of a whole ResNeXt unreliable, and the fused-versus-split test above covers
     * the full block.
     */
    @Test
    void dl4jGradientCheckThroughGroupedConvolutions() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3).updater(new NoOp()).dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Truncate)
                .graphBuilder().addInputs("in")
                .addLayer("g1", new GroupedConvolution.Builder(3, 3).groups(4).stride(2, 2).padding(1, 1).nOut(8)
                        .hasBias(true).build(), "in")
                .addLayer("t1", new ActivationLayer.Builder().activation(Activation.TANH).build(), "g1")
                .addLayer("g2", new GroupedConvolution.Builder(3, 3).groups(2).padding(1, 1).nOut(4)
                        .hasBias(false).build(), "t1")
                .addLayer("t2", new ActivationLayer.Builder().activation(Activation.TANH).build(), "g2")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "t2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").setInputTypes(InputType.convolutional(7, 6, 4)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        assertEquals("nd4j", ((GroupedConvolutionLayer) net.getLayer("g1")).kernelName(),
                "DOUBLE runs on ND4J ops (the oneDNN kernel is FLOAT only and is checked by finite differences above)");
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 4, 7, 6);
        INDArray y = Nd4j.eye(3).castTo(DataType.DOUBLE).getRows(0, 2);
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net)
                    .inputs(new INDArray[] {x}).labels(new INDArray[] {y})
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)
                    .subset(true).maxPerParam(40));
            assertTrue(ok, "DL4J gradient check");
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    @Test
    void invalidGroupsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GroupedConvolution.Builder(3, 3).groups(0));
        assertEquals("groups: expected a positive integer, got 0", e.getMessage());
        IllegalArgumentException nOut = assertThrows(IllegalArgumentException.class,
                () -> new GroupedConvolution.Builder(3, 3).groups(4).nOut(10).build());
        assertEquals("nOut: expected a multiple of groups (4), got 10", nOut.getMessage());
        IllegalArgumentException act = assertThrows(IllegalArgumentException.class,
                () -> new GroupedConvolution.Builder(3, 3).groups(2).nOut(4)
                        .activation(org.nd4j.linalg.activations.Activation.RELU).build());
        assertTrue(act.getMessage().startsWith("activation: GroupedConvolution supports only the identity"));
        IllegalArgumentException geo = assertThrows(IllegalArgumentException.class,
                () -> new ConvGeometry(1, 6, 8, 8, 8, 4, 3, 3, 1, 1, 1, 1));
        assertTrue(geo.getMessage().startsWith("groups: expected a positive divisor of the input channels (6)"));
    }
}
