package org.resnext4j.examples.tutorial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DataVecRecordReaderPipeline} on a generated 3-class folder: labels are the sorted folder names, 20% is held
 * out (balanced), and the model trained through DataVec's record reader with our transforms beats chance (33%) by far.
 */
class DataVecRecordReaderPipelineTest {

    @TempDir
    Path dir;

    @Test
    void aModelTrainedThroughDataVecsRecordReaderBeatsChance() throws Exception {
        Path data = ColourFolders.write(dir.resolve("colours"), 40, 32, 6);
        DataVecRecordReaderPipeline.Outcome o = DataVecRecordReaderPipeline.run(data, 4, 32, 16);
        assertEquals(ColourFolders.CLASSES, o.labels());
        assertEquals(24, o.examples(), "20% of 120 images");
        assertTrue(o.accuracy() >= 0.6, "held-out accuracy " + o.accuracy() + ", chance 0.33");
    }
}
