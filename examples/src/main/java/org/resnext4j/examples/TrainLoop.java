package org.resnext4j.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jline.utils.Signals;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.resnext4j.datavec.ImageFolderPipeline;
import org.resnext4j.ui.Charts;
import org.resnext4j.ui.RunFolder;
import org.resnext4j.ui.RunSettings;
import org.resnext4j.ui.Trainer;
import org.resnext4j.ui.TrainingResult;
import org.resnext4j.ui.UiOptions;

/**
 * The run itself, for a new run and a resumed one alike: the {@link Trainer} a run's settings configure, training
 * with Ctrl-C wired to {@link Trainer#interrupt()}, and the closing lines that say where the outputs are.
 *
 * @param progress whether progress bars are drawn
 */
record TrainLoop(boolean progress) {

    /**
     * The trainer of a run: its folder, epochs, classes, UI, callbacks, recipe, progress, and its settings as the
     * metadata every checkpoint stores.
     */
    Trainer.Builder trainer(
            Path runDir, int epochCount, ImageFolderPipeline pipeline, UiOptions uiOptions, RunSettings settings) {
        // with a progress bar, the periodic progress lines inside an epoch would only break it
        Trainer.Builder trainer = Trainer.builder()
                .runDir(runDir)
                .epochs(epochCount)
                .classNames(pipeline.classNames())
                .ui(uiOptions)
                .earlyStopping(
                        settings.earlyStopping() == null
                                ? null
                                : settings.earlyStopping().toEarlyStopping())
                .reduceLrOnPlateau(
                        settings.reduceLr() == null ? null : settings.reduceLr().toReduceLrOnPlateau())
                .progressIntervalSeconds(progress ? 0 : 10)
                .listener(new ProgressListener(progress, pipeline.train().numBatches(), epochCount));
        settings.toMap().forEach(trainer::metadata);
        return RecipeMixin.apply(trainer, settings);
    }

    /** The validation data, with its progress bar. */
    DataSetIterator validation(ImageFolderPipeline pipeline) {
        return new ProgressIterator(pipeline.validation(), progress, "validation");
    }

    /**
     * Runs the trainer with Ctrl-C wired to {@link Trainer#interrupt()} (a second Ctrl-C exits at once), prints
     * where the outputs are, and returns the exit code: 0, or {@link Cli#INTERRUPTED} after Ctrl-C.
     */
    static int run(Trainer trainer, int epochCount, Function<Trainer, TrainingResult> fit) {
        AtomicInteger presses = new AtomicInteger();
        Object handler = Signals.register("INT", () -> {
            if (presses.incrementAndGet() == 1) {
                System.err.println();
                System.err.println("Ctrl-C: stopping after the current batch and saving a checkpoint (Ctrl-C again "
                        + "to exit at once, losing the epoch in progress)");
                trainer.interrupt();
            } else {
                System.err.println("Ctrl-C again: exiting now");
                Runtime.getRuntime().halt(Cli.INTERRUPTED);
            }
        });
        TrainingResult result;
        try {
            result = fit.apply(trainer);
        } finally {
            Signals.unregister("INT", handler);
        }
        printOutputs(result, presses.get() > 0);
        return presses.get() > 0 && result.history().size() < epochCount ? Cli.INTERRUPTED : 0;
    }

    private static void printOutputs(TrainingResult r, boolean interrupted) {
        Path run = r.runDir();
        System.out.println();
        if (interrupted) {
            System.out.println("Stopped by Ctrl-C after epoch " + r.history().size() + " (and inside the next one, "
                    + "if it had started); continue with: train --resume --out " + run);
        }
        r.history()
                .best()
                .ifPresent(best -> System.out.printf(
                        Locale.ROOT,
                        "Best validation accuracy %.1f%% at epoch %d; last %.1f%% (epoch %d)%n",
                        100 * best.valAccuracy(),
                        best.epoch(),
                        100 * r.history().epochs().get(r.history().size() - 1).valAccuracy(),
                        r.history().size()));
        System.out.println("Model:   " + r.bestCheckpoint() + " (best), " + r.lastCheckpoint() + " (last)");
        System.out.println("Curves:  " + RunFolder.charts(run) + "/{accuracy,loss,learning_rate}.png, " + "metrics "
                + RunFolder.metricsCsv(run));
        System.out.println("Report:  " + RunFolder.report(run) + ", confusion matrix "
                + RunFolder.charts(run).resolve(Charts.CONFUSION_PNG));
        if (Files.isRegularFile(RunFolder.stats(run))) {
            System.out.println("UI:      the training UI stopped with the run; reopen it with: resnext4j ui " + run);
        } else {
            System.out.println("UI:      no UI statistics recorded (--no-ui without --ui-stats); the report and "
                    + "charts above hold the curves");
        }
    }
}
