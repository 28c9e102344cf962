package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.resnext4j.datavec.ForwardingDataSetIterator;

class ResumeTest {

    private static final DataSet TRAIN = TestModels.blobs(256, 11);
    private static final DataSet VAL = TestModels.blobs(128, 12);

    @Test
    void interruptedRunResumesWithoutGapsAndMatchesUninterruptedRun(@TempDir Path tmp) {
        Path reference = tmp.resolve("reference");
        TrainingResult full = trainer(reference)
                .fit(TestModels.graph(5), TestModels.iterator(TRAIN, 32), TestModels.iterator(VAL, 64));

        // crash in the middle of epoch 3 (after epochs 1 and 2 were checkpointed)
        Path run = tmp.resolve("run");
        DataSetIterator crashing = new CrashingIterator(TestModels.iterator(TRAIN, 32), 3, 2);
        RuntimeException crash = assertThrows(
                RuntimeException.class,
                () -> trainer(run).fit(TestModels.graph(5), crashing, TestModels.iterator(VAL, 64)));
        assertTrue(crash.getMessage().contains("simulated crash"), crash.getMessage());

        TrainingResult resumed = trainer(run).resume(TestModels.iterator(TRAIN, 32), TestModels.iterator(VAL, 64));

        List<EpochMetrics> a = full.history().epochs();
        List<EpochMetrics> b = resumed.history().epochs();
        assertEquals(List.of(1, 2, 3, 4), b.stream().map(EpochMetrics::epoch).toList());
        for (int i = 0; i < 4; i++) {
            assertEquals(a.get(i).iterations(), b.get(i).iterations(), "iterations of epoch " + (i + 1));
            assertEquals(a.get(i).learningRate(), b.get(i).learningRate(), 1e-12, "lr of epoch " + (i + 1));
            assertEquals(a.get(i).valAccuracy(), b.get(i).valAccuracy(), 1e-6, "val acc of epoch " + (i + 1));
            assertEquals(a.get(i).trainLoss(), b.get(i).trainLoss(), 1e-4, "train loss of epoch " + (i + 1));
        }
        assertEquals(0.01 * 0.5 * 0.5 * 0.5, b.get(3).learningRate(), 1e-12, "step schedule at epoch 4");
        assertEquals(4 * 256 / 32, b.get(3).iterations());

        ComputationGraph x = (ComputationGraph) full.model();
        ComputationGraph y = (ComputationGraph) resumed.model();
        assertEquals(4, y.getConfiguration().getEpochCount());
        assertEquals(
                x.getConfiguration().getIterationCount(), y.getConfiguration().getIterationCount());
        INDArray diff = x.params().sub(y.params());
        double maxAbs = diff.amaxNumber().doubleValue();
        assertTrue(maxAbs < 1e-5, "max |param difference| " + maxAbs);
    }

    @Test
    void fitRefusesAFolderThatHoldsACheckpoint(@TempDir Path tmp) {
        Path run = tmp.resolve("run");
        trainer(run, 1).fit(TestModels.graph(5), TestModels.iterator(TRAIN, 64), TestModels.iterator(VAL, 64));
        CheckpointException e = assertThrows(
                CheckpointException.class,
                () -> trainer(run, 1)
                        .fit(TestModels.graph(5), TestModels.iterator(TRAIN, 64), TestModels.iterator(VAL, 64)));
        assertTrue(e.getMessage().contains("resume"), e.getMessage());
    }

    private static Trainer trainer(Path dir) {
        return trainer(dir, 4);
    }

    private static Trainer trainer(Path dir, int epochs) {
        return TestModels.quietTrainer(dir, epochs)
                .classNames(TestModels.CLASSES)
                .build();
    }

    /**
     * Throws at a given batch of a given epoch, like a crash during training. Epochs count from 1; DL4J's
     * {@code fit(iterator)} resets the iterator when it starts an epoch with the iterator exhausted.
     */
    private static final class CrashingIterator extends ForwardingDataSetIterator {
        private static final long serialVersionUID = 1L;
        private final int crashEpoch;
        private final int crashBatch;
        private int epoch = 1;
        private int batch;

        CrashingIterator(DataSetIterator inner, int crashEpoch, int crashBatch) {
            super(inner);
            this.crashEpoch = crashEpoch;
            this.crashBatch = crashBatch;
        }

        @Override
        public DataSet next(int num) {
            return next();
        }

        @Override
        public boolean resetSupported() {
            return true;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            base.reset();
            epoch++;
            batch = 0;
        }

        @Override
        public DataSet next() {
            batch++;
            if (epoch == crashEpoch && batch == crashBatch) {
                throw new IllegalStateException("simulated crash in epoch " + epoch + " batch " + batch);
            }
            return base.next();
        }
    }
}
