package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * {@code bench-train}'s epochs part reads the time line the run prints after each epoch (its format is pinned by
 * training-ui's {@code TrainerEndToEndTest}, where the same example line is produced).
 */
class TrainBenchEpochsTest {

    @Test
    void readsEachEpochsValidationSecondsFromTheRunsTimeLine() {
        Matcher m = TrainBenchEpochs.TIME.matcher(
                "10:41:35.143 INFO  org.resnext4j.ui.TrainingRun -   epoch 3 time: training 16.1s  validation 1.4s"
                        + "  checkpoint 0.2s");
        assertTrue(m.matches());
        assertEquals("3", m.group(1));
        assertEquals(1.4, Double.parseDouble(m.group(2)), 0);
        assertFalse(TrainBenchEpochs.TIME
                .matcher("  epoch 3  batch 4/8  loss 0.6931  3.9 examples/s")
                .matches());
    }
}
