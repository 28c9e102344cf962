package org.resnext4j.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.learning.config.IUpdater;
import org.resnext4j.datavec.ImageFolderPipeline;
import org.resnext4j.ui.FineTuning;
import org.resnext4j.ui.ModelCard;
import org.resnext4j.ui.Recipe;
import org.resnext4j.ui.RunFolder;
import org.resnext4j.ui.RunSettings;
import org.resnext4j.ui.Trainer;
import org.resnext4j.ui.UiOptions;
import org.resnext4j.ui.UiStats;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.Stage;
import org.resnext4j.zoo.weights.WeightsEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train}: trains a ResNeXt/ResNet on an image folder (or the generated {@link ShapesDataset}) with the
 * {@link Trainer} of training-ui: per-epoch validation, checkpoints, charts, HTML report and the DL4J UI.
 *
 * <p>The options come in blocks, each a picocli mixin that checks its values into a part of the run's
 * {@link RunSettings}: data and model ({@link TrainDataMixin}), augmentation ({@link AugmentMixin}), optimiser and
 * schedule ({@link OptimizerMixin}), transfer learning ({@link FineTuneMixin}), early stopping and reduce-on-plateau
 * ({@link CallbacksMixin}), torchvision's recipe options ({@link RecipeMixin}: mixup, cutmix and label smoothing,
 * warm-up, gradient clipping, a moving average of the weights; docs/training.md). {@code --recipe} fills in the
 * options of a named recipe that were not given. This class checks them in order, builds the network of a new run
 * and starts it; the settings are stored in every checkpoint, the data comes from {@link TrainData}, the run is
 * {@link TrainLoop}'s, and {@code --resume} is {@link TrainResume}'s.
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = {
            "Trains a ResNeXt/ResNet on an image folder (root/<class>/<image>), or without --data on the "
                    + "built-in shapes data set, with validation, checkpoints, curves, an HTML report and the DL4J "
                    + "browser UI. Ctrl-C stops after the current batch with a checkpoint of the state (resume with "
                    + "--resume --out DIR); a second Ctrl-C exits at once.",
            "Default augmentation (--augment auto): none on the generated shapes; torchvision's ImageNet "
                    + "RandomResizedCrop (area 8-100%%) and flip when fine-tuning (--pretrained) or training "
                    + "from scratch at --size 160 or more; 'light' (area 35-100%%) and flip for smaller "
                    + "from-scratch runs, where ImageNet's crop cuts most of the object away."
        },
        footer = {
            "",
            "Resume: train --resume --out DIR [--epochs N] [--no-ui] [--ui-stats LEVEL] [--port N] [--host ADDRESS]"
                    + " [--quiet]"
                    + " continues exactly from DIR/checkpoints/last.zip with the run's stored settings."
        })
final class TrainCommand implements Callable<Integer> {

    static final int DEFAULT_EPOCHS = 10;
    static final int DEFAULT_BATCH = 16;

    @Spec
    CommandSpec spec;

    @Mixin
    TrainDataMixin dataOptions;

    @Option(
            names = "--epochs",
            paramLabel = "N",
            description = "planned epochs (default " + DEFAULT_EPOCHS + "; with --resume: the new total)")
    Integer epochs;

    @Mixin
    OptimizerMixin optimizerOptions;

    @Mixin
    AugmentMixin augmentOptions;

    @Mixin
    FineTuneMixin fineTuneOptions;

    @Mixin
    RecipeMixin recipe;

    @Option(
            names = "--recipe",
            paramLabel = "NAME",
            description = "none (default), torchvision (its reference recipe: TrivialAugment, erasing, mixup/cutmix, "
                    + "label smoothing, SGD, warm-up, cosine, EMA) or finetune (with --pretrained: TrivialAugment, "
                    + "label smoothing, Adam, backbone rate x0.1, warm-up, cosine); any option given as well wins; "
                    + "the values are listed in docs/training.md")
    String recipeName;

    @Mixin
    CallbacksMixin callbacks;

    @Option(
            names = "--no-ui",
            description = "no browser UI while training (and no UI statistics recorded, unless --ui-stats is given)")
    boolean noUi;

    @Option(
            names = "--ui-stats",
            paramLabel = "LEVEL",
            description = "what the DL4J UI statistics record into ui-stats.dl4j: default (the overview, model and "
                    + "system pages' charts, no histograms, as often as 2%% of the training time allows), full (DL4J's "
                    + "own: histograms and activation statistics too, several times slower for a large model), "
                    + "off (none). Default: default, off with --no-ui")
    String uiStats;

    @Mixin
    UiMixin ui;

    @Mixin
    ProgressMixin progress;

    @Option(names = "--out", paramLabel = "DIR", description = "run folder (default runs/run-<date>-<time>)")
    Path out;

    @Option(names = "--resume", description = "continue the run in --out from its last checkpoint")
    boolean resume;

    @Override
    public Integer call() throws IOException {
        TrainLoop loop = new TrainLoop(progress.enabled());
        if (resume) {
            return TrainResume.resume(spec, out, epochs, this::uiOptions, loop);
        }
        Path outDir = out != null
                ? out
                : Path.of(
                        "runs",
                        "run-"
                                + LocalDateTime.now()
                                        .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
        TrainDataMixin d = dataOptions;
        FineTuneMixin f = fineTuneOptions;
        d.checkModel();
        int epochCount = atLeast("--epochs", epochs == null ? DEFAULT_EPOCHS : epochs, 1);
        atLeast("--batch", d.batch, 1);
        Recipe chosenRecipe = applyRecipe(epochCount);
        int imageSize = d.imageSize();
        d.checkValidationSplit();
        RunSettings.Optimisation optimisation = optimizerOptions.settings(epochCount);
        RunSettings.EarlyStop earlyStop = callbacks.earlyStopSettings();
        RunSettings.ReduceLr plateau = callbacks.reduceLrSettings();
        RunSettings.RecipeOptions recipeSettings = recipe.settings(epochCount, d.batch);
        UiOptions uiOptions = uiOptions();
        RunSettings.Augmentation augmentation =
                augmentOptions.settings(augmentOptions.policy(d.generated(), f.fineTunes(), imageSize));
        if (f.freeze && !f.fineTunes()) {
            throw new IllegalArgumentException("--freeze-backbone needs --pretrained FILE|NAME");
        }
        Stage frozenStage = FineTuneMixin.frozenStage(f.freeze, f.freezeUntil, f.fineTunes());
        double backboneScale = FineTuneMixin.backboneScale(f.backboneLrScale, frozenStage, f.fineTunes());
        WeightsEntry pretrainedEntry =
                f.fineTunes() ? FineTuneMixin.pretrainedEntry(f.pretrained, d.model, f.catalogOption.catalog()) : null;
        if (Files.exists(RunFolder.last(outDir))) {
            throw new IllegalArgumentException("--out: run folder " + outDir.toAbsolutePath() + " already holds a "
                    + "trained run; continue it with --resume, or choose another --out");
        }
        Path pretrainedFile = !f.fineTunes()
                ? null
                : pretrainedEntry != null
                        ? DownloadProgress.downloader(progress.enabled()).fetch(pretrainedEntry)
                        : Path.of(f.pretrained);
        Path dataDir = TrainData.prepare(outDir, d.data);

        RunSettings settings = new RunSettings(
                new RunSettings.Data(
                        dataDir.toAbsolutePath().toString(),
                        d.generated(),
                        d.generated() ? ShapesDataset.DEFAULT_PER_CLASS : null,
                        d.valSplit),
                d.model,
                imageSize,
                d.batch,
                d.seed,
                augmentation,
                optimisation,
                f.fineTunes()
                        ? new RunSettings.FineTune(
                                pretrainedEntry != null
                                        ? pretrainedEntry.name()
                                        : pretrainedFile.toAbsolutePath().toString(),
                                frozenStage == Stage.LAYER4,
                                frozenStage == null ? "none" : frozenStage.key(),
                                backboneScale)
                        : null,
                earlyStop,
                plateau,
                recipeSettings,
                chosenRecipe != Recipe.NONE ? chosenRecipe.key() : null,
                null,
                null);

        try (ImageFolderPipeline pipeline = TrainData.pipeline(settings)) {
            System.out.print(pipeline.report());
            System.out.println("Augmentation: " + augmentation.policy()
                    + (augmentOptions.augment == AugmentMixin.Augment.auto ? " (auto)" : "")
                    + TrainData.extraAugmentationsDescription(settings));
            ResNeXtSpec modelSpec = Models.spec(d.model, pipeline.numClasses(), imageSize);
            ComputationGraph net = network(settings, modelSpec, epochCount, pretrainedFile, frozenStage);
            Trainer.Builder trainer = loop.trainer(outDir, epochCount, pipeline, uiOptions, settings);
            trainer.modelCard(ModelCard.of(modelSpec, pipeline.preprocessing()).withModel(d.model));
            return TrainLoop.run(
                    trainer.build(),
                    epochCount,
                    t -> t.fit(net, RecipeMixin.train(pipeline, settings), loop.validation(pipeline)));
        }
    }

    /**
     * The network of a new run: initialised (or the pretrained backbone, frozen up to {@code frozenStage}), with the
     * run's updater and schedule, its weight decay and its backbone's learning-rate scale; described on the console.
     */
    private static ComputationGraph network(
            RunSettings s, ResNeXtSpec modelSpec, int epochCount, Path pretrainedFile, Stage frozenStage)
            throws IOException {
        IUpdater updater = OptimizerMixin.updater(s, epochCount);
        ResNeXt zoo = ResNeXt.builder(modelSpec).seed(s.seed()).updater(updater).build();
        ComputationGraph initial =
                pretrainedFile == null ? zoo.init() : FineTuneMixin.fineTune(zoo, pretrainedFile, frozenStage);
        double decay = s.optimisation().weightDecay();
        ComputationGraph net = decay == 0
                ? initial
                : new TransferLearning.GraphBuilder(initial)
                        .fineTuneConfiguration(
                                new FineTuneConfiguration.Builder().l2(decay).build())
                        .build();
        double backboneScale = s.fineTune() == null ? 1 : s.fineTune().backboneLrScale();
        if (backboneScale != 1) {
            FineTuning.scaleBackboneLearningRate(net, backboneScale);
        }
        System.out.println("Model: " + modelSpec + ", " + net.numParams() + " parameters (DL4J count); updater "
                + updater.getClass().getSimpleName() + ", schedule "
                + s.optimisation().schedule() + ", weight decay "
                + decay
                + (pretrainedFile == null
                        ? ""
                        : "; frozen up to " + (frozenStage == null ? "nothing" : frozenStage.key())
                                + ", backbone learning rate x" + backboneScale));
        return net;
    }

    /**
     * {@code --recipe}: sets every option of the recipe that was not given on the command line (given ones win).
     *
     * @return the recipe ({@link Recipe#NONE} without {@code --recipe})
     */
    private Recipe applyRecipe(int epochCount) {
        if (recipeName == null) {
            return Recipe.NONE;
        }
        Recipe r;
        try {
            r = Recipe.of(recipeName);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--recipe: " + e.getMessage());
        }
        Recipe.Settings v = r.settings(epochCount, dataOptions.batch);
        if (v == null) {
            return r;
        }
        if (v.needsPretrained() && !fineTuneOptions.fineTunes()) {
            throw new IllegalArgumentException(
                    "--recipe " + r.key() + " is for pretrained weights: add --pretrained FILE|NAME");
        }
        AugmentMixin a = augmentOptions;
        if (!given("--augment")) {
            a.augment = AugmentMixin.Augment.valueOf(v.augment());
        }
        if (!given("--auto-augment")) {
            a.autoAugment = v.autoAugment();
        }
        if (!given("--random-erase") && v.randomErase() > 0) {
            a.randomErase = v.randomErase();
        }
        if (!given("--label-smoothing") && v.labelSmoothing() > 0) {
            recipe.labelSmoothing = v.labelSmoothing();
        }
        if (!given("--mixup") && v.mixupAlpha() > 0) {
            recipe.mixup = v.mixupAlpha();
        }
        if (!given("--cutmix") && v.cutmixAlpha() > 0) {
            recipe.cutmix = v.cutmixAlpha();
        }
        OptimizerMixin o = optimizerOptions;
        if (!given("--optimizer")) {
            o.optimizer = OptimizerMixin.Optimizer.valueOf(v.optimizer());
            if (!given("--lr")) {
                o.lr = v.learningRate();
            }
            if (!given("--weight-decay")) {
                o.weightDecay = v.weightDecay();
            }
        }
        if (!given("--schedule")) {
            o.schedule = OptimizerMixin.Schedule.valueOf(v.schedule());
        }
        if (!given("--warmup-epochs") && v.warmupEpochs() > 0) {
            recipe.warmupEpochs = v.warmupEpochs();
            if (!given("--warmup-decay")) {
                recipe.warmupDecay = v.warmupDecay();
            }
        }
        if (!given("--ema") && v.ema()) {
            recipe.ema = true;
        }
        if (!given("--backbone-lr-scale") && v.backboneLrScale() != null && !fineTuneOptions.wholeBackboneFrozen()) {
            fineTuneOptions.backboneLrScale = v.backboneLrScale();
        }
        return r;
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    private UiOptions uiOptions() {
        UiOptions options = ui.options(given("--port"), System.err);
        UiStats level = uiStats != null ? uiStatsLevel(uiStats) : noUi ? UiStats.OFF : UiStats.DEFAULT;
        return (noUi ? options.withEnabled(false) : options).withStats(level);
    }

    /** {@code --ui-stats}: {@code full}, {@code default} or {@code off}. */
    static UiStats uiStatsLevel(String value) {
        for (UiStats s : UiStats.values()) {
            if (s.key().equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("--ui-stats: expected one of full, default, off, got \"" + value + "\"");
    }

    /** @throws IllegalArgumentException naming the option when {@code value} is below {@code min} */
    static int atLeast(String option, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(option + ": expected an integer >= " + min + ", got " + value);
        }
        return value;
    }

    /**
     * @return {@code folder} as a path
     * @throws IllegalArgumentException naming {@code what} when it is not a folder
     */
    static Path requireDataFolder(String folder, String what) {
        Path p = Path.of(folder);
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException(what + ": data folder " + p.toAbsolutePath() + " does not exist"
                    + (Files.exists(p) ? " as a folder" : ""));
        }
        return p;
    }
}
