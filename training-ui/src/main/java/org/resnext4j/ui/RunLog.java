package org.resnext4j.ui;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A training run's log lines: to slf4j (as {@link TrainingRun}'s logger) and to the builder's sink, if any. */
final class RunLog {

    private static final Logger log = LoggerFactory.getLogger(TrainingRun.class);

    private final Consumer<String> sink;

    /** @param sink receives every line besides slf4j, or {@code null} */
    RunLog(Consumer<String> sink) {
        this.sink = sink;
    }

    void say(String line) {
        log.info(line);
        if (sink != null) {
            sink.accept(line);
        }
    }
}
