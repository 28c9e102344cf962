package org.resnext4j.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.resnext4j.zoo.ImageNetClasses;
import org.resnext4j.zoo.ModelSummary;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.TinySpecs;

/**
 * User weights catalogs ({@link WeightsCatalogFile}): every field read, merged with the built-in catalog by
 * {@link WeightsCatalog#withUserCatalogs} and {@link WeightsCatalog#fromEnvironment()}, and each error one message
 * naming the file and the field.
 */
class WeightsCatalogFileTest {

    private static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    /** An entry of resnext50_32x4d with 1000 ImageNet classes; {@code extra} is spliced in as more fields. */
    private static String birds(String name, String extra) {
        return """
                {"name": "%s",
                 "url": "https://models.example.com/birds/resnext50-birds.safetensors",
                 "sha256": "%s",
                 "transform": {"resize": 256, "crop": 224},
                 "classNames": "imagenet"%s}""".formatted(name, SHA, extra.isEmpty() ? "" : ", " + extra);
    }

    private Path file(String name, String... entries) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, "{\"entries\": [" + String.join(",\n", entries) + "]}");
        return f;
    }

    private static WeightsCatalog read(Path... files) {
        return WeightsCatalog.builtin().withUserCatalogs(List.of(files));
    }

    @Test
    void aPresetEntryReadsEveryField() throws IOException {
        Files.writeString(dir.resolve("birds.txt"), "acadian_flycatcher\n\namerican_crow\nbald_eagle\n");
        Path f = file("birds.json", """
                {"name": "resnext50_32x4d.birds_v1", "preset": "resnext50_32x4d",
                 "url": "https://models.example.com/birds-v1.pth",
                 "mirrors": ["http://mirror.example.com/m/birds-v1.pth"],
                 "sha256": "%s",
                 "numParams": %d, "acc1": 91.25, "acc5": 98.5, "fileSizeMb": 90.1,
                 "transform": {"resize": 160, "crop": 128, "interpolation": "BICUBIC",
                               "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25]},
                 "classNames": "birds.txt"}""".formatted(
                        SHA.toUpperCase(),
                        ModelSummary.of(ResNeXtSpec.preset("resnext50_32x4d")
                                        .withNumClasses(3)
                                        .withInputShape(3, 128, 128))
                                .trainableParams()));
        WeightsCatalog catalog = read(f);
        assertEquals(8, catalog.entries().size());
        WeightsEntry e = catalog.get("ResNeXt50_32x4d.Birds_V1");
        assertEquals("resnext50_32x4d.birds_v1", e.name());
        assertEquals(ResNeXtSpec.preset("resnext50_32x4d").withNumClasses(3).withInputShape(3, 128, 128), e.spec());
        assertEquals(List.of("acadian_flycatcher", "american_crow", "bald_eagle"), e.classNames());
        assertEquals(
                new InputTransform(
                        160, 128, InputTransform.Interpolation.BICUBIC, new float[] {0.5f, 0.5f, 0.5f}, new float[] {
                            0.25f, 0.25f, 0.25f
                        }),
                e.transform());
        assertEquals(91.25, e.acc1());
        assertEquals(98.5, e.acc5());
        assertEquals(90.1, e.fileSizeMb());
        assertEquals(2, e.sources().size());
        for (WeightsSource s : e.sources()) {
            assertEquals(SHA, s.sha256(), "lower case, the full digest");
            assertEquals(WeightFormat.PYTORCH_ZIP, s.format(), "from the URL's .pth");
            assertEquals("resnext50_32x4d.birds_v1-01234567.pth", s.fileName(), "one cache file for all sources");
        }
        assertEquals(
                "https://models.example.com/birds-v1.pth", e.primary().url().toString());
        assertEquals(
                "http://mirror.example.com/m/birds-v1.pth",
                e.sources().get(1).url().toString());
        assertEquals(
                f + " entries[0] (\"resnext50_32x4d.birds_v1\")",
                catalog.origin(e.name()).orElseThrow());
        assertEquals("the built-in catalog", catalog.origin("resnet50").orElseThrow());
        // the preset's DEFAULT is still torchvision's newest
        assertEquals(
                "resnext50_32x4d.imagenet1k_v2",
                catalog.defaultFor("resnext50_32x4d").orElseThrow().name());
        assertEquals(
                "resnext50_32x4d.imagenet1k_v2", catalog.get("resnext50_32x4d").name());
    }

    @Test
    void aSpecEntryTakesItsClassesFromTheNamesAndItsInputFromTheCrop() throws IOException {
        Map<String, Object> spec =
                new java.util.LinkedHashMap<>(TinySpecs.resnext().toMap());
        spec.remove("numClasses");
        spec.remove("inputShape");
        Path f = file("tiny.json", """
                {"name": "tiny_resnext.shapes", "spec": %s,
                 "url": "http://127.0.0.1:8080/tiny.safetensors", "sha256": "%s",
                 "transform": {"resize": 40, "crop": 32}, "classNames": ["circle", "square", "triangle"]}""".formatted(new ObjectMapper().writeValueAsString(spec), SHA));
        WeightsCatalog catalog = read(f);
        WeightsEntry e = catalog.get("tiny_resnext.shapes");
        assertEquals(TinySpecs.resnext().withNumClasses(3), e.spec());
        assertEquals(WeightFormat.SAFETENSORS, e.primary().format());
        assertEquals(ModelSummary.of(e.spec()).trainableParams(), e.numParams());
        assertTrue(Double.isNaN(e.acc1()) && Double.isNaN(e.acc5()) && Double.isNaN(e.fileSizeMb()));
        assertEquals(InputTransform.imagenet(40, 32), e.transform(), "bilinear and ImageNet's mean and std");
        // a preset only user entries have: its last entry is its default
        assertSame(e, catalog.get("tiny_resnext"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            bad JSON              | {"entries": [{"name": "a.b",]}         | <file>                                       | not valid JSON at line 1, column
            duplicate JSON key    | {"entries": [], "entries": []}         | <file>                                       | Duplicate field 'entries'
            not an object         | [1, 2]                                 | <file>                                       | expected a JSON object {"entries": [...]}, got array
            no entries            | {}                                     | entries                                      | missing, expected a list of entries
            unknown top field     | {"entries": [], "version": 2}          | version                                      | unknown top-level field
            entry not an object   | {"entries": ["resnet50"]}              | entries[0]                                   | expected an object, got "resnet50"
            """)
    void fileLevelErrorsNameTheFile(String what, String json, String field, String message) throws IOException {
        Path f = dir.resolve("user.json");
        Files.writeString(f, json);
        WeightsCatalogException e = assertThrows(WeightsCatalogException.class, () -> read(f));
        assertEquals(f, e.file());
        assertEquals(field.equals("<file>") ? null : field, e.field());
        assertTrue(e.getMessage().startsWith("weights catalog " + f + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            missing URL        | {"url": null}                                | url              | missing, expected the http(s) URL of the weights file
            ftp URL            | {"url": "ftp://x.example.com/a.pth"}         | url              | expected an http or https URL, got "ftp://x.example.com/a.pth"
            URL of a folder    | {"url": "https://x.example.com/models/"}     | url              | expected a URL ending in a file name
            bad mirror         | {"mirrors": ["a b"]}                         | mirrors[0]       | expected an http or https URL, got "a b"
            short digest       | {"sha256": "0676ba61"}                       | sha256           | expected the file's full SHA-256, 64 hex digits as sha256sum prints them, got 8 hex digits
            long digest        | {"sha256": "%s0"}                            | sha256           | got 65 hex digits
            not a digest       | {"sha256": "sha256:abc"}                     | sha256           | got "sha256:abc"
            missing digest     | {"sha256": null}                             | sha256           | missing, expected the file's SHA-256
            unknown preset     | {"preset": "resnext51_32x4d"}                | preset           | unknown preset "resnext51_32x4d", expected one of [resnet50, resnext50_32x4d
            preset from name   | {"name": "birdnet.v1"}                       | preset           | unknown preset "birdnet" (from the name)
            name and preset    | {"preset": "resnet50"}                       | name             | expected <architecture>.<tag> with the architecture "resnet50" of its preset
            name without tag   | {"name": "resnext50_32x4d"}                  | name             | expected <architecture>.<tag>
            bad tag            | {"name": "resnext50_32x4d.v-1"}              | name             | expected a tag of letters, digits and _
            no name            | {"name": null}                               | name             | missing, expected <architecture>.<tag>
            preset and spec    | {"preset": "resnet50", "spec": {}}           | spec             | expected either "preset" or "spec", got both
            bad spec           | {"spec": {"name": "x"}}                      | spec             | missing "blocks"
            unknown field      | {"acc_1": 76.1}                              | acc_1            | unknown field, expected one of [acc1, acc5, classNames
            bad accuracy       | {"acc1": 761}                                | acc1             | expected an accuracy in percent, 0 to 100, got 761.0
            text accuracy      | {"acc5": "92.8"}                             | acc5             | expected a number, got "92.8"
            wrong numParams    | {"numParams": 25557032}                      | numParams        | 25557032 given, but resnext50_32x4d with 1000 classes has 25028904 trainable parameters
            unknown format     | {"format": "onnx"}                           | format           | expected one of safetensors, pytorch_zip, pytorch_legacy, got "onnx"
            no format known    | {"url": "https://x.example.com/weights.bin"} | format           | missing, and the URL's file name does not end in .safetensors, .pth or .pt
            no transform       | {"transform": null}                          | transform        | missing; expected {"resize": 256, "crop": 224}
            crop over resize   | {"transform": {"resize": 200, "crop": 224}}  | transform        | expected 1 <= cropSize <= resizeSize, got crop 224 and resize 200
            bad transform key  | {"transform": {"resize": 256, "size": 224}}  | transform.size   | unknown field
            missing crop       | {"transform": {"resize": 256}}               | transform.crop   | missing, expected a positive integer (pixels)
            two std values     | {"transform": {"resize": 8, "crop": 8, "std": [1, 2]}} | transform.std | expected 3 numbers (R, G, B), got array [1,2]
            no class names     | {"classNames": null}                         | classNames       | missing, expected "imagenet", a file of names (one a line) or a list of names
            no names file      | {"classNames": "nope.txt"}                   | classNames       | no such file
            3 names, 1000 fc   | {"classNames": ["a", "b", "c"], "spec": {"name": "resnext50_32x4d", "blocks": [3, 4, 6, 3], "cardinality": 32, "baseWidth": 4, "planes": [64, 128, 256, 512], "stemWidth": 64, "numClasses": 1000}} | classNames | 3 names for a spec with 1000 classes
            default not bool   | {"default": "yes"}                           | default          | expected true or false, got "yes"
            """)
    void entryErrorsNameTheFileAndTheField(String what, String change, String field, String message)
            throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode entry = (ObjectNode) json.readTree(birds("resnext50_32x4d.birds_v1", ""));
        json.readTree(change.formatted(SHA)).fields().forEachRemaining(kv -> {
            if (kv.getValue().isNull()) {
                entry.remove(kv.getKey());
            } else {
                entry.set(kv.getKey(), kv.getValue());
            }
        });
        Path f = file("user.json", json.writeValueAsString(entry));
        WeightsCatalogException e = assertThrows(WeightsCatalogException.class, () -> read(f), entry.toString());
        assertEquals(f, e.file());
        assertTrue(e.field().startsWith("entries[0]") && e.field().endsWith("." + field), e.getMessage());
        assertTrue(e.getMessage().startsWith("weights catalog " + f + ": entries[0]"), e.getMessage());
        assertTrue(e.getMessage().contains("." + field + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void aBuiltInNameIsRefusedNotOverridden() throws IOException {
        Path f = file("user.json", birds("resnext50_32x4d.birds_v1", ""), birds("resnext50_32x4d.IMAGENET1K_V2", ""));
        WeightsCatalogException e = assertThrows(WeightsCatalogException.class, () -> read(f));
        assertEquals(
                "weights catalog " + f + ": entries[1] (\"resnext50_32x4d.IMAGENET1K_V2\").name: "
                        + "\"resnext50_32x4d.imagenet1k_v2\" is already an entry of the built-in catalog; a user catalog "
                        + "adds entries and never replaces one, choose another tag",
                e.getMessage());
    }

    @Test
    void duplicateNamesInAFileOrAcrossFilesAreRefused() throws IOException {
        Path one = file("one.json", birds("resnext50_32x4d.birds_v1", ""), birds("ResNeXt50_32x4d.birds_V1", ""));
        WeightsCatalogException e = assertThrows(WeightsCatalogException.class, () -> read(one));
        assertEquals(
                "weights catalog " + one + ": entries[1] (\"ResNeXt50_32x4d.birds_V1\").name: "
                        + "\"resnext50_32x4d.birds_v1\" is listed twice, also as entries[0] (\"resnext50_32x4d.birds_v1\")",
                e.getMessage());

        Path a = file("a.json", birds("resnext50_32x4d.birds_v1", ""));
        Path b = file("b.json", birds("resnext50_32x4d.birds_v2", ""), birds("resnext50_32x4d.birds_v1", ""));
        e = assertThrows(WeightsCatalogException.class, () -> read(a, b));
        assertEquals(b, e.file());
        assertTrue(
                e.getMessage()
                        .contains("entries[1] (\"resnext50_32x4d.birds_v1\").name: \"resnext50_32x4d.birds_v1\" is "
                                + "already an entry of " + a + " entries[0]"),
                e.getMessage());
    }

    @Test
    void aUserEntryBecomesThePresetsDefaultOnlyWhenItSaysSo() throws IOException {
        Path plain = file("plain.json", birds("resnext50_32x4d.birds_v1", ""));
        Path asks = file("asks.json", birds("resnext50_32x4d.birds_v2", "\"default\": true"));
        WeightsCatalog both = read(plain, asks);
        assertEquals(
                "resnext50_32x4d.birds_v2",
                both.defaultFor("resnext50_32x4d").orElseThrow().name());
        assertEquals(
                "resnext50_32x4d.birds_v2", both.get("resnext50_32x4d.default").name());
        assertTrue(both.isDefault(both.get("resnext50_32x4d.birds_v2")));
        assertEquals("resnet50.imagenet1k_v2", both.get("resnet50").name(), "other presets keep theirs");
        // order does not matter: the plain entry read last does not take the default back
        assertEquals(
                "resnext50_32x4d.birds_v2",
                read(asks, plain).defaultFor("resnext50_32x4d").orElseThrow().name());

        Path again = file("again.json", birds("resnext50_32x4d.birds_v3", "\"default\": true"));
        WeightsCatalogException e = assertThrows(WeightsCatalogException.class, () -> read(asks, again));
        assertEquals(again, e.file());
        assertTrue(
                e.getMessage()
                        .endsWith("entries[0] (\"resnext50_32x4d.birds_v3\").default: true, but " + asks
                                + " entries[0] (\"resnext50_32x4d.birds_v2\") is already the default of "
                                + "resnext50_32x4d; at most one entry per preset may say \"default\": true"),
                e.getMessage());
    }

    @Test
    void fromEnvironmentReadsThePathsOfThePropertySeparatedByThePathSeparator() throws IOException {
        Path a = file("a.json", birds("resnext50_32x4d.birds_v1", ""));
        Path b = file("b.json", birds("resnext50_32x4d.birds_v2", ""));
        String saved = System.getProperty(PretrainedWeights.CATALOG_PROPERTY);
        try {
            System.clearProperty(PretrainedWeights.CATALOG_PROPERTY);
            if (System.getenv(PretrainedWeights.CATALOG_ENV) == null) {
                assertSame(WeightsCatalog.builtin(), WeightsCatalog.fromEnvironment());
            }
            System.setProperty(PretrainedWeights.CATALOG_PROPERTY, a + File.pathSeparator + File.pathSeparator + b);
            assertEquals(List.of(a, b), PretrainedWeights.catalogFiles());
            WeightsCatalog catalog = WeightsCatalog.fromEnvironment();
            assertEquals(9, catalog.entries().size());
            assertEquals(
                    List.of("resnext50_32x4d.birds_v1", "resnext50_32x4d.birds_v2"),
                    catalog.names().subList(7, 9));
            assertEquals(
                    ImageNetClasses.names(),
                    catalog.get("resnext50_32x4d.birds_v2").classNames());

            Path missing = dir.resolve("missing.json");
            System.setProperty(PretrainedWeights.CATALOG_PROPERTY, missing.toString());
            WeightsCatalogException e = assertThrows(WeightsCatalogException.class, WeightsCatalog::fromEnvironment);
            assertEquals("weights catalog " + missing + ": no such file", e.getMessage());
        } finally {
            if (saved == null) {
                System.clearProperty(PretrainedWeights.CATALOG_PROPERTY);
            } else {
                System.setProperty(PretrainedWeights.CATALOG_PROPERTY, saved);
            }
        }
    }
}
