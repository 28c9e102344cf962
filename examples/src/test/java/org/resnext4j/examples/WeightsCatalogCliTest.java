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
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.zoo.weights.PretrainedWeights;

/**
 * {@code weights}, {@code weights download}, {@code predict --weights} and {@code train --pretrained NAME} with the
 * built-in catalog: every test points the base URL override at a loopback server (which serves 404s or wrong bytes,
 * since torchvision's real files are not here) and the cache at a temporary folder, so nothing reaches the internet.
 * Failures end with the documented exit codes and the downloader's one line.
 */
class WeightsCatalogCliTest {

    @TempDir
    Path dir;

    private HttpServer server;
    private final String[] keys = {
        PretrainedWeights.DIR_PROPERTY, PretrainedWeights.BASE_URL_PROPERTY, PretrainedWeights.OFFLINE_PROPERTY
    };
    private final String[] saved = new String[keys.length];

    @BeforeEach
    void setUp() throws IOException {
        for (int i = 0; i < keys.length; i++) {
            saved[i] = System.getProperty(keys[i]);
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/models/resnet50-0676ba61.pth", ex -> {
            byte[] wrong = "not the weights".getBytes();
            ex.sendResponseHeaders(200, wrong.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(wrong);
            }
        });
        server.createContext("/", ex -> ex.sendResponseHeaders(404, -1));
        server.start();
        System.setProperty(PretrainedWeights.DIR_PROPERTY, dir.resolve("cache").toString());
        System.setProperty(
                PretrainedWeights.BASE_URL_PROPERTY,
                "http://127.0.0.1:" + server.getAddress().getPort() + "/models/");
        System.clearProperty(PretrainedWeights.OFFLINE_PROPERTY);
    }

    @AfterEach
    void tearDown() {
        server.stop(0);
        for (int i = 0; i < keys.length; i++) {
            if (saved[i] == null) {
                System.clearProperty(keys[i]);
            } else {
                System.setProperty(keys[i], saved[i]);
            }
        }
    }

    private String base() {
        return System.getProperty(PretrainedWeights.BASE_URL_PROPERTY);
    }

    private Path image() throws IOException {
        Path image = dir.resolve("photo.png");
        ImageIO.write(new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        return image;
    }

    private static void failsWith(int code, CliRunner.Result r, String... parts) {
        assertEquals(code, r.code(), r.toString());
        String first =
                r.err().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
        for (String p : parts) {
            assertTrue(first.contains(p), "\"" + p + "\" in " + r);
        }
    }

    @Test
    void weightsListsTheCatalogWithAccuracySizeParametersAndWhatIsCached() throws IOException {
        Files.createDirectories(dir.resolve("cache"));
        Files.write(dir.resolve("cache").resolve("resnext50_32x4d-1a0047aa.pth"), new byte[] {1});
        CliRunner.Result r = CliRunner.run("weights");
        assertEquals(0, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals("Cache " + dir.resolve("cache").toAbsolutePath() + ", base URL " + base(), lines.get(0));
        assertTrue(lines.get(1).matches("NAME +ACC@1 +ACC@5 +SIZE +PARAMS +CACHED"), lines.get(1));
        assertEquals(
                "resnext50_32x4d.imagenet1k_v2 *     81.198  95.340   95.8 MB    25.0 M  "
                        + "yes (resnext50_32x4d-1a0047aa.pth)",
                lines.get(5));
        assertTrue(
                lines.get(4).startsWith("resnext50_32x4d.imagenet1k_v1 ")
                        && lines.get(4).endsWith("  no"),
                lines.get(4));
        assertEquals(10, lines.size(), r.out());
    }

    @Test
    void unknownNamesAreBadInput() throws IOException {
        failsWith(
                2,
                CliRunner.run("weights", "download", "resnext50_32x4d.v9"),
                "unknown weights \"resnext50_32x4d.v9\"",
                "resnext50_32x4d.imagenet1k_v2");
        failsWith(2, CliRunner.run("predict", "--weights", "nope", image().toString()), "unknown weights \"nope\"");
        failsWith(
                2,
                CliRunner.run(
                        "predict", "--weights", "resnet50", dir.resolve("m.zip").toString(), image().toString()),
                "expected IMAGE|FOLDER only with --weights");
        failsWith(
                2,
                CliRunner.run("train", "--no-ui", "--model", "tiny", "--pretrained", "resnext50_32x4d.imagenet1k_v2"),
                "--pretrained: resnext50_32x4d.imagenet1k_v2 holds weights of resnext50_32x4d, but --model is tiny");
        failsWith(
                2,
                CliRunner.run("train", "--no-ui", "--pretrained", "resnext50_32x4d.imagenet1k_v7"),
                "--pretrained: \"resnext50_32x4d.imagenet1k_v7\" is neither a weights file");
    }

    @Test
    void downloadFailuresHaveTheirExitCodesAndOneLine() throws IOException {
        failsWith(
                3,
                CliRunner.run("weights", "download", "resnext50_32x4d.imagenet1k_v2"),
                "HTTP 404 Not Found from " + base() + "resnext50_32x4d-1a0047aa.pth for resnext50_32x4d.imagenet1k_v2");
        failsWith(
                4,
                CliRunner.run("weights", "download", "resnet50.imagenet1k_v1"),
                "SHA-256 mismatch for " + base() + "resnet50-0676ba61.pth",
                "expected a digest starting with 0676ba61, got ",
                "the downloaded file was removed");
        assertTrue(Files.notExists(dir.resolve("cache").resolve("resnet50-0676ba61.pth")));

        System.setProperty(PretrainedWeights.OFFLINE_PROPERTY, "true");
        failsWith(
                3,
                CliRunner.run("predict", "--weights", "resnext50_32x4d.imagenet1k_v2", image().toString()),
                "Offline (resnext4j.weights.offline), and resnext50_32x4d.imagenet1k_v2 is not in the cache");
    }
}
