package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.weights.TorchvisionWeights;

/** Every bad input ends with exit code 2 and one {@code error: ...} line naming the thing. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliErrorsTest {

    Path tmp;
    Path data;
    Path model;
    Path imagenetWeights;

    @BeforeAll
    void files(@TempDir Path dir) throws IOException {
        tmp = dir;
        data = ShapesDataset.write(tmp.resolve("shapes"), 3, 32, 1);
        ComputationGraph net =
                ResNeXt.builder(Models.spec("tiny", 4, 32)).build().init();
        model = tmp.resolve("model.zip");
        Checkpoints.save(net, model, Map.of());
        imagenetWeights = tmp.resolve("tiny-1000.safetensors");
        TorchvisionWeights.save(
                ResNeXt.builder(Models.spec("tiny", 1000, 32)).build().init(), imagenetWeights, Map.of());
    }

    /** A Java exception's class name, qualified ({@code java.io.IOException}) or simple ({@code IOException:}). */
    private static final Pattern NAMED_EXCEPTION =
            Pattern.compile("\\b(\\w+\\.)+\\w*(Exception|Error)\\b" + "|\\b\\w+(Exception|Error):");

    /** Runs the command line and checks exit code 2 and a first stderr line {@code error: ...} holding each part. */
    private static String fails(String[] args, String... expectedParts) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(2, r.code(), r.toString());
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("error: "), r.toString());
        for (String part : expectedParts) {
            assertTrue(first.contains(part), "\"" + part + "\" in " + first);
        }
        assertTrue(!NAMED_EXCEPTION.matcher(first).find(), "no Java exception class names in " + first);
        return first;
    }

    private static String[] args(String... a) {
        return a;
    }

    /**
     * A model whose card holds no preprocessing (here: saved with no metadata at all, as a {@code TrainingRun} without
     * {@code modelCard(...)} did) is refused by evaluate and predict with one line saying how to give it, never run
     * with a guessed ImageNet 256/224; given with {@code --preprocessing}, it runs.
     */
    @Test
    void noStoredPreprocessingIsRefusedUntilGiven() {
        String image = data.resolve("circle").resolve("circle_0000.png").toString();
        fails(
                args("evaluate", model.toString(), data.toString()),
                model.toString(),
                "no preprocessing",
                "--preprocessing RESIZE/CROP",
                "e.g. --preprocessing 256/224");
        fails(args("predict", model.toString(), image), "no preprocessing", "--preprocessing RESIZE/CROP");
        fails(
                args("predict", model.toString(), image, "--preprocessing", "24/32"),
                "--preprocessing",
                "RESIZE >= CROP",
                "24/32");
        fails(args("predict", model.toString(), image, "--preprocessing", "big"), "--preprocessing", "\"big\"");
        CliRunner.Result given = CliRunner.run("predict", model.toString(), image, "--preprocessing", "32/32");
        assertEquals(0, given.code(), given.toString());
        assertTrue(given.out().startsWith(image + "  "), given.out());
    }

    @Test
    void missingDataFolder() {
        Path missing = tmp.resolve("no-such-folder");
        fails(
                args(
                        "train",
                        "--data",
                        missing.toString(),
                        "--no-ui",
                        "--out",
                        tmp.resolve("r1").toString()),
                "--data",
                "data folder",
                missing.toAbsolutePath().toString(),
                "does not exist");
        fails(args("evaluate", model.toString(), missing.toString()), "data folder", "does not exist");
    }

    @Test
    void unknownPresetOrCommand() {
        fails(
                args("train", "--model", "resnext51_32x4d", "--data", data.toString(), "--no-ui"),
                "unknown model \"resnext51_32x4d\"",
                "resnext50_32x4d",
                "tiny");
        fails(
                args(
                        "import-weights",
                        imagenetWeights.toString(),
                        tmp.resolve("x.zip").toString(),
                        "--model",
                        "resnet49"),
                "unknown model \"resnet49\"");
        fails(args("summary", "resnet49"), "unknown model preset \"resnet49\"");
        fails(args("fit"), "unknown command \"fit\"");
    }

    @Test
    void truncatedCheckpoint() throws IOException {
        byte[] bytes = Files.readAllBytes(model);
        Path truncated = tmp.resolve("truncated.zip");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        fails(
                args("evaluate", truncated.toString(), data.toString()),
                truncated.toAbsolutePath().toString(),
                "truncated");
        fails(args("predict", truncated.toString(), data.toString()), "truncated");
        fails(
                args(
                        "export-weights",
                        truncated.toString(),
                        tmp.resolve("x.safetensors").toString()),
                "truncated");
    }

    @Test
    void fileThatIsNotAModel() throws IOException {
        Path text = tmp.resolve("notes.zip");
        Files.writeString(text, "not a model");
        fails(
                args("predict", text.toString(), data.toString()),
                text.toAbsolutePath().toString(),
                "not a zip");
        Path otherZip = tmp.resolve("other.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(otherZip))) {
            z.putNextEntry(new ZipEntry("readme.txt"));
            z.write("hello".getBytes());
        }
        fails(args("evaluate", otherZip.toString(), data.toString()), "not a DL4J model");
        fails(args("predict", tmp.resolve("missing.zip").toString(), data.toString()), "does not exist");
    }

    @Test
    void strictImportOfA1000ClassFileIntoA4ClassModelPointsToFineTuning() {
        fails(
                args(
                        "import-weights",
                        imagenetWeights.toString(),
                        tmp.resolve("x.zip").toString(),
                        "--model",
                        "tiny",
                        "--classes",
                        "4",
                        "--size",
                        "32"),
                "fc.weight",
                "[1000, 512]",
                "[4, 512]",
                "train --pretrained");
    }

    @Test
    void fineTuneFileWhoseBackboneDoesNotMatch() throws IOException {
        Path resnetLike = tmp.resolve("other-backbone.safetensors");
        ResNeXtSpec other = ResNeXtSpec.tiny().toBuilder()
                .cardinality(1)
                .baseWidth(64)
                .numClasses(1000)
                .inputShape(3, 32, 32)
                .build();
        TorchvisionWeights.save(ResNeXt.builder(other).build().init(), resnetLike, Map.of());
        fails(
                args(
                        "train",
                        "--data",
                        data.toString(),
                        "--model",
                        "tiny",
                        "--size",
                        "32",
                        "--no-ui",
                        "--out",
                        tmp.resolve("r2").toString(),
                        "--pretrained",
                        resnetLike.toString()),
                "--pretrained",
                "does not fit the backbone of tiny",
                "layer1.0.conv2.weight");
        fails(
                args(
                        "train",
                        "--data",
                        data.toString(),
                        "--no-ui",
                        "--pretrained",
                        tmp.resolve("nope.st").toString()),
                "--pretrained",
                "does not exist");
    }

    @Test
    void badNumbers() {
        String d = data.toString();
        fails(args("train", "--data", d, "--no-ui", "--epochs", "0"), "--epochs", "expected an integer >= 1", "0");
        fails(
                args("train", "--data", d, "--no-ui", "--epochs", "three"),
                "--epochs",
                "expected an integer",
                "\"three\"");
        fails(args("train", "--data", d, "--no-ui", "--batch", "-4"), "--batch", ">= 1", "-4");
        fails(args("train", "--data", d, "--no-ui", "--val-split", "1.5"), "--val-split", "1.5");
        fails(args("train", "--data", d, "--no-ui", "--lr", "-0.1"), "--lr", "-0.1");
        fails(args("train", "--data", d, "--no-ui", "--lr", "fast"), "--lr", "expected a number", "\"fast\"");
        fails(args("train", "--data", d, "--port", "70000"), "--port", "70000");
        fails(args("train", "--data", d, "--no-ui", "--optimizer", "rmsprop"), "--optimizer", "rmsprop");
        fails(
                args("train", "--data", d, "--no-ui", "--ui-stats", "heavy"),
                "--ui-stats",
                "full, default, off",
                "heavy");
        fails(args("predict", model.toString(), d, "--top", "0"), "--top", "0");
        fails(args("train", "--data", d, "--no-ui", "--epochs", "1", "--bogus", "1"), "Unknown option", "'--bogus'");
        fails(
                args("train", "--data", d, "--no-ui", "--augment", "heavy"),
                "--augment",
                "expected one of",
                "imagenet",
                "'heavy'");
        fails(args("train", "--data", d, "--no-ui", "--freeze-backbone"), "--freeze-backbone needs --pretrained");
        fails(
                args("train", "--data", d, "--no-ui", "--reduce-lr-factor", "0.5"),
                "--reduce-lr-factor needs " + "--reduce-lr");
        fails(args("train", "--data", d, "--host", "no-such-host.invalid"), "--host", "no-such-host.invalid");
        fails(args("summary", "resnet50", "--size", "0"), "--size", ">= 1", "0");
        fails(
                args("bench-train", "--parts", "epochs", "--epochs", "3", "--warmup-epochs", "3"),
                "--warmup-epochs 3 leaves none of --epochs 3 to count",
                "--epochs 5 --warmup-epochs 3");
        fails(args("bench-train", "--parts", "epochs", "--warmup-epochs", "0"), "--warmup-epochs", ">= 1", "0");
    }

    @Test
    void badAugmentationOptions() {
        String d = data.toString();
        fails(
                args("train", "--data", d, "--no-ui", "--auto-augment", "autoaugment"),
                "--auto-augment",
                "none, trivialaugment or randaugment",
                "\"autoaugment\"");
        fails(
                args("train", "--data", d, "--no-ui", "--color-jitter", "0.4,0.4,0.4"),
                "--color-jitter",
                "4 comma-separated numbers",
                "\"0.4,0.4,0.4\"");
        fails(args("train", "--data", d, "--no-ui", "--color-jitter", "0.4,0.4,0.4,0.7"), "--color-jitter", "hue");
        fails(args("train", "--data", d, "--no-ui", "--random-erase", "1.5"), "--random-erase", "[0, 1]", "1.5");
        fails(
                args("train", "--data", d, "--no-ui", "--augment", "none", "--auto-augment", "randaugment"),
                "--auto-augment needs a training augmentation",
                "--augment light");
        fails(args("train", "--no-ui", "--random-erase", "0.25"), "--random-erase needs a training augmentation");
    }

    @Test
    void malformedWeightsFile() throws IOException {
        Path text = tmp.resolve("weights.safetensors");
        Files.writeString(text, "{ this is not a safetensors file }");
        String line = fails(
                args(
                        "import-weights",
                        text.toString(),
                        tmp.resolve("x.zip").toString(),
                        "--model",
                        "tiny",
                        "--size",
                        "32"),
                text.toString(),
                "not a valid safetensors file");
        assertTrue(!line.contains("Exception"), "no exception class names: " + line);
        fails(
                args(
                        "train",
                        "--data",
                        data.toString(),
                        "--model",
                        "tiny",
                        "--size",
                        "32",
                        "--no-ui",
                        "--out",
                        tmp.resolve("r3").toString(),
                        "--pretrained",
                        text.toString()),
                "not a valid safetensors file");
    }

    @Test
    void pytorchFileNamingCodeIsRefusedWithItsName() throws IOException {
        // a torch.save zip archive whose pickle calls os.system("echo pwned"): refused by name, nothing runs
        ByteArrayOutputStream pickle = new ByteArrayOutputStream();
        pickle.write(new byte[] {(byte) 0x80, 2}); // PROTO 2
        pickle.write("cos\nsystem\nX".getBytes(StandardCharsets.US_ASCII)); // GLOBAL os.system, BINUNICODE
        pickle.write(new byte[] {10, 0, 0, 0});
        pickle.write("echo pwned".getBytes(StandardCharsets.US_ASCII));
        pickle.write(new byte[] {(byte) 0x85, 'R', '.'}); // TUPLE1, REDUCE, STOP
        Path pth = tmp.resolve("evil.pth");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(pth))) {
            z.putNextEntry(new ZipEntry("evil/data.pkl"));
            z.write(pickle.toByteArray());
            z.closeEntry();
        }
        String line = fails(
                args(
                        "import-weights",
                        pth.toString(),
                        tmp.resolve("x.zip").toString(),
                        "--model",
                        "tiny",
                        "--size",
                        "32"),
                pth.toString(),
                "refusing global os.system");
        assertTrue(!line.contains("Exception"), "no exception class names: " + line);
    }

    @Test
    void missingArgumentsAndCommand() {
        fails(args("evaluate", model.toString()), "Missing required parameter", "DATA");
        fails(args("predict"), "Missing required parameter", "MODEL.zip");
        fails(args(), "missing command", "train", "predict");
        fails(args("summary", "resnet50", "extra"), "Unmatched argument", "'extra'");
    }

    @Test
    void resumeErrors() {
        fails(
                args("train", "--resume", "--no-ui", "--out", tmp.toString(), "--lr", "0.1"),
                "--lr cannot be changed with --resume");
        fails(
                args(
                        "train",
                        "--resume",
                        "--no-ui",
                        "--out",
                        tmp.resolve("never-trained").toString()),
                "--resume",
                "has no checkpoint");
        fails(args("train", "--resume", "--no-ui"), "--resume needs --out");
    }

    @Test
    void uiWithoutStatsFile() {
        fails(args("ui", tmp.toString()), "no DL4J UI stats file", "ui-stats.dl4j");
    }
}
