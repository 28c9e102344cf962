package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {

    @Test
    void failedWriteKeepsThePreviousCheckpoint(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(RunFolder.LAST_CHECKPOINT);
        ComputationGraph first = TestModels.graph(1);
        Checkpoints.save(first, file, Map.of(CheckpointEnvelope.EPOCH_KEY, 1));
        byte[] before = Files.readAllBytes(file);

        ComputationGraph second = TestModels.graph(2);
        Checkpoints.ModelWriter failing = (model, tmp) -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(new byte[] {'P', 'K', 3, 4, 1, 2, 3});
            }
            throw new IOException("disk full (simulated)");
        };
        CheckpointException e = assertThrows(
                CheckpointException.class,
                () -> Checkpoints.save(second, file, Map.of(CheckpointEnvelope.EPOCH_KEY, 2), failing));
        assertTrue(e.getMessage().contains(file.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("disk full"), e.getMessage());

        assertTrue(Arrays.equals(before, Files.readAllBytes(file)), "previous checkpoint bytes changed");
        Checkpoints.Checkpoint cp = Checkpoints.load(file);
        assertEquals(first.params(), ((ComputationGraph) cp.model()).params());
        assertEquals(1, ((Number) cp.metadata().get(CheckpointEnvelope.EPOCH_KEY)).intValue());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(
                    List.of(Checkpoints.sidecar(file).getFileName().toString(), RunFolder.LAST_CHECKPOINT),
                    files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary file may be left behind");
        }
    }

    @Test
    void roundTripKeepsUpdaterStateAndMetadata(@TempDir Path dir) {
        ComputationGraph net = TestModels.graph(3);
        net.fit(TestModels.blobs(64, 1));
        Path file = dir.resolve("model.zip");
        Checkpoints.save(net, file, Map.of("class_names", TestModels.CLASSES, "preset", "tiny"));
        Checkpoints.Checkpoint cp = Checkpoints.load(file);
        ComputationGraph restored = (ComputationGraph) cp.model();
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(1, restored.getConfiguration().getIterationCount());
        assertEquals(TestModels.CLASSES, cp.metadata().get("class_names"));
        assertTrue(Files.exists(Checkpoints.sidecar(file)));
    }

    @Test
    void truncatedCheckpointNamesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(RunFolder.LAST_CHECKPOINT);
        Checkpoints.save(TestModels.graph(1), file, Map.of(CheckpointEnvelope.EPOCH_KEY, 1));
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.load(file));
        assertTrue(e.getMessage().contains(file.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("ModelSerializer"), e.getMessage());
    }

    @Test
    void notAModelNamesTheFileAndWhatWasExpected(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("notes.zip");
        Files.writeString(text, "hello");
        CheckpointException e1 = assertThrows(CheckpointException.class, () -> Checkpoints.load(text));
        assertTrue(e1.getMessage().contains(text.toAbsolutePath().toString()), e1.getMessage());

        Path zip = dir.resolve("other.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("readme.txt"));
            out.write("not a model".getBytes());
            out.closeEntry();
        }
        CheckpointException e2 = assertThrows(CheckpointException.class, () -> Checkpoints.load(zip));
        assertTrue(e2.getMessage().contains("not a DL4J model"), e2.getMessage());
        assertTrue(e2.getMessage().contains("configuration.json"), e2.getMessage());

        Path missing = dir.resolve("missing.zip");
        CheckpointException e3 = assertThrows(CheckpointException.class, () -> Checkpoints.load(missing));
        assertTrue(e3.getMessage().contains("does not exist"), e3.getMessage());
    }

    @Test
    void resumeNeedsAnExistingRunFolderWithACheckpoint(@TempDir Path dir) throws Exception {
        Path nowhere = dir.resolve("no-such-run");
        CheckpointException e = resumeFailure(nowhere);
        assertTrue(
                e.getMessage().contains("does not exist") && e.getMessage().contains(nowhere.toString()),
                e.getMessage());

        Path empty = Files.createDirectories(dir.resolve("empty-run"));
        CheckpointException e2 = resumeFailure(empty);
        assertTrue(e2.getMessage().contains(RunFolder.LAST_CHECKPOINT), e2.getMessage());
    }

    /** The exception of a {@link Trainer#resume} in {@code runDir}, which must throw one. */
    private static CheckpointException resumeFailure(Path runDir) {
        Trainer t = TestModels.quietTrainer(runDir, 2).build();
        return assertThrows(
                CheckpointException.class,
                () -> t.resume(
                        TestModels.iterator(TestModels.blobs(8, 1), 4),
                        TestModels.iterator(TestModels.blobs(8, 2), 4)));
    }
}
