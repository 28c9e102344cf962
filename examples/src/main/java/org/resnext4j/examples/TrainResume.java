package org.resnext4j.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.resnext4j.datavec.ImageFolderPipeline;
import org.resnext4j.ui.CheckpointEnvelope;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.ModelCard;
import org.resnext4j.ui.RunFolder;
import org.resnext4j.ui.RunSettings;
import org.resnext4j.ui.Trainer;
import org.resnext4j.ui.UiOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code train --resume --out DIR}: continues the run in {@code DIR} from {@code checkpoints/last.zip} with the
 * {@link RunSettings} stored in its model card; only the total of epochs, the UI and the progress bars may be given
 * again.
 */
final class TrainResume {

    /** Options that may accompany {@code --resume}; every other setting comes from the run's checkpoint. */
    static final Set<String> OPTIONS =
            Set.of("--resume", "--out", "--epochs", "--no-ui", "--ui-stats", "--port", "--host", "--quiet");

    private TrainResume() {}

    /**
     * Resumes the run.
     *
     * @param command the {@code train} command, whose matched options are checked
     * @param out     {@code --out}, or null
     * @param epochs  {@code --epochs}, or null (the planned total)
     * @param ui      the UI options of this invocation (checked after the epochs, as {@code train} always did)
     * @param loop    the run
     * @return the exit code
     * @throws IllegalArgumentException naming the option or the file of what prevents resuming
     */
    static int resume(CommandSpec command, Path out, Integer epochs, Supplier<UiOptions> ui, TrainLoop loop)
            throws IOException {
        for (String option : command.commandLine().getParseResult().matchedOptions().stream()
                .map(OptionSpec::longestName)
                .toList()) {
            if (!OPTIONS.contains(option)) {
                throw new IllegalArgumentException(option + " cannot be changed with --resume (the run continues "
                        + "with its stored settings; only --epochs, --no-ui, --port, --host and --quiet may be given)");
            }
        }
        if (out == null) {
            throw new IllegalArgumentException("--resume needs --out DIR, the run folder to continue");
        }
        Path last = RunFolder.last(out);
        if (!Files.isRegularFile(last)) {
            throw new IllegalArgumentException("--resume: run folder " + out.toAbsolutePath() + " has no checkpoint "
                    + RunFolder.CHECKPOINT_DIR + "/" + RunFolder.LAST_CHECKPOINT);
        }
        Map<String, Object> meta = Checkpoints.readMetadata(last);
        RunSettings settings = settings(meta, last);
        int planned = ((Number) meta.getOrDefault(
                        CheckpointEnvelope.EPOCHS_PLANNED_KEY, meta.get(CheckpointEnvelope.EPOCH_KEY)))
                .intValue();
        int done = ((Number) meta.get(CheckpointEnvelope.EPOCH_KEY)).intValue();
        int epochCount = TrainCommand.atLeast("--epochs", epochs == null ? planned : epochs, 1);
        UiOptions uiOptions = ui.get();
        if (epochCount <= done) {
            throw new IllegalArgumentException("--epochs: the run in " + out.toAbsolutePath() + " already finished "
                    + done + " epoch(s); give --epochs greater than " + done + " to continue it");
        }
        TrainData.regenerate(settings);
        if ("cosine".equals(settings.optimisation().schedule()) && epochCount != planned) {
            System.out.println("Note: the cosine schedule was planned for " + planned + " epochs; later epochs keep "
                    + "its last learning rate");
        }
        try (ImageFolderPipeline pipeline = TrainData.pipeline(settings)) {
            System.out.print(pipeline.report());
            // every checkpoint stores the metadata its Trainer was given: pass the run's settings on again
            Trainer trainer =
                    loop.trainer(out, epochCount, pipeline, uiOptions, settings).build();
            return TrainLoop.run(
                    trainer,
                    epochCount,
                    t -> t.resume(RecipeMixin.train(pipeline, settings), loop.validation(pipeline)));
        }
    }

    /**
     * The run's settings, checked to hold what {@code train} has always stored and a resumed run reads.
     *
     * @throws IllegalArgumentException naming the file and the missing or unreadable key (e.g. a run of another
     *                                  command)
     */
    private static RunSettings settings(Map<String, Object> meta, Path last) {
        ModelCard card = ModelCard.fromMetadata(meta);
        RunSettings s;
        try {
            s = card.settings();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--resume: " + last + ": the run's settings are unreadable: " + e.getMessage(), e);
        }
        if (s.data().folder() == null) {
            throw new IllegalArgumentException("--resume: " + last + " was not written by this CLI's train command "
                    + "(no training settings in its model card)");
        }
        Object[][] needed = {
            {RunSettings.Key.IMAGE_SIZE, s.imageSize()},
            {RunSettings.Key.BATCH_SIZE, s.batchSize()},
            {RunSettings.Key.VALIDATION_SPLIT, s.data().validationSplit()},
            {RunSettings.Key.SEED, s.seed()},
            {RunSettings.Key.AUGMENT, s.augmentation().policy()}
        };
        for (Object[] n : needed) {
            if (n[1] == null) {
                throw new IllegalArgumentException("--resume: " + last + " was not written by this CLI's train "
                        + "command (its training settings have no " + ((RunSettings.Key) n[0]).json()
                        + (n[0] == RunSettings.Key.AUGMENT ? " policy" : "") + ")");
            }
        }
        return s;
    }
}
