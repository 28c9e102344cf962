package org.resnext4j.ui;

import java.util.Locale;

/**
 * Training recipes by name: a set of augmentation, batch-mixing and optimisation settings chosen together, as timm's,
 * Keras's and fast.ai's users expect them. The CLI's {@code train --recipe NAME} starts from these values and lets
 * every option given beside it win; in Java, {@link #settings(int, int)} gives the typed values to build the pieces
 * with: {@code TrainTransform.withAutoAugment/withRandomErasing} (datavec-pipelines), {@link BatchMixing},
 * {@link WarmupSchedule}, {@link ModelEma}, {@code ResNeXt.freezeUntil} and {@link FineTuning}.
 *
 * <ul>
 *   <li>{@link #TORCHVISION}: torchvision's reference recipe for these models (the one behind the IMAGENET1K_V2
 *       weights, {@code references/classification} of torchvision 0.14): random-resized crop and flip,
 *       TrivialAugmentWide, random erasing 0.1, label smoothing 0.1, mixup 0.2 and cutmix 1.0 (one of the two per
 *       batch), SGD with momentum 0.9 at 0.5 for a batch of 1,024 scaled linearly to the batch, weight decay 2e-5
 *       (none on batch-norm parameters, as in every graph of ours), 5 epochs of linear warm-up from 1% (at most a
 *       third of a short run's epochs), cosine decay, and a moving average of the weights (decay 0.99998 adjusted
 *       for batch size, every 32 batches), validated beside the raw weights.
 *   <li>{@link #FINETUNE}: for a pretrained start on a small folder (needs pretrained weights): random-resized crop
 *       and flip, TrivialAugmentWide, label smoothing 0.1, Adam at 1e-3 for the new classifier and a tenth of it for
 *       the backbone, one warm-up epoch, cosine decay; no mixup, cutmix or erasing, which cost a small data set more
 *       epochs than a fine-tuning run has.
 *   <li>{@link #NONE}: nothing beyond the command's own defaults.
 * </ul>
 */
public enum Recipe {
    /** No recipe: the defaults of the command or builder. */
    NONE,
    /** torchvision's reference recipe (IMAGENET1K_V2), see the class documentation. */
    TORCHVISION,
    /** Fine-tuning pretrained weights on a small folder, see the class documentation. */
    FINETUNE;

    /** torchvision's learning rate for its batch of 1,024 (8 GPUs x 128), scaled linearly to other batches. */
    public static final double TORCHVISION_LR_PER_1024 = 0.5;

    /**
     * A recipe's values. Strings are the CLI's names ({@code "trivialaugment"}, {@code "sgd"}, {@code "cosine"});
     * 0 means off for the probabilities and alphas, {@code NaN} no clipping, {@code null} "the command's default".
     *
     * @param augment          base augmentation ({@code "imagenet"}: torchvision's random-resized crop and flip)
     * @param autoAugment      {@code "trivialaugment"}, {@code "randaugment"} or {@code "none"}
     * @param randomErase      random-erasing probability
     * @param labelSmoothing   label-smoothing epsilon
     * @param mixupAlpha       mixup's Beta parameter
     * @param cutmixAlpha      cutmix's Beta parameter
     * @param optimizer        {@code "sgd"} (Nesterov momentum 0.9) or {@code "adam"}
     * @param learningRate     the classifier's learning rate
     * @param weightDecay      L2 weight decay
     * @param schedule         {@code "cosine"}, {@code "step"} or {@code "none"}
     * @param warmupEpochs     linear warm-up epochs
     * @param warmupDecay      the first warm-up epoch's fraction of the rate
     * @param ema              whether to keep a moving average of the weights ({@link ModelEma} defaults)
     * @param backboneLrScale  the backbone's rate as a fraction of the classifier's ({@code null}: 1)
     * @param needsPretrained  whether the recipe is meant for pretrained weights only
     */
    public record Settings(
            String augment,
            String autoAugment,
            double randomErase,
            double labelSmoothing,
            double mixupAlpha,
            double cutmixAlpha,
            String optimizer,
            double learningRate,
            double weightDecay,
            String schedule,
            int warmupEpochs,
            double warmupDecay,
            boolean ema,
            Double backboneLrScale,
            boolean needsPretrained) {}

    /**
     * The recipe's values for a run.
     *
     * @param epochs planned epochs (the warm-up is at most a third of them)
     * @param batch  batch size (torchvision's learning rate is scaled to it)
     * @return the values; {@code null} for {@link #NONE}
     * @throws IllegalArgumentException when {@code epochs} or {@code batch} is below 1
     */
    public Settings settings(int epochs, int batch) {
        if (epochs < 1 || batch < 1) {
            throw new IllegalArgumentException(
                    "a recipe needs epochs and batch of at least 1, got " + epochs + " and " + batch);
        }
        return switch (this) {
            case NONE -> null;
            case TORCHVISION ->
                new Settings(
                        "imagenet",
                        "trivialaugment",
                        0.1,
                        0.1,
                        0.2,
                        1.0,
                        "sgd",
                        TORCHVISION_LR_PER_1024 * batch / 1024.0,
                        2e-5,
                        "cosine",
                        Math.min(5, epochs / 3),
                        0.01,
                        true,
                        null,
                        false);
            case FINETUNE ->
                new Settings(
                        "imagenet",
                        "trivialaugment",
                        0,
                        0.1,
                        0,
                        0,
                        "adam",
                        1e-3,
                        0,
                        "cosine",
                        Math.min(1, epochs / 3),
                        0.01,
                        false,
                        0.1,
                        true);
        };
    }

    /** @return the name the CLI and the run settings use ({@code torchvision}) */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param key a recipe's name, any case
     * @return the recipe
     * @throws IllegalArgumentException naming the known recipes
     */
    public static Recipe of(String key) {
        for (Recipe r : values()) {
            if (r.key().equalsIgnoreCase(key.trim())) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown recipe \"" + key + "\", expected none, torchvision or finetune");
    }
}
