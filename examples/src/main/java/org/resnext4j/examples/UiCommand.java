package org.resnext4j.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.resnext4j.ui.RunFolder;
import org.resnext4j.ui.TrainingUi;
import org.resnext4j.ui.UiOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ui <run-folder | stats-file>}: reopens a finished run's DL4J UI stats ({@code <run>/ui-stats.dl4j}) in the
 * browser UI on 127.0.0.1 and blocks until Ctrl-C.
 */
@Command(
        name = "ui",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "Reopens a finished run in the DL4J training UI (and its epoch curves) until Ctrl-C.")
final class UiCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN|STATS", description = "a run folder, or its ui-stats.dl4j")
    Path target;

    @Mixin
    UiMixin ui;

    @Override
    public Integer call() throws InterruptedException {
        UiOptions options = ui.options(spec.commandLine().getParseResult().hasMatchedOption("--port"), System.err);
        Path stats = Files.isDirectory(target) ? target.resolve(RunFolder.STATS_FILE) : target;
        if (!Files.isRegularFile(stats)) {
            throw new IllegalArgumentException("RUN|STATS: no DL4J UI stats file " + stats.toAbsolutePath()
                    + " (a training run writes <run>/" + RunFolder.STATS_FILE + ")");
        }
        TrainingUi ui = TrainingUi.reopen(stats, options);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            ui.close();
                            stop.countDown();
                        },
                        "ui-shutdown"));
        System.out.println("DL4J training UI for " + stats + ": " + ui.url().orElse("(no URL)") + "  (listening on "
                + options.bindAddress() + "; Ctrl-C to stop)");
        stop.await();
        return 0;
    }
}
