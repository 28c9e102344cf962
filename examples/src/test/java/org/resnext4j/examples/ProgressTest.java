package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Progress bars: drawn with the task, count, percentage and elapsed/remaining time; silent when off. */
class ProgressTest {

    @Test
    void barShowsTaskCountPercentageAndTimes() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
                Progress.Bar bar = Progress.start("epoch 2/5", 12, out)) {
            for (int i = 0; i < 12; i++) {
                bar.step();
            }
            bar.extra("loss 0.4321");
        }
        String drawn = buf.toString(StandardCharsets.UTF_8);
        assertTrue(drawn.contains("epoch 2/5"), drawn);
        assertTrue(drawn.contains("100%"), drawn);
        assertTrue(drawn.contains("12/12"), drawn);
        assertTrue(drawn.contains("loss 0.4321"), drawn);
        // elapsed / remaining, as h:mm:ss
        assertTrue(drawn.matches("(?s).*\\(\\d+:\\d\\d:\\d\\d / \\d+:\\d\\d:\\d\\d\\).*"), drawn);
    }

    @Test
    void offWhenNotATerminalOrQuiet() {
        // the test JVM's output is not a console, as in a pipe or a CI log
        assertFalse(Progress.interactive());
        ProgressMixin options = new ProgressMixin();
        assertFalse(options.enabled());
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setErr(e);
            try (Progress.Bar bar = Progress.start(options.enabled(), "evaluate", 3)) {
                bar.step();
                bar.stepTo(3);
            }
        } finally {
            System.setErr(old);
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }
}
