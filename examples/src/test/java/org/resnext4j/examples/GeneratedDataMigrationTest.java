package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.ui.RunSettings;

/**
 * Runs on the generated data set made before its size was stored in the checkpoint ({@code data_per_class}) used
 * 200 images per class; {@code --resume} must find and reuse exactly that data set, while new runs record theirs.
 */
class GeneratedDataMigrationTest {

    @Test
    void legacyRunsResumeOnTheir200PerClassDataSet(@TempDir Path tmp) throws IOException {
        assertEquals(
                200,
                TrainData.generatedPerClass(RunSettings.fromMap(Map.of("data_generated", true))),
                "no key: a legacy run");
        assertEquals(600, TrainData.generatedPerClass(RunSettings.fromMap(Map.of("data_per_class", 600))));
        // a legacy run folder's data set is reused as it is (same description file), not refused as foreign
        Path legacy = ShapesDataset.write(
                tmp.resolve("shapes"),
                ShapesDataset.LEGACY_PER_CLASS,
                ShapesDataset.DEFAULT_SIZE,
                ShapesDataset.DEFAULT_SEED);
        long before = Files.getLastModifiedTime(legacy.resolve("dataset.txt")).toMillis();
        ShapesDataset.write(
                legacy,
                TrainData.generatedPerClass(RunSettings.fromMap(Map.of())),
                ShapesDataset.DEFAULT_SIZE,
                ShapesDataset.DEFAULT_SEED);
        assertEquals(
                before, Files.getLastModifiedTime(legacy.resolve("dataset.txt")).toMillis());
        try (var files = Files.list(legacy.resolve("circle"))) {
            assertEquals(200, files.count());
        }
    }
}
