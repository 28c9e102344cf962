package org.resnext4j.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.resnext4j.ui.Trainer;
import org.resnext4j.ui.TrainingUi;
import org.resnext4j.ui.UiOptions;

/**
 * {@code ui <run-folder | stats-file>}: reopens a finished run's DL4J UI stats ({@code <run>/ui-stats.dl4j}) in the
 * browser UI on 127.0.0.1 and blocks until Ctrl-C.
 */
final class UiCommand implements Cli.Command {

    @Override
    public String usage() {
        return "ui <run-folder|ui-stats.dl4j> [--port N]";
    }

    @Override
    public void run(String[] args) throws InterruptedException {
        Args a = Args.parse(args);
        Path target = Path.of(a.positional(0, "run-folder"));
        int port = a.intOption("--port", UiOptions.DEFAULT_PORT, 0);
        UiOptions options = UiOptions.defaults().withPort(port).withFallbackToFreePort(!a.has("--port"));
        a.requireAllUsed();
        Path stats = Files.isDirectory(target) ? target.resolve(Trainer.STATS_FILE) : target;
        if (!Files.isRegularFile(stats)) {
            throw new IllegalArgumentException("<run-folder>: no DL4J UI stats file " + stats.toAbsolutePath()
                    + " (a training run writes <run>/" + Trainer.STATS_FILE + ")");
        }
        TrainingUi ui = TrainingUi.reopen(stats, options);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ui.close();
            stop.countDown();
        }, "ui-shutdown"));
        System.out.println("DL4J training UI for " + stats + ": " + ui.url().orElse("(no URL)")
                + "  (listening on " + options.bindAddress() + "; Ctrl-C to stop)");
        stop.await();
    }
}
