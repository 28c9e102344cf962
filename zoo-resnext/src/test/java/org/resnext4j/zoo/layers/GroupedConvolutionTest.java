package org.resnext4j.zoo.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.GraphForm;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.TinySpecs;
import org.resnext4j.zoo.TorchNames;
import org.resnext4j.zoo.kernels.ConvGeometry;
import org.resnext4j.zoo.weights.TorchvisionWeights;

/**
 * The fused form against the split form (outputs and gradients of a whole tiny ResNeXt), which kernels run, and the
 * grouped convolution's configuration errors. The fused layer's kernels against each other, finite differences and
 * DL4J's gradient check are in {@link Conv2dNormActivationTest}.
 */
class GroupedConvolutionTest {

    private static final ResNeXtSpec TINY = TinySpecs.resnext();

    /** Relative error {@code ||a - b|| / ||b||} (Frobenius norms, in double). */
    private static double relErr(INDArray a, INDArray b) {
        INDArray ad = a.castTo(DataType.DOUBLE);
        INDArray bd = b.castTo(DataType.DOUBLE);
        double norm = bd.norm2Number().doubleValue();
        return norm == 0
                ? ad.norm2Number().doubleValue()
                : ad.sub(bd).norm2Number().doubleValue() / norm;
    }

    @Test
    void oneDnnComputesTheFusedLayersAndBuildingChangesNoGlobalState() {
        ComputationGraph net = ResNeXt.builder(TINY).build().init();
        Conv2dNormActivationLayer layer = (Conv2dNormActivationLayer) net.getLayer("layer1.0.conv2");
        assertEquals("onednn", layer.kernelName());
        assertEquals(4, layer.layerConf().getGroups());
        assertTrue(layer.layerConf().isRelu());
        assertEquals("onednn", ((Conv2dNormActivationLayer) net.getLayer("conv1")).kernelName(), "plain convs too");
        assertEquals("onednn", ((ResidualAddReluVertex) net.getVertex("layer1.0")).kernelName(), "residual add");
        // building a model changes no global state: DL4J's helper switch is the application's (examples' Cli)
        assertNull(System.getProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY));
        ComputationGraph split =
                ResNeXt.builder(TINY.withForm(GraphForm.SPLIT)).build().init();
        assertNull(System.getProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY));
        assertNull(
                ((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) split.getLayer("conv1")).getHelper(),
                "DL4J's helpers stay off unless the application turns them on");
    }

    @Test
    void fusedAndSplitGraphsGiveTheSameOutputsAndGradients() throws Exception {
        ComputationGraph fused = ResNeXt.builder(TINY).seed(3).build().init();
        ComputationGraph split =
                ResNeXt.builder(TINY.withForm(GraphForm.SPLIT)).seed(9).build().init();
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
            assertTrue(
                    relErr(gf.get(key), gs.get(key)) < 1e-4,
                    key + " gradient relative error " + relErr(gf.get(key), gs.get(key)));
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
                diff2 += Math.pow(
                        a.get(k).castTo(DataType.DOUBLE).sub(bd).norm2Number().doubleValue(), 2);
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
            INDArray[] parts = m.targets().stream()
                    .map(t -> g.get(t.key()).reshape(net.getParam(t.key()).shape()))
                    .toArray(INDArray[]::new);
            out.put(
                    m.torchKey(),
                    parts.length == 1
                            ? parts[0].reshape(parts[0].length())
                            : Nd4j.concat(0, parts).reshape(-1));
        }
        return out;
    }

    @Test
    void invalidGroupsAreNamed() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new GroupedConvolution.Builder(3, 3).groups(0));
        assertEquals("groups: expected a positive integer, got 0", e.getMessage());
        IllegalArgumentException nOut = assertThrows(
                IllegalArgumentException.class,
                () -> new Conv2dNormActivation.Builder(
                                new GroupedConvolution.Builder(3, 3).groups(4).nOut(10))
                        .build());
        assertEquals("nOut: expected a multiple of groups (4), got 10", nOut.getMessage());
        IllegalArgumentException act = assertThrows(
                IllegalArgumentException.class,
                () -> new Conv2dNormActivation.Builder(new GroupedConvolution.Builder(3, 3)
                                .groups(2)
                                .nOut(4)
                                .activation(org.nd4j.linalg.activations.Activation.RELU))
                        .build());
        assertTrue(act.getMessage().startsWith("activation: GroupedConvolution supports only the identity"));
        IllegalArgumentException geo = assertThrows(
                IllegalArgumentException.class, () -> new ConvGeometry(1, 6, 8, 8, 8, 4, 3, 3, 1, 1, 1, 1));
        assertTrue(geo.getMessage().startsWith("groups: expected a positive divisor of the input channels (6)"));
    }
}
