package org.resnext4j.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.resnext4j.zoo.FeatureInfo;
import org.resnext4j.zoo.GraphForm;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.TorchNames;

/**
 * {@code ResNeXt.Builder.featuresOnly}: the stem and stage outputs of torchvision's {@code create_feature_extractor}
 * (timm's {@code features_only}) on the parity fixtures, within 1e-5 of the largest magnitude, in both graph forms,
 * from the same full state dict the classifier loads.
 */
class FeaturesOnlyTest {

    private static final double TOLERANCE = 1e-5;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tiny_resnext, FUSED", "tiny_resnext, SPLIT", "tiny_resnet, FUSED", "tiny_resnet, SPLIT"})
    void featuresAreTorchvisionsStemAndStageOutputs(String name, GraphForm form) throws Exception {
        Path weights = Fixtures.file(name + ".weights.safetensors");
        ResNeXtSpec spec = Fixtures.spec(weights).withForm(form);
        ResNeXt model = ResNeXt.builder(spec).featuresOnly().build();
        ComputationGraph net = model.init();
        TorchvisionWeights.LoadReport report = TorchvisionWeights.load(net, weights); // strict, the full state dict
        assertEquals(TorchvisionWeights.table(net).size(), report.loaded());
        assertEquals(Set.of("fc.weight", "fc.bias"), nonBufferKeys(report.ignored()), "only the classifier is left");
        assertFalse(net.getConfiguration().getVertices().containsKey(TorchNames.FC));
        assertFalse(net.getConfiguration().getVertices().containsKey(TorchNames.AVGPOOL));

        try (SafeTensorsReader io = SafeTensorsReader.open(Fixtures.file(name + ".io.safetensors"));
                SafeTensorsReader stem = SafeTensorsReader.open(Fixtures.file(name + ".features.safetensors"))) {
            INDArray x = io.getFloat("input");
            INDArray[] features = net.output(false, x);
            assertEquals(5, features.length);
            assertEquals(
                    List.of(
                            "features.relu",
                            "features.layer1",
                            "features.layer2",
                            "features.layer3",
                            "features.layer4"),
                    net.getConfiguration().getNetworkOutputs());
            List<FeatureInfo> info = model.featureInfo();
            assertEquals(spec.featureInfo(), info);
            for (int i = 0; i < 5; i++) {
                int r = info.get(i).reduction();
                long side = (spec.inputHeight() + r - 1) / r; // each stride-2 layer rounds up
                assertArrayEquals(
                        new long[] {x.size(0), info.get(i).channels(), side, side},
                        features[i].shape(),
                        info.get(i).name());
            }
            // the stem's map is stored for the first sample only (see tools/make_reference_fixtures.py)
            INDArray first = features[0].get(
                    NDArrayIndex.interval(0, 1), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
            double d0 = assertClose(stem.getFloat("relu"), first, "relu");
            double d4 = 0;
            for (int s = 1; s <= 4; s++) {
                d4 = Math.max(d4, assertClose(io.getFloat("layer" + s), features[s], "layer" + s));
            }
            System.out.println(
                    name + " " + form + ": max |feature diff| vs torchvision: stem " + d0 + ", stages " + d4);
        }
    }

    @Test
    void featureInfoIsTimmsForTheFullSizePresets() {
        List<FeatureInfo> expected = List.of(
                new FeatureInfo("relu", 64, 2),
                new FeatureInfo("layer1", 256, 4),
                new FeatureInfo("layer2", 512, 8),
                new FeatureInfo("layer3", 1024, 16),
                new FeatureInfo("layer4", 2048, 32));
        for (String preset : ResNeXtSpec.presetNames()) {
            assertEquals(expected, ResNeXtSpec.preset(preset).featureInfo(), preset);
        }
        assertEquals(
                expected.subList(1, 5),
                ResNeXt.builder("resnext50_32x4d")
                        .featuresOnly(1, 2, 3, 4)
                        .build()
                        .featureInfo());
        assertEquals(List.of(), ResNeXt.builder("resnext50_32x4d").build().featureInfo());
    }

    @ParameterizedTest
    @CsvSource({"FUSED", "SPLIT"})
    void outIndicesSelectAndPruneLikeTimm(GraphForm form) throws Exception {
        Path weights = Fixtures.file("tiny_resnext.weights.safetensors");
        ResNeXtSpec spec = Fixtures.spec(weights).withForm(form);
        ComputationGraph net = ResNeXt.builder(spec).featuresOnly(1, 2).build().init();
        Set<String> vertices = net.getConfiguration().getVertices().keySet();
        assertTrue(vertices.contains("layer2.1"));
        assertTrue(vertices.stream().noneMatch(v -> v.startsWith("layer3.") || v.startsWith("layer4.")), "pruned");
        TorchvisionWeights.LoadReport report = TorchvisionWeights.load(net, weights);
        Set<String> ignored = nonBufferKeys(report.ignored());
        assertTrue(ignored.contains("fc.weight") && ignored.contains("layer3.0.conv2.weight"), ignored.toString());
        assertTrue(ignored.contains("layer4.0.downsample.1.running_var"), ignored.toString());
        assertTrue(ignored.stream().noneMatch(k -> k.startsWith("layer1.") || k.startsWith("layer2.")));
        try (SafeTensorsReader io = SafeTensorsReader.open(Fixtures.file("tiny_resnext.io.safetensors"))) {
            INDArray[] out = net.output(false, io.getFloat("input"));
            assertEquals(2, out.length);
            assertClose(io.getFloat("layer1"), out[0], "layer1");
            assertClose(io.getFloat("layer2"), out[1], "layer2");
        }

        ComputationGraph stemOnly =
                ResNeXt.builder(spec).featuresOnly(0).build().init();
        assertFalse(stemOnly.getConfiguration().getVertices().containsKey(TorchNames.MAXPOOL), "ends at the stem");
        assertEquals(List.of("features.relu"), stemOnly.getConfiguration().getNetworkOutputs());
        TorchvisionWeights.load(stemOnly, weights);
        assertEquals(net.getParam("conv1_W"), stemOnly.getParam("conv1_W"));
    }

    @Test
    void aMissingOrUnknownTensorIsStillAnError(@TempDir Path dir) throws Exception {
        Path weights = Fixtures.file("tiny_resnext.weights.safetensors");
        ResNeXtSpec spec = Fixtures.spec(weights);
        Map<String, INDArray> sd = new LinkedHashMap<>();
        try (SafeTensorsReader r = SafeTensorsReader.open(weights)) {
            for (String k : r.names()) {
                if (!k.endsWith("num_batches_tracked")) {
                    sd.put(k, r.getFloat(k));
                }
            }
        }
        Map<String, INDArray> missing = new LinkedHashMap<>(sd);
        missing.remove("layer2.0.conv1.weight");
        Path m = dir.resolve("missing.safetensors");
        SafeTensorsWriter.write(m, missing, Map.of());
        ComputationGraph net = ResNeXt.builder(spec).featuresOnly(1, 2).build().init();
        INDArray before = net.params().dup();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TorchvisionWeights.load(net, m));
        assertTrue(e.getMessage().contains("1 missing key(s) [layer2.0.conv1.weight]"), e.getMessage());
        assertEquals(before, net.params(), "a failed load changes nothing");

        Map<String, INDArray> extra = new LinkedHashMap<>(sd);
        extra.put("head.weight", sd.get("fc.weight"));
        Path u = dir.resolve("extra.safetensors");
        SafeTensorsWriter.write(u, extra, Map.of());
        IllegalArgumentException e2 =
                assertThrows(IllegalArgumentException.class, () -> TorchvisionWeights.load(net, u));
        assertTrue(e2.getMessage().contains("1 unexpected key(s) [head.weight]"), e2.getMessage());

        // a classifier still needs its fc
        Map<String, INDArray> noFc = new LinkedHashMap<>(sd);
        noFc.remove("fc.weight");
        noFc.remove("fc.bias");
        Path f = dir.resolve("nofc.safetensors");
        SafeTensorsWriter.write(f, noFc, Map.of());
        ComputationGraph classifier = ResNeXt.builder(spec).build().init();
        IllegalArgumentException e3 =
                assertThrows(IllegalArgumentException.class, () -> TorchvisionWeights.load(classifier, f));
        assertTrue(e3.getMessage().contains("2 missing key(s) [fc.bias, fc.weight]"), e3.getMessage());
        TorchvisionWeights.load(ResNeXt.builder(spec).featuresOnly().build().init(), f); // features need no fc
    }

    @Test
    void badOutIndicesAndFineTuningAFeatureExtractorAreRefused() {
        ResNeXt.Builder b = ResNeXt.builder("resnet50");
        for (int[] bad : new int[][] {{2, 1}, {1, 1}, {5}, {-1, 0}, {}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.featuresOnly(bad));
            assertTrue(e.getMessage().startsWith("outIndices: expected"), e.getMessage());
        }
        ResNeXt features = ResNeXt.builder(ResNeXtSpec.tiny()).featuresOnly().build();
        IllegalStateException e = assertThrows(
                IllegalStateException.class, () -> features.initFineTune(Path.of("unused.safetensors"), true));
        assertTrue(e.getMessage().contains("features-only model has no classifier"), e.getMessage());
    }

    private static Set<String> nonBufferKeys(List<String> keys) {
        Set<String> s = new TreeSet<>(keys);
        s.removeIf(k -> k.endsWith("num_batches_tracked"));
        return s;
    }

    /** Asserts {@code |actual - expected| <= 1e-5 * max(1, max |expected|)}; returns the difference. */
    private static double assertClose(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
        double diff = actual.sub(expected).amaxNumber().doubleValue();
        assertTrue(diff <= TOLERANCE * scale, what + ": max |difference| " + diff + " at scale " + scale);
        return diff;
    }
}
