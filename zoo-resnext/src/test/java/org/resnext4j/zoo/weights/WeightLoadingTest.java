package org.resnext4j.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.zoo.PretrainedType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.ImageNetClasses;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

class WeightLoadingTest {

    @TempDir
    Path dir;

    private static final Path RESNEXT = Fixtures.file("tiny_resnext.weights.safetensors");
    private static final Path RESNET = Fixtures.file("tiny_resnet.weights.safetensors");

    @Test
    void batchNormRunningVarianceBecomesDl4jLog10Std() throws IOException {
        // one BatchNorm layer, DL4J's default log10(std) storage, against (x - mean) / sqrt(var + eps) * g + b
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .graphBuilder()
                .addInputs("in")
                .addLayer(
                        "bn",
                        new BatchNormalization.Builder()
                                .eps(1e-5)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "in")
                .setOutputs("bn")
                .setInputTypes(InputType.convolutional(2, 2, 3))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        assertTrue(
                net.paramTable().containsKey("bn_log10stdev"),
                net.paramTable().keySet().toString());
        INDArray g = Nd4j.createFromArray(0.5f, 1.5f, 2f);
        INDArray b = Nd4j.createFromArray(0.1f, -0.2f, 0.3f);
        INDArray mean = Nd4j.createFromArray(1f, -1f, 0.25f);
        INDArray var = Nd4j.createFromArray(4f, 0.01f, 2.5f);
        Path f = dir.resolve("bn.safetensors");
        SafeTensorsWriter.write(
                f, Map.of("bn.weight", g, "bn.bias", b, "bn.running_mean", mean, "bn.running_var", var), Map.of());
        TorchvisionWeights.load(net, f);
        assertEquals(Math.log10(Math.sqrt(4.0)), net.getParam("bn_log10stdev").getDouble(0), 1e-6);

        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 2, 2);
        INDArray out = net.outputSingle(false, x);
        for (int c = 0; c < 3; c++) {
            double expected =
                    (x.getDouble(1, c, 1, 0) - mean.getDouble(c)) / Math.sqrt(var.getDouble(c) + 1e-5) * g.getDouble(c)
                            + b.getDouble(c);
            assertEquals(expected, out.getDouble(1, c, 1, 0), 1e-5);
        }
        // and back: the export holds the variance again
        INDArray exported = TorchvisionWeights.stateDict(net).get("bn.running_var");
        assertEquals(0.0, exported.sub(var).amaxNumber().doubleValue(), 1e-5);
    }

    @Test
    void strictLoadListsMissingAndUnexpectedKeysAndLeavesGraphUntouched() {
        ComputationGraph net = ResNeXt.builder(Fixtures.spec(Map.of(
                        "name",
                        "x",
                        "blocks",
                        "1,2,1,1",
                        "cardinality",
                        "4",
                        "base_width",
                        "16",
                        "planes",
                        "16,32,64,128",
                        "stem_width",
                        "16",
                        "num_classes",
                        "10",
                        "size",
                        "64")))
                .build()
                .init();
        INDArray before = net.params().dup();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TorchvisionWeights.load(net, RESNET));
        String msg = e.getMessage();
        assertTrue(msg.startsWith(RESNET + ": the weights do not fit the model: "), msg);
        // the ResNeXt has 2 blocks in layer2, the ResNet 2 in layer1: 15 tensors each way, listed sorted
        assertTrue(msg.contains("15 missing key(s) [layer2.1.bn1.bias, layer2.1.bn1.running_mean"), msg);
        assertTrue(msg.contains("15 unexpected key(s) [layer1.1.bn1.bias, layer1.1.bn1.running_mean"), msg);
        assertTrue(msg.contains("... 3 more]"), msg);
        assertEquals(before, net.params());
    }

    @Test
    void classifierOfAnotherSizeNamesKeyAndShapes() throws IOException {
        ResNeXtSpec spec = Fixtures.spec(RESNEXT).withNumClasses(4);
        ComputationGraph net = ResNeXt.builder(spec).build().init();
        INDArray before = net.params().dup();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TorchvisionWeights.load(net, RESNEXT));
        assertTrue(
                e.getMessage()
                        .contains("tensor \"fc.weight\" has shape [10, 512] in the file, the model "
                                + "expects [4, 512]"),
                e.getMessage());
        assertEquals(before, net.params(), "nothing loaded before the shape check failed");
    }

    @Test
    void fineTuneLoadsAllButClassifierAndCanFreezeBackbone() throws IOException {
        ResNeXtSpec spec = Fixtures.spec(RESNEXT).withNumClasses(3);
        ComputationGraph full = ResNeXt.builder(Fixtures.spec(RESNEXT)).build().initPretrained(RESNEXT);
        ResNeXt four = ResNeXt.builder(spec).seed(5).build();

        ComputationGraph tuned = four.initFineTune(RESNEXT, false);
        assertEquals(full.getParam("layer4.0.conv2_W"), tuned.getParam("layer4.0.conv2_W"));
        assertEquals(full.getParam("conv1_log10stdev"), tuned.getParam("conv1_log10stdev"), "bn1 lives in conv1");
        assertEquals(3, tuned.getParam("fc_W").size(1));
        assertEquals(four.init().getParam("fc_W"), tuned.getParam("fc_W"), "fc keeps its fresh initialisation");

        ComputationGraph frozen = four.initFineTune(RESNEXT, true);
        assertTrue(frozen.getLayer("layer4.0.conv3") instanceof org.deeplearning4j.nn.layers.FrozenLayer
                || frozen.getLayer("layer4.0.conv3") instanceof FrozenLayerWithBackprop);
        INDArray backbone = frozen.getParam("layer2.0.conv1_W").dup();
        INDArray fc = frozen.getParam("fc_W").dup();
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 64, 64);
        INDArray y = Nd4j.eye(3).getRows(0, 1, 2, 0);
        frozen.fit(new DataSet(x, y));
        assertEquals(backbone, frozen.getParam("layer2.0.conv1_W"), "frozen backbone does not train");
        assertNotEquals(fc, frozen.getParam("fc_W"), "the classifier trains");
    }

    @Test
    void aFrozenBackboneMapsExportsAndRunsInItsInferenceFormAsTheUnfrozenGraph() throws IOException {
        ResNeXtSpec spec = Fixtures.spec(RESNEXT).withNumClasses(3);
        ResNeXt three = ResNeXt.builder(spec).seed(5).build();
        ComputationGraph tuned = three.initFineTune(RESNEXT, false);
        ComputationGraph frozen = three.initFineTune(RESNEXT, true);
        Map<String, INDArray> a = TorchvisionWeights.stateDict(tuned);
        Map<String, INDArray> b = TorchvisionWeights.stateDict(frozen); // failed on FrozenLayer before
        assertEquals(a.keySet(), b.keySet());
        a.forEach((k, v) -> assertEquals(v, b.get(k), k));
        if (org.resnext4j.zoo.InferenceModel.available()) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64);
            try (org.resnext4j.zoo.InferenceModel fast = org.resnext4j.zoo.InferenceModel.of(frozen, spec)) {
                INDArray expected = tuned.feedForward(x, false).get(org.resnext4j.zoo.TorchNames.FC);
                double err = fast.logits(x).sub(expected).norm2Number().doubleValue()
                        / expected.norm2Number().doubleValue();
                assertTrue(err < 1e-5, "relative error " + err);
            }
        }
    }

    @Test
    void imagenetWeightsComeFromTheCatalogAndAUserPlacedFileIsCheckedAgainstItsChecksum() throws Exception {
        ResNeXtSpec spec = Fixtures.spec(RESNEXT);
        String old = System.getProperty(PretrainedWeights.DIR_PROPERTY);
        String offline = System.getProperty(PretrainedWeights.OFFLINE_PROPERTY);
        System.setProperty(PretrainedWeights.DIR_PROPERTY, dir.toString());
        System.setProperty(PretrainedWeights.OFFLINE_PROPERTY, "true");
        try {
            // a custom spec has no catalog entry: DL4J's call says so and lists the catalog
            ResNeXt model = ResNeXt.builder(spec.withNumClasses(1000)).build();
            assertFalse(model.pretrainedAvailable(PretrainedType.IMAGENET));
            IllegalArgumentException none =
                    assertThrows(IllegalArgumentException.class, () -> model.initPretrained(PretrainedType.IMAGENET));
            assertTrue(
                    none.getMessage()
                            .startsWith("no pretrained weights for tiny_resnext in the catalog; it has "
                                    + "[resnet50.imagenet1k_v1, "),
                    none.getMessage());

            // a preset's IMAGENET weights are its DEFAULT entry, fetched by the downloader (offline here: not cached)
            ResNeXt resnext50 = ResNeXt.builder("resnext50_32x4d").build();
            assertTrue(resnext50.pretrainedAvailable(PretrainedType.IMAGENET));
            WeightsDownloadException offlineMiss = assertThrows(
                    WeightsDownloadException.class, () -> resnext50.initPretrained(PretrainedType.IMAGENET));
            assertEquals(WeightsDownloadException.Reason.OFFLINE_NOT_CACHED, offlineMiss.reason());
            assertTrue(
                    offlineMiss
                            .getMessage()
                            .contains("resnext50_32x4d.imagenet1k_v2 is not in the cache " + dir
                                    + ": expected resnext50_32x4d-1a0047aa.pth"),
                    offlineMiss.getMessage());

            // the older lookup of a user-placed <model>.safetensors and its .sha256 file still works
            FileNotFoundException missing =
                    assertThrows(FileNotFoundException.class, () -> PretrainedWeights.resolve("tiny_resnext", dir));
            assertTrue(
                    missing.getMessage()
                            .startsWith("No weights file for tiny_resnext: expected "
                                    + dir.resolve("tiny_resnext.safetensors")),
                    missing.getMessage());
            Path cached = dir.resolve("tiny_resnext.safetensors");
            Files.copy(RESNEXT, cached);
            Files.writeString(
                    dir.resolve("tiny_resnext.safetensors.sha256"),
                    PretrainedWeights.sha256(RESNEXT) + "  tiny_resnext.safetensors\n");
            assertEquals(PretrainedWeights.resolve("tiny_resnext", dir), cached);
            ResNeXt ten = ResNeXt.builder(spec).build();
            assertEquals(
                    ten.init().numParams(),
                    ten.initPretrained(PretrainedWeights.resolve("tiny_resnext", dir))
                            .numParams());

            Files.writeString(dir.resolve("tiny_resnext.safetensors.sha256"), "0".repeat(64) + "  x\n");
            IOException bad = assertThrows(IOException.class, () -> PretrainedWeights.resolve("tiny_resnext", dir));
            assertTrue(bad.getMessage().contains("SHA-256 mismatch: expected " + "0".repeat(64)), bad.getMessage());
        } finally {
            WeightsDownloaderTest.restore(PretrainedWeights.DIR_PROPERTY, old);
            WeightsDownloaderTest.restore(PretrainedWeights.OFFLINE_PROPERTY, offline);
        }
    }

    @Test
    void imageNetClassNames() {
        assertEquals(1000, ImageNetClasses.names().size());
        assertEquals("tench", ImageNetClasses.name(0));
        assertEquals("goldfish", ImageNetClasses.name(1));
        assertEquals("toilet tissue", ImageNetClasses.name(999));
        assertThrows(IllegalArgumentException.class, () -> ImageNetClasses.name(1000));
    }
}
