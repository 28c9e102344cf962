package org.resnext4j.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.PretrainedType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resnext4j.zoo.ImageNetClasses;
import org.resnext4j.zoo.ModelSummary;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.TinySpecs;

/**
 * The built-in catalog holds torchvision's table, its metadata agrees with the architectures, and
 * {@code ResNeXt.initPretrained(entry)} through the downloader (a loopback server via the base URL override) gives
 * the same network as loading the file directly.
 */
class WeightsCatalogTest {

    @TempDir
    Path dir;

    private final WeightsCatalog catalog = WeightsCatalog.builtin();

    @ParameterizedTest
    @CsvSource({
        "resnet50.imagenet1k_v1,         resnet50-0676ba61.pth,         76.130, 92.862, 256, PYTORCH_LEGACY, tv_in1k",
        "resnet50.imagenet1k_v2,         resnet50-11ad3fa6.pth,         80.858, 95.434, 232, PYTORCH_ZIP,    tv2_in1k",
        "resnext50_32x4d.imagenet1k_v1,  resnext50_32x4d-7cdf4587.pth,  77.618, 93.698, 256, PYTORCH_LEGACY, tv_in1k",
        "resnext50_32x4d.imagenet1k_v2,  resnext50_32x4d-1a0047aa.pth,  81.198, 95.340, 232, PYTORCH_ZIP,    tv2_in1k",
        "resnext101_32x8d.imagenet1k_v1, resnext101_32x8d-8ba56ff5.pth, 79.312, 94.526, 256, PYTORCH_LEGACY, tv_in1k",
        "resnext101_32x8d.imagenet1k_v2, resnext101_32x8d-110c445d.pth, 82.834, 96.228, 232, PYTORCH_ZIP,    tv2_in1k",
        "resnext101_64x4d.imagenet1k_v1, resnext101_64x4d-173b62eb.pth, 83.246, 96.454, 232, PYTORCH_ZIP,    tv_in1k"
    })
    void entriesAreTorchvisionsTable(
            String name, String file, double acc1, double acc5, int resize, WeightFormat format, String timmTag) {
        WeightsEntry e = catalog.get(name);
        assertEquals(name, e.name());
        assertEquals(
                "https://download.pytorch.org/models/" + file, e.primary().url().toString());
        assertEquals(file, e.primary().fileName());
        assertEquals(format, e.primary().format());
        assertEquals(
                file.substring(file.lastIndexOf('-') + 1, file.lastIndexOf('.')),
                e.primary().sha256());
        assertTrue(e.primary().digestIsPrefix());
        assertEquals(acc1, e.acc1());
        assertEquals(acc5, e.acc5());
        assertEquals(InputTransform.imagenet(resize, 224), e.transform());
        assertEquals(InputTransform.Interpolation.BILINEAR, e.transform().interpolation());
        assertEquals(ImageNetClasses.names(), e.classNames());
        assertEquals(1000, e.spec().numClasses());
        WeightsSource timm = e.sources().get(1);
        assertEquals(
                "https://huggingface.co/timm/" + e.preset() + "." + timmTag + "/resolve/main/model.safetensors",
                timm.url().toString());
        assertEquals(WeightFormat.SAFETENSORS, timm.format());
        assertNull(timm.sha256(), "checked against the hub's advertised SHA-256");
        assertEquals(ModelSummary.of(e.spec()).trainableParams(), e.numParams(), "num_params is the architecture's");
    }

    @Test
    void namesAreCaseInsensitiveDefaultIsTheNewestTagAndUnknownNamesListTheKnownOnes() {
        assertEquals(7, catalog.entries().size());
        assertEquals(
                "resnext50_32x4d.imagenet1k_v2",
                catalog.get("ResNeXt50_32x4d.IMAGENET1K_V2").name());
        assertEquals(
                "resnext50_32x4d.imagenet1k_v2",
                catalog.get("resnext50_32x4d.DEFAULT").name());
        assertEquals(
                "resnext50_32x4d.imagenet1k_v2", catalog.get("resnext50_32x4d").name());
        assertEquals(
                "resnext101_64x4d.imagenet1k_v1",
                catalog.get("resnext101_64x4d").name());
        assertTrue(catalog.isDefault(catalog.get("resnet50.imagenet1k_v2")));
        assertFalse(catalog.isDefault(catalog.get("resnet50.imagenet1k_v1")));
        assertTrue(catalog.defaultFor("resnext50_64x4d").isEmpty(), "a preset without published weights");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> catalog.get("resnext50_32x4d.imagenet1k_v3"));
        assertEquals(
                "unknown weights \"resnext50_32x4d.imagenet1k_v3\", expected one of " + catalog.names()
                        + " (or <preset>.default)",
                e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> WeightsCatalog.of(List.of(catalog.get("resnet50"), catalog.get("resnet50"))));
    }

    @Test
    void zooContractAnswersFromTheCatalog() {
        String old = System.getProperty(PretrainedWeights.BASE_URL_PROPERTY);
        try {
            System.clearProperty(PretrainedWeights.BASE_URL_PROPERTY);
            ResNeXt model = ResNeXt.builder("resnext50_32x4d").build();
            assertTrue(model.pretrainedAvailable(PretrainedType.IMAGENET));
            assertFalse(model.pretrainedAvailable(PretrainedType.CIFAR10));
            assertEquals(
                    "https://download.pytorch.org/models/resnext50_32x4d-1a0047aa.pth",
                    model.pretrainedUrl(PretrainedType.IMAGENET));
            assertEquals(0L, model.pretrainedChecksum(PretrainedType.IMAGENET), "SHA-256 instead, see Javadoc");
            System.setProperty(PretrainedWeights.BASE_URL_PROPERTY, "http://127.0.0.1:9/mirror");
            assertEquals(
                    "http://127.0.0.1:9/mirror/resnext50_32x4d-1a0047aa.pth",
                    model.pretrainedUrl(PretrainedType.IMAGENET));
            assertNull(ResNeXt.builder("resnext50_64x4d").build().pretrainedUrl(PretrainedType.IMAGENET));
        } finally {
            WeightsDownloaderTest.restore(PretrainedWeights.BASE_URL_PROPERTY, old);
        }
    }

    @Test
    void initPretrainedThroughTheCatalogAndDownloaderEqualsLoadingTheFile() throws IOException {
        ResNeXt tiny = ResNeXt.builder(TinySpecs.resnext()).seed(99).build();
        Path served = dir.resolve("served.safetensors");
        TorchvisionWeights.save(tiny.init(), served, Map.of());
        byte[] bytes = Files.readAllBytes(served);
        WeightsEntry entry = TestEntries.tiny("V9", WeightsDownloaderTest.sha256(bytes));
        String oldBase = System.getProperty(PretrainedWeights.BASE_URL_PROPERTY);
        String oldDir = System.getProperty(PretrainedWeights.DIR_PROPERTY);
        try (LoopbackServer server = new LoopbackServer()) {
            server.on("/weights/" + entry.primary().fileName(), LoopbackServer.file(bytes));
            System.setProperty(
                    PretrainedWeights.BASE_URL_PROPERTY, server.url("/weights/").toString());
            System.setProperty(
                    PretrainedWeights.DIR_PROPERTY, dir.resolve("cache").toString());

            ResNeXt fresh = ResNeXt.builder(TinySpecs.resnext()).seed(1).build();
            ComputationGraph viaCatalog = fresh.initPretrained(entry);
            ComputationGraph direct = fresh.initPretrained(served);
            assertEquals(direct.params(), viaCatalog.params());
            assertEquals(1, server.requests().size());

            ComputationGraph tuned = fresh.initFineTune(entry, 3);
            assertEquals(1, server.requests().size(), "the second use is a cache hit");
            assertEquals(3, tuned.getParam("fc_W").size(1));
            assertEquals(direct.getParam("layer4.0.conv2_W"), tuned.getParam("layer4.0.conv2_W"));

            IllegalStateException classes = assertThrows(
                    IllegalStateException.class,
                    () -> ResNeXt.builder(TinySpecs.resnext().withNumClasses(7))
                            .build()
                            .initPretrained(entry));
            assertEquals(
                    "numClasses: the weights tiny_resnext.v9 have 5 classes, this model 7; use "
                            + "initFineTune(entry, numClasses)",
                    classes.getMessage());
        } finally {
            WeightsDownloaderTest.restore(PretrainedWeights.BASE_URL_PROPERTY, oldBase);
            WeightsDownloaderTest.restore(PretrainedWeights.DIR_PROPERTY, oldDir);
        }
    }
}
