package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed with SIGKILL ({@code kill -9}: {@link Process#destroyForcibly()} on Linux) at several moments and
 * resumed each time reproduces the uninterrupted run with the same seed: the same metrics for every epoch and the
 * same final parameters. The program ({@link ResumeChild}) exercises every piece of state an exact resume needs:
 * random-resized-crop and flip augmentation and a per-epoch shuffle (the iterator's epoch), dropout (ND4J's random
 * generator), Adam (updater state) on a per-epoch step schedule after a linear warm-up (epoch counter), and
 * torchvision's recipe: mixup or cutmix per batch with label smoothing (the mixing's per-batch draws), gradient
 * clipping, a moving average of the weights (its state in the checkpoint, validated every epoch, choosing
 * {@code best.zip}). One kill comes while a checkpoint is half written on the background writer thread and the next
 * epoch is already training.
 *
 * <p>Tolerance: none is needed in principle (the same operations on the same data in the same order on the same
 * machine); the metrics are compared to 1e-6 and the parameters to 1e-6, which a resume that repeated a shuffle,
 * an augmentation, a dropout mask or an updater step misses by orders of magnitude (one skipped update of a
 * learning rate of 0.01 changes parameters by about 1e-3).
 */
class ExactResumeTest {

    private static final int EPOCHS = 5;
    private static final double TOL = 1e-6;

    @Test
    void killedAndResumedRunReproducesTheUninterruptedRun(@TempDir Path tmp) throws Exception {
        Path data = ResumeChild.writeImages(tmp.resolve("data"), 40, 3);
        TrainingResult reference = ResumeChild.train(tmp.resolve("reference"), data, EPOCHS, null);
        int perEpoch = (int) (reference.history().epochs().get(0).iterations());
        assertEquals(12, perEpoch, "90 training images in batches of 8");

        Path run = tmp.resolve("run");
        Path checkpoints = RunFolder.checkpoints(run);

        // SIGKILL in the middle of epoch 3 while epoch 2's checkpoint is still being written on the background
        // writer thread (held half written): last.zip stays epoch 1's, whole; the half-written temporary file is
        // left behind until the resume removes it
        runAndKill(run, data, 2 * perEpoch + 5, 2);
        assertEquals(1, checkRunFolder(run), "epoch 2's checkpoint was never finished");
        assertTrue(temporaryFiles(checkpoints) > 0, "the half-written checkpoint is on disk");

        // SIGKILL right after the last update of epoch 3 (before, during or after its checkpoint, whichever the
        // race gives) and late in epoch 5. An epoch's checkpoint is written while the next epoch starts, so a
        // kill a few batches into an epoch may also come before it is done.
        int[] killAt = {3 * perEpoch, 4 * perEpoch + 10};
        for (int iteration : killAt) {
            runAndKill(run, data, iteration, 0);
            int done = checkRunFolder(run);
            int expected = iteration / perEpoch;
            assertTrue(
                    done == expected || done == expected - 1, done + " epochs checkpointed at iteration " + iteration);
        }
        TrainingResult resumed = ResumeChild.train(run, data, EPOCHS, null);
        assertEquals(0, temporaryFiles(checkpoints), "no temporary file left after the resumed run");

        List<EpochMetrics> a = reference.history().epochs();
        List<EpochMetrics> b = resumed.history().epochs();
        assertEquals(
                IntStream.rangeClosed(1, EPOCHS).boxed().toList(),
                b.stream().map(EpochMetrics::epoch).toList(),
                "every epoch once");
        ResumeChild.assertSameEpochs(a, b, EPOCHS, TOL);
        ResumeChild.assertSameEma(tmp.resolve("reference"), run, TOL);
        ComputationGraph x = (ComputationGraph) reference.model();
        ComputationGraph y = (ComputationGraph) resumed.model();
        ResumeChild.assertSameParams(x, y, TOL);
        assertEquals(
                x.getConfiguration().getIterationCount(), y.getConfiguration().getIterationCount());
        assertEquals(EPOCHS, y.getConfiguration().getEpochCount());
        // the history on disk is the same as the result's
        assertEquals(b, MetricsHistory.readJson(RunFolder.metricsJson(run)).epochs());
    }

    private static long temporaryFiles(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(AtomicFiles.TEMPORARY_SUFFIX))
                    .count();
        }
    }

    /**
     * Starts the child JVM on the run folder and SIGKILLs it once it printed the given iteration; with
     * {@code holdWrite > 0} the child holds its n-th checkpoint write half done, and it must have said so first.
     */
    private static void runAndKill(Path run, Path data, int iteration, int holdWrite)
            throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(
                java,
                "-Xmx1g",
                "-Djava.awt.headless=true",
                "-Dorg.bytedeco.javacpp.maxbytes=2G",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=3G",
                "-D" + ResumeChild.HOLD_WRITE + "=" + holdWrite,
                "-cp",
                System.getProperty("java.class.path"),
                ResumeChild.class.getName(),
                run.toString(),
                data.toString(),
                Integer.toString(EPOCHS)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        // a child that hangs (a write held forever that training then waits for) fails the test instead of hanging it
        Thread watchdog = new Thread(() -> {
            try {
                if (!p.waitFor(5, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        });
        watchdog.setDaemon(true);
        watchdog.start();
        StringBuilder output = new StringBuilder();
        boolean killed = false;
        boolean held = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                output.append(line).append('\n');
                held |= line.startsWith("HOLDING ");
                if (line.equals("ITERATION " + iteration)) {
                    p.destroyForcibly();
                    killed = true;
                    break;
                }
            }
        } finally {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (!killed) {
            fail("the child ended (exit " + p.exitValue() + ") before iteration " + iteration + ":\n" + output);
        }
        assertEquals(137, p.exitValue(), "killed by SIGKILL");
        assertEquals(holdWrite > 0, held, "the child held a checkpoint write:\n" + output);
    }

    /** After a kill: the checkpoint loads and the metrics on disk list epochs 1..k once each; returns k. */
    private static int checkRunFolder(Path run) throws IOException {
        Path last = RunFolder.last(run);
        if (!Files.exists(last)) {
            assertTrue(!Files.exists(RunFolder.metricsJson(run)), "metrics without a checkpoint");
            return 0;
        }
        Map<String, Object> meta = Checkpoints.readMetadata(last);
        int k = ((Number) meta.get(CheckpointEnvelope.EPOCH_KEY)).intValue();
        List<Integer> epochs = MetricsHistory.readJson(RunFolder.metricsJson(run)).epochs().stream()
                .map(EpochMetrics::epoch)
                .toList();
        // metrics are written after the checkpoint, so a kill in between leaves them one epoch behind
        assertTrue(
                epochs.equals(IntStream.rangeClosed(1, k).boxed().toList())
                        || epochs.equals(IntStream.rangeClosed(1, k - 1).boxed().toList()),
                "metrics epochs " + epochs + " for a checkpoint of epoch " + k);
        assertTrue(Checkpoints.load(last).model() instanceof ComputationGraph);
        return k;
    }
}
