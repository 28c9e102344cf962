package org.resnext4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.datavec.Normalization;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.MetricsHistory;
import org.resnext4j.ui.ModelCard;

/** The {@code spark-train} command: help, bad input (exit 2, one line naming the option), a real local run. */
class SparkTrainCommandTest {

    private record Result(int code, String out, String err) {}

    private static synchronized Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            code = SparkTrainCommand.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        Result r = new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        oldOut.println("$ spark-train " + String.join(" ", args) + "\nexit " + r.code() + "\n" + r.out() + r.err());
        return r;
    }

    @Test
    void helpAndBadInput(@TempDir Path tmp) throws Exception {
        Result help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--training-master") && help.out().contains("--master"), help.out());
        Path data = SparkTestData.writeImages(tmp.resolve("data"), 4, 1);
        String[][] cases = {
            {"--master", "local[2]", "--data", tmp.resolve("missing").toString(), "--out", "x"},
            {"--master", "local[2]", "--data", data.toString(), "--out", "x", "--model", "resnet9"},
            {"--master", "local[2]", "--data", data.toString(), "--out", "x", "--training-master", "sharing"},
            {"--master", "local[2]", "--data", data.toString(), "--out", "x", "--training-master", "magic"},
            {"--master", "local[2]", "--data", data.toString(), "--out", "x", "--epochs", "many"},
            {"--data", data.toString(), "--out", "x"},
        };
        String[] expected = {
            "--data: data folder",
            "--model: unknown model \"resnet9\"",
            "--training-master sharing: gradient sharing is not offered",
            "--training-master",
            "--epochs",
            "--master"
        };
        for (int i = 0; i < cases.length; i++) {
            Result r = run(cases[i]);
            assertEquals(2, r.code(), "exit code of case " + i);
            assertTrue(r.err().contains(expected[i]), "case " + i + ": " + r.err());
            assertTrue(!r.err().contains("Exception"), "no exception class names: " + r.err());
        }
    }

    @Test
    void trainsOnLocalSparkIntoARunFolder(@TempDir Path tmp) throws Exception {
        Path data = SparkTestData.writeImages(tmp.resolve("data"), 16, 2);
        Path out = tmp.resolve("run");
        Result r = run(
                "--master",
                "local[2]",
                "--data",
                data.toString(),
                "--out",
                out.toString(),
                "--size",
                "32",
                "--epochs",
                "2",
                "--batch",
                "8",
                "--averaging-frequency",
                "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("Trained 2 epoch(s) on local[2]"), r.out());
        assertEquals(2, MetricsHistory.readJson(out.resolve("metrics.json")).size());
        assertTrue(Files.size(out.resolve("checkpoints/last.zip")) > 0);
        assertTrue(Files.notExists(out.resolve("ui-stats.dl4j")), "without --ui no UI statistics are recorded");
        Result again = run("--master", "local[2]", "--data", data.toString(), "--out", out.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--resume"), again.err());
        // the run's settings come back from its checkpoint: only the master, the folder and the new total are given
        Result resumed = run("--master", "local[2]", "--out", out.toString(), "--epochs", "3", "--resume");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(3, MetricsHistory.readJson(out.resolve("metrics.json")).size());
        ModelCard card = ModelCard.fromMetadata(Checkpoints.readMetadata(out.resolve("checkpoints/last.zip")));
        assertEquals(32, ((Number) card.training().get("image_size")).intValue());
        // the full card (spark-train wrote class names and settings only, and evaluate then guessed 256 -> 224)
        assertEquals("tiny", card.model());
        assertEquals(32, card.spec().inputHeight());
        assertEquals(SparkTestData.CLASSES, card.classNames());
        assertEquals(
                new PreprocessingConfig(32, 32, Normalization.IMAGENET.mean(), Normalization.IMAGENET.std()),
                card.preprocessing());
        assertEquals(Boolean.TRUE, card.training().get("shuffle"));
    }

    /**
     * Shuffling is on by default, whatever {@code --augment} says (it used to be passed as the shuffle flag, so
     * without augmentation every batch held one class and the averaged model stayed at chance; SparkClusterIT
     * measures the trained model).
     */
    @Test
    void shufflesByDefaultIndependentOfAugmentation() {
        SparkTrainCommand defaults = new SparkTrainCommand();
        new picocli.CommandLine(defaults).parseArgs("--master", "local[2]", "--out", "x");
        assertTrue(defaults.shuffle, "--shuffle defaults to on");
        assertTrue(!defaults.augment);
        SparkTrainCommand off = new SparkTrainCommand();
        new picocli.CommandLine(off).parseArgs("--master", "local[2]", "--out", "x", "--no-shuffle", "--augment");
        assertTrue(!off.shuffle && off.augment, "--no-shuffle and --augment are independent");
    }
}
