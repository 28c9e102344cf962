package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.resnext4j.datavec.ImagePreprocessor;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.zoo.ImageNetClasses;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.weights.PretrainedWeights;
import org.resnext4j.zoo.weights.TorchvisionWeights;

/**
 * The "the CLI predicts ImageNet labels from a catalog name", end to end with weights a test can serve: a
 * real (tiny) ResNeXt with 1000 classes saved as safetensors, served by a loopback HTTP server, named in a user
 * catalog with its real SHA-256 and ImageNet's class names; {@code predict --catalog FILE --weights NAME} downloads,
 * verifies and caches it once and prints the model's own top-5. The PyTorch path: torch 1.13's committed
 * {@code tiny_tv.zip.pth} fixture (3 classes) through a catalog named by the system property.
 */
class UserCatalogCliTest {

    /** The zoo module's fixture written by tools/make_pth_fixtures.py (torch 1.13, zip format). */
    private static final Path TINY_TV_PTH =
            Path.of("..", "zoo-resnext", "src", "test", "resources", "fixtures", "pth", "tiny_tv.zip.pth");

    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    @TempDir
    Path dir;

    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final String[] keys = {
        PretrainedWeights.DIR_PROPERTY,
        PretrainedWeights.BASE_URL_PROPERTY,
        PretrainedWeights.OFFLINE_PROPERTY,
        PretrainedWeights.CATALOG_PROPERTY
    };
    private final String[] saved = new String[keys.length];

    @BeforeEach
    void setUp() {
        for (int i = 0; i < keys.length; i++) {
            saved[i] = System.getProperty(keys[i]);
            System.clearProperty(keys[i]);
        }
        System.setProperty(PretrainedWeights.DIR_PROPERTY, dir.resolve("cache").toString());
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.stop(0);
        }
        for (int i = 0; i < keys.length; i++) {
            if (saved[i] == null) {
                System.clearProperty(keys[i]);
            } else {
                System.setProperty(keys[i], saved[i]);
            }
        }
    }

    /** Serves {@code file} at {@code /models/<name>}, counting requests; 404 elsewhere. */
    private String serve(String name, Path file) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/models/" + name, ex -> {
            requests.incrementAndGet();
            byte[] body = Files.readAllBytes(file);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(404, -1);
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/models/" + name;
    }

    /** A seeded noise image, so the model's output depends on its pixels. */
    private Path image(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(11);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        Path image = dir.resolve("photo.png");
        ImageIO.write(img, "png", image.toFile());
        return image;
    }

    private Path catalog(String json) throws IOException {
        Path f = dir.resolve("my-catalog.json");
        Files.writeString(f, json);
        return f;
    }

    /** The top {@code k} (index, probability) of the graph on the image, preprocessed as the entry says. */
    private static List<Map.Entry<Integer, Double>> expectedTop(
            ComputationGraph net, Path image, PreprocessingConfig config, int k) throws IOException {
        float[] p = net.outputSingle(false, new ImagePreprocessor(config).preprocess(image))
                .toFloatVector();
        return IntStream.range(0, p.length)
                .boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> p[i]).reversed())
                .limit(k)
                .map(i -> Map.entry(i, (double) p[i]))
                .toList();
    }

    /** The lines of predict's output about {@code image} (the test's log lines go to stdout too). */
    private static List<String> predictions(CliRunner.Result r, Path image) {
        return r.out().lines().filter(l -> l.startsWith(image + "  ")).toList();
    }

    /** The (label, probability) pairs of a predict line {@code <image>  label p  label p ...}. */
    private static List<Map.Entry<String, Double>> printed(String line, Path image) {
        assertTrue(line.startsWith(image + "  "), line);
        List<Map.Entry<String, Double>> out = new ArrayList<>();
        for (String part : line.substring(image.toString().length() + 2).split("  ")) {
            int space = part.lastIndexOf(' ');
            out.add(Map.entry(part.substring(0, space), Double.parseDouble(part.substring(space + 1))));
        }
        return out;
    }

    private static void assertPrintsTop(
            List<Map.Entry<Integer, Double>> expected, List<String> names, String line, Path image) {
        List<Map.Entry<String, Double>> got = printed(line, image);
        assertEquals(expected.size(), got.size(), line);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(names.get(expected.get(i).getKey()), got.get(i).getKey(), line);
            // printed with 4 decimals; the inference form may differ from the graph in the last float bits
            assertEquals(expected.get(i).getValue(), got.get(i).getValue(), 0.5e-4 + 1e-5, line);
        }
    }

    @Test
    void predictPrintsTheImageNetTop5OfAUserCatalogEntryDownloadedOnceThenCached() throws IOException {
        ResNeXtSpec spec = ResNeXtSpec.tiny().withInputShape(3, 64, 64);
        assertEquals(1000, spec.numClasses());
        ComputationGraph net = ResNeXt.builder(spec).seed(5).build().init();
        net.getParam("fc_W").muli(40); // spread the logits, so the top-5 probabilities are far apart
        Path weights = dir.resolve("tiny-in1k.safetensors");
        TorchvisionWeights.save(net, weights, Map.of());
        String sha256 = PretrainedWeights.sha256(weights);
        String url = serve("tiny-in1k.safetensors", weights);
        Path catalog = catalog("""
                {"entries": [{
                  "name": "tiny.in1k_test",
                  "spec": %s,
                  "url": "%s",
                  "sha256": "%s",
                  "acc1": 0.1,
                  "transform": {"resize": 72, "crop": 64},
                  "classNames": "imagenet"
                }]}""".formatted(new ObjectMapper().writeValueAsString(spec.toMap()), url, sha256));
        Path image = image(96, 80);

        ComputationGraph loaded = ResNeXt.builder(spec).build().initPretrained(weights);
        List<Map.Entry<Integer, Double>> expected =
                expectedTop(loaded, image, new PreprocessingConfig(64, 72, MEAN, STD), 5);
        assertTrue(expected.get(0).getValue() > expected.get(4).getValue() + 1e-3, expected.toString());

        CliRunner.Result first = CliRunner.run(
                "predict", "--catalog", catalog.toString(), "--weights", "tiny.in1k_test", image.toString());
        assertEquals(0, first.code(), first.toString());
        List<String> lines = predictions(first, image);
        assertEquals(1, lines.size(), first.out());
        assertPrintsTop(expected, ImageNetClasses.names(), lines.get(0), image);
        assertEquals(1, requests.get(), "one download");
        Path cached = dir.resolve("cache").resolve("tiny.in1k_test-" + sha256.substring(0, 8) + ".safetensors");
        assertTrue(Files.isRegularFile(cached), cached.toString());

        CliRunner.Result second =
                CliRunner.run("predict", "--catalog", catalog.toString(), "--weights", "tiny", image.toString());
        assertEquals(0, second.code(), second.toString());
        assertEquals(lines, predictions(second, image), "the preset name means its (only) entry: same file, output");
        assertEquals(1, requests.get(), "the second run hits the cache");

        CliRunner.Result list = CliRunner.run("weights", "--catalog", catalog.toString());
        assertEquals(0, list.code(), list.toString());
        List<String> rows = list.out()
                .lines()
                .filter(l -> !l.matches("\\d\\d:\\d\\d:\\d\\d .*"))
                .toList();
        assertTrue(rows.get(0).endsWith(", user catalogs [" + catalog + "]"), rows.get(0));
        assertEquals(
                String.format(
                        java.util.Locale.ROOT,
                        "%-34s %7s %7s %9s %7.1f M  yes (%s)",
                        "tiny.in1k_test *",
                        "0.100",
                        "-",
                        "-",
                        loadedTrainable(spec) / 1e6,
                        cached.getFileName()),
                rows.get(rows.size() - 2),
                list.out());
        assertEquals(11, rows.size(), "the 7 built-in entries and the user's: " + list.out());
        assertEquals(1, requests.get());
    }

    private static long loadedTrainable(ResNeXtSpec spec) {
        return org.resnext4j.zoo.ModelSummary.of(spec).trainableParams();
    }

    @Test
    void aPthEntryOfACatalogNamedByThePropertyLoadsWithItsInlineClassNames() throws IOException {
        assertTrue(
                Files.isRegularFile(TINY_TV_PTH), TINY_TV_PTH.toAbsolutePath().toString());
        // tools/make_pth_fixtures.py's TINY_TV
        ResNeXtSpec spec = ResNeXtSpec.builder()
                .name("tiny_tv")
                .blocks(1, 1, 1, 1)
                .cardinality(2)
                .baseWidth(32)
                .planes(4, 4, 4, 4)
                .stemWidth(4)
                .numClasses(3)
                .inputShape(3, 32, 32)
                .build();
        String url = serve("tiny_tv.pth", TINY_TV_PTH);
        Path catalog = catalog("""
                {"entries": [{
                  "name": "tiny_tv.shapes_v1",
                  "spec": {"name": "tiny_tv", "blocks": [1, 1, 1, 1], "cardinality": 2, "baseWidth": 32,
                           "planes": [4, 4, 4, 4], "stemWidth": 4},
                  "url": "%s",
                  "format": "pytorch_zip",
                  "sha256": "%s",
                  "transform": {"resize": 36, "crop": 32, "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]},
                  "classNames": ["circle", "square", "triangle"]
                }]}""".formatted(url, PretrainedWeights.sha256(TINY_TV_PTH)));
        System.setProperty(PretrainedWeights.CATALOG_PROPERTY, catalog.toString());
        Path image = image(50, 40);
        List<Map.Entry<Integer, Double>> expected = expectedTop(
                ResNeXt.builder(spec).build().initPretrained(TINY_TV_PTH),
                image,
                new PreprocessingConfig(32, 36, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.25f, 0.25f, 0.25f}),
                3);

        CliRunner.Result r = CliRunner.run("predict", "--weights", "tiny_tv.shapes_v1", "--top", "3", image.toString());
        assertEquals(0, r.code(), r.toString());
        assertPrintsTop(
                expected,
                List.of("circle", "square", "triangle"),
                predictions(r, image).get(0),
                image);
        assertEquals(1, requests.get());
        assertTrue(Files.isRegularFile(dir.resolve("cache")
                .resolve("tiny_tv.shapes_v1-"
                        + PretrainedWeights.sha256(TINY_TV_PTH).substring(0, 8) + ".pth")));
    }

    @Test
    void aBadCatalogIsBadInputWithTheFileAndField() throws IOException {
        Path catalog = catalog("""
                {"entries": [{"name": "resnet50.mine", "url": "https://x.example.com/a.pth", "sha256": "0676ba61",
                  "transform": {"resize": 256, "crop": 224}, "classNames": "imagenet"}]}""");
        String image = image(8, 8).toString();
        for (String[] args : List.of(
                new String[] {"weights", "--catalog", catalog.toString()},
                new String[] {"weights", "download", "--catalog", catalog.toString(), "resnet50.mine"},
                new String[] {"predict", "--catalog", catalog.toString(), "--weights", "resnet50.mine", image},
                new String[] {"train", "--no-ui", "--catalog", catalog.toString(), "--pretrained", "resnet50.mine"})) {
            CliRunner.Result r = CliRunner.run(args);
            assertEquals(2, r.code(), r.toString());
            assertTrue(
                    r.err()
                            .startsWith("error: weights catalog " + catalog
                                    + ": entries[0] (\"resnet50.mine\").sha256: expected the file's full SHA-256, 64 hex "
                                    + "digits as sha256sum prints them, got 8 hex digits"),
                    r.toString());
        }
        assertEquals(0, requests.get());
    }
}
