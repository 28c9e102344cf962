package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.EpochMetrics;
import org.resnext4j.ui.MetricsHistory;
import org.resnext4j.ui.TrainingRun;

/**
 * Ctrl-C on {@code train}: the CLI runs in a child JVM and gets a real SIGINT ({@code kill -INT}). The first stops
 * the run after the current batch with a checkpoint of the state and exits 130; {@code --resume} then finishes the run
 * exactly as an uninterrupted one (per-epoch metrics to 1e-6). A second SIGINT exits at once (130) and the last
 * checkpoint written still loads. The child is started with SIGINT at its default disposition ({@code env
 * --default-signal=INT}), as in a terminal, whatever the test runner inherited.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliInterruptTest {

    Path tmp;
    Path data;

    @BeforeAll
    void data(@TempDir Path dir) throws IOException {
        tmp = dir;
        data = ShapesDataset.write(tmp.resolve("shapes"), 80, ShapesDataset.DEFAULT_SIZE, 5);
    }

    private List<String> train(Path out, int epochs) {
        return new ArrayList<>(List.of(
                "train",
                "--data",
                data.toString(),
                "--model",
                "tiny",
                "--size",
                "32",
                "--batch",
                "8",
                "--seed",
                "4",
                "--lr",
                "0.003",
                "--schedule",
                "step",
                "--lr-step",
                "1",
                "--lr-gamma",
                "0.9",
                "--augment",
                "light",
                "--no-ui",
                "--out",
                out.toString(),
                "--epochs",
                Integer.toString(epochs)));
    }

    /** Starts the CLI in a child JVM, waits for its first checkpoint, sends {@code signals} SIGINTs. */
    private Child interrupt(Path out, int signals, String... more) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(
                "env",
                "--default-signal=INT",
                java,
                "-Xmx1g",
                "-Dorg.bytedeco.javacpp.maxbytes=2G",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=3G",
                "-Djava.awt.headless=true",
                "-cp",
                System.getProperty("java.class.path"),
                Cli.class.getName()));
        cmd.addAll(train(out, 40));
        cmd.addAll(List.of(more));
        Path stdout = tmp.resolve(out.getFileName() + ".out");
        Path stderr = tmp.resolve(out.getFileName() + ".err");
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        // the report is the last file written after an epoch: soon after it, the next epoch's batches run
        Path report = out.resolve("report.html");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(report) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(p.isAlive(), "the child ended early: " + Files.readString(stderr));
        Thread.sleep(500);
        for (int i = 0; i < signals; i++) {
            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
            // the next signal as soon as this one was handled (its message is out), not after a fixed pause that
            // a fast first stop could outlast
            long handled = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (i + 1 < signals
                    && p.isAlive()
                    && !Files.readString(stderr).contains("Ctrl-C: stopping")
                    && System.nanoTime() < handled) {
                Thread.sleep(1);
            }
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child did not end after SIGINT: " + Files.readString(stderr));
        }
        return new Child(
                p.exitValue(),
                Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
    }

    record Child(int code, String out, String err) {}

    @Test
    void ctrlCSavesTheStateAndResumeFinishesLikeAnUninterruptedRun() throws Exception {
        Path run = tmp.resolve("interrupted");
        Child c = interrupt(run, 1);
        assertEquals(Cli.INTERRUPTED, c.code(), c.err());
        assertTrue(c.err().contains("Ctrl-C: stopping after the current batch and saving a checkpoint"), c.err());
        assertTrue(c.out().contains("Stopped by Ctrl-C after epoch"), c.out());
        Map<String, Object> meta = Checkpoints.readMetadata(run.resolve("checkpoints/last.zip"));
        int done = ((Number) meta.get("epoch")).intValue();
        System.out.println(
                "interrupted after " + done + " epoch(s), inside the next: " + meta.get(TrainingRun.PARTIAL_EPOCH_KEY));
        assertTrue(done >= 1 && done < 40, "epochs done " + done);
        if (meta.get(TrainingRun.PARTIAL_EPOCH_KEY) instanceof Map<?, ?> partial) {
            assertTrue(((Number) partial.get("batches")).intValue() > 0, "batches of the interrupted epoch");
        }

        int total = done + 2;
        List<String> resume =
                List.of("train", "--resume", "--out", run.toString(), "--epochs", Integer.toString(total), "--no-ui");
        CliRunner.Result resumed = CliRunner.run(resume.toArray(String[]::new));
        assertEquals(0, resumed.code(), resumed.toString());
        CliRunner.Result reference =
                CliRunner.run(train(tmp.resolve("reference"), total).toArray(String[]::new));
        assertEquals(0, reference.code(), reference.toString());
        List<EpochMetrics> a =
                MetricsHistory.readJson(tmp.resolve("reference/metrics.json")).epochs();
        List<EpochMetrics> b =
                MetricsHistory.readJson(run.resolve("metrics.json")).epochs();
        assertEquals(total, b.size());
        for (int i = 0; i < total; i++) {
            String e = "epoch " + (i + 1);
            assertEquals(a.get(i).iterations(), b.get(i).iterations(), e + " iterations");
            assertEquals(a.get(i).trainLoss(), b.get(i).trainLoss(), 1e-6, e + " train loss");
            assertEquals(a.get(i).valLoss(), b.get(i).valLoss(), 1e-6, e + " validation loss");
            assertEquals(a.get(i).valAccuracy(), b.get(i).valAccuracy(), 1e-6, e + " validation accuracy");
        }
    }

    @Test
    void secondCtrlCExitsAtOnceAndTheLastCheckpointStillLoads() throws Exception {
        Path run = tmp.resolve("twice");
        // full UI statistics on every batch keep the first stop (the batch and the checkpoint after it) busy longer
        Child c = interrupt(run, 2, "--ui-stats", "full");
        assertEquals(Cli.INTERRUPTED, c.code(), c.err());
        assertTrue(c.err().contains("Ctrl-C again: exiting now"), c.err());
        assertTrue(Checkpoints.load(run.resolve("checkpoints/last.zip")).model() != null);
    }
}
