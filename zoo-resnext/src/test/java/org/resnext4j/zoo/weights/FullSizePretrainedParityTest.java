package org.resnext4j.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.resnext4j.zoo.GraphForm;
import org.resnext4j.zoo.ResNeXt;

/**
 * The full-size check of issue 21: a torchvision {@code resnext50_32x4d} checkpoint ({@code torch.save} of its
 * state dict, random weights and BatchNorm statistics), served from a loopback HTTP server and fetched through the
 * catalog, the base URL override and the downloader by {@link ResNeXt#initPretrained(WeightsEntry)}, gives
 * torchvision's eval-mode logits within 1e-5 of their largest magnitude.
 *
 * <p>{@code mvn -B -pl zoo-resnext -Ppretrained-parity test -Dtest=FullSizePretrainedParityTest}: the profile first
 * writes the files with {@code tools/make_fullsize_pth.py} (Debian's python3-torch and python3-torchvision) into
 * {@code target/pretrained-parity}, about 200 MB. Skipped in the default build.
 *
 * <p>Each file is served as the built-in entry's metadata (spec, tag, accuracy, transform, class names) with one
 * source: a torch.hub-style name holding the file's real SHA-256 (random weights cannot have torchvision's). The zip
 * file stands for {@code IMAGENET1K_V2}, the legacy one for {@code IMAGENET1K_V1}, as torchvision's files do.
 */
@EnabledIfSystemProperty(named = FullSizePretrainedParityTest.DIR_PROPERTY, matches = ".+")
class FullSizePretrainedParityTest {

    static final String DIR_PROPERTY = "resnext4j.pretrained-parity.dir";

    private static final String PRESET = "resnext50_32x4d";

    @TempDir
    static Path cache;

    private static Path dir;
    private static LoopbackServer server;
    private static String oldBaseUrl;
    private static String oldCacheDir;

    @BeforeAll
    static void serve() throws IOException {
        dir = Paths.get(System.getProperty(DIR_PROPERTY));
        server = new LoopbackServer();
        oldBaseUrl = System.getProperty(PretrainedWeights.BASE_URL_PROPERTY);
        oldCacheDir = System.getProperty(PretrainedWeights.DIR_PROPERTY);
        System.setProperty(PretrainedWeights.BASE_URL_PROPERTY, server.base().toString());
        System.setProperty(PretrainedWeights.DIR_PROPERTY, cache.toString());
    }

    @AfterAll
    static void stop() {
        restore(PretrainedWeights.BASE_URL_PROPERTY, oldBaseUrl);
        restore(PretrainedWeights.DIR_PROPERTY, oldCacheDir);
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "{0} as {1}, {2}")
    @CsvSource({"zip, IMAGENET1K_V2, FUSED", "zip, IMAGENET1K_V2, SPLIT", "legacy, IMAGENET1K_V1, FUSED"})
    void downloadedCheckpointGivesTorchvisionLogits(String format, String tag, GraphForm form) throws Exception {
        Path file = dir.resolve(PRESET + "." + format + ".pth");
        WeightsEntry builtin = WeightsCatalog.builtin().get(PRESET + "." + tag);
        WeightsEntry entry = servedAs(builtin, file);
        String path = "/" + entry.primary().fileName();
        server.on(path, fileFrom(file));

        long start = System.nanoTime();
        ComputationGraph net =
                ResNeXt.builder(entry.spec().withForm(form)).build().initPretrained(entry);
        double loadSeconds = (System.nanoTime() - start) / 1e9;

        // the file came from the loopback server, once for the whole class (later tests hit the verified cache)
        assertEquals(1, server.requestsFor(path), path + " requested");
        Path cached = cache.resolve(entry.primary().fileName());
        assertEquals(entry.primary().sha256(), PretrainedWeights.sha256(cached));
        try (TorchCheckpointReader r = TorchCheckpointReader.open(cached)) {
            TorchCheckpointReader.Format expected = builtin.primary().format() == WeightFormat.PYTORCH_LEGACY
                    ? TorchCheckpointReader.Format.LEGACY
                    : TorchCheckpointReader.Format.ZIP;
            assertEquals(expected, r.format(), "the file's torch.save format");
        }

        Path io = dir.resolve(PRESET + ".io.safetensors");
        double scale;
        try (SafeTensorsReader r = SafeTensorsReader.open(io)) {
            scale = r.getFloat("logits").amaxNumber().doubleValue();
        }
        // top-1, stage outputs and softmax as the other parity tests check them; then the logits at 1e-5
        double maxDiff = TorchvisionParityTest.assertParity(net, entry.spec(), io);
        assertTrue(
                maxDiff <= 1e-5 * Math.max(1.0, scale),
                "max |logit difference| " + maxDiff + " at logit scale " + scale + ": over 1e-5 relative");
        System.out.printf(
                "%s %s (%s) %s at 224x224: max |logit diff| vs torchvision = %.3g (logit scale %.1f, relative %.2g);"
                        + " download (or cache) and load %.1f s%n",
                entry.name(), format, file.getFileName(), form, maxDiff, scale, maxDiff / scale, loadSeconds);
    }

    /** The built-in entry's metadata with one source: {@code <preset>-<sha8>.pth}, the file's full SHA-256. */
    private static WeightsEntry servedAs(WeightsEntry builtin, Path file) throws IOException {
        String sha256 = PretrainedWeights.sha256(file);
        String name = builtin.preset() + "-" + sha256.substring(0, 8)
                + builtin.primary().format().extension();
        WeightsSource source = new WeightsSource(
                URI.create(TestEntries.NOWHERE + name), builtin.primary().format(), sha256, name);
        return new WeightsEntry(
                builtin.spec(),
                builtin.tag(),
                List.of(source),
                builtin.numParams(),
                builtin.acc1(),
                builtin.acc5(),
                builtin.fileSizeMb(),
                builtin.transform(),
                builtin.classNames());
    }

    /** The file streamed with 200 (100 MB: not held in memory). */
    private static LoopbackServer.Step fileFrom(Path file) {
        return ex -> {
            ex.sendResponseHeaders(200, Files.size(file));
            try (OutputStream out = ex.getResponseBody()) {
                Files.copy(file, out);
            }
        };
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }
}
