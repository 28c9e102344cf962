package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.ui.Trainer;

/** {@code --no-ui} records UI statistics only when {@code --ui-stats} asks; checkpoints are STORED. */
class UiStatsCliTest {

    private static String[] train(Path data, Path out, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "train",
                "--data",
                data.toString(),
                "--model",
                "tiny",
                "--size",
                "32",
                "--batch",
                "16",
                "--epochs",
                "1",
                "--augment",
                "none",
                "--quiet",
                "--out",
                out.toString()));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    @Test
    void noUiRecordsStatisticsOnlyWhenAsked(@TempDir Path tmp) throws Exception {
        Path data = ShapesDataset.write(tmp.resolve("shapes"), 10, 32, 5);
        Path off = tmp.resolve("off");
        CliRunner.Result r = CliRunner.run(train(data, off, "--no-ui"));
        assertEquals(0, r.code(), r.toString());
        assertFalse(Files.exists(off.resolve(Trainer.STATS_FILE)), "no stats file without --ui-stats");
        assertTrue(r.out().contains("no UI statistics recorded"), r.out());
        Map<String, Object> config = org.nd4j.shade.jackson.databind.json.JsonMapper.builder()
                .build()
                .readValue(off.resolve(Trainer.RUN_CONFIG_FILE).toFile(), Map.class);
        assertEquals("off", config.get("ui_stats"));
        try (ZipFile z = new ZipFile(off.resolve("checkpoints/last.zip").toFile())) {
            assertEquals(ZipEntry.STORED, z.getEntry("coefficients.bin").getMethod());
        }
        assertTrue(Files.isSameFile(off.resolve("checkpoints/last.zip"), off.resolve("checkpoints/best.zip")));

        Path asked = tmp.resolve("asked");
        r = CliRunner.run(train(data, asked, "--no-ui", "--ui-stats", "full"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.size(asked.resolve(Trainer.STATS_FILE)) > 0);
        config = org.nd4j.shade.jackson.databind.json.JsonMapper.builder()
                .build()
                .readValue(asked.resolve(Trainer.RUN_CONFIG_FILE).toFile(), Map.class);
        assertEquals("full", config.get("ui_stats"));
        assertEquals(1, ((Number) config.get("ui_stats_every_iterations")).intValue(), "tiny: every iteration");
    }
}
