package org.resnext4j.examples;

import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars with elapsed time and ETA on standard error (me.tongfei:progressbar), for long work: training epochs
 * and validation, evaluate, predict over a folder, weight import. Off when the output is not a terminal (logs and
 * pipes get the plain per-epoch lines) or with {@code --quiet}; an off bar does nothing.
 */
final class Progress {

    private Progress() {}

    /** A bar, or nothing. */
    interface Bar extends AutoCloseable {
        /** One more unit done. */
        void step();

        /** {@code n} units done. */
        void stepTo(long n);

        /** Text after the bar (e.g. the running loss). */
        void extra(String message);

        /** Prints a result line on standard output above the bar. */
        void println(String line);

        /** Prints a warning line on standard error above the bar. */
        void warn(String line);

        @Override
        void close();
    }

    private static final Bar OFF = new Bar() {
        @Override
        public void step() {}

        @Override
        public void stepTo(long n) {}

        @Override
        public void extra(String message) {}

        @Override
        public void println(String line) {
            System.out.println(line);
        }

        @Override
        public void warn(String line) {
            System.err.println(line);
        }

        @Override
        public void close() {}
    };

    /** @return whether standard input and output are a terminal (a console), where bars make sense */
    static boolean interactive() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    /**
     * @param enabled whether to draw (see {@link ProgressMixin#enabled()})
     * @param task    what is being done, e.g. {@code epoch 3/12}
     * @param max     units of the whole task; -1 when unknown
     * @return a bar drawing on standard error, or one that does nothing
     */
    static Bar start(boolean enabled, String task, long max) {
        return enabled ? start(task, max, System.err) : OFF;
    }

    /**
     * A bar of bytes (shown in MB, with speed and ETA) for a download that may resume, or nothing.
     *
     * @param done  bytes already there (a resumed transfer), not counted in the speed
     * @param total the size, -1 when unknown
     */
    static Bar startBytes(boolean enabled, String task, long done, long total) {
        if (!enabled) {
            return OFF;
        }
        return wrap(
                builder(task, total)
                        .setUnit("MB", 1_000_000)
                        .showSpeed()
                        .startsFrom(done, java.time.Duration.ZERO)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err))
                        .build(),
                System.err);
    }

    private static ProgressBarBuilder builder(String task, long max) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setStyle(
                        StandardCharsets.UTF_8.equals(Charset.defaultCharset())
                                ? ProgressBarStyle.UNICODE_BLOCK
                                : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250);
    }

    /** A bar drawing on {@code out}, whatever it is (tests draw into a buffer). */
    static Bar start(String task, long max, PrintStream out) {
        return wrap(
                builder(task, max)
                        .setConsumer(new ConsoleProgressBarConsumer(out))
                        .build(),
                out);
    }

    private static Bar wrap(ProgressBar bar, PrintStream out) {
        return new Bar() {
            @Override
            public void step() {
                bar.step();
            }

            @Override
            public void stepTo(long n) {
                bar.stepTo(n);
            }

            @Override
            public void extra(String message) {
                bar.setExtraMessage(message);
            }

            @Override
            public void println(String line) {
                out.print("\r\033[2K");
                out.flush();
                System.out.println(line);
                bar.refresh();
            }

            @Override
            public void warn(String line) {
                out.print("\r\033[2K");
                out.flush();
                System.err.println(line);
                bar.refresh();
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }
}
