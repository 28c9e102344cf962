package org.resnext4j.examples;

import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.resnext4j.datavec.ImageFolderPipeline;
import org.resnext4j.ui.BatchMixing;
import org.resnext4j.ui.ModelEma;
import org.resnext4j.ui.RunSettings;
import org.resnext4j.ui.Trainer;
import org.resnext4j.ui.WarmupSchedule;
import picocli.CommandLine.Option;

/**
 * {@code train}'s options of torchvision's training recipe (the one behind the IMAGENET1K_V2 weights): mixup, cutmix,
 * label smoothing, linear learning-rate warm-up, gradient clipping, a moving average of the weights. They become run
 * settings (stored in every checkpoint's model card, so {@code --resume} continues with them; a setting that is
 * absent, as in runs made before these options, is off), applied by the static methods here for a new and a resumed
 * run alike.
 */
final class RecipeMixin {

    @Option(
            names = "--label-smoothing",
            paramLabel = "EPS",
            description = "soft targets (1 - EPS) * y + EPS / classes, torchvision's recipe 0.1 (default 0: off)")
    Double labelSmoothing;

    @Option(
            names = "--mixup",
            paramLabel = "ALPHA",
            description = "mixup of each batch with itself rolled by one, lambda ~ Beta(ALPHA, ALPHA); recipe 0.2; "
                    + "with --cutmix one of the two per batch (default 0: off)")
    Double mixup;

    @Option(
            names = "--cutmix",
            paramLabel = "ALPHA",
            description = "cutmix (a box of the rolled batch pasted, labels by its area), lambda ~ Beta(ALPHA, "
                    + "ALPHA); recipe 1.0 (default 0: off)")
    Double cutmix;

    @Option(
            names = "--warmup-epochs",
            paramLabel = "N",
            description = "linear learning-rate warm-up over the first N epochs, then --schedule over the rest; "
                    + "recipe 5 (default 0: none)")
    Integer warmupEpochs;

    @Option(
            names = "--warmup-decay",
            paramLabel = "F",
            description = "the first warm-up epoch's fraction of --lr (default 0.01)")
    Double warmupDecay;

    @Option(
            names = "--clip-grad-norm",
            paramLabel = "X",
            description = "clip the gradient to global L2 norm X before each update (default: no clipping)")
    Double clipGradNorm;

    @Option(
            names = "--ema",
            description = "keep an exponential moving average of the weights (validated every epoch beside them, "
                    + "saved in the checkpoints)")
    boolean ema;

    @Option(
            names = "--ema-decay",
            paramLabel = "D",
            description = "EMA decay, adjusted as torchvision's for batch size, --ema-steps and epochs (default "
                    + ModelEma.DEFAULT_DECAY + ")")
    Double emaDecay;

    @Option(
            names = "--ema-steps",
            paramLabel = "N",
            description = "batches between EMA updates (default " + ModelEma.DEFAULT_STEPS + ")")
    Integer emaSteps;

    @Option(
            names = "--select-best",
            paramLabel = "raw|ema",
            description = "which weights best.zip is chosen by and holds: raw (default) or ema (needs --ema)")
    String selectBest;

    /**
     * The recipe's run settings, validated.
     *
     * @param epochs planned epochs
     * @param batch  batch size
     * @return the settings of the options that are on (absent: off)
     * @throws IllegalArgumentException naming the option when a value is out of range or an option lacks another
     */
    RunSettings.RecipeOptions settings(int epochs, int batch) {
        Double smoothing = null;
        if (labelSmoothing != null && labelSmoothing != 0) {
            if (!(labelSmoothing > 0 && labelSmoothing < 1)) {
                throw new IllegalArgumentException(
                        "--label-smoothing: expected a number in [0, 1), got " + labelSmoothing);
            }
            smoothing = labelSmoothing;
        }
        Double mixupAlpha = alpha("--mixup", mixup);
        Double cutmixAlpha = alpha("--cutmix", cutmix);
        RunSettings.Warmup warmup = null;
        int warmupCount = warmupEpochs == null ? 0 : TrainCommand.atLeast("--warmup-epochs", warmupEpochs, 0);
        if (warmupCount > 0) {
            if (warmupCount >= epochs) {
                throw new IllegalArgumentException(
                        "--warmup-epochs: expected fewer than the " + epochs + " planned epochs, got " + warmupCount);
            }
            double d = warmupDecay == null ? 0.01 : warmupDecay;
            if (!(d > 0 && d <= 1)) {
                throw new IllegalArgumentException("--warmup-decay: expected a number in (0, 1], got " + d);
            }
            warmup = new RunSettings.Warmup(warmupCount, d);
        } else if (warmupDecay != null) {
            throw new IllegalArgumentException("--warmup-decay needs --warmup-epochs N");
        }
        if (clipGradNorm != null && (!(clipGradNorm > 0) || Double.isInfinite(clipGradNorm))) {
            throw new IllegalArgumentException("--clip-grad-norm: expected a number > 0, got " + clipGradNorm);
        }
        RunSettings.Ema average = null;
        if (ema) {
            double d = emaDecay == null ? ModelEma.DEFAULT_DECAY : emaDecay;
            if (!(d > 0 && d < 1)) {
                throw new IllegalArgumentException("--ema-decay: expected a number in (0, 1), got " + d);
            }
            int steps = TrainCommand.atLeast("--ema-steps", emaSteps == null ? ModelEma.DEFAULT_STEPS : emaSteps, 1);
            // the decay per update is fixed when the run starts, so that a resume with another --epochs keeps the
            // average's horizon
            average = new RunSettings.Ema(
                    d, steps, ModelEma.adjustedDecay(d, batch, steps, epochs, 1), bestCheckpointFrom());
        } else if (emaDecay != null || emaSteps != null) {
            throw new IllegalArgumentException("--ema-decay and --ema-steps need --ema");
        } else {
            bestCheckpointFrom();
        }
        return new RunSettings.RecipeOptions(smoothing, mixupAlpha, cutmixAlpha, warmup, clipGradNorm, average);
    }

    /** {@code --select-best}: {@code "ema"}, or null for the raw weights. */
    private String bestCheckpointFrom() {
        if (selectBest == null) {
            return null;
        }
        return switch (selectBest) {
            case "raw" -> null;
            case "ema" -> {
                if (!ema) {
                    throw new IllegalArgumentException("--select-best ema needs --ema");
                }
                yield "ema";
            }
            default ->
                throw new IllegalArgumentException("--select-best: expected raw or ema, got \"" + selectBest + "\"");
        };
    }

    private static Double alpha(String option, Double alpha) {
        if (alpha == null || alpha == 0) {
            return null;
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException(option + ": expected a number >= 0 (0: off), got " + alpha);
        }
        return alpha;
    }

    /**
     * @param main the schedule after warm-up, or {@code null} for a fixed rate
     * @param rate the initial learning rate
     * @return the schedule with the run's warm-up before it, or {@code main} without warm-up
     */
    static ISchedule withWarmup(ISchedule main, double rate, RunSettings settings) {
        RunSettings.Warmup warmup = settings.recipe().warmup();
        if (warmup == null || warmup.epochs() == 0) {
            return main;
        }
        return new WarmupSchedule(main == null ? new FixedSchedule(rate) : main, warmup.epochs(), warmup.decay());
    }

    /** The training data with the run's mixing and label smoothing, or as it is without them. */
    static DataSetIterator train(ImageFolderPipeline pipeline, RunSettings settings) {
        RunSettings.RecipeOptions r = settings.recipe();
        if (r.mixup() == 0 && r.cutmix() == 0 && r.smoothing() == 0) {
            return pipeline.train();
        }
        return new BatchMixing(pipeline.train(), r.mixup(), r.cutmix(), r.smoothing(), settings.seed());
    }

    /** Adds the run's gradient clipping and moving average to a trainer. */
    static Trainer.Builder apply(Trainer.Builder trainer, RunSettings settings) {
        RunSettings.RecipeOptions r = settings.recipe();
        if (r.clipGradNorm() != null) {
            trainer.clipGradientNorm(r.clipGradNorm());
        }
        if (r.ema() != null) {
            trainer.ema(new ModelEma(r.ema().decayPerUpdate(), r.ema().steps(), r.warmupEpochs()));
            trainer.bestCheckpointFromEma(r.ema().bestFromEma());
        }
        return trainer;
    }
}
