package org.resnext4j.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.zoo.GraphForm;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.TorchNames;

/**
 * Numerical parity with torchvision: reduced ResNeXt (cardinality 4) and ResNet (cardinality 1) with random weights
 * and non-trivial BatchNorm statistics, eval-mode logits from PyTorch 1.13 / torchvision 0.14.
 */
class TorchvisionParityTest {

    /** Parity of a loaded graph with the fixture; returns the maximum absolute logit difference. */
    static double assertParity(ComputationGraph net, ResNeXtSpec spec, Path io) throws Exception {
        try (SafeTensorsReader r = SafeTensorsReader.open(io)) {
            Map<String, INDArray> acts = net.feedForward(r.getFloat("input"), false);
            INDArray expected = r.getFloat("logits");
            INDArray actual = acts.get(TorchNames.FC);
            assertArrayEquals(expected.shape(), actual.shape());
            double scale = expected.amaxNumber().doubleValue();
            double maxDiff = actual.sub(expected).amaxNumber().doubleValue();
            assertTrue(
                    maxDiff <= 1e-4 * Math.max(1.0, scale),
                    "max |logit difference| " + maxDiff + " at logit scale " + scale);
            assertEquals(expected.argMax(1), actual.argMax(1), "top-1 of every sample");
            for (int stage = 1; stage <= 4; stage++) {
                INDArray ref = r.getFloat("layer" + stage);
                INDArray got = acts.get(TorchNames.stageOutput(spec, stage));
                assertArrayEquals(ref.shape(), got.shape(), "layer" + stage);
                double d = got.sub(ref).amaxNumber().doubleValue();
                assertTrue(d <= 1e-4 * Math.max(1.0, ref.amaxNumber().doubleValue()), "layer" + stage + " diff " + d);
            }
            INDArray softmax = acts.get(TorchNames.OUTPUT);
            assertTrue(softmax.sub(r.getFloat("softmax")).amaxNumber().doubleValue() < 1e-5);
            return maxDiff;
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tiny_resnext, FUSED", "tiny_resnext, SPLIT", "tiny_resnet, FUSED"})
    void importedWeightsReproduceTorchvisionLogits(String name, GraphForm form) throws Exception {
        Path weights = Fixtures.file(name + ".weights.safetensors");
        ResNeXtSpec spec = Fixtures.spec(weights).withForm(form);
        ComputationGraph net = ResNeXt.builder(spec).build().init();
        TorchvisionWeights.LoadReport report = TorchvisionWeights.load(net, weights);
        assertTrue(report.ignored().stream().allMatch(k -> k.endsWith(".num_batches_tracked")), report.toString());
        assertEquals(TorchvisionWeights.table(net).size(), report.loaded());
        double diff = assertParity(net, spec, Fixtures.file(name + ".io.safetensors"));
        System.out.println(name + " " + form + ": max |logit diff| vs torchvision = " + diff);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tiny_resnext, FUSED", "tiny_resnext, SPLIT", "tiny_resnet, FUSED"})
    void exportThenImportGivesIdenticalOutputs(String name, GraphForm form, @TempDir Path dir) throws Exception {
        Path weights = Fixtures.file(name + ".weights.safetensors");
        ResNeXtSpec spec = Fixtures.spec(weights).withForm(form);
        ComputationGraph net = ResNeXt.builder(spec).build().init();
        TorchvisionWeights.load(net, weights);

        Path exported = dir.resolve("exported.safetensors");
        TorchvisionWeights.save(net, exported, Map.of("model", spec.name()));
        ComputationGraph again = ResNeXt.builder(spec).seed(999).build().init();
        TorchvisionWeights.load(again, exported);
        INDArray x;
        try (SafeTensorsReader io = SafeTensorsReader.open(Fixtures.file(name + ".io.safetensors"))) {
            x = io.getFloat("input");
        }
        assertEquals(net.outputSingle(false, x), again.outputSingle(false, x));
        assertEquals(net.params(), again.params());

        // the export holds torchvision's tensors: same keys (less num_batches_tracked), same values
        try (SafeTensorsReader orig = SafeTensorsReader.open(weights);
                SafeTensorsReader back = SafeTensorsReader.open(exported)) {
            assertEquals("model", back.metadata().keySet().iterator().next());
            long expectedKeys = orig.tensors().keySet().stream()
                    .filter(k -> !k.endsWith("num_batches_tracked"))
                    .count();
            assertEquals(expectedKeys, back.tensors().size());
            for (String k : back.tensors().keySet()) {
                INDArray a = orig.getFloat(k);
                INDArray b = back.getFloat(k);
                assertArrayEquals(a.shape(), b.shape(), k);
                double tol = k.endsWith("running_var") ? 1e-5 * a.amaxNumber().doubleValue() : 0.0;
                assertTrue(a.sub(b).amaxNumber().doubleValue() <= tol, k);
            }
        }
    }
}
