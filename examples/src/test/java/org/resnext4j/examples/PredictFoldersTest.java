package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.resnext4j.datavec.Normalization;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.ModelCard;
import org.resnext4j.ui.SavedModel;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * {@code predict} on a real folder: the bad-image corpus of the pipeline tests (a 20000x20000 PNG, a truncated JPEG,
 * text named .jpg, an empty file, a broken link) among good images, one of them named {@code naïve 图片.jpg}, a hidden
 * file and a non-image file. Every good image is predicted, each bad one skipped with one warning line, exit 6; the
 * records parse back in every format; --strict stops at the first bad one; a single bad file is bad input (exit 2).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PredictFoldersTest {

    static final String UNICODE = "naïve 图片.jpg";
    static final String COMMA = "a, \"quoted\" name.png";
    static final ObjectMapper JSON = new ObjectMapper();

    Path tmp;
    Path model;
    Path folder;
    /** The good images under {@link #folder}, as predict names them (the folder as given, then the relative path). */
    List<String> good;
    /** File name of each bad image, with a part of its reason. */
    Map<String, String> bad;

    @BeforeAll
    void files(@TempDir Path dir) throws IOException {
        tmp = dir;
        ResNeXtSpec spec = Models.spec("tiny", 4, 32);
        PreprocessingConfig pre =
                new PreprocessingConfig(32, 32, Normalization.IMAGENET.mean(), Normalization.IMAGENET.std());
        model = tmp.resolve("model.zip");
        Checkpoints.save(
                ResNeXt.builder(spec).seed(7).build().init(),
                model,
                Map.of(
                        ModelCard.KEY,
                        ModelCard.of(spec, pre)
                                .withClassNames(ShapesDataset.CLASSES)
                                .toMap()));

        Path shapes = ShapesDataset.write(tmp.resolve("shapes"), 2, 32, 5);
        folder = tmp.resolve("mixed photos");
        Files.createDirectories(folder.resolve("nested/deeper"));
        Files.createDirectories(folder.resolve(".cache"));
        Files.copy(shapes.resolve("circle/circle_0000.png"), folder.resolve("circle.png"));
        Files.copy(shapes.resolve("cross/cross_0000.png"), folder.resolve("nested/cross.png"));
        Files.copy(shapes.resolve("square/square_0000.png"), folder.resolve("nested/deeper/square.png"));
        Files.copy(shapes.resolve("triangle/triangle_0000.png"), folder.resolve(COMMA));
        BufferedImage triangle =
                ImageIO.read(shapes.resolve("triangle/triangle_0001.png").toFile());
        ImageIO.write(triangle, "jpeg", folder.resolve(UNICODE).toFile());
        // ignored as in training: a hidden file, a file in a hidden folder, a file without an image extension
        Files.copy(shapes.resolve("circle/circle_0001.png"), folder.resolve(".hidden.jpg"));
        Files.copy(shapes.resolve("circle/circle_0001.png"), folder.resolve(".cache/thumb.png"));
        Files.writeString(folder.resolve("notes.txt"), "not an image");
        good = List.of("circle.png", COMMA, UNICODE, "nested/cross.png", "nested/deeper/square.png").stream()
                .map(n -> folder.resolve(n).toString())
                .sorted()
                .toList();

        bad = new LinkedHashMap<>();
        writeBlankPngHeader(folder.resolve("bomb.png"), 20000, 20000);
        bad.put("bomb.png", "exceeds the limit");
        byte[] jpeg = jpeg(64, 64);
        Files.write(folder.resolve("nested/truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        bad.put("truncated.jpg", "truncated");
        Files.writeString(folder.resolve("text.jpg"), "this is not an image\n".repeat(20));
        bad.put("text.jpg", "not a recognised image format");
        Files.write(folder.resolve("empty.jpg"), new byte[0]);
        bad.put("empty.jpg", "empty file");
        Files.createSymbolicLink(folder.resolve("link.jpg"), folder.resolve("missing-target.jpg"));
        bad.put("link.jpg", "cannot be read");
    }

    @Test
    void everyGoodImageIsPredictedEveryBadOneWarnedOnceAndTheRecordsParseBack() throws IOException {
        Map<String, String> top1 = new LinkedHashMap<>();
        for (PredictionFormat f : PredictionFormat.values()) {
            CliRunner.Result r = CliRunner.run(
                    "predict", model.toString(), folder.toString(), "--format", f.name(), "--batch", "3", "--top", "2");
            assertEquals(Cli.SOME_SKIPPED, r.code(), r.toString());
            assertSkippedWarnings(r);
            assertTrue(
                    r.err().contains("predicted 5 images, skipped 5 that cannot be decoded")
                            && r.err().contains("ignored 2 hidden and 1 non-image files")
                            && r.err().contains("images/s"),
                    r.err());
            Map<String, String> records =
                    switch (f) {
                        case text -> parseText(r.out(), 2);
                        case csv -> parseCsv(r.out(), 2);
                        case jsonl -> parseJsonLines(r.out(), 2);
                    };
            assertEquals(good, List.copyOf(records.keySet()), "every good image, in path order, and only those");
            if (top1.isEmpty()) {
                top1.putAll(records);
            } else {
                assertEquals(top1, records, f + ": the same top-1 as text");
            }
        }
    }

    @Test
    void outputFileGetsTheRecordsAndStandardOutputNone() throws IOException {
        Path out = tmp.resolve("predictions.csv");
        CliRunner.Result r = CliRunner.run(
                "predict", model.toString(), folder.toString(), "--format", "csv", "--output", out.toString());
        assertEquals(Cli.SOME_SKIPPED, r.code(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().contains("written to " + out), r.err());
        String csv = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(csv.contains("\"" + folder.resolve(UNICODE) + "\""), "paths quoted: " + csv);
        assertEquals(good, List.copyOf(parseCsv(csv, 3).keySet()));

        CliRunner.Result badFolder = CliRunner.run(
                "predict",
                model.toString(),
                folder.toString(),
                "--output",
                tmp.resolve("no/such/dir/p.csv").toString());
        assertEquals(2, badFolder.code(), badFolder.toString());
        assertTrue(badFolder.err().startsWith("error: --output: "), badFolder.err());
    }

    /** What the CLI prints (batches of 4 with bad files among them, decoded on 2 threads) is one-by-one prediction. */
    @Test
    void batchedPredictionsEqualOneByOne() throws IOException {
        CliRunner.Result r = CliRunner.run(
                "predict",
                model.toString(),
                folder.toString(),
                "--format",
                "jsonl",
                "--batch",
                "4",
                "--workers",
                "2",
                "--top",
                "4");
        assertEquals(Cli.SOME_SKIPPED, r.code(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(good.size(), lines.size(), r.out());
        try (SavedModel one = SavedModel.load(model)) {
            for (String line : lines) {
                JsonNode n = JSON.readTree(line);
                List<SavedModel.Prediction> expected =
                        one.predict(Path.of(n.get("path").asText()), 4);
                for (int i = 0; i < 4; i++) {
                    JsonNode p = n.get("top").get(i);
                    assertEquals(expected.get(i).label(), p.get("label").asText(), line);
                    assertEquals(expected.get(i).index(), p.get("index").asInt(), line);
                    assertEquals(
                            expected.get(i).probability(), p.get("probability").asDouble(), 1e-6, line);
                }
            }
        }
    }

    @Test
    void strictStopsAtTheFirstBadImageAfterTheRecordsBeforeIt() {
        CliRunner.Result r = CliRunner.run("predict", model.toString(), folder.toString(), "--strict", "--batch", "2");
        assertEquals(2, r.code(), r.toString());
        // in path order: "a, quoted name.png", then bomb.png, the first bad one
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(
                first.startsWith("error: bad image file " + folder.resolve("bomb.png") + ": ")
                        && first.contains("exceeds the limit")
                        && first.contains("--strict"),
                first);
        assertEquals(
                List.of(folder.resolve(COMMA).toString()),
                List.copyOf(parseText(r.out(), 3).keySet()));
        assertNoInternalError(r);
    }

    @Test
    void aSingleBadFileIsBadInputInOneLine() {
        for (Map.Entry<String, String> e : bad.entrySet()) {
            Path file = e.getKey().equals("truncated.jpg")
                    ? folder.resolve("nested/truncated.jpg")
                    : folder.resolve(e.getKey());
            CliRunner.Result r = CliRunner.run("predict", model.toString(), file.toString());
            assertEquals(2, r.code(), r.toString());
            List<String> lines = r.err().lines().toList();
            assertTrue(
                    lines.get(0).startsWith("error: bad image file " + file + ": ")
                            && lines.get(0).contains(e.getValue()),
                    r.toString());
            assertEquals(List.of("Run 'resnext4j predict --help' for usage."), lines.subList(1, lines.size()));
            assertEquals("", r.out());
            assertNoInternalError(r);
        }
        Path unicode = folder.resolve(UNICODE);
        CliRunner.Result ok = CliRunner.run("predict", model.toString(), unicode.toString());
        assertEquals(0, ok.code(), ok.toString());
        assertTrue(ok.out().startsWith(unicode + "  "), ok.out());
    }

    @Test
    void aFolderOfOnlyBadImagesIsBadInput() throws IOException {
        Path onlyBad = tmp.resolve("only-bad");
        Files.createDirectories(onlyBad);
        Files.write(onlyBad.resolve("empty.jpg"), new byte[0]);
        Files.writeString(onlyBad.resolve("text.png"), "hello");
        CliRunner.Result r = CliRunner.run("predict", model.toString(), onlyBad.toString());
        assertEquals(2, r.code(), r.toString());
        List<String> lines = r.err().lines().toList();
        assertEquals(
                2, lines.stream().filter(l -> l.startsWith("warning: skipped ")).count(), r.err());
        assertTrue(lines.get(2).startsWith("error: no image under " + onlyBad + " could be predicted"), r.err());
        assertNoInternalError(r);

        Path onlyHidden = tmp.resolve("only-hidden");
        Files.createDirectories(onlyHidden);
        Files.write(onlyHidden.resolve(".x.jpg"), jpeg(8, 8));
        CliRunner.Result none = CliRunner.run("predict", model.toString(), onlyHidden.toString());
        assertEquals(2, none.code(), none.toString());
        assertTrue(
                none.err().startsWith("error: IMAGE|FOLDER: no images")
                        && none.err().contains("1 hidden"),
                none.err());
    }

    private void assertSkippedWarnings(CliRunner.Result r) {
        List<String> warnings =
                r.err().lines().filter(l -> l.startsWith("warning: ")).toList();
        assertEquals(bad.size(), warnings.size(), r.err());
        for (Map.Entry<String, String> e : bad.entrySet()) {
            long n = warnings.stream()
                    .filter(w -> w.startsWith("warning: skipped ")
                            && w.contains("/" + e.getKey() + ": ")
                            && w.contains(e.getValue()))
                    .count();
            assertEquals(1, n, e + " in " + warnings);
        }
        assertNoInternalError(r);
    }

    private static void assertNoInternalError(CliRunner.Result r) {
        assertFalse(r.err().contains("internal error"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    /** Text records: path, two spaces, then {@code top} "label probability" pairs; path to top-1 label. */
    private static Map<String, String> parseText(String out, int top) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : out.lines().toList()) {
            String[] parts = line.split(" {2}");
            m.put(
                    String.join("  ", Arrays.copyOf(parts, parts.length - top)),
                    parts[parts.length - top].split(" ")[0]);
        }
        return m;
    }

    private static Map<String, String> parseCsv(String out, int top) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        try (CSVParser p = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .build()
                .parse(new StringReader(out))) {
            List<String> header = new ArrayList<>(List.of("path"));
            for (int i = 1; i <= top; i++) {
                header.add("label_" + i);
                header.add("probability_" + i);
            }
            assertEquals(header, p.getHeaderNames());
            for (CSVRecord rec : p) {
                double p1 = Double.parseDouble(rec.get("probability_1"));
                assertTrue(p1 >= Double.parseDouble(rec.get("probability_" + top)) && p1 <= 1, rec.toString());
                assertTrue(ShapesDataset.CLASSES.contains(rec.get("label_1")), rec.toString());
                m.put(rec.get("path"), rec.get("label_1"));
            }
        }
        return m;
    }

    private static Map<String, String> parseJsonLines(String out, int top) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : out.lines().toList()) {
            JsonNode n = JSON.readTree(line);
            assertEquals(top, n.get("top").size(), line);
            JsonNode first = n.get("top").get(0);
            assertEquals(
                    ShapesDataset.CLASSES.get(first.get("index").asInt()),
                    first.get("label").asText());
            m.put(n.get("path").asText(), first.get("label").asText());
        }
        return m;
    }

    private static byte[] jpeg(int w, int h) throws IOException {
        BufferedImage img = ShapesDataset.draw(1, Math.max(w, h), new SplittableRandom(3));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", out);
        return out.toByteArray();
    }

    /**
     * A PNG whose header declares w x h 8-bit gray pixels followed by a few rows of data: a few hundred bytes that a
     * decoder without a pixel limit would try to allocate w * h bytes for.
     */
    private static void writeBlankPngHeader(Path file, int w, int h) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(ihdr);
            d.writeInt(w);
            d.writeInt(h);
            d.write(new byte[] {8, 0, 0, 0, 0});
            chunk(out, "IHDR", ihdr.toByteArray());
            ByteArrayOutputStream idat = new ByteArrayOutputStream();
            try (OutputStream z = new DeflaterOutputStream(idat)) {
                z.write(new byte[(w + 1) * 4]);
            }
            chunk(out, "IDAT", idat.toByteArray());
            chunk(out, "IEND", new byte[0]);
        }
        assertTrue(Files.size(file) < 10_000, "a small file: " + Files.size(file));
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
