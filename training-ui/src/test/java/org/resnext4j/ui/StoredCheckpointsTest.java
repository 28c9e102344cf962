package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/** Checkpoints are written STORED (no compression); DL4J's deflated ones still load; best.zip shares last.zip. */
class StoredCheckpointsTest {

    private static List<String> names(Path zip) throws Exception {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return Collections.list(z.entries()).stream().map(ZipEntry::getName).toList();
        }
    }

    @Test
    void newCheckpointsHoldStoredEntriesThatBothZipReadersRead(@TempDir Path dir) throws Exception {
        ComputationGraph net = TestModels.graph(3);
        net.fit(TestModels.blobs(64, 1));
        Path file = dir.resolve(RunFolder.LAST_CHECKPOINT);
        Checkpoints.save(net, file, Map.of(CheckpointEnvelope.EPOCH_KEY, 1));
        assertEquals(
                List.of("configuration.json", "coefficients.bin", "updaterState.bin", Checkpoints.METADATA_ENTRY),
                names(file));
        try (ZipFile z = new ZipFile(file.toFile())) {
            for (ZipEntry e : Collections.list(z.entries())) {
                assertEquals(ZipEntry.STORED, e.getMethod(), e.getName());
                assertEquals(e.getSize(), e.getCompressedSize(), e.getName());
            }
        }
        // ZipInputStream reads the local headers (patched CRC and sizes), not the central directory
        List<String> streamed = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(file))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                in.readAllBytes(); // checks the CRC
                streamed.add(e.getName());
            }
        }
        assertEquals(names(file), streamed);

        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file.toFile(), true);
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(1, ((Number) Checkpoints.load(file).metadata().get(CheckpointEnvelope.EPOCH_KEY)).intValue());
    }

    @Test
    void aSnapshotIsDetachedFromTheModelAndWritesTheSameFile(@TempDir Path dir) throws Exception {
        ComputationGraph net = TestModels.graph(3);
        net.fit(TestModels.blobs(64, 1));
        Path inPlace = dir.resolve("in-place.zip");
        Checkpoints.save(net, inPlace, Map.of(CheckpointEnvelope.EPOCH_KEY, 1));
        Checkpoints.ModelState state = Checkpoints.ModelState.snapshot(net);
        INDArray before = net.params().dup();
        net.fit(TestModels.blobs(64, 2)); // the model trains on after the snapshot
        assertTrue(net.params().sub(before).amaxNumber().doubleValue() > 0, "the model changed");

        Path fromSnapshot = dir.resolve("snapshot.zip");
        Thread writer =
                new Thread(() -> Checkpoints.save(state, fromSnapshot, Map.of(CheckpointEnvelope.EPOCH_KEY, 1)));
        writer.start();
        writer.join();
        ComputationGraph restored =
                (ComputationGraph) Checkpoints.load(fromSnapshot).model();
        assertEquals(before, restored.params(), "the parameters at the snapshot");
        try (ZipFile a = new ZipFile(inPlace.toFile());
                ZipFile b = new ZipFile(fromSnapshot.toFile())) {
            for (String name :
                    List.of("configuration.json", "coefficients.bin", "updaterState.bin", Checkpoints.METADATA_ENTRY)) {
                try (InputStream x = a.getInputStream(a.getEntry(name));
                        InputStream y = b.getInputStream(b.getEntry(name))) {
                    assertTrue(java.util.Arrays.equals(x.readAllBytes(), y.readAllBytes()), name);
                }
            }
        }
    }

    @Test
    void aSnapshotIntoAnEarlierOnesArraysCopiesWithoutAllocatingAndWritesTheSameFile(@TempDir Path dir)
            throws Exception {
        ComputationGraph net = TestModels.graph(3);
        net.fit(TestModels.blobs(64, 1));
        Checkpoints.ModelState first = Checkpoints.ModelState.snapshot(net);
        net.fit(TestModels.blobs(64, 2)); // the next epoch
        assertNotEquals(first.params(), net.params(), "the model changed");

        Checkpoints.ModelState reused = Checkpoints.ModelState.snapshot(net, first);
        assertSame(first.params(), reused.params(), "the parameters copied into the earlier arrays");
        assertSame(first.updaterState(), reused.updaterState(), "the updater state copied into the earlier arrays");
        assertEquals(net.params(), reused.params());
        assertEquals(net.getUpdater().getStateViewArray(), reused.updaterState());
        INDArray atSnapshot = net.params().dup();
        net.fit(TestModels.blobs(64, 3));
        assertEquals(atSnapshot, reused.params(), "detached from the model that trains on");

        Path fromReused = dir.resolve("reused.zip");
        Path fromFresh = dir.resolve("fresh.zip");
        Checkpoints.save(reused, fromReused, Map.of(CheckpointEnvelope.EPOCH_KEY, 2));
        Checkpoints.save(
                new Checkpoints.ModelState(
                        reused.configurationJson(),
                        atSnapshot,
                        reused.updaterState().dup()),
                fromFresh,
                Map.of(CheckpointEnvelope.EPOCH_KEY, 2));
        try (ZipFile a = new ZipFile(fromReused.toFile());
                ZipFile b = new ZipFile(fromFresh.toFile())) {
            for (String name : List.of("coefficients.bin", "updaterState.bin")) {
                try (InputStream x = a.getInputStream(a.getEntry(name));
                        InputStream y = b.getInputStream(b.getEntry(name))) {
                    assertTrue(java.util.Arrays.equals(x.readAllBytes(), y.readAllBytes()), name);
                }
            }
        }
        assertEquals(atSnapshot, Checkpoints.load(fromReused).model().params());

        ComputationGraph wider = TestModels.graph(5, new Adam(1e-3), 24); // other shapes: new arrays
        wider.fit(TestModels.blobs(64, 1));
        Checkpoints.ModelState widerState = Checkpoints.ModelState.snapshot(wider, reused);
        assertNotSame(reused.params(), widerState.params());
        assertEquals(wider.params(), widerState.params());
        assertEquals(wider.getUpdater().getStateViewArray(), widerState.updaterState());
    }

    @Test
    void aFailedBackgroundWriteIsReportedByTheRunNamingTheFile(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        // best.zip cannot be replaced: a folder that is not empty stands in its place
        Files.createDirectories(RunFolder.best(run).resolve("in-the-way"));
        Trainer trainer = TestModels.quietTrainer(run, 1)
                .ui(UiOptions.disabled().withStats(UiStats.OFF))
                .build();
        CheckpointException e = assertThrows(
                CheckpointException.class,
                () -> trainer.fit(
                        TestModels.graph(1),
                        TestModels.iterator(TestModels.blobs(64, 1), 32),
                        TestModels.iterator(TestModels.blobs(32, 2), 32)));
        assertTrue(e.getMessage().contains(RunFolder.BEST_CHECKPOINT), e.getMessage());
        assertEquals(
                1,
                ((Number) Checkpoints.readMetadata(RunFolder.last(run)).get(CheckpointEnvelope.EPOCH_KEY)).intValue());
    }

    @Test
    void multiLayerNetworksToo(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = TestModels.multiLayer(2);
        net.fit(TestModels.blobs(64, 1));
        Path file = dir.resolve("m.zip");
        Checkpoints.save(net, file, Map.of("k", "v"));
        MultiLayerNetwork restored = (MultiLayerNetwork) Checkpoints.load(file).model();
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
    }

    @Test
    void deflatedCheckpointsOfEarlierVersionsStillLoad(@TempDir Path dir) throws Exception {
        ComputationGraph net = TestModels.graph(4);
        net.fit(TestModels.blobs(64, 2));
        Path old = dir.resolve("old.zip");
        Checkpoints.save(net, old, Map.of(CheckpointEnvelope.EPOCH_KEY, 7), Checkpoints.MODEL_SERIALIZER);
        try (ZipFile z = new ZipFile(old.toFile())) {
            assertEquals(ZipEntry.DEFLATED, z.getEntry("coefficients.bin").getMethod(), "written the old way");
        }
        Checkpoints.Checkpoint cp = Checkpoints.load(old);
        ComputationGraph restored = (ComputationGraph) cp.model();
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(7, ((Number) cp.metadata().get(CheckpointEnvelope.EPOCH_KEY)).intValue());

        // resaving the restored model writes the same model STORED
        Path again = dir.resolve("again.zip");
        Checkpoints.save(restored, again, cp.metadata());
        try (ZipFile z = new ZipFile(again.toFile());
                ZipFile o = new ZipFile(old.toFile())) {
            for (String name : List.of("configuration.json", "coefficients.bin", "updaterState.bin")) {
                try (InputStream a = z.getInputStream(z.getEntry(name));
                        InputStream b = o.getInputStream(o.getEntry(name))) {
                    assertTrue(java.util.Arrays.equals(a.readAllBytes(), b.readAllBytes()), name);
                }
            }
        }
    }

    @Test
    void linkSharesTheBytesAndSurvivesTheSourceBeingReplaced(@TempDir Path dir) throws Exception {
        Path last = dir.resolve(RunFolder.LAST_CHECKPOINT);
        Path best = dir.resolve(RunFolder.BEST_CHECKPOINT);
        AtomicFiles.writeString(last, "epoch 1");
        AtomicFiles.writeString(best, "epoch 0");
        AtomicFiles.link(last, best);
        assertEquals(-1, Files.mismatch(last, best));
        AtomicFiles.writeString(last, "epoch 2");
        assertEquals("epoch 1", Files.readString(best), "replacing last.zip leaves best.zip as it was");
        try (var s = Files.list(dir)) {
            assertEquals(2, s.count(), "no temporary file left");
        }
    }

    @Test
    void bestIsTheSameBytesAsLastWhenItIsTheSameState(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        TrainingResult r = TestModels.fitSmall(TestModels.quietTrainer(run, 1)
                .ui(UiOptions.disabled().withStats(UiStats.OFF))
                .build());
        Path last = r.lastCheckpoint();
        Path best = r.bestCheckpoint();
        assertEquals(-1, Files.mismatch(last, best), "the first epoch is the best: best.zip holds last.zip's bytes");
        assertTrue(Files.isSameFile(last, best), "a hard link, not a second write");
        assertEquals(1, ((Number) Checkpoints.readMetadata(best).get(CheckpointEnvelope.EPOCH_KEY)).intValue());
        assertEquals(
                1,
                ((Number) Json.readMap(Files.readString(Checkpoints.sidecar(best)))
                                .get(CheckpointEnvelope.EPOCH_KEY))
                        .intValue());
        assertTrue(Files.notExists(RunFolder.stats(run)), "UI off and stats off: no stats file");
        try (var s = Files.list(last.getParent())) {
            assertEquals(4, s.count(), "last.zip, last.json, best.zip, best.json and no temporary file");
        }
    }
}
