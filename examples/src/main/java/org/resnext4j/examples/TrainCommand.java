package org.resnext4j.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.jline.utils.Signals;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;
import org.resnext4j.datavec.AutoAugment;
import org.resnext4j.datavec.ColorJitter;
import org.resnext4j.datavec.ImageFolderPipeline;
import org.resnext4j.datavec.Normalization;
import org.resnext4j.datavec.RandomErasing;
import org.resnext4j.datavec.TrainTransform;
import org.resnext4j.ui.Charts;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.EarlyStopping;
import org.resnext4j.ui.FineTuning;
import org.resnext4j.ui.HtmlReport;
import org.resnext4j.ui.ModelCard;
import org.resnext4j.ui.Monitor;
import org.resnext4j.ui.Recipe;
import org.resnext4j.ui.ReduceLrOnPlateau;
import org.resnext4j.ui.RunSettings;
import org.resnext4j.ui.Trainer;
import org.resnext4j.ui.TrainingResult;
import org.resnext4j.ui.UiOptions;
import org.resnext4j.ui.UiStats;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.Stage;
import org.resnext4j.zoo.weights.WeightsCatalog;
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
 * <p><b>Optimizers.</b> {@code adam}: Adam, learning rate 1e-3 by default, no weight decay. {@code sgd}: torchvision's
 * recipe (learning rate 0.1 for batch 256, momentum 0.9, weight decay 1e-4) as DL4J {@link Nesterovs} with momentum
 * 0.9, DL4J's only SGD with momentum (M2.1's {@code Sgd} has none); that is torchvision's {@code SGD(nesterov=True)},
 * not its default heavy-ball momentum. Weight decay is DL4J's {@code l2}, added to the gradient before the updater as
 * PyTorch's {@code weight_decay} does, on conv and fc weights (DL4J never regularises biases or BatchNorm parameters
 * here); it is applied to the built graph through DL4J's {@link FineTuneConfiguration}, because
 * {@link ResNeXt.Builder} takes an updater but no regularisation.
 *
 * <p><b>Transfer learning</b> ({@code --pretrained}): {@code --freeze-until STAGE} freezes the backbone up to and
 * including a stage ({@link ResNeXt#freezeUntil}; {@code --freeze-backbone} is {@code --freeze-until layer4}), and
 * {@code --backbone-lr-scale F} gives the unfrozen backbone F times the classifier's rate under the same schedule
 * ({@link FineTuning}). Both are stored in the run's settings; {@code --resume} keeps them (the checkpoint holds the
 * frozen layers and the scaled schedules).
 *
 * <p><b>Schedules</b>, stepped per epoch like torchvision's: {@code step} multiplies the rate by {@code --lr-gamma}
 * every {@code --lr-step} epochs ({@link StepSchedule}); {@code cosine} is {@code CosineAnnealingLR(T_max=epochs)},
 * {@code lr * (1 + cos(pi * e / epochs)) / 2} for epoch {@code e = 0..epochs-1}, written out as a DL4J
 * {@link MapSchedule} (M2.1 has no cosine schedule; a map of values survives the JSON round trip of a checkpoint
 * without any custom class; past its last epoch it keeps the last rate). Schedules live in the model configuration,
 * so {@code --resume} continues them where the run stopped.
 *
 * <p><b>torchvision's recipe</b> ({@link RecipeMixin}): mixup, cutmix and label smoothing on the training batches,
 * linear warm-up before the schedule (a cosine then spans the epochs after it), global gradient clipping, a moving
 * average of the weights validated beside them and optionally chosen for {@code best.zip}; docs/training.md.
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
    static final double DEFAULT_VAL_SPLIT = 0.2;
    static final long DEFAULT_SEED = 42;
    /** From this input size up, a from-scratch run on a folder gets ImageNet's augmentation by default. */
    static final int IMAGENET_AUGMENT_MIN_SIZE = 160;

    /** Options that may accompany {@code --resume}; every other setting comes from the run's checkpoint. */
    private static final Set<String> RESUME_OPTIONS =
            Set.of("--resume", "--out", "--epochs", "--no-ui", "--ui-stats", "--port", "--host", "--quiet");

    /** {@code --optimizer}. */
    enum Optimizer {
        adam,
        sgd
    }

    /** {@code --schedule}. */
    enum Schedule {
        cosine,
        step,
        none
    }

    /** {@code --augment}. */
    enum Augment {
        auto,
        none,
        light,
        imagenet
    }

    @Spec
    CommandSpec spec;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "image folder, root/<class>/<image> "
                    + "(default: generate the built-in shapes data set into the run folder)")
    Path data;

    @Option(
            names = "--model",
            paramLabel = "NAME",
            defaultValue = Models.TINY,
            completionCandidates = ModelNames.class,
            description = "one of ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String model;

    @Option(
            names = "--epochs",
            paramLabel = "N",
            description = "planned epochs (default " + DEFAULT_EPOCHS + "; with --resume: the new total)")
    Integer epochs;

    @Option(
            names = "--batch",
            paramLabel = "N",
            defaultValue = "" + DEFAULT_BATCH,
            description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--size",
            paramLabel = "N",
            description = "input side in pixels (default " + ShapesDataset.DEFAULT_SIZE + " for tiny, else 224)")
    Integer size;

    @Option(
            names = "--val-split",
            paramLabel = "F",
            defaultValue = "" + DEFAULT_VAL_SPLIT,
            description = "validation fraction, seeded and stratified (default ${DEFAULT-VALUE})")
    double valSplit;

    @Option(
            names = "--seed",
            paramLabel = "S",
            defaultValue = "" + DEFAULT_SEED,
            description = "seed of the split, shuffles, augmentation and initialisation (default ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--optimizer",
            paramLabel = "NAME",
            defaultValue = "adam",
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}; sgd is Nesterov momentum 0.9)")
    Optimizer optimizer;

    @Option(names = "--lr", paramLabel = "X", description = "learning rate (default: adam 0.001, sgd 0.1)")
    Double lr;

    @Option(
            names = "--schedule",
            paramLabel = "NAME",
            defaultValue = "cosine",
            description = "learning-rate schedule per epoch: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    Schedule schedule;

    @Option(names = "--lr-step", paramLabel = "N", description = "step schedule: epochs per step (default epochs/3)")
    Integer lrStep;

    @Option(
            names = "--lr-gamma",
            paramLabel = "G",
            defaultValue = "0.1",
            description = "step schedule: factor per step (default ${DEFAULT-VALUE})")
    double lrGamma;

    @Option(
            names = "--weight-decay",
            paramLabel = "W",
            description = "L2 weight decay on conv and fc weights (default: sgd 1e-4, adam 0)")
    Double weightDecay;

    @Option(
            names = "--augment",
            paramLabel = "NAME",
            defaultValue = "auto",
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}, see above)")
    Augment augment;

    @Option(
            names = "--auto-augment",
            paramLabel = "NAME",
            defaultValue = "none",
            description = "none, trivialaugment or randaugment: torchvision's TrivialAugmentWide or RandAugment(2, 9) "
                    + "after the crop and flip (default ${DEFAULT-VALUE})")
    String autoAugment;

    @Option(
            names = "--color-jitter",
            paramLabel = "B,C,S,H",
            description = "torchvision's ColorJitter(brightness, contrast, saturation, hue) before the policy, "
                    + "e.g. 0.4,0.4,0.4,0.1")
    String colorJitter;

    @Option(
            names = "--random-erase",
            paramLabel = "P",
            description = "torchvision's RandomErasing probability on the normalised tensor (value 0; default 0)")
    Double randomErase;

    @Option(
            names = "--pretrained",
            paramLabel = "FILE|NAME",
            description =
                    "fine-tune (every weight but fc) from a torchvision/timm weights file (.safetensors, PyTorch .pth/.pt), or from a pretrained "
                            + "catalog entry such as resnext50_32x4d.imagenet1k_v2 (downloaded once, verified, cached; see "
                            + "'resnext4j weights')")
    String pretrained;

    @Option(
            names = "--freeze-backbone",
            description = "with --pretrained: train the new classifier only (the same as --freeze-until layer4)")
    boolean freeze;

    @Option(
            names = "--freeze-until",
            paramLabel = "STAGE",
            description = "with --pretrained: freeze stem|layer1|layer2|layer3|layer4 and everything before it; "
                    + "frozen batch norms keep their pretrained statistics (see docs/training.md)")
    String freezeUntil;

    @Option(
            names = "--backbone-lr-scale",
            paramLabel = "F",
            description = "with --pretrained: learning rate of the (unfrozen) backbone = F x the classifier's, "
                    + "under the same schedule (default 1)")
    Double backboneLrScale;

    @Mixin
    CatalogMixin catalogOption;

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

    @Option(
            names = "--early-stopping",
            paramLabel = "PATIENCE",
            description = "stop after this many epochs without improvement of the monitored value")
    Integer earlyStopping;

    @Option(
            names = "--early-stopping-monitor",
            paramLabel = "M",
            completionCandidates = MonitorNames.class,
            description = "${COMPLETION-CANDIDATES} (default val_loss)")
    String earlyStoppingMonitor;

    @Option(
            names = "--early-stopping-min-delta",
            paramLabel = "D",
            description = "smallest change that counts as improvement (default 0)")
    Double earlyStoppingMinDelta;

    @Option(
            names = "--reduce-lr",
            paramLabel = "PATIENCE",
            description = "multiply the learning rate by --reduce-lr-factor after this many epochs without improvement")
    Integer reduceLr;

    @Option(names = "--reduce-lr-factor", paramLabel = "F", description = "(default 0.1)")
    Double reduceLrFactor;

    @Option(
            names = "--reduce-lr-monitor",
            paramLabel = "M",
            completionCandidates = MonitorNames.class,
            description = "${COMPLETION-CANDIDATES} (default val_loss)")
    String reduceLrMonitor;

    @Option(names = "--reduce-lr-min-delta", paramLabel = "D", description = "(default 1e-4)")
    Double reduceLrMinDelta;

    @Option(
            names = "--reduce-lr-cooldown",
            paramLabel = "N",
            description = "epochs to wait after a reduction " + "(default 0)")
    Integer reduceLrCooldown;

    @Option(names = "--min-lr", paramLabel = "X", description = "lower bound of the reduced rate (default 0)")
    Double minLr;

    @Option(
            names = "--no-ui",
            description = "no browser UI while training (and no UI statistics recorded, unless --ui-stats is given)")
    boolean noUi;

    @Option(
            names = "--ui-stats",
            paramLabel = "LEVEL",
            description = "what the DL4J UI statistics record into ui-stats.dl4j: default (the overview, model and "
                    + "system pages' charts, no histograms, every N iterations sized to the model), full (DL4J's "
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

    /** The model names for {@code --model}'s help and completion. */
    static final class ModelNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Models.names().iterator();
        }
    }

    /** The monitored values for the help and completion. */
    static final class MonitorNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Monitor.values()).map(Monitor::key).iterator();
        }
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
        Recipe.Settings v = r.settings(epochCount, batch);
        if (v == null) {
            return r;
        }
        if (v.needsPretrained() && pretrained == null) {
            throw new IllegalArgumentException(
                    "--recipe " + r.key() + " is for pretrained weights: add --pretrained FILE|NAME");
        }
        if (!given("--augment")) {
            augment = Augment.valueOf(v.augment());
        }
        if (!given("--auto-augment")) {
            autoAugment = v.autoAugment();
        }
        if (!given("--random-erase") && v.randomErase() > 0) {
            randomErase = v.randomErase();
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
        if (!given("--optimizer")) {
            optimizer = Optimizer.valueOf(v.optimizer());
            if (!given("--lr")) {
                lr = v.learningRate();
            }
            if (!given("--weight-decay")) {
                weightDecay = v.weightDecay();
            }
        }
        if (!given("--schedule")) {
            schedule = Schedule.valueOf(v.schedule());
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
        boolean wholeBackboneFrozen = freeze || "layer4".equals(freezeUntil);
        if (!given("--backbone-lr-scale") && v.backboneLrScale() != null && !wholeBackboneFrozen) {
            backboneLrScale = v.backboneLrScale();
        }
        return r;
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    @Override
    public Integer call() throws IOException {
        if (resume) {
            return resume();
        }
        Path outDir = out != null
                ? out
                : Path.of(
                        "runs",
                        "run-"
                                + LocalDateTime.now()
                                        .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
        if (!Models.names().contains(model)) {
            throw new IllegalArgumentException(
                    "--model: unknown model \"" + model + "\", expected one of " + Models.names());
        }
        int epochCount = atLeast("--epochs", epochs == null ? DEFAULT_EPOCHS : epochs, 1);
        atLeast("--batch", batch, 1);
        Recipe chosenRecipe = applyRecipe(epochCount);
        int imageSize = atLeast(
                "--size", size != null ? size : Models.TINY.equals(model) ? ShapesDataset.DEFAULT_SIZE : 224, 1);
        if (!(valSplit > 0 && valSplit < 1)) {
            throw new IllegalArgumentException(
                    "--val-split: expected a number between 0 and 1 (exclusive), got " + valSplit);
        }
        boolean sgd = optimizer == Optimizer.sgd;
        double rate = lr != null ? lr : sgd ? 0.1 : 1e-3;
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("--lr: expected a number > 0, got " + rate);
        }
        int step = atLeast("--lr-step", lrStep != null ? lrStep : Math.max(1, epochCount / 3), 1);
        if (!(lrGamma > 0 && lrGamma < 1)) {
            throw new IllegalArgumentException(
                    "--lr-gamma: expected a number between 0 and 1 (exclusive), got " + lrGamma);
        }
        double decay = weightDecay != null ? weightDecay : sgd ? 1e-4 : 0;
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("--weight-decay: expected a number in [0, 1), got " + decay);
        }
        RunSettings.EarlyStop earlyStop = earlyStopSettings();
        RunSettings.ReduceLr plateau = reduceLrSettings();
        RunSettings.RecipeOptions recipeSettings = recipe.settings(epochCount, batch);
        UiOptions uiOptions = uiOptions();
        RunSettings.Augmentation augmentations =
                extraAugmentations(augmentation(augment, data == null, pretrained != null, imageSize));
        if (freeze && pretrained == null) {
            throw new IllegalArgumentException("--freeze-backbone needs --pretrained FILE|NAME");
        }
        Stage frozenStage = frozenStage(freeze, freezeUntil, pretrained != null);
        double backboneScale = backboneScale(backboneLrScale, frozenStage, pretrained != null);
        WeightsEntry pretrainedEntry =
                pretrained == null ? null : pretrainedEntry(pretrained, model, catalogOption.catalog());
        if (Files.exists(outDir.resolve(Trainer.CHECKPOINT_DIR).resolve(Trainer.LAST_CHECKPOINT))) {
            throw new IllegalArgumentException("--out: run folder " + outDir.toAbsolutePath() + " already holds a "
                    + "trained run; continue it with --resume, or choose another --out");
        }
        Path pretrainedFile = pretrained == null
                ? null
                : pretrainedEntry != null
                        ? DownloadProgress.downloader(progress.enabled()).fetch(pretrainedEntry)
                        : Path.of(pretrained);
        boolean generated = data == null;
        String augmentation = augmentation(augment, generated, pretrained != null, imageSize);

        Path dataDir;
        if (generated) {
            dataDir = outDir.resolve("data").resolve("shapes");
            System.out.println("No --data given: generating the built-in shapes data set (" + ShapesDataset.CLASSES
                    + ", " + ShapesDataset.DEFAULT_PER_CLASS + " images each, " + ShapesDataset.DEFAULT_SIZE + "x"
                    + ShapesDataset.DEFAULT_SIZE + ") in " + dataDir.toAbsolutePath());
            ShapesDataset.write(
                    dataDir, ShapesDataset.DEFAULT_PER_CLASS, ShapesDataset.DEFAULT_SIZE, ShapesDataset.DEFAULT_SEED);
        } else {
            dataDir = requireDataFolder(data.toString(), "--data");
        }

        RunSettings settings = new RunSettings(
                new RunSettings.Data(
                        dataDir.toAbsolutePath().toString(),
                        generated,
                        generated ? ShapesDataset.DEFAULT_PER_CLASS : null,
                        valSplit),
                model,
                imageSize,
                batch,
                seed,
                augmentations,
                new RunSettings.Optimisation(
                        optimizer.name(),
                        rate,
                        schedule.name(),
                        schedule == Schedule.step ? step : null,
                        schedule == Schedule.step ? lrGamma : null,
                        decay),
                pretrained == null
                        ? null
                        : new RunSettings.FineTune(
                                pretrainedEntry != null
                                        ? pretrainedEntry.name()
                                        : pretrainedFile.toAbsolutePath().toString(),
                                frozenStage == Stage.LAYER4,
                                frozenStage == null ? "none" : frozenStage.key(),
                                backboneScale),
                earlyStop,
                plateau,
                recipeSettings,
                chosenRecipe != Recipe.NONE ? chosenRecipe.key() : null,
                null,
                null);

        try (ImageFolderPipeline pipeline = pipeline(settings)) {
            System.out.print(pipeline.report());
            System.out.println("Augmentation: " + augmentation + (augment == Augment.auto ? " (auto)" : "")
                    + extraAugmentationsDescription(settings));
            ResNeXtSpec spec = Models.spec(model, pipeline.numClasses(), imageSize);
            ISchedule lrSchedule = RecipeMixin.withWarmup(
                    schedule(schedule.name(), rate, epochCount - recipeSettings.warmupEpochs(), step, lrGamma),
                    rate,
                    settings);
            IUpdater updater = sgd
                    ? (lrSchedule == null ? new Nesterovs(rate, 0.9) : new Nesterovs(lrSchedule, 0.9))
                    : (lrSchedule == null ? new Adam(rate) : new Adam(lrSchedule));
            ResNeXt zoo = ResNeXt.builder(spec).seed(seed).updater(updater).build();
            ComputationGraph initial = pretrained == null ? zoo.init() : fineTune(zoo, pretrainedFile, frozenStage);
            ComputationGraph net = decay == 0
                    ? initial
                    : new TransferLearning.GraphBuilder(initial)
                            .fineTuneConfiguration(new FineTuneConfiguration.Builder()
                                    .l2(decay)
                                    .build())
                            .build();
            if (backboneScale != 1) {
                FineTuning.scaleBackboneLearningRate(net, backboneScale);
            }
            System.out.println("Model: " + spec + ", " + net.numParams() + " parameters (DL4J count); updater "
                    + updater.getClass().getSimpleName() + ", schedule " + schedule + ", weight decay " + decay
                    + (pretrained == null
                            ? ""
                            : "; frozen up to " + (frozenStage == null ? "nothing" : frozenStage.key())
                                    + ", backbone learning rate x" + backboneScale));

            Trainer.Builder trainer = trainerBuilder(outDir, epochCount, pipeline, uiOptions, settings);
            trainer.modelCard(ModelCard.of(spec, pipeline.preprocessing()).withModel(model));
            return train(
                    trainer.build(),
                    epochCount,
                    t -> t.fit(net, RecipeMixin.train(pipeline, settings), validation(pipeline)));
        }
    }

    /**
     * The augmentation a run gets: what was asked, or for {@code auto} what suits the run: none on the generated
     * shapes (their position and size are the signal), ImageNet's when fine-tuning or at ImageNet-like sizes, light
     * for small from-scratch runs.
     */
    static String augmentation(Augment asked, boolean generated, boolean pretrained, int size) {
        if (asked != Augment.auto) {
            return asked.name();
        }
        if (generated) {
            return Augment.none.name();
        }
        return pretrained || size >= IMAGENET_AUGMENT_MIN_SIZE ? Augment.imagenet.name() : Augment.light.name();
    }

    private Trainer.Builder trainerBuilder(
            Path outDir, int epochCount, ImageFolderPipeline pipeline, UiOptions uiOptions, RunSettings settings) {
        // with a progress bar, the periodic progress lines inside an epoch would only break it
        Trainer.Builder trainer = Trainer.builder()
                .runDir(outDir)
                .epochs(epochCount)
                .classNames(pipeline.classNames())
                .ui(uiOptions)
                .earlyStopping(earlyStopping(settings))
                .reduceLrOnPlateau(reduceLr(settings))
                .progressIntervalSeconds(progress.enabled() ? 0 : 10)
                .listener(new ProgressListener(
                        progress.enabled(), pipeline.train().numBatches(), epochCount));
        settings.toMap().forEach(trainer::metadata);
        return RecipeMixin.apply(trainer, settings);
    }

    private DataSetIterator validation(ImageFolderPipeline pipeline) {
        return new ProgressIterator(pipeline.validation(), progress.enabled(), "validation");
    }

    /**
     * Runs the trainer with Ctrl-C wired to {@link Trainer#interrupt()} (a second Ctrl-C exits at once), prints
     * where the outputs are, and returns the exit code: 0, or {@link Cli#INTERRUPTED} after Ctrl-C.
     */
    private static int train(Trainer trainer, int epochCount, Function<Trainer, TrainingResult> fit) {
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

    /**
     * The catalog entry {@code --pretrained} names, or null when it names a file.
     *
     * @throws IllegalArgumentException when it is neither an existing file nor a catalog entry, or an entry of
     *                                  another architecture than {@code --model}
     */
    static WeightsEntry pretrainedEntry(String value, String model, WeightsCatalog catalog) {
        Path file = Path.of(value);
        boolean looksLikeFile = value.contains("/")
                || value.contains(java.io.File.separator)
                || value.endsWith(".st")
                || value.endsWith(".safetensors")
                || value.endsWith(".pth")
                || value.endsWith(".pt");
        if (Files.isRegularFile(file) || (looksLikeFile && catalog.find(value).isEmpty())) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(
                        "--pretrained: weights file " + file.toAbsolutePath() + " does not exist");
            }
            return null;
        }
        WeightsEntry entry = catalog.find(value)
                .orElseThrow(() -> new IllegalArgumentException("--pretrained: \"" + value + "\" is neither a "
                        + "weights file (" + file.toAbsolutePath() + " does not exist) nor a catalog entry, "
                        + "expected a file or one of " + catalog.names()));
        if (!entry.preset().equals(model)) {
            throw new IllegalArgumentException("--pretrained: " + entry.name() + " holds weights of " + entry.preset()
                    + ", but --model is " + model + "; add --model " + entry.preset());
        }
        return entry;
    }

    /**
     * The stage {@code --freeze-until} (or its alias {@code --freeze-backbone}, {@code layer4}) names, or null.
     *
     * @throws IllegalArgumentException for an unknown stage, both options at odds, or either without --pretrained
     */
    static Stage frozenStage(boolean freezeBackbone, String freezeUntil, boolean pretrained) {
        if (freezeUntil == null) {
            return freezeBackbone ? Stage.LAYER4 : null;
        }
        if (!pretrained) {
            throw new IllegalArgumentException("--freeze-until needs --pretrained FILE|NAME");
        }
        Stage stage;
        try {
            stage = Stage.parse(freezeUntil);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--freeze-until: " + e.getMessage(), e);
        }
        if (freezeBackbone && stage != Stage.LAYER4) {
            throw new IllegalArgumentException("--freeze-backbone is --freeze-until layer4, but --freeze-until is "
                    + freezeUntil + "; give one of them");
        }
        return stage;
    }

    /**
     * {@code --backbone-lr-scale}, 1 when not given.
     *
     * @throws IllegalArgumentException for a value that is not a finite number {@code > 0}, without --pretrained,
     *                                  or with the whole backbone frozen
     */
    static double backboneScale(Double scale, Stage frozen, boolean pretrained) {
        if (scale == null) {
            return 1.0;
        }
        if (!pretrained) {
            throw new IllegalArgumentException("--backbone-lr-scale needs --pretrained FILE|NAME");
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("--backbone-lr-scale: expected a finite number > 0, got " + scale);
        }
        if (frozen == Stage.LAYER4) {
            throw new IllegalArgumentException("--backbone-lr-scale: the whole backbone is frozen (--freeze-until "
                    + "layer4 or --freeze-backbone), so no backbone layer has a learning rate to scale");
        }
        return scale;
    }

    private static ComputationGraph fineTune(ResNeXt zoo, Path weights, Stage freezeUntil) throws IOException {
        try {
            return zoo.initFineTune(weights, freezeUntil);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--pretrained: " + weights + " does not fit the backbone of "
                            + zoo.spec().name() + " (fine-tuning loads every weight but fc): " + e.getMessage(),
                    e);
        }
    }

    /** {@code --resume}: continues the run in {@code --out} with the settings stored in its last checkpoint. */
    private int resume() throws IOException {
        for (String option : spec.commandLine().getParseResult().matchedOptions().stream()
                .map(o -> o.longestName())
                .toList()) {
            if (!RESUME_OPTIONS.contains(option)) {
                throw new IllegalArgumentException(option + " cannot be changed with --resume (the run continues "
                        + "with its stored settings; only --epochs, --no-ui, --port, --host and --quiet may be given)");
            }
        }
        if (out == null) {
            throw new IllegalArgumentException("--resume needs --out DIR, the run folder to continue");
        }
        Path last = out.resolve(Trainer.CHECKPOINT_DIR).resolve(Trainer.LAST_CHECKPOINT);
        if (!Files.isRegularFile(last)) {
            throw new IllegalArgumentException("--resume: run folder " + out.toAbsolutePath() + " has no checkpoint "
                    + Trainer.CHECKPOINT_DIR + "/" + Trainer.LAST_CHECKPOINT);
        }
        Map<String, Object> meta = Checkpoints.readMetadata(last);
        RunSettings settings;
        try {
            settings = ModelCard.fromMetadata(meta).settings();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "--resume: " + last + ": the run's settings are unreadable: " + e.getMessage(), e);
        }
        if (settings.data().folder() == null) {
            throw new IllegalArgumentException("--resume: " + last + " was not written by this CLI's train command "
                    + "(no training settings in its model card)");
        }
        requireTrainSettings(settings, last);
        int planned = ((Number) meta.getOrDefault("epochs_planned", meta.get("epoch"))).intValue();
        int done = ((Number) meta.get("epoch")).intValue();
        int epochCount = atLeast("--epochs", epochs == null ? planned : epochs, 1);
        UiOptions uiOptions = uiOptions();
        if (epochCount <= done) {
            throw new IllegalArgumentException("--epochs: the run in " + out.toAbsolutePath() + " already finished "
                    + done + " epoch(s); give --epochs greater than " + done + " to continue it");
        }
        if (Boolean.TRUE.equals(settings.data().generated())) {
            ShapesDataset.write(
                    Path.of(settings.data().folder()),
                    generatedPerClass(settings),
                    ShapesDataset.DEFAULT_SIZE,
                    ShapesDataset.DEFAULT_SEED);
        }
        if ("cosine".equals(settings.optimisation().schedule()) && epochCount != planned) {
            System.out.println("Note: the cosine schedule was planned for " + planned + " epochs; later epochs keep "
                    + "its last learning rate");
        }
        try (ImageFolderPipeline pipeline = pipeline(settings)) {
            System.out.print(pipeline.report());
            // every checkpoint stores the metadata its Trainer was given: pass the run's settings on again
            Trainer trainer = trainerBuilder(out, epochCount, pipeline, uiOptions, settings)
                    .build();
            return train(
                    trainer, epochCount, t -> t.resume(RecipeMixin.train(pipeline, settings), validation(pipeline)));
        }
    }

    /**
     * Checks that a checkpoint's settings hold what {@code train} has always stored and a resumed run reads.
     *
     * @throws IllegalArgumentException naming the first missing key (a run of another command, e.g. spark-train)
     */
    private static void requireTrainSettings(RunSettings s, Path last) {
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
    }

    /**
     * The early-stopping options as run settings (stored in checkpoints, so {@code --resume} continues with the same
     * rule), or null without {@code --early-stopping}; Keras's defaults where an option is left out.
     */
    private RunSettings.EarlyStop earlyStopSettings() {
        if (earlyStopping == null) {
            requireAbsent("--early-stopping", "--early-stopping-monitor", "--early-stopping-min-delta");
            return null;
        }
        return new RunSettings.EarlyStop(
                atLeast("--early-stopping", earlyStopping, 1),
                monitor("--early-stopping-monitor", earlyStoppingMonitor).key(),
                nonNegative("--early-stopping-min-delta", earlyStoppingMinDelta, 0));
    }

    /** The reduce-LR-on-plateau options as run settings, as {@link #earlyStopSettings()}. */
    private RunSettings.ReduceLr reduceLrSettings() {
        if (reduceLr == null) {
            requireAbsent(
                    "--reduce-lr",
                    "--reduce-lr-factor",
                    "--reduce-lr-monitor",
                    "--reduce-lr-min-delta",
                    "--reduce-lr-cooldown",
                    "--min-lr");
            return null;
        }
        int patience = atLeast("--reduce-lr", reduceLr, 1);
        double factor = reduceLrFactor == null ? 0.1 : reduceLrFactor;
        if (!(factor > 0 && factor < 1)) {
            throw new IllegalArgumentException(
                    "--reduce-lr-factor: expected a number between 0 and 1 " + "(exclusive), got " + factor);
        }
        return new RunSettings.ReduceLr(
                patience,
                factor,
                monitor("--reduce-lr-monitor", reduceLrMonitor).key(),
                nonNegative("--reduce-lr-min-delta", reduceLrMinDelta, 1e-4),
                atLeast("--reduce-lr-cooldown", reduceLrCooldown == null ? 0 : reduceLrCooldown, 0),
                nonNegative("--min-lr", minLr, 0));
    }

    private static Monitor monitor(String option, String value) {
        try {
            return Monitor.parse(value == null ? Monitor.VAL_LOSS.key() : value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    private static double nonNegative(String option, Double value, double dflt) {
        double v = value == null ? dflt : value;
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(option + ": expected a finite number >= 0, got " + v);
        }
        return v;
    }

    private void requireAbsent(String main, String... dependents) {
        for (String d : dependents) {
            if (given(d)) {
                throw new IllegalArgumentException(d + " needs " + main + " PATIENCE");
            }
        }
    }

    static int atLeast(String option, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(option + ": expected an integer >= " + min + ", got " + value);
        }
        return value;
    }

    /** The run's early stopping, from its settings, or {@code null}. */
    static EarlyStopping earlyStopping(RunSettings s) {
        return s.earlyStopping() == null ? null : s.earlyStopping().toEarlyStopping();
    }

    /** The run's learning-rate reduction on plateau, from its settings, or {@code null}. */
    static ReduceLrOnPlateau reduceLr(RunSettings s) {
        return s.reduceLr() == null ? null : s.reduceLr().toReduceLrOnPlateau();
    }

    /**
     * Images per class of a run's generated data set: the stored {@code data_per_class}, or 200 for runs made before
     * it was stored (the default then), so that their data set is recognised and reused on {@code --resume}.
     */
    static int generatedPerClass(RunSettings settings) {
        Integer n = settings.data().perClass();
        return n != null ? n : ShapesDataset.LEGACY_PER_CLASS;
    }

    /**
     * {@code --auto-augment}, {@code --color-jitter} and {@code --random-erase} as run settings, validated, with the
     * policy {@code augmentation}; only those given, so a run without them stores (and a checkpoint written before
     * them reads) none.
     */
    RunSettings.Augmentation extraAugmentations(String augmentation) {
        String auto = null;
        if (!"none".equals(autoAugment)) {
            try {
                AutoAugment.of(autoAugment);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "--auto-augment: expected none, trivialaugment or randaugment, got \"" + autoAugment + "\"");
            }
            auto = autoAugment;
        }
        List<Double> jitter = null;
        if (colorJitter != null) {
            String[] parts = colorJitter.split(",", -1);
            double[] v = new double[parts.length];
            try {
                for (int i = 0; i < parts.length; i++) {
                    v[i] = Double.parseDouble(parts[i].trim());
                }
                if (parts.length != 4) {
                    throw new IllegalArgumentException("4 values");
                }
                new ColorJitter(v[0], v[1], v[2], v[3]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--color-jitter: expected 4 comma-separated numbers B,C,S,H "
                        + "(brightness, contrast, saturation >= 0, hue in [0, 0.5]), got \"" + colorJitter + "\"");
            }
            jitter = Arrays.stream(v).boxed().toList();
        }
        Double erase = null;
        if (randomErase != null) {
            if (!(randomErase >= 0 && randomErase <= 1)) {
                throw new IllegalArgumentException(
                        "--random-erase: expected a probability in [0, 1], got " + randomErase);
            }
            if (randomErase > 0) {
                erase = randomErase;
            }
        }
        if ("none".equals(augmentation)) {
            String first = auto != null ? "--auto-augment" : jitter != null ? "--color-jitter" : "--random-erase";
            if (auto != null || jitter != null || erase != null) {
                throw new IllegalArgumentException(first
                        + " needs a training augmentation, but this run has none (--augment none, or auto on the "
                        + "generated shapes): add --augment light or --augment imagenet");
            }
        }
        return new RunSettings.Augmentation(augmentation, auto, jitter, erase);
    }

    /** The run's training transform: the crop and flip of {@code base} with the stored extra augmentations. */
    static TrainTransform withExtraAugmentations(TrainTransform base, RunSettings s) {
        RunSettings.Augmentation a = s.augmentation();
        TrainTransform t = base;
        if (a.colorJitter() != null) {
            List<Double> j = a.colorJitter();
            t = t.withColorJitter(new ColorJitter(j.get(0), j.get(1), j.get(2), j.get(3)));
        }
        if (a.autoAugment() != null) {
            t = t.withAutoAugment(AutoAugment.of(a.autoAugment()));
        }
        if (a.randomErase() != null) {
            t = t.withRandomErasing(RandomErasing.of(a.randomErase()));
        }
        return t;
    }

    /** The extra augmentations of a run for its console output ({@code ""} when none), torchvision's names. */
    static String extraAugmentationsDescription(RunSettings s) {
        TrainTransform t = withExtraAugmentations(TrainTransform.imagenet(1), s);
        StringBuilder b = new StringBuilder();
        for (Object o : new Object[] {t.colorJitter(), t.autoAugment(), t.randomErasing()}) {
            if (o != null) {
                b.append(", ").append(o);
            }
        }
        return b.toString();
    }

    /** The data pipeline of a run, from its settings (the same for a new run and a resumed one). */
    private static ImageFolderPipeline pipeline(RunSettings s) {
        int size = s.imageSize();
        ImageFolderPipeline.Builder b = ImageFolderPipeline.fromDirectory(
                        requireDataFolder(s.data().folder(), "--data"))
                .validationSplit(s.data().validationSplit())
                .seed(s.seed())
                .imageSize(size)
                .batchSize(s.batchSize())
                .normalization(Normalization.IMAGENET);
        switch (s.augmentation().policy()) {
            case "none" -> b.augment(false);
            case "light" ->
                b.trainTransform(withExtraAugmentations(
                        new TrainTransform(size, 0.35, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5, Normalization.IMAGENET), s));
            default -> b.trainTransform(withExtraAugmentations(TrainTransform.imagenet(size), s));
        }
        return b.build();
    }

    static Path requireDataFolder(String folder, String what) {
        Path p = Path.of(folder);
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException(what + ": data folder " + p.toAbsolutePath() + " does not exist"
                    + (Files.exists(p) ? " as a folder" : ""));
        }
        return p;
    }

    /** The learning-rate schedule, or {@code null} for a fixed rate. */
    static ISchedule schedule(String name, double lr, int epochs, int step, double gamma) {
        switch (name) {
            case "step":
                return new StepSchedule(ScheduleType.EPOCH, lr, gamma, step);
            case "cosine": {
                Map<Integer, Double> values = new LinkedHashMap<>();
                for (int e = 0; e < epochs; e++) {
                    values.put(e, lr * (1 + Math.cos(Math.PI * e / epochs)) / 2);
                }
                return new MapSchedule(ScheduleType.EPOCH, values);
            }
            default:
                return null;
        }
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
        System.out.println("Curves:  " + run.resolve(Trainer.CHARTS_DIR) + "/{accuracy,loss,learning_rate}.png, "
                + "metrics " + run.resolve("metrics.csv"));
        System.out.println("Report:  " + run.resolve(HtmlReport.FILE_NAME) + ", confusion matrix "
                + run.resolve(Trainer.CHARTS_DIR).resolve(Charts.CONFUSION_PNG));
        if (Files.isRegularFile(run.resolve(Trainer.STATS_FILE))) {
            System.out.println("UI:      the training UI stopped with the run; reopen it with: resnext4j ui " + run);
        } else {
            System.out.println("UI:      no UI statistics recorded (--no-ui without --ui-stats); the report and "
                    + "charts above hold the curves");
        }
    }
}
