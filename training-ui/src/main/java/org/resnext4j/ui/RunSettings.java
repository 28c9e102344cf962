package org.resnext4j.ui;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A training run's settings as the command line's {@code train} and {@code spark-train} record them in the
 * {@code training} part of every checkpoint's {@link ModelCard} ({@link ModelCard#settings()}), and read them back
 * for {@code --resume} and {@code evaluate --subset}. This class owns the keys ({@link Key}): {@link #toMap()} writes
 * and {@link #fromMap} reads exactly the keys and JSON values the commands have written since their first release,
 * so every checkpoint written before this class existed loads, and writes back the same map.
 *
 * <p>Every value is optional ({@code null}: not stored): runs of earlier releases, of {@code spark-train} and of a
 * library user's own loop store only some of them; what an absent value means is said with each component (and
 * applied by the command that reads it). The groups that were always written together ({@link FineTune},
 * {@link EarlyStop}, {@link ReduceLr}, {@link Warmup}, {@link Ema}) are {@code null} when none of their keys is
 * stored, and need their keys when one is. Keys this class does not know (written by a later release, by an older
 * layout, or by a user's loop) are kept in {@link #other()} and written back after the known ones.
 *
 * <p>{@code augment} is the one key whose JSON type depends on the writer: {@code train} stores its policy as a
 * string ({@link Augmentation#policy()}), {@code spark-train} its crop-and-flip flag as a boolean
 * ({@link Spark#augment()}).
 *
 * <p>The file is longer than the house's 500 lines because each of the 45 keys is documented twice, at its
 * {@link Key} constant and at its component; the type checks of reading are in {@code RunSettingsReader}.
 *
 * @param data           the data set and its split
 * @param model          {@code model}: the model's name (a preset or {@code tiny}); absent in runs of the first
 *                       releases
 * @param imageSize      {@code image_size}: input side in pixels
 * @param batchSize      {@code batch_size}: examples per batch (per worker for {@code spark-train})
 * @param seed           {@code seed}: of the split, the shuffles, the augmentation and the initialisation
 * @param augmentation   {@code train}'s augmentation
 * @param optimisation   optimiser and learning-rate schedule
 * @param fineTune       {@code --pretrained} and its freezing, or null for a run from scratch
 * @param earlyStopping  early stopping, or null for none
 * @param reduceLr       learning-rate reduction on plateau, or null for none
 * @param recipe         torchvision's recipe options (mixing, label smoothing, warm-up, clipping, EMA)
 * @param recipeName     {@code recipe}: the {@link Recipe} the run was started with, or null (none)
 * @param spark          {@code spark-train}'s settings
 * @param other          keys of no component, with their values as read (kept, written back)
 */
public record RunSettings(
        Data data,
        String model,
        Integer imageSize,
        Integer batchSize,
        Long seed,
        Augmentation augmentation,
        Optimisation optimisation,
        FineTune fineTune,
        EarlyStop earlyStopping,
        ReduceLr reduceLr,
        RecipeOptions recipe,
        String recipeName,
        Spark spark,
        Map<String, Object> other) {

    /** Nothing stored. */
    public static final RunSettings EMPTY =
            new RunSettings(null, null, null, null, null, null, null, null, null, null, null, null, null, null);

    /** The keys, written in {@code snake_case} as {@code name().toLowerCase()}. */
    public enum Key {
        /** {@link Data#folder()}. */
        DATA,
        /** {@link Data#generated()}. */
        DATA_GENERATED,
        /** {@link Data#perClass()}. */
        DATA_PER_CLASS,
        /** {@link RunSettings#model()}. */
        MODEL,
        /** {@link RunSettings#imageSize()}. */
        IMAGE_SIZE,
        /** {@link RunSettings#batchSize()}. */
        BATCH_SIZE,
        /** {@link Data#validationSplit()}. */
        VALIDATION_SPLIT,
        /** {@link RunSettings#seed()}. */
        SEED,
        /** {@link Augmentation#policy()} (a string) or {@link Spark#augment()} (a boolean). */
        AUGMENT,
        /** {@link Augmentation#autoAugment()}. */
        AUTO_AUGMENT,
        /** {@link Augmentation#colorJitter()}. */
        COLOR_JITTER,
        /** {@link Augmentation#randomErase()}. */
        RANDOM_ERASE,
        /** {@link Optimisation#optimizer()}. */
        OPTIMIZER,
        /** {@link Optimisation#learningRate()}. */
        LEARNING_RATE,
        /** {@link Spark#shuffle()}. */
        SHUFFLE,
        /** {@link Spark#trainingMaster()}. */
        TRAINING_MASTER,
        /** {@link Spark#averagingFrequency()}. */
        AVERAGING_FREQUENCY,
        /** {@link Spark#sparkMaster()}. */
        SPARK_MASTER,
        /** {@link Optimisation#schedule()}. */
        SCHEDULE,
        /** {@link Optimisation#lrStepEpochs()}. */
        LR_STEP_EPOCHS,
        /** {@link Optimisation#lrGamma()}. */
        LR_GAMMA,
        /** {@link Optimisation#weightDecay()}. */
        WEIGHT_DECAY,
        /** {@link FineTune#pretrained()}. */
        PRETRAINED,
        /** {@link FineTune#freezeBackbone()}. */
        FREEZE_BACKBONE,
        /** {@link FineTune#freezeUntil()}. */
        FREEZE_UNTIL,
        /** {@link FineTune#backboneLrScale()}. */
        BACKBONE_LR_SCALE,
        /** {@link EarlyStop#patience()}. */
        EARLY_STOPPING_PATIENCE,
        /** {@link EarlyStop#monitor()}. */
        EARLY_STOPPING_MONITOR,
        /** {@link EarlyStop#minDelta()}. */
        EARLY_STOPPING_MIN_DELTA,
        /** {@link ReduceLr#patience()}. */
        REDUCE_LR_PATIENCE,
        /** {@link ReduceLr#factor()}. */
        REDUCE_LR_FACTOR,
        /** {@link ReduceLr#monitor()}. */
        REDUCE_LR_MONITOR,
        /** {@link ReduceLr#minDelta()}. */
        REDUCE_LR_MIN_DELTA,
        /** {@link ReduceLr#cooldown()}. */
        REDUCE_LR_COOLDOWN,
        /** {@link ReduceLr#minLr()}. */
        MIN_LR,
        /** {@link RecipeOptions#labelSmoothing()}. */
        LABEL_SMOOTHING,
        /** {@link RecipeOptions#mixupAlpha()}. */
        MIXUP_ALPHA,
        /** {@link RecipeOptions#cutmixAlpha()}. */
        CUTMIX_ALPHA,
        /** {@link Warmup#epochs()}. */
        LR_WARMUP_EPOCHS,
        /** {@link Warmup#decay()}. */
        LR_WARMUP_DECAY,
        /** {@link RecipeOptions#clipGradNorm()}. */
        CLIP_GRAD_NORM,
        /** {@link Ema#decay()}. */
        EMA_DECAY,
        /** {@link Ema#steps()}. */
        EMA_STEPS,
        /** {@link Ema#decayPerUpdate()}. */
        EMA_DECAY_PER_UPDATE,
        /** {@link Ema#bestCheckpointFrom()}. */
        BEST_CHECKPOINT_FROM,
        /** {@link RunSettings#recipeName()}. */
        RECIPE;

        /** @return the key as stored, e.g. {@code image_size} */
        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The data set.
     *
     * @param folder          {@code data}: the image folder's absolute path
     * @param generated       {@code data_generated}: whether {@code train} generated it (the built-in shapes)
     * @param perClass        {@code data_per_class}: images per class of a generated data set; absent in runs made
     *                        before it was stored, which generated 200
     * @param validationSplit {@code validation_split}: the validation fraction
     */
    public record Data(String folder, Boolean generated, Integer perClass, Double validationSplit) {
        /** Nothing stored. */
        public static final Data EMPTY = new Data(null, null, null, null);
    }

    /**
     * {@code train}'s augmentation; absent extras are off.
     *
     * @param policy      {@code augment}: {@code none}, {@code light} or {@code imagenet}
     * @param autoAugment {@code auto_augment}: {@code trivialaugment} or {@code randaugment}
     * @param colorJitter {@code color_jitter}: brightness, contrast, saturation, hue
     * @param randomErase {@code random_erase}: the erasing probability
     */
    public record Augmentation(String policy, String autoAugment, List<Double> colorJitter, Double randomErase) {
        /** Nothing stored. */
        public static final Augmentation EMPTY = new Augmentation(null, null, null, null);

        /** Copies the list; checks it holds four values. */
        public Augmentation {
            if (colorJitter != null) {
                colorJitter = List.copyOf(colorJitter);
                if (colorJitter.size() != 4) {
                    throw new IllegalArgumentException(Key.COLOR_JITTER.json()
                            + ": expected 4 numbers (brightness, contrast, saturation, hue), got " + colorJitter);
                }
            }
        }
    }

    /**
     * Optimiser and schedule.
     *
     * @param optimizer    {@code optimizer}: {@code adam} or {@code sgd} ({@code spark-train}: Adam, not stored)
     * @param learningRate {@code learning_rate}: the initial learning rate
     * @param schedule     {@code schedule}: {@code cosine}, {@code step} or {@code none}
     * @param lrStepEpochs {@code lr_step_epochs}: epochs per step of the step schedule
     * @param lrGamma      {@code lr_gamma}: factor per step of the step schedule
     * @param weightDecay  {@code weight_decay}: L2 on conv and fc weights
     */
    public record Optimisation(
            String optimizer,
            Double learningRate,
            String schedule,
            Integer lrStepEpochs,
            Double lrGamma,
            Double weightDecay) {
        /** Nothing stored. */
        public static final Optimisation EMPTY = new Optimisation(null, null, null, null, null, null);
    }

    /**
     * Fine-tuning from pretrained weights.
     *
     * @param pretrained      {@code pretrained}: the weights file's absolute path or the catalog entry's name
     * @param freezeBackbone  {@code freeze_backbone}: whether the whole backbone is frozen
     * @param freezeUntil     {@code freeze_until}: the last frozen stage, or {@code none}; absent in runs made before
     *                        it existed
     * @param backboneLrScale {@code backbone_lr_scale}: the backbone's learning rate over the classifier's; absent
     *                        (1) in runs made before it existed
     */
    public record FineTune(String pretrained, Boolean freezeBackbone, String freezeUntil, Double backboneLrScale) {
        /** Checks the weights are named. */
        public FineTune {
            if (pretrained == null) {
                throw new IllegalArgumentException(
                        Key.PRETRAINED.json() + ": missing (a fine-tuning run names its " + "pretrained weights)");
            }
        }
    }

    /**
     * Early stopping, as {@link EarlyStopping} takes it.
     *
     * @param patience {@code early_stopping_patience}
     * @param monitor  {@code early_stopping_monitor}: a {@link Monitor} key
     * @param minDelta {@code early_stopping_min_delta}
     */
    public record EarlyStop(int patience, String monitor, double minDelta) {
        /** @return the early stopping of these settings */
        public EarlyStopping toEarlyStopping() {
            return new EarlyStopping(Monitor.parse(monitor), patience, minDelta);
        }
    }

    /**
     * Learning-rate reduction on plateau, as {@link ReduceLrOnPlateau} takes it.
     *
     * @param patience {@code reduce_lr_patience}
     * @param factor   {@code reduce_lr_factor}
     * @param monitor  {@code reduce_lr_monitor}: a {@link Monitor} key
     * @param minDelta {@code reduce_lr_min_delta}
     * @param cooldown {@code reduce_lr_cooldown}
     * @param minLr    {@code min_lr}
     */
    public record ReduceLr(int patience, double factor, String monitor, double minDelta, int cooldown, double minLr) {
        /** @return the reduction of these settings */
        public ReduceLrOnPlateau toReduceLrOnPlateau() {
            return new ReduceLrOnPlateau(Monitor.parse(monitor), factor, patience, minDelta, cooldown, minLr);
        }
    }

    /**
     * Linear learning-rate warm-up.
     *
     * @param epochs {@code lr_warmup_epochs}
     * @param decay  {@code lr_warmup_decay}: the first warm-up epoch's fraction of the learning rate
     */
    public record Warmup(int epochs, double decay) {}

    /**
     * Moving average of the weights.
     *
     * @param decay              {@code ema_decay}: as given
     * @param steps              {@code ema_steps}: batches between updates
     * @param decayPerUpdate     {@code ema_decay_per_update}: the adjusted decay, fixed when the run started
     * @param bestCheckpointFrom {@code best_checkpoint_from}: {@code ema} when {@code best.zip} holds the average;
     *                           absent: the raw weights
     */
    public record Ema(double decay, int steps, double decayPerUpdate, String bestCheckpointFrom) {
        /** @return whether {@code best.zip} is chosen by, and holds, the average */
        public boolean bestFromEma() {
            return "ema".equals(bestCheckpointFrom);
        }
    }

    /**
     * torchvision's recipe options; absent ones are off.
     *
     * @param labelSmoothing {@code label_smoothing}
     * @param mixupAlpha     {@code mixup_alpha}
     * @param cutmixAlpha    {@code cutmix_alpha}
     * @param warmup         learning-rate warm-up, or null for none
     * @param clipGradNorm   {@code clip_grad_norm}: the global L2 norm the gradient is clipped to
     * @param ema            the moving average of the weights, or null for none
     */
    public record RecipeOptions(
            Double labelSmoothing, Double mixupAlpha, Double cutmixAlpha, Warmup warmup, Double clipGradNorm, Ema ema) {
        /** Nothing stored. */
        public static final RecipeOptions EMPTY = new RecipeOptions(null, null, null, null, null, null);

        /** @return the label smoothing, 0 when off */
        public double smoothing() {
            return labelSmoothing == null ? 0 : labelSmoothing;
        }

        /** @return mixup's alpha, 0 when off */
        public double mixup() {
            return mixupAlpha == null ? 0 : mixupAlpha;
        }

        /** @return cutmix's alpha, 0 when off */
        public double cutmix() {
            return cutmixAlpha == null ? 0 : cutmixAlpha;
        }

        /** @return the warm-up epochs, 0 without warm-up */
        public int warmupEpochs() {
            return warmup == null ? 0 : warmup.epochs();
        }
    }

    /**
     * {@code spark-train}'s settings.
     *
     * @param augment            {@code augment} (a boolean): crop and flip in training
     * @param shuffle            {@code shuffle}: shuffled epochs; absent in runs made before it was stored
     * @param trainingMaster     {@code training_master}
     * @param averagingFrequency {@code averaging_frequency}
     * @param sparkMaster        {@code spark_master}
     */
    public record Spark(
            Boolean augment, Boolean shuffle, String trainingMaster, Integer averagingFrequency, String sparkMaster) {
        /** Nothing stored. */
        public static final Spark EMPTY = new Spark(null, null, null, null, null);
    }

    /** Null groups are empty; copies {@code other}; refuses both kinds of {@code augment}. */
    public RunSettings {
        data = data == null ? Data.EMPTY : data;
        augmentation = augmentation == null ? Augmentation.EMPTY : augmentation;
        optimisation = optimisation == null ? Optimisation.EMPTY : optimisation;
        recipe = recipe == null ? RecipeOptions.EMPTY : recipe;
        spark = spark == null ? Spark.EMPTY : spark;
        other = other == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(other));
        if (augmentation.policy() != null && spark.augment() != null) {
            throw new IllegalArgumentException(Key.AUGMENT.json() + ": either train's policy (" + augmentation.policy()
                    + ") or spark-train's flag (" + spark.augment() + "), not both");
        }
    }

    /**
     * The settings as JSON-ready values: the known keys in the order the commands have always written them, then
     * {@link #other()} (a known key's value wins over an entry of the same name there).
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, Key.DATA, data.folder());
        put(m, Key.DATA_GENERATED, data.generated());
        put(m, Key.DATA_PER_CLASS, data.perClass());
        put(m, Key.MODEL, model);
        put(m, Key.IMAGE_SIZE, imageSize);
        put(m, Key.BATCH_SIZE, batchSize);
        put(m, Key.VALIDATION_SPLIT, data.validationSplit());
        put(m, Key.SEED, seed);
        put(m, Key.AUGMENT, augmentation.policy());
        put(m, Key.AUTO_AUGMENT, augmentation.autoAugment());
        put(m, Key.COLOR_JITTER, augmentation.colorJitter());
        put(m, Key.RANDOM_ERASE, augmentation.randomErase());
        put(m, Key.OPTIMIZER, optimisation.optimizer());
        put(m, Key.LEARNING_RATE, optimisation.learningRate());
        put(m, Key.AUGMENT, spark.augment());
        put(m, Key.SHUFFLE, spark.shuffle());
        put(m, Key.TRAINING_MASTER, spark.trainingMaster());
        put(m, Key.AVERAGING_FREQUENCY, spark.averagingFrequency());
        put(m, Key.SPARK_MASTER, spark.sparkMaster());
        put(m, Key.SCHEDULE, optimisation.schedule());
        put(m, Key.LR_STEP_EPOCHS, optimisation.lrStepEpochs());
        put(m, Key.LR_GAMMA, optimisation.lrGamma());
        put(m, Key.WEIGHT_DECAY, optimisation.weightDecay());
        if (fineTune != null) {
            put(m, Key.PRETRAINED, fineTune.pretrained());
            put(m, Key.FREEZE_BACKBONE, fineTune.freezeBackbone());
            put(m, Key.FREEZE_UNTIL, fineTune.freezeUntil());
            put(m, Key.BACKBONE_LR_SCALE, fineTune.backboneLrScale());
        }
        if (earlyStopping != null) {
            put(m, Key.EARLY_STOPPING_PATIENCE, earlyStopping.patience());
            put(m, Key.EARLY_STOPPING_MONITOR, earlyStopping.monitor());
            put(m, Key.EARLY_STOPPING_MIN_DELTA, earlyStopping.minDelta());
        }
        if (reduceLr != null) {
            put(m, Key.REDUCE_LR_PATIENCE, reduceLr.patience());
            put(m, Key.REDUCE_LR_FACTOR, reduceLr.factor());
            put(m, Key.REDUCE_LR_MONITOR, reduceLr.monitor());
            put(m, Key.REDUCE_LR_MIN_DELTA, reduceLr.minDelta());
            put(m, Key.REDUCE_LR_COOLDOWN, reduceLr.cooldown());
            put(m, Key.MIN_LR, reduceLr.minLr());
        }
        put(m, Key.LABEL_SMOOTHING, recipe.labelSmoothing());
        put(m, Key.MIXUP_ALPHA, recipe.mixupAlpha());
        put(m, Key.CUTMIX_ALPHA, recipe.cutmixAlpha());
        if (recipe.warmup() != null) {
            put(m, Key.LR_WARMUP_EPOCHS, recipe.warmup().epochs());
            put(m, Key.LR_WARMUP_DECAY, recipe.warmup().decay());
        }
        put(m, Key.CLIP_GRAD_NORM, recipe.clipGradNorm());
        if (recipe.ema() != null) {
            put(m, Key.EMA_DECAY, recipe.ema().decay());
            put(m, Key.EMA_STEPS, recipe.ema().steps());
            put(m, Key.EMA_DECAY_PER_UPDATE, recipe.ema().decayPerUpdate());
            put(m, Key.BEST_CHECKPOINT_FROM, recipe.ema().bestCheckpointFrom());
        }
        put(m, Key.RECIPE, recipeName);
        other.forEach(m::putIfAbsent);
        return m;
    }

    private static void put(Map<String, Object> m, Key key, Object value) {
        if (value != null) {
            m.put(key.json(), value);
        }
    }

    /**
     * The settings {@link #toMap()} (or any release of the commands) wrote; a key with a JSON {@code null} value
     * counts as absent and is kept in {@link #other()}.
     *
     * @param map the {@code training} part of a model card
     * @return the settings
     * @throws IllegalArgumentException naming the key, when a value has the wrong type or a group lacks a key
     */
    public static RunSettings fromMap(Map<?, ?> map) {
        RunSettingsReader r = new RunSettingsReader(map);
        Data data = new Data(
                r.string(Key.DATA),
                r.bool(Key.DATA_GENERATED),
                r.integer(Key.DATA_PER_CLASS),
                r.number(Key.VALIDATION_SPLIT));
        String model = r.string(Key.MODEL);
        Integer imageSize = r.integer(Key.IMAGE_SIZE);
        Integer batchSize = r.integer(Key.BATCH_SIZE);
        Long seed = r.longInteger(Key.SEED);
        Object augment = r.take(Key.AUGMENT);
        if (augment != null && !(augment instanceof String) && !(augment instanceof Boolean)) {
            throw r.wrongType(
                    Key.AUGMENT, augment, "a string (train's none, light or imagenet) or a boolean (spark-train's)");
        }
        Augmentation augmentation = new Augmentation(
                augment instanceof String s ? s : null,
                r.string(Key.AUTO_AUGMENT),
                r.numbers(Key.COLOR_JITTER, 4),
                r.number(Key.RANDOM_ERASE));
        Optimisation optimisation = new Optimisation(
                r.string(Key.OPTIMIZER),
                r.number(Key.LEARNING_RATE),
                r.string(Key.SCHEDULE),
                r.integer(Key.LR_STEP_EPOCHS),
                r.number(Key.LR_GAMMA),
                r.number(Key.WEIGHT_DECAY));
        FineTune fineTune = r.any(Key.PRETRAINED, Key.FREEZE_BACKBONE, Key.FREEZE_UNTIL, Key.BACKBONE_LR_SCALE)
                ? new FineTune(
                        r.required(r.string(Key.PRETRAINED), Key.PRETRAINED, "fine-tuning"),
                        r.bool(Key.FREEZE_BACKBONE),
                        r.string(Key.FREEZE_UNTIL),
                        r.number(Key.BACKBONE_LR_SCALE))
                : null;
        String stopping = "early-stopping";
        EarlyStop earlyStop = r.any(
                        Key.EARLY_STOPPING_PATIENCE, Key.EARLY_STOPPING_MONITOR, Key.EARLY_STOPPING_MIN_DELTA)
                ? new EarlyStop(
                        r.required(r.integer(Key.EARLY_STOPPING_PATIENCE), Key.EARLY_STOPPING_PATIENCE, stopping),
                        r.required(r.string(Key.EARLY_STOPPING_MONITOR), Key.EARLY_STOPPING_MONITOR, stopping),
                        r.required(r.number(Key.EARLY_STOPPING_MIN_DELTA), Key.EARLY_STOPPING_MIN_DELTA, stopping))
                : null;
        String plateau = "learning-rate reduction";
        ReduceLr reduceLr = r.any(
                        Key.REDUCE_LR_PATIENCE,
                        Key.REDUCE_LR_FACTOR,
                        Key.REDUCE_LR_MONITOR,
                        Key.REDUCE_LR_MIN_DELTA,
                        Key.REDUCE_LR_COOLDOWN,
                        Key.MIN_LR)
                ? new ReduceLr(
                        r.required(r.integer(Key.REDUCE_LR_PATIENCE), Key.REDUCE_LR_PATIENCE, plateau),
                        r.required(r.number(Key.REDUCE_LR_FACTOR), Key.REDUCE_LR_FACTOR, plateau),
                        r.required(r.string(Key.REDUCE_LR_MONITOR), Key.REDUCE_LR_MONITOR, plateau),
                        r.required(r.number(Key.REDUCE_LR_MIN_DELTA), Key.REDUCE_LR_MIN_DELTA, plateau),
                        r.required(r.integer(Key.REDUCE_LR_COOLDOWN), Key.REDUCE_LR_COOLDOWN, plateau),
                        r.required(r.number(Key.MIN_LR), Key.MIN_LR, plateau))
                : null;
        Double labelSmoothing = r.number(Key.LABEL_SMOOTHING);
        Double mixup = r.number(Key.MIXUP_ALPHA);
        Double cutmix = r.number(Key.CUTMIX_ALPHA);
        Warmup warmup = r.any(Key.LR_WARMUP_EPOCHS, Key.LR_WARMUP_DECAY)
                ? new Warmup(
                        r.required(r.integer(Key.LR_WARMUP_EPOCHS), Key.LR_WARMUP_EPOCHS, "warm-up"),
                        r.required(r.number(Key.LR_WARMUP_DECAY), Key.LR_WARMUP_DECAY, "warm-up"))
                : null;
        Double clip = r.number(Key.CLIP_GRAD_NORM);
        Ema ema = r.any(Key.EMA_DECAY, Key.EMA_STEPS, Key.EMA_DECAY_PER_UPDATE, Key.BEST_CHECKPOINT_FROM)
                ? new Ema(
                        r.required(r.number(Key.EMA_DECAY), Key.EMA_DECAY, "moving average"),
                        r.required(r.integer(Key.EMA_STEPS), Key.EMA_STEPS, "moving average"),
                        r.required(r.number(Key.EMA_DECAY_PER_UPDATE), Key.EMA_DECAY_PER_UPDATE, "moving average"),
                        r.string(Key.BEST_CHECKPOINT_FROM))
                : null;
        String recipeName = r.string(Key.RECIPE);
        Spark spark = new Spark(
                augment instanceof Boolean b ? b : null,
                r.bool(Key.SHUFFLE),
                r.string(Key.TRAINING_MASTER),
                r.integer(Key.AVERAGING_FREQUENCY),
                r.string(Key.SPARK_MASTER));
        return new RunSettings(
                data,
                model,
                imageSize,
                batchSize,
                seed,
                augmentation,
                optimisation,
                fineTune,
                earlyStop,
                reduceLr,
                new RecipeOptions(labelSmoothing, mixup, cutmix, warmup, clip, ema),
                recipeName,
                spark,
                r.rest());
    }
}
