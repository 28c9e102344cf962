package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The moving average of the weights against torchvision's update rule and decay adjustment, by hand. */
class ModelEmaTest {

    @Test
    void adjustedDecayOfTorchvisionsRecipe() {
        // 8 GPUs x batch 128, EMA every 32 steps, 600 epochs: adjust = 8 * 128 * 32 / 600 = 54.6133...,
        // alpha = (1 - 0.99998) * adjust = 0.00109227, decay 0.99890773
        assertEquals(1 - 2e-5 * 8 * 128 * 32 / 600.0, ModelEma.adjustedDecay(0.99998, 128, 32, 600, 8), 1e-12);
        assertEquals(0.998907733, ModelEma.adjustedDecay(0.99998, 128, 32, 600, 8), 1e-9);
        // a short run: alpha capped at 1, the average is the weights
        assertEquals(0.0, ModelEma.adjustedDecay(0.9, 64, 32, 1, 1), 0);
    }

    @Test
    void updatesEveryStepsBatchesAndCopiesDuringWarmup() {
        ModelEma ema = new ModelEma(0.5, 2, 1);
        assertNull(ema.average());
        // epoch 0 is warm-up: each update copies the weights and resets the count
        assertTrue(ema.afterBatch(Nd4j.createFromArray(1.0, 2.0), 0, 0));
        assertEquals(0, ema.updates());
        assertFalse(ema.afterBatch(Nd4j.createFromArray(100.0, 100.0), 0, 1));
        assertTrue(ema.afterBatch(Nd4j.createFromArray(3.0, 4.0), 0, 2));
        assertArrayEquals(new double[] {3, 4}, ema.average().toDoubleVector(), 0);
        // epoch 1: the first update copies (n_averaged was reset), then 0.5 * ema + 0.5 * w
        ema.afterBatch(Nd4j.createFromArray(5.0, 6.0), 1, 0);
        assertArrayEquals(new double[] {5, 6}, ema.average().toDoubleVector(), 0);
        assertEquals(1, ema.updates());
        ema.afterBatch(Nd4j.createFromArray(9.0, 2.0), 1, 2);
        assertArrayEquals(new double[] {7, 4}, ema.average().toDoubleVector(), 0);
        ema.afterBatch(Nd4j.createFromArray(1.0, 0.0), 1, 3);
        ema.afterBatch(Nd4j.createFromArray(1.0, 0.0), 1, 4);
        assertArrayEquals(new double[] {4, 2}, ema.average().toDoubleVector(), 0);
        assertEquals(3, ema.updates());
    }

    @Test
    void decayOfTheRecipeOnAShortRun() {
        // decay 0.99998 adjusted for batch 32, every 4 batches, 10 epochs: 1 - 2e-5 * 12.8 = 0.999744
        double d = ModelEma.adjustedDecay(0.99998, 32, 4, 10, 1);
        assertEquals(0.999744, d, 1e-12);
        ModelEma ema = new ModelEma(d, 4, 0);
        ema.afterBatch(Nd4j.createFromArray(1.0), 0, 0);
        ema.afterBatch(Nd4j.createFromArray(2.0), 0, 4);
        assertEquals(0.999744 * 1 + 0.000256 * 2, ema.average().getDouble(0), 1e-12);
    }

    @Test
    void restoresItsState() {
        ModelEma ema = new ModelEma(0.5, 1, 0);
        ema.restore(Nd4j.createFromArray(2.0), 7);
        ema.afterBatch(Nd4j.createFromArray(4.0), 3, 0);
        assertEquals(3.0, ema.average().getDouble(0), 0);
        assertEquals(8, ema.updates());
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new ModelEma(1.0, 32, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ModelEma(0.9, 0, 0));
        assertTrue(e.getMessage().contains("steps"), e.getMessage());
    }
}
