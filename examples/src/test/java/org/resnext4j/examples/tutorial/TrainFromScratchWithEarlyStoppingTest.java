package org.resnext4j.examples.tutorial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.ui.MetricsHistory;

/**
 * {@link TrainFromScratchWithEarlyStopping} on a generated 3-class folder: DL4J's trainer stops within its epoch
 * budget, the run's listeners recorded one epoch per trainer epoch, and the best model beats chance (33%) on the
 * held-out images by far.
 */
class TrainFromScratchWithEarlyStoppingTest {

    @TempDir
    Path dir;

    @Test
    void theBestModelBeatsChanceAndTheRunRecordedEveryEpoch() throws Exception {
        Path data = ColourFolders.write(dir.resolve("colours"), 40, 32, 5);
        Path out = dir.resolve("run");
        TrainFromScratchWithEarlyStopping.Outcome o = TrainFromScratchWithEarlyStopping.run(data, out, 4, 2, 32, 16);
        int epochs = o.result().getTotalEpochs();
        assertTrue(epochs >= 1 && epochs <= 4, "epochs " + epochs);
        assertEquals(3, o.classes());
        MetricsHistory history = MetricsHistory.readJson(out.resolve("metrics.json"));
        assertEquals(epochs, history.size(), "one recorded epoch per trainer epoch");
        assertTrue(Files.isRegularFile(out.resolve("checkpoints").resolve("best.zip")));
        assertTrue(o.validationAccuracy() >= 0.8, "validation accuracy " + o.validationAccuracy() + ", chance 0.33");
    }
}
