package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.weights.DownloadListener;
import org.resnext4j.zoo.weights.DownloadSettings;
import org.resnext4j.zoo.weights.InputTransform;
import org.resnext4j.zoo.weights.PretrainedWeights;
import org.resnext4j.zoo.weights.TorchvisionWeights;
import org.resnext4j.zoo.weights.WeightFormat;
import org.resnext4j.zoo.weights.WeightsDownloader;
import org.resnext4j.zoo.weights.WeightsEntry;
import org.resnext4j.zoo.weights.WeightsSource;

/**
 * {@link SavedModel#pretrained}: a catalog entry's file, served on 127.0.0.1 (the entry's own URL is on a host that
 * never resolves; the downloader's base URL points at the loopback server), becomes a model with the entry's class
 * names and evaluation transform, whose weights are the file's.
 */
class PretrainedSavedModelTest {

    @TempDir
    Path dir;

    @Test
    void aCatalogEntryBecomesAModelWithItsClassNamesAndTransform() throws IOException {
        ResNeXtSpec spec = ResNeXtSpec.tiny().withNumClasses(4).withInputShape(3, 32, 32);
        Path weights = dir.resolve("w.safetensors");
        TorchvisionWeights.save(ResNeXt.builder(spec).seed(3).build().init(), weights, Map.of());
        byte[] bytes = Files.readAllBytes(weights);
        String sha = PretrainedWeights.sha256(weights);
        String fileName = "tiny-" + sha.substring(0, 10) + ".safetensors";
        WeightsEntry entry = new WeightsEntry(
                spec,
                "SHAPES_V1",
                List.of(WeightsSource.hashNamed("https://weights.invalid/" + fileName, WeightFormat.SAFETENSORS)),
                100,
                90.0,
                Double.NaN,
                Double.NaN,
                InputTransform.imagenet(40, 32),
                List.of("circle", "square", "triangle", "star"));

        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/" + fileName, ex -> {
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        try {
            DownloadSettings settings = new DownloadSettings(
                    dir.resolve("cache"),
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"),
                    false,
                    1,
                    Duration.ofMillis(1),
                    Duration.ofMillis(1),
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(5),
                    null);
            try (SavedModel model =
                    SavedModel.pretrained(entry, new WeightsDownloader(settings, DownloadListener.NONE))) {
                assertEquals("tiny.shapes_v1", model.card().model());
                assertEquals(List.of("circle", "square", "triangle", "star"), model.classNames());
                assertEquals(
                        new PreprocessingConfig(
                                32, 40, new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}),
                        model.preprocessing());
                assertEquals(dir.resolve("cache").resolve(fileName), model.file());
                ComputationGraph direct = ResNeXt.builder(spec).build().initPretrained(weights);
                assertEquals(direct.params(), model.graph().params());

                Path image = dir.resolve("photo.png");
                BufferedImage img = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
                IntStream.range(0, 48).forEach(x -> img.setRGB(x, x % 40, 0xff8040));
                ImageIO.write(img, "png", image.toFile());
                List<SavedModel.Prediction> top = model.predict(image, 4);
                assertEquals(4, top.size());
                assertTrue(model.classNames().contains(top.get(0).label()));
            }
        } finally {
            server.stop(0);
        }
    }
}
