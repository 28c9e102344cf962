package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.deeplearning4j.earlystopping.EarlyStoppingConfiguration;
import org.deeplearning4j.earlystopping.EarlyStoppingResult;
import org.deeplearning4j.earlystopping.termination.MaxEpochsTerminationCondition;
import org.deeplearning4j.earlystopping.termination.ScoreImprovementEpochTerminationCondition;
import org.deeplearning4j.earlystopping.trainer.EarlyStoppingGraphTrainer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/** The run's listeners on DL4J's own training loops: plain fit, the early-stopping trainer, ParallelWrapper. */
class TrainingRunListenersTest {

    private static final DataSet TRAIN = TestModels.blobs(256, 21);
    private static final DataSet VAL = TestModels.blobs(128, 22);

    private static TrainingRun.Builder run(Path dir, int epochs) {
        return TrainingRun.builder(dir)
                .epochs(epochs)
                .validation(TestModels.iterator(VAL, 64))
                .classNames(TestModels.CLASSES)
                .progressIntervalSeconds(0);
    }

    /** Starts the run with {@code fresh} and adds the run's listeners to it. */
    private static <T extends Model> T started(TrainingRun run, T fresh) {
        T net = run.start(fresh);
        net.addListeners(run.listeners().toArray(TrainingListener[]::new));
        return net;
    }

    private static void assertRunFiles(Path dir, int epochs) throws IOException {
        for (Path f : List.of(
                RunFolder.last(dir),
                Checkpoints.sidecar(RunFolder.last(dir)),
                RunFolder.best(dir),
                RunFolder.metricsCsv(dir),
                RunFolder.metricsJson(dir),
                RunFolder.charts(dir).resolve(Charts.ACCURACY_PNG),
                RunFolder.charts(dir).resolve(Charts.LOSS_PNG),
                RunFolder.charts(dir).resolve(Charts.LEARNING_RATE_PNG),
                RunFolder.charts(dir).resolve(Charts.CONFUSION_PNG),
                RunFolder.report(dir),
                RunFolder.runConfig(dir),
                RunFolder.stats(dir))) {
            assertTrue(Files.size(f) > 0, f.toString());
        }
        assertEquals(epochs + 1, Files.readAllLines(RunFolder.metricsCsv(dir)).size(), "header + one row per epoch");
        assertEquals(
                epochs,
                ((Number) Checkpoints.readMetadata(RunFolder.last(dir)).get(CheckpointEnvelope.EPOCH_KEY)).intValue());
    }

    @Test
    void plainFitOfAGraphWritesEveryOutput(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("run");
        try (TrainingRun run = run(dir, 3).build()) {
            ComputationGraph net = started(run, TestModels.graph(3));
            net.fit(TestModels.iterator(TRAIN, 32), 3);
            List<EpochMetrics> h = run.history().epochs();
            assertEquals(List.of(1, 2, 3), h.stream().map(EpochMetrics::epoch).toList());
            assertEquals(
                    List.of(8L, 16L, 24L),
                    h.stream().map(EpochMetrics::iterations).toList());
            assertTrue(h.get(2).valAccuracy() > 0.8, "blobs are learnable: " + h.get(2));
            assertTrue(h.get(2).trainAccuracy() > 0.8, "training accuracy counted: " + h.get(2));
            assertEquals(0.01 * 0.5 * 0.5, h.get(2).learningRate(), 1e-12, "step schedule at epoch 3");
            assertEquals(3, net.getConfiguration().getEpochCount(), "DL4J counted the epochs itself");
        }
        assertRunFiles(dir, 3);
        // the checkpoint says 3 finished epochs although it was written before DL4J incremented its count
        ComputationGraph saved =
                (ComputationGraph) Checkpoints.load(RunFolder.last(dir)).model();
        assertEquals(3, saved.getConfiguration().getEpochCount());
        assertEquals(24, saved.getConfiguration().getIterationCount());
    }

    @Test
    void plainFitOfAMultiLayerNetworkWritesEveryOutput(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("run");
        try (TrainingRun run = run(dir, 2).build()) {
            MultiLayerNetwork net = started(run, TestModels.multiLayer(4));
            net.fit(TestModels.iterator(TRAIN, 32), 2);
            assertEquals(2, run.epochsDone());
        }
        assertRunFiles(dir, 2);
    }

    @Test
    void dl4jEarlyStoppingTrainerWithTheRunsScore(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("run");
        try (TrainingRun run = run(dir, 20).build()) {
            ComputationGraph net = started(run, TestModels.graph(5));
            EarlyStoppingConfiguration<ComputationGraph> es = new EarlyStoppingConfiguration.Builder<ComputationGraph>()
                    .scoreCalculator(run.scoreCalculator(Monitor.VAL_LOSS))
                    .epochTerminationConditions(
                            new MaxEpochsTerminationCondition(6),
                            new ScoreImprovementEpochTerminationCondition(2, 1e-3))
                    .evaluateEveryNEpochs(1)
                    .build();
            EarlyStoppingResult<ComputationGraph> result =
                    new EarlyStoppingGraphTrainer(es, net, TestModels.iterator(TRAIN, 32)).fit();
            List<EpochMetrics> h = run.history().epochs();
            assertEquals(result.getTotalEpochs(), h.size(), "one recorded epoch per early-stopping epoch");
            for (Map.Entry<Integer, Double> e : result.getScoreVsEpoch().entrySet()) {
                assertEquals(
                        h.get(e.getKey()).valLoss(),
                        e.getValue(),
                        1e-12,
                        "the trainer's score of epoch " + e.getKey() + " is the run's validation loss");
            }
            run.awaitWrites(); // the last epoch's files are written while DL4J's loop returns
            assertRunFiles(dir, h.size());
        }
    }

    @Test
    void parallelWrapperWithTwoWorkers(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        try (TrainingRun run = run(dir, 2).build()) {
            ComputationGraph net = run.start(TestModels.graph(6));
            net.setListeners(run.listeners());
            ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net)
                    .workers(2)
                    .prefetchBuffer(4)
                    .averagingFrequency(1)
                    .build();
            try {
                for (int e = 0; e < 2; e++) {
                    // ParallelWrapper signals no epochs: the loop does
                    run.listener().onEpochStart(net);
                    wrapper.fit(TestModels.iterator(TRAIN, 16));
                    run.listener().onEpochEnd(net);
                    net.incrementEpochCount();
                }
            } finally {
                wrapper.close();
            }
            List<EpochMetrics> h = run.history().epochs();
            assertEquals(2, h.size());
            assertTrue(Double.isFinite(h.get(1).trainLoss()), "training loss from both workers: " + h.get(1));
            assertTrue(h.get(1).trainAccuracy() > 0.5, "training accuracy from both workers: " + h.get(1));
            assertTrue(h.get(1).valAccuracy() > 0.6, "the averaged model learned: " + h.get(1));
        }
        assertRunFiles(dir, 2);
    }

    @Test
    void earlyStoppingEndsTheTrainerAndSurvivesResume(@TempDir Path tmp) {
        Path dir = tmp.resolve("run");
        // learning rate 0: nothing changes, so val_loss never improves after epoch 1
        Trainer trainer = TestModels.quietTrainer(dir, 10)
                .classNames(TestModels.CLASSES)
                .earlyStopping(new EarlyStopping(Monitor.VAL_LOSS, 2, 0))
                .build();
        TrainingResult r = trainer.fit(
                TestModels.graph(1, new Sgd(0), 8), TestModels.iterator(TRAIN, 64), TestModels.iterator(VAL, 64));
        assertTrue(r.stoppedEarly());
        assertEquals(3, r.history().size(), "best at epoch 1, then 2 epochs without improvement");
        // a resumed run knows it was stopped and trains no further
        TrainingResult again = trainer.resume(TestModels.iterator(TRAIN, 64), TestModels.iterator(VAL, 64));
        assertEquals(3, again.history().size());
        assertTrue(again.stoppedEarly());
    }

    @Test
    void reduceLrOnPlateauScalesTheScheduleAndResumesWithIt(@TempDir Path tmp) {
        // a rate so small the loss cannot improve by min delta 1e-4: every epoch is a plateau
        ReduceLrOnPlateau rule = new ReduceLrOnPlateau(Monitor.VAL_LOSS, 0.5, 1, 1e-4, 1, 0);
        Trainer full = TestModels.quietTrainer(tmp.resolve("full"), 6)
                .reduceLrOnPlateau(rule)
                .build();
        List<Double> lrs = full
                .fit(
                        TestModels.graph(1, new Adam(1e-9), 8),
                        TestModels.iterator(TRAIN, 64),
                        TestModels.iterator(VAL, 64))
                .history()
                .epochs()
                .stream()
                .map(EpochMetrics::learningRate)
                .toList();
        // epoch 1 sets the best; epoch 2 waits 1 -> halve; epoch 3 cooldown; epoch 4 waits 1 -> halve; 5 cooldown; 6
        assertEquals(1e-9, lrs.get(0), 1e-21);
        assertEquals(1e-9, lrs.get(1), 1e-21);
        assertEquals(5e-10, lrs.get(2), 1e-21);
        assertEquals(5e-10, lrs.get(3), 1e-21);
        assertEquals(2.5e-10, lrs.get(4), 1e-21);
        assertEquals(2.5e-10, lrs.get(5), 1e-21);

        Path dir = tmp.resolve("split");
        AtomicInteger seen = new AtomicInteger();
        Trainer[] self = new Trainer[1];
        Trainer first = TestModels.quietTrainer(dir, 6)
                .reduceLrOnPlateau(rule)
                .onEpochEnd(m -> {
                    if (seen.incrementAndGet() == 3) {
                        self[0].requestStop();
                    }
                })
                .build();
        self[0] = first;
        assertEquals(
                3,
                first.fit(
                                TestModels.graph(1, new Adam(1e-9), 8),
                                TestModels.iterator(TRAIN, 64),
                                TestModels.iterator(VAL, 64))
                        .history()
                        .size());
        Trainer second = TestModels.quietTrainer(dir, 6).reduceLrOnPlateau(rule).build();
        List<Double> resumed =
                second.resume(TestModels.iterator(TRAIN, 64), TestModels.iterator(VAL, 64)).history().epochs().stream()
                        .map(EpochMetrics::learningRate)
                        .toList();
        assertEquals(lrs.size(), resumed.size());
        for (int i = 0; i < lrs.size(); i++) {
            assertEquals(lrs.get(i), resumed.get(i), 1e-21, "lr of epoch " + (i + 1) + " after resume");
        }
    }

    @Test
    void diskFullWhileCheckpointingNamesTheFileAndKeepsTheLastCheckpoint(@TempDir Path tmp) {
        Path dir = tmp.resolve("run");
        AtomicInteger writes = new AtomicInteger();
        Checkpoints.ModelWriter failSecond = (model, file) -> {
            if (writes.incrementAndGet() == 2) {
                throw new IOException("No space left on device");
            }
            Checkpoints.MODEL_SERIALIZER.write(model, file);
        };
        TrainingRun run = run(dir, 3).modelWriter(failSecond).build();
        ComputationGraph net = started(run, TestModels.graph(7));
        CheckpointException e =
                assertThrows(CheckpointException.class, () -> net.fit(TestModels.iterator(TRAIN, 32), 3));
        run.close();
        assertTrue(e.getMessage().contains(RunFolder.last(dir).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        Checkpoints.Checkpoint cp = Checkpoints.load(RunFolder.last(dir));
        assertEquals(
                1,
                ((Number) cp.metadata().get(CheckpointEnvelope.EPOCH_KEY)).intValue(),
                "epoch 1's checkpoint intact");
        assertFalse(Files.exists(RunFolder.checkpoints(dir)
                .resolve(AtomicFiles.TEMPORARY_PREFIX + RunFolder.LAST_CHECKPOINT + AtomicFiles.TEMPORARY_SUFFIX)));
    }

    @Test
    void unwritableOutputNamesTheFile(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("run");
        Files.createDirectories(dir);
        Files.writeString(RunFolder.charts(dir), "a file where the charts folder goes");
        try (TrainingRun run = run(dir, 1).build()) {
            ComputationGraph net = started(run, TestModels.graph(8));
            net.fit(TestModels.iterator(TRAIN, 64), 1);
            // the epoch's outputs are written in the background; the failure surfaces at the next wait for them
            CheckpointException e = assertThrows(CheckpointException.class, run::awaitWrites);
            assertTrue(e.getMessage().contains(RunFolder.charts(dir).toString()), e.getMessage());
        }
        assertEquals(
                1,
                ((Number) Checkpoints.readMetadata(RunFolder.last(dir)).get(CheckpointEnvelope.EPOCH_KEY)).intValue(),
                "the checkpoint came first and is complete");
    }

    @Test
    void listenersNeedAStartedOpenRun(@TempDir Path tmp) {
        TrainingRun run = run(tmp.resolve("run"), 1).build();
        IllegalStateException notStarted = assertThrows(IllegalStateException.class, run::listeners);
        assertTrue(notStarted.getMessage().contains("restoreOrStart"), notStarted.getMessage());
        Model net = run.start(TestModels.graph(9));
        run.close();
        IllegalStateException closed =
                assertThrows(IllegalStateException.class, () -> run.listener().onEpochStart(net));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }
}
