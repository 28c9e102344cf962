package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.distribution.BetaDistribution;
import org.apache.commons.math3.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.datavec.EpochIterator;

/** Mixup, cutmix and label smoothing against values computed by hand from torchvision's formulas. */
class BatchMixingTest {

    private static final double EPS = 1e-6;

    @Test
    void mixupMixesEachExampleWithThePreviousOne() {
        INDArray x = Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}, {5, 6}});
        INDArray y = Nd4j.createFromArray(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}});
        BatchMixing.mixup(x, y, 0.25);
        // row i = 0.25 * row i + 0.75 * row i-1 (row 0 takes the last row): torch.roll(batch, 1, 0)
        assertArrayEquals(
                new double[] {0.25 * 1 + 0.75 * 5, 0.25 * 2 + 0.75 * 6},
                x.getRow(0).toDoubleVector(),
                EPS);
        assertArrayEquals(
                new double[] {0.25 * 3 + 0.75 * 1, 0.25 * 4 + 0.75 * 2},
                x.getRow(1).toDoubleVector(),
                EPS);
        assertArrayEquals(
                new double[] {0.25 * 5 + 0.75 * 3, 0.25 * 6 + 0.75 * 4},
                x.getRow(2).toDoubleVector(),
                EPS);
        assertArrayEquals(new double[] {0.25, 0, 0.75}, y.getRow(0).toDoubleVector(), EPS);
        assertArrayEquals(new double[] {0.75, 0.25, 0}, y.getRow(1).toDoubleVector(), EPS);
        assertArrayEquals(new double[] {0, 0.75, 0.25}, y.getRow(2).toDoubleVector(), EPS);
    }

    @Test
    void cutmixBoxAndAreaCorrectedLambda() {
        // W 8, H 6, lambda 0.64: r = 0.5 * sqrt(0.36) = 0.3; half-sides int(2.4) = 2 and int(1.8) = 1
        BatchMixing.Box corner = BatchMixing.cutmixBox(8, 6, 0.64, 7, 0);
        // x: [7 - 2, min(7 + 2, 8)) = [5, 8); y: [max(0 - 1, 0), 0 + 1) = [0, 1): 3 pixels of 48
        assertEquals(new BatchMixing.Box(5, 0, 8, 1, 1 - 3.0 / 48), corner);
        BatchMixing.Box inside = BatchMixing.cutmixBox(8, 6, 0.64, 3, 3);
        // [1, 5) x [2, 4): 8 pixels of 48
        assertEquals(new BatchMixing.Box(1, 2, 5, 4, 1 - 8.0 / 48), inside);
        // lambda 1: an empty box, labels unmixed
        assertEquals(new BatchMixing.Box(4, 2, 4, 2, 1.0), BatchMixing.cutmixBox(8, 6, 1.0, 4, 2));
    }

    @Test
    void cutmixPastesTheBoxOfThePreviousImage() {
        // two 1-channel 3x4 images: image 0 all 1, image 1 all 2
        INDArray x = Nd4j.concat(
                0,
                Nd4j.ones(DataType.DOUBLE, 1, 1, 3, 4),
                Nd4j.ones(DataType.DOUBLE, 1, 1, 3, 4).muli(2));
        INDArray y = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}});
        BatchMixing.Box box = new BatchMixing.Box(1, 0, 3, 2, 1 - 4.0 / 12);
        BatchMixing.cutmix(x, y, box);
        double[][] image0 = {{1, 2, 2, 1}, {1, 2, 2, 1}, {1, 1, 1, 1}};
        double[][] image1 = {{2, 1, 1, 2}, {2, 1, 1, 2}, {2, 2, 2, 2}};
        for (int r = 0; r < 3; r++) {
            assertArrayEquals(image0[r], x.get(point(0), point(0), point(r)).toDoubleVector(), EPS, "image 0 row " + r);
            assertArrayEquals(image1[r], x.get(point(1), point(0), point(r)).toDoubleVector(), EPS, "image 1 row " + r);
        }
        assertArrayEquals(new double[] {2.0 / 3, 1.0 / 3}, y.getRow(0).toDoubleVector(), EPS);
        assertArrayEquals(new double[] {1.0 / 3, 2.0 / 3}, y.getRow(1).toDoubleVector(), EPS);
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex point(long i) {
        return org.nd4j.linalg.indexing.NDArrayIndex.point(i);
    }

    @Test
    void labelSmoothingAsPyTorchsCrossEntropy() {
        INDArray y = Nd4j.createFromArray(new double[][] {{0, 1, 0, 0}, {0.25, 0, 0.75, 0}});
        BatchMixing.smooth(y, 0.1);
        // (1 - 0.1) * y + 0.1 / 4
        assertArrayEquals(new double[] {0.025, 0.925, 0.025, 0.025}, y.getRow(0).toDoubleVector(), EPS);
        assertArrayEquals(
                new double[] {0.9 * 0.25 + 0.025, 0.025, 0.9 * 0.75 + 0.025, 0.025},
                y.getRow(1).toDoubleVector(),
                EPS);
    }

    @Test
    void betaDrawsFollowBetaAlphaAlpha() {
        // Beta(0.2, 0.2): mean 1/2, variance 1 / (4 (2 alpha + 1)) = 1 / 5.6
        int n = 20000;
        double sum = 0;
        double sumSq = 0;
        for (int b = 0; b < n; b++) {
            double l = new BetaDistribution(BatchMixing.generator(3, 0, b), 0.2, 0.2).sample();
            sum += l;
            sumSq += l * l;
        }
        double mean = sum / n;
        double var = sumSq / n - mean * mean;
        assertEquals(0.5, mean, 0.01);
        assertEquals(1 / 5.6, var, 0.005);
    }

    @Test
    void eachBatchIsMixedWithItsOwnSeededDrawsAndResumesExactly() {
        Fixed data = new Fixed(4, 3);
        BatchMixing mixing = new BatchMixing(data, 0.2, 0, 0.1, 11);
        List<DataSet> epoch1 = new ArrayList<>();
        mixing.setEpoch(1);
        while (mixing.hasNext()) {
            epoch1.add(mixing.next());
        }
        // batch 2 of epoch 1 with mixup only: lambda is the first Beta draw of its generator
        RandomGenerator rng = BatchMixing.generator(11, 1, 2);
        double lambda = new BetaDistribution(rng, 0.2, 0.2).sample();
        DataSet raw = data.batch(1, 2);
        INDArray x = raw.getFeatures().dup();
        INDArray y = raw.getLabels().dup();
        BatchMixing.mixup(x, y, lambda);
        BatchMixing.smooth(y, 0.1);
        assertEquals(x, epoch1.get(2).getFeatures());
        assertEquals(y, epoch1.get(2).getLabels());
        // positioned inside the epoch, the next batch is the same one
        mixing.setPosition(1, 2);
        DataSet again = mixing.next();
        assertEquals(epoch1.get(2).getFeatures(), again.getFeatures());
        assertEquals(epoch1.get(2).getLabels(), again.getLabels());
        // another epoch draws differently
        mixing.setEpoch(2);
        mixing.next();
        mixing.next();
        assertNotEquals(epoch1.get(2).getLabels(), mixing.next().getLabels());
        // the original labels are found from the served ones (also from a copy, as after DL4J's prefetch)
        assertEquals(raw.getLabels(), mixing.hardLabels(again.getLabels().dup()));
    }

    @Test
    void withBothOnEachBatchChoosesOneOfThemAtRandom() {
        Fixed data = new Fixed(40, 2);
        BatchMixing mixing = new BatchMixing(data, 0.2, 1.0, 0, 5);
        mixing.setEpoch(0);
        int mixups = 0;
        int b = 0;
        while (mixing.hasNext()) {
            DataSet d = mixing.next();
            boolean mixup = BatchMixing.generator(5, 0, b++).nextDouble() < 0.5;
            // mixup changes every pixel; cutmix leaves the pixels outside its box (of at most 3/4 of the width)
            INDArray raw = data.batch(0, b - 1).getFeatures();
            long changed =
                    d.getFeatures().neq(raw).castTo(DataType.INT32).sumNumber().longValue();
            if (mixup) {
                mixups++;
                assertEquals(raw.length(), changed, "mixup mixes every value");
            } else {
                assertTrue(changed < raw.length(), "cutmix pastes a box");
            }
        }
        assertTrue(mixups > 10 && mixups < 30, mixups + " mixups of 40");
    }

    @Test
    void rejectsValuesOutOfRange() {
        Fixed data = new Fixed(1, 2);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new BatchMixing(data, -1, 0, 0, 1));
        assertTrue(e.getMessage().contains("mixupAlpha"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BatchMixing(data, 0, 0, 1, 1));
        assertTrue(e.getMessage().contains("labelSmoothing"), e.getMessage());
        assertSame(data, new BatchMixing(data, 0, 0, 0, 1).data());
    }

    /** Batches of 3 images 1x2x3 and 3 classes, different per epoch and batch. */
    static final class Fixed implements EpochIterator {
        private static final long serialVersionUID = 1L;
        private final int batches;
        private final int classes;
        private int epoch;
        private int next;

        Fixed(int batches, int classes) {
            this.batches = batches;
            this.classes = classes;
        }

        DataSet batch(int e, int b) {
            INDArray x =
                    Nd4j.linspace(DataType.DOUBLE, 1, 18, 1).reshape(3, 1, 2, 3).addi(100 * e + 10 * b);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, 3, classes);
            for (int i = 0; i < 3; i++) {
                y.putScalar(i, (i + b) % classes, 1);
            }
            return new DataSet(x, y);
        }

        @Override
        public int epoch() {
            return epoch;
        }

        @Override
        public void setEpoch(int e) {
            epoch = e;
            next = 0;
        }

        @Override
        public int numBatches() {
            return batches;
        }

        @Override
        public DataSet next(int num) {
            return next();
        }

        @Override
        public DataSet next() {
            return batch(epoch, next++);
        }

        @Override
        public boolean hasNext() {
            return next < batches;
        }

        @Override
        public int inputColumns() {
            return 6;
        }

        @Override
        public int totalOutcomes() {
            return classes;
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
            setEpoch(epoch + 1);
        }

        @Override
        public int batch() {
            return 3;
        }

        @Override
        public void setPreProcessor(DataSetPreProcessor preProcessor) {}

        @Override
        public DataSetPreProcessor getPreProcessor() {
            return null;
        }

        @Override
        public List<String> getLabels() {
            return null;
        }
    }
}
