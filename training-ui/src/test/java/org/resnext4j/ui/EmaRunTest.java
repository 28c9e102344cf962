package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** A {@link TrainingRun}'s moving average: updated at the right batches, validated, saved, choosing best.zip. */
class EmaRunTest {

    private static Trainer trainer(Path run, ModelEma ema, BaseTrainingListener extra) {
        return TestModels.quietTrainer(run, 3)
                .classNames(TestModels.CLASSES)
                .ema(ema)
                .bestCheckpointFromEma(true)
                .listener(extra)
                .build();
    }

    @Test
    void averageOfTheWeightsAfterTheFirstBatchOfEachEpochResetDuringWarmup(@TempDir Path tmp) {
        // 512 examples in batches of 32: 16 batches; one update per epoch, after batch 0; epoch 1 is warm-up
        List<INDArray> afterFirstBatch = new ArrayList<>();
        BaseTrainingListener capture = new BaseTrainingListener() {
            private int batch;

            @Override
            public void onEpochStart(Model model) {
                batch = 0;
            }

            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                if (batch++ == 0) {
                    afterFirstBatch.add(model.params().dup());
                }
            }
        };
        Path run = tmp.resolve("run");
        DataSet train = TestModels.blobs(512, 1);
        TrainingResult result = trainer(run, new ModelEma(0.5, 16, 1), capture)
                .fit(
                        TestModels.graph(7),
                        TestModels.iterator(train, 32),
                        TestModels.iterator(TestModels.blobs(128, 2), 64));
        assertEquals(3, afterFirstBatch.size());
        // epoch 1 (warm-up): copy, reset; epoch 2: copy (n_averaged 0); epoch 3: 0.5 * ema + 0.5 * w
        INDArray expected =
                afterFirstBatch.get(1).mul(0.5).addi(afterFirstBatch.get(2).mul(0.5));
        Path last = RunFolder.last(run);
        INDArray saved = EmaState.read(Checkpoints.readEntry(last, CheckpointEnvelope.EMA_ENTRY), last);
        assertTrue(saved.sub(expected).amaxNumber().doubleValue() < 1e-7, "EMA of the hand recursion");
        Map<?, ?> state = (Map<?, ?>) Checkpoints.readMetadata(last).get(CheckpointEnvelope.EMA_KEY);
        assertEquals(2, ((Number) state.get(CheckpointEnvelope.EMA_UPDATES_KEY)).intValue());
        assertEquals(CheckpointEnvelope.EMA_MODEL_RAW, state.get(CheckpointEnvelope.EMA_MODEL_KEY));
        // the average is not the raw weights, and its validation differs from theirs
        EpochMetrics m = result.history().epochs().get(2);
        assertTrue(m.hasEma());
        assertTrue(m.emaValLoss() != m.valLoss(), m.toString());
        assertTrue(((ComputationGraph) result.model())
                        .params()
                        .sub(saved)
                        .amaxNumber()
                        .doubleValue()
                > 1e-4);
    }

    @Test
    void withDecayZeroTheAverageIsTheWeightsAndBestZipHoldsIt(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        TrainingResult result = trainer(run, new ModelEma(0.0, 1, 0), new BaseTrainingListener() {})
                .fit(
                        TestModels.graph(7),
                        TestModels.iterator(TestModels.blobs(256, 1), 32),
                        TestModels.iterator(TestModels.blobs(128, 2), 64));
        for (EpochMetrics m : result.history().epochs()) {
            assertEquals(m.valLoss(), m.emaValLoss(), 1e-12, "epoch " + m.epoch());
            assertEquals(m.valAccuracy(), m.emaValAccuracy(), 0, "epoch " + m.epoch());
        }
        Checkpoints.Checkpoint best = Checkpoints.load(RunFolder.best(run));
        assertEquals(
                CheckpointEnvelope.EMA_MODEL_AVERAGE,
                ((Map<?, ?>) best.metadata().get(CheckpointEnvelope.EMA_KEY)).get(CheckpointEnvelope.EMA_MODEL_KEY));
        int bestEpoch = ((Number) best.metadata().get(CheckpointEnvelope.EPOCH_KEY)).intValue();
        assertTrue(bestEpoch >= 1 && bestEpoch <= 3);
        if (bestEpoch == 3) {
            assertEquals(
                    ((ComputationGraph) result.model()).params(), best.model().params());
        }
        assertTrue(Files.readString(run.resolve(HtmlReport.FILE_NAME)).contains("<th>EMA val acc</th>"));
        assertTrue(Files.readString(RunFolder.metricsJson(run)).contains("\"ema_val_acc\""));
    }

    @Test
    void historiesWithoutTheAverageReadAsBefore() {
        EpochMetrics plain = new EpochMetrics(1, 0.5, 0.8, 0.6, 0.7, 1e-3, 2.0, 10);
        assertFalse(plain.hasEma());
        assertFalse(plain.toMap().containsKey("ema_val_acc"), "no new keys for runs without an EMA");
        assertEquals(plain, EpochMetrics.fromMap(plain.toMap()));
        EpochMetrics ema = new EpochMetrics(1, 0.5, 0.8, 0.6, 0.7, 1e-3, 2.0, 10, 0.55, 0.75);
        assertEquals(ema, EpochMetrics.fromMap(ema.toMap()));
        assertEquals(0.75, ema.emaAsValidation().valAccuracy(), 0);
        assertTrue(ema.toLogLine(3).endsWith("ema val_loss 0.550 val_acc 75.0%"), ema.toLogLine(3));
    }
}
