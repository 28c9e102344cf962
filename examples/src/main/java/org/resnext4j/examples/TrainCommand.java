package org.resnext4j.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;
import org.resnext4j.datavec.ImageFolderPipeline;
import org.resnext4j.datavec.Normalization;
import org.resnext4j.datavec.TrainTransform;
import org.resnext4j.ui.Charts;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.EarlyStopping;
import org.resnext4j.ui.HtmlReport;
import org.resnext4j.ui.Monitor;
import org.resnext4j.ui.ReduceLrOnPlateau;
import org.resnext4j.ui.Trainer;
import org.resnext4j.ui.TrainingResult;
import org.resnext4j.ui.UiOptions;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

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
 * <p><b>Schedules</b>, stepped per epoch like torchvision's: {@code step} multiplies the rate by {@code --lr-gamma}
 * every {@code --lr-step} epochs ({@link StepSchedule}); {@code cosine} is {@code CosineAnnealingLR(T_max=epochs)},
 * {@code lr * (1 + cos(pi * e / epochs)) / 2} for epoch {@code e = 0..epochs-1}, written out as a DL4J
 * {@link MapSchedule} (M2.1 has no cosine schedule; a map of values survives the JSON round trip of a checkpoint
 * without any custom class; past its last epoch it keeps the last rate). Schedules live in the model configuration,
 * so {@code --resume} continues them where the run stopped.
 */
final class TrainCommand implements Cli.Command {

    static final int DEFAULT_EPOCHS = 10;
    static final int DEFAULT_BATCH = 16;
    static final double DEFAULT_VAL_SPLIT = 0.2;
    static final long DEFAULT_SEED = 42;

    /** Options that may accompany {@code --resume}; every other setting comes from the run's checkpoint. */
    private static final Set<String> RESUME_OPTIONS = Set.of("--resume", "--out", "--epochs", "--no-ui", "--port");

    @Override
    public String usage() {
        return "train [--data DIR] [--model tiny|PRESET] [--epochs N] [--batch N] [--size N] [--val-split F] [--seed S]"
                + " [--optimizer adam|sgd] [--lr X] [--schedule cosine|step|none] [--lr-step N] [--lr-gamma G]"
                + " [--weight-decay W] [--augment none|light|imagenet] [--pretrained FILE.safetensors"
                + " [--freeze-backbone]] [--early-stopping PATIENCE [--early-stopping-monitor M]"
                + " [--early-stopping-min-delta D]] [--reduce-lr PATIENCE [--reduce-lr-factor F] [--reduce-lr-monitor M]"
                + " [--reduce-lr-min-delta D] [--reduce-lr-cooldown N] [--min-lr X]] [--no-ui] [--port N] [--out DIR]"
                + " | train --resume --out DIR [--epochs N]";
    }

    @Override
    public void run(String[] args) throws IOException {
        Args a = Args.parse(args);
        if (a.flag("--resume")) {
            resume(a);
            return;
        }
        Path out = Path.of(a.option("--out", "runs/run-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT))));
        String dataOption = a.option("--data", null);
        String model = a.option("--model", Models.TINY);
        if (!Models.names().contains(model)) {
            throw new IllegalArgumentException("--model: unknown model \"" + model + "\", expected one of "
                    + Models.names());
        }
        int epochs = a.intOption("--epochs", DEFAULT_EPOCHS, 1);
        int batch = a.intOption("--batch", DEFAULT_BATCH, 1);
        int size = a.intOption("--size", Models.TINY.equals(model) ? ShapesDataset.DEFAULT_SIZE : 224, 1);
        double valSplit = a.doubleOption("--val-split", DEFAULT_VAL_SPLIT, 0, 1);
        long seed = a.longOption("--seed", DEFAULT_SEED);
        String optimizer = a.choice("--optimizer", "adam", "adam", "sgd");
        boolean sgd = optimizer.equals("sgd");
        double lr = a.doubleOption("--lr", sgd ? 0.1 : 1e-3, 0, Double.POSITIVE_INFINITY);
        String schedule = a.choice("--schedule", "cosine", "cosine", "step", "none");
        int lrStep = a.intOption("--lr-step", Math.max(1, epochs / 3), 1);
        double lrGamma = a.doubleOption("--lr-gamma", 0.1, 0, 1);
        double weightDecay = a.doubleOption("--weight-decay", sgd ? 1e-4 : 0);
        if (!(weightDecay >= 0 && weightDecay < 1)) {
            throw new IllegalArgumentException("--weight-decay: expected a number in [0, 1), got " + weightDecay);
        }
        String augment = a.choice("--augment", dataOption == null ? "none" : "imagenet", "none", "light", "imagenet");
        String pretrained = a.option("--pretrained", null);
        boolean freeze = a.flag("--freeze-backbone");
        Map<String, Object> callbacks = callbackSettings(a);
        UiOptions ui = uiOptions(a);
        a.requireAllUsed();
        if (freeze && pretrained == null) {
            throw new IllegalArgumentException("--freeze-backbone needs --pretrained FILE.safetensors");
        }
        if (pretrained != null && !Files.isRegularFile(Path.of(pretrained))) {
            throw new IllegalArgumentException("--pretrained: weights file " + Path.of(pretrained).toAbsolutePath()
                    + " does not exist");
        }
        if (Files.exists(out.resolve(Trainer.CHECKPOINT_DIR).resolve(Trainer.LAST_CHECKPOINT))) {
            throw new IllegalArgumentException("--out: run folder " + out.toAbsolutePath() + " already holds a "
                    + "trained run; continue it with --resume, or choose another --out");
        }

        Path data;
        boolean generated = dataOption == null;
        if (generated) {
            data = out.resolve("data").resolve("shapes");
            System.out.println("No --data given: generating the built-in shapes data set (" + ShapesDataset.CLASSES
                    + ", " + ShapesDataset.DEFAULT_PER_CLASS + " images each, " + ShapesDataset.DEFAULT_SIZE + "x"
                    + ShapesDataset.DEFAULT_SIZE + ") in " + data.toAbsolutePath());
            ShapesDataset.write(data, ShapesDataset.DEFAULT_PER_CLASS, ShapesDataset.DEFAULT_SIZE,
                    ShapesDataset.DEFAULT_SEED);
        } else {
            data = requireDataFolder(dataOption, "--data");
        }

        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("data", data.toAbsolutePath().toString());
        settings.put("data_generated", generated);
        if (generated) {
            settings.put("data_per_class", ShapesDataset.DEFAULT_PER_CLASS);
        }
        settings.put(Models.KEY_MODEL, model);
        settings.put("image_size", size);
        settings.put("batch_size", batch);
        settings.put("validation_split", valSplit);
        settings.put("seed", seed);
        settings.put("augment", augment);
        settings.put("optimizer", optimizer);
        settings.put("learning_rate", lr);
        settings.put("schedule", schedule);
        if (schedule.equals("step")) {
            settings.put("lr_step_epochs", lrStep);
            settings.put("lr_gamma", lrGamma);
        }
        settings.put("weight_decay", weightDecay);
        if (pretrained != null) {
            settings.put("pretrained", Path.of(pretrained).toAbsolutePath().toString());
            settings.put("freeze_backbone", freeze);
        }
        settings.putAll(callbacks);

        try (ImageFolderPipeline pipeline = pipeline(settings)) {
            System.out.print(pipeline.report());
            ResNeXtSpec spec = Models.spec(model, pipeline.numClasses(), size);
            ISchedule lrSchedule = schedule(schedule, lr, epochs, lrStep, lrGamma);
            IUpdater updater = sgd ? (lrSchedule == null ? new Nesterovs(lr, 0.9) : new Nesterovs(lrSchedule, 0.9))
                    : (lrSchedule == null ? new Adam(lr) : new Adam(lrSchedule));
            ResNeXt zoo = ResNeXt.builder(spec).seed(seed).updater(updater).build();
            ComputationGraph net = pretrained == null ? zoo.init() : fineTune(zoo, Path.of(pretrained), freeze);
            if (weightDecay > 0) {
                net = new TransferLearning.GraphBuilder(net)
                        .fineTuneConfiguration(new FineTuneConfiguration.Builder().l2(weightDecay).build()).build();
            }
            System.out.println("Model: " + spec + ", " + net.numParams() + " parameters (DL4J count); updater "
                    + updater.getClass().getSimpleName() + ", schedule " + schedule + ", weight decay " + weightDecay);

            Trainer.Builder trainer = Trainer.builder().runDir(out).epochs(epochs).classNames(pipeline.classNames())
                    .ui(ui).earlyStopping(earlyStopping(settings)).reduceLrOnPlateau(reduceLr(settings));
            settings.forEach(trainer::metadata);
            trainer.metadata(Models.KEY_SPEC, Models.describe(spec));
            trainer.metadata(Models.KEY_PREPROCESSING, Models.describe(pipeline.preprocessing()));
            TrainingResult result = trainer.build().fit(net, pipeline.train(), pipeline.validation());
            printOutputs(result);
        }
    }

    private static ComputationGraph fineTune(ResNeXt zoo, Path weights, boolean freeze) throws IOException {
        try {
            return zoo.initFineTune(weights, freeze);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--pretrained: " + weights + " does not fit the backbone of "
                    + zoo.spec().name() + " (fine-tuning loads every weight but fc): " + e.getMessage(), e);
        }
    }

    /** {@code --resume}: continues the run in {@code --out} with the settings stored in its last checkpoint. */
    private void resume(Args a) throws IOException {
        String outOption = a.option("--out", null);
        if (outOption == null) {
            throw new IllegalArgumentException("--resume needs --out DIR, the run folder to continue");
        }
        Path out = Path.of(outOption);
        Path last = out.resolve(Trainer.CHECKPOINT_DIR).resolve(Trainer.LAST_CHECKPOINT);
        if (!Files.isRegularFile(last)) {
            throw new IllegalArgumentException("--resume: run folder " + out.toAbsolutePath() + " has no checkpoint "
                    + Trainer.CHECKPOINT_DIR + "/" + Trainer.LAST_CHECKPOINT);
        }
        Map<String, Object> meta = Checkpoints.readMetadata(last);
        if (!(meta.get(Models.KEY_EXTRA) instanceof Map<?, ?> extra) || !extra.containsKey("data")) {
            throw new IllegalArgumentException("--resume: " + last + " was not written by this CLI's train command "
                    + "(no training settings in its metadata)");
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        extra.forEach((k, v) -> settings.put(String.valueOf(k), v));
        int planned = ((Number) meta.getOrDefault("epochs_planned", meta.get("epoch"))).intValue();
        int done = ((Number) meta.get("epoch")).intValue();
        int epochs = a.intOption("--epochs", planned, 1);
        UiOptions ui = uiOptions(a);
        for (String option : a.optionNames()) {
            if (!RESUME_OPTIONS.contains(option)) {
                throw new IllegalArgumentException(option + " cannot be changed with --resume (the run continues "
                        + "with its stored settings; only --epochs, --no-ui and --port may be given)");
            }
        }
        a.requireAllUsed();
        if (epochs <= done) {
            throw new IllegalArgumentException("--epochs: the run in " + out.toAbsolutePath() + " already finished "
                    + done + " epoch(s); give --epochs greater than " + done + " to continue it");
        }
        if (Boolean.TRUE.equals(settings.get("data_generated"))) {
            ShapesDataset.write(Path.of((String) settings.get("data")), generatedPerClass(settings),
                    ShapesDataset.DEFAULT_SIZE, ShapesDataset.DEFAULT_SEED);
        }
        if ("cosine".equals(settings.get("schedule")) && epochs != planned) {
            System.out.println("Note: the cosine schedule was planned for " + planned + " epochs; later epochs keep "
                    + "its last learning rate");
        }
        try (ImageFolderPipeline pipeline = pipeline(settings)) {
            System.out.print(pipeline.report());
            // every checkpoint stores the metadata its Trainer was given: pass the run's settings on again
            Trainer.Builder trainer = Trainer.builder().runDir(out).epochs(epochs).classNames(pipeline.classNames())
                    .ui(ui).earlyStopping(earlyStopping(settings)).reduceLrOnPlateau(reduceLr(settings));
            settings.forEach(trainer::metadata);
            TrainingResult result = trainer.build().resume(pipeline.train(), pipeline.validation());
            printOutputs(result);
        }
    }

    /**
     * The early-stopping and reduce-LR-on-plateau options as run settings (stored in checkpoints, so
     * {@code --resume} continues with the same rules); Keras's defaults where an option is left out.
     */
    private static Map<String, Object> callbackSettings(Args a) {
        Map<String, Object> s = new LinkedHashMap<>();
        if (a.has("--early-stopping")) {
            s.put("early_stopping_patience", a.intOption("--early-stopping", 0, 1));
            s.put("early_stopping_monitor", monitor(a, "--early-stopping-monitor").key());
            s.put("early_stopping_min_delta", nonNegative(a, "--early-stopping-min-delta", 0));
        } else {
            requireAbsent(a, "--early-stopping", "--early-stopping-monitor", "--early-stopping-min-delta");
        }
        if (a.has("--reduce-lr")) {
            s.put("reduce_lr_patience", a.intOption("--reduce-lr", 0, 1));
            s.put("reduce_lr_factor", a.doubleOption("--reduce-lr-factor", 0.1, 0, 1));
            s.put("reduce_lr_monitor", monitor(a, "--reduce-lr-monitor").key());
            s.put("reduce_lr_min_delta", nonNegative(a, "--reduce-lr-min-delta", 1e-4));
            s.put("reduce_lr_cooldown", a.intOption("--reduce-lr-cooldown", 0, 0));
            s.put("min_lr", nonNegative(a, "--min-lr", 0));
        } else {
            requireAbsent(a, "--reduce-lr", "--reduce-lr-factor", "--reduce-lr-monitor", "--reduce-lr-min-delta",
                    "--reduce-lr-cooldown", "--min-lr");
        }
        return s;
    }

    private static Monitor monitor(Args a, String option) {
        String v = a.option(option, Monitor.VAL_LOSS.key());
        try {
            return Monitor.parse(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    private static double nonNegative(Args a, String option, double dflt) {
        double v = a.doubleOption(option, dflt);
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(option + ": expected a finite number >= 0, got " + v);
        }
        return v;
    }

    private static void requireAbsent(Args a, String main, String... dependents) {
        for (String d : dependents) {
            if (!d.equals(main) && a.has(d)) {
                throw new IllegalArgumentException(d + " needs " + main + " PATIENCE");
            }
        }
    }

    /** The run's early stopping, from its settings, or {@code null}. */
    static EarlyStopping earlyStopping(Map<String, Object> s) {
        if (!s.containsKey("early_stopping_patience")) {
            return null;
        }
        return new EarlyStopping(Monitor.parse((String) s.get("early_stopping_monitor")),
                ((Number) s.get("early_stopping_patience")).intValue(),
                ((Number) s.get("early_stopping_min_delta")).doubleValue());
    }

    /** The run's learning-rate reduction on plateau, from its settings, or {@code null}. */
    static ReduceLrOnPlateau reduceLr(Map<String, Object> s) {
        if (!s.containsKey("reduce_lr_patience")) {
            return null;
        }
        return new ReduceLrOnPlateau(Monitor.parse((String) s.get("reduce_lr_monitor")),
                ((Number) s.get("reduce_lr_factor")).doubleValue(), ((Number) s.get("reduce_lr_patience")).intValue(),
                ((Number) s.get("reduce_lr_min_delta")).doubleValue(),
                ((Number) s.get("reduce_lr_cooldown")).intValue(), ((Number) s.get("min_lr")).doubleValue());
    }

    /**
     * Images per class of a run's generated data set: the stored {@code data_per_class}, or 200 for runs made before
     * it was stored (the default then), so that their data set is recognised and reused on {@code --resume}.
     */
    static int generatedPerClass(Map<String, Object> settings) {
        return settings.get("data_per_class") instanceof Number n ? n.intValue() : ShapesDataset.LEGACY_PER_CLASS;
    }

    /** The data pipeline of a run, from its settings (the same for a new run and a resumed one). */
    private static ImageFolderPipeline pipeline(Map<String, Object> s) {
        int size = ((Number) s.get("image_size")).intValue();
        ImageFolderPipeline.Builder b = ImageFolderPipeline.fromDirectory(requireDataFolder((String) s.get("data"),
                        "--data"))
                .validationSplit(((Number) s.get("validation_split")).doubleValue())
                .seed(((Number) s.get("seed")).longValue())
                .imageSize(size)
                .batchSize(((Number) s.get("batch_size")).intValue())
                .normalization(Normalization.IMAGENET);
        switch ((String) s.get("augment")) {
            case "none" -> b.augment(false);
            case "light" -> b.trainTransform(new TrainTransform(size, 0.35, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5,
                    Normalization.IMAGENET));
            default -> b.augment(true);
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

    static UiOptions uiOptions(Args a) {
        boolean noUi = a.flag("--no-ui");
        int port = a.intOption("--port", UiOptions.DEFAULT_PORT, 0);
        if (port > 0xFFFF) {
            throw new IllegalArgumentException("--port: expected 0..65535, got " + port);
        }
        if (noUi) {
            return UiOptions.disabled();
        }
        // the default port moves on to a free one when taken; a port the user chose fails instead
        return UiOptions.defaults().withPort(port).withFallbackToFreePort(!a.has("--port"));
    }

    private static void printOutputs(TrainingResult r) {
        Path run = r.runDir();
        System.out.println();
        r.history().best().ifPresent(best -> System.out.printf(Locale.ROOT,
                "Best validation accuracy %.1f%% at epoch %d; last %.1f%% (epoch %d)%n", 100 * best.valAccuracy(),
                best.epoch(), 100 * r.lastEvaluation().accuracy(), r.history().size()));
        System.out.println("Model:   " + r.bestCheckpoint() + " (best), " + r.lastCheckpoint() + " (last)");
        System.out.println("Curves:  " + run.resolve(Trainer.CHARTS_DIR) + "/{accuracy,loss,learning_rate}.png, "
                + "metrics " + run.resolve("metrics.csv"));
        System.out.println("Report:  " + run.resolve(HtmlReport.FILE_NAME) + ", confusion matrix "
                + run.resolve(Trainer.CHARTS_DIR).resolve(Charts.CONFUSION_PNG));
        System.out.println("UI:      the training UI stopped with the run; reopen it with: ui " + run
                + "   (mvn -q -pl examples exec:exec -Dcli.args=\"ui " + run + "\")");
    }
}
