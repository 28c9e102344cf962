package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run's files after each epoch: metrics and report every epoch, the charts after the first epoch and then at most
 * once per interval, the last epoch's drawn when the run waits for its writes.
 */
class RunOutputsTest {

    private static final long MINUTE = TimeUnit.SECONDS.toNanos(RunOutputs.CHARTS_INTERVAL_SECONDS);

    private static MetricsHistory history(int epochs) {
        MetricsHistory h = new MetricsHistory();
        for (int e = 1; e <= epochs; e++) {
            h.add(new EpochMetrics(
                    e, 1.0 / e, 0.4 + 0.1 * e, 1.2 / e, 0.3 + 0.1 * e, 1e-3, 10, 12L * e, Double.NaN, Double.NaN));
        }
        return h;
    }

    /** The bytes of each curve chart as {@link Charts#writeCurves} draws a history. */
    private static byte[][] drawn(MetricsHistory h, Path dir) throws IOException {
        Charts.writeCurves(h, dir);
        return charts(dir);
    }

    private static byte[][] charts(Path dir) throws IOException {
        return new byte[][] {
            Files.readAllBytes(dir.resolve(Charts.ACCURACY_PNG)),
            Files.readAllBytes(dir.resolve(Charts.LOSS_PNG)),
            Files.readAllBytes(dir.resolve(Charts.LEARNING_RATE_PNG))
        };
    }

    private static void assertCharts(byte[][] expected, Path dir, String when) throws IOException {
        byte[][] actual = charts(dir);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], when + ", chart " + i);
        }
    }

    @Test
    void chartsFollowTheFirstEpochThenAtMostOncePerIntervalAndTheLastOnWaiting(@TempDir Path tmp) throws IOException {
        byte[][] one = drawn(history(1), tmp.resolve("one"));
        byte[][] two = drawn(history(2), tmp.resolve("two"));
        byte[][] three = drawn(history(3), tmp.resolve("three"));
        assertFalse(java.util.Arrays.equals(one[0], two[0]), "the reference charts differ by epoch");

        Path run = tmp.resolve("run");
        AtomicLong clock = new AtomicLong(1_000);
        RunOutputs outputs = new RunOutputs(run, clock::get, MINUTE);
        Path charts = RunFolder.charts(run);

        outputs.write(history(1), null);
        assertCharts(one, charts, "after the first epoch");

        clock.addAndGet(MINUTE / 6); // an epoch of 10 s
        outputs.write(history(2), null);
        assertEquals(3, Files.readAllLines(RunFolder.metricsCsv(run)).size(), "metrics follow every epoch");
        assertTrue(Files.readString(RunFolder.report(run)).contains("<td>2</td>"), "the report follows every epoch");
        assertCharts(one, charts, "10 s later the charts wait");

        outputs.drawPendingCharts();
        assertCharts(two, charts, "waiting for the writes draws the pending charts");
        Files.delete(charts.resolve(Charts.ACCURACY_PNG));
        outputs.drawPendingCharts();
        assertFalse(Files.exists(charts.resolve(Charts.ACCURACY_PNG)), "nothing pending, nothing drawn again");

        clock.addAndGet(MINUTE); // the interval since they were drawn
        outputs.write(history(3), null);
        assertCharts(three, charts, "a minute later the epoch's charts are drawn at once");
    }
}
