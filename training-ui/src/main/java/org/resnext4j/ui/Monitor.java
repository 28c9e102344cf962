package org.resnext4j.ui;

import java.util.Locale;

/**
 * A per-epoch quantity that early stopping, learning-rate reduction and the best checkpoint watch, named as
 * Keras callbacks name them ({@code monitor="val_loss"}), with the direction in which it improves (Keras's
 * {@code mode="auto"}: accuracies are maximised, losses minimised).
 */
public enum Monitor {
    /** Validation loss after the epoch; lower is better. */
    VAL_LOSS("val_loss", false),
    /** Validation accuracy after the epoch; higher is better. */
    VAL_ACCURACY("val_acc", true),
    /** Mean training loss of the epoch; lower is better. */
    TRAIN_LOSS("train_loss", false),
    /** Accumulated training accuracy of the epoch; higher is better. */
    TRAIN_ACCURACY("train_acc", true);

    private final String key;
    private final boolean maximise;

    Monitor(String key, boolean maximise) {
        this.key = key;
        this.maximise = maximise;
    }

    /** @return the Keras / metrics.csv name, e.g. {@code val_loss} */
    public String key() {
        return key;
    }

    /** @return whether larger values are better */
    public boolean maximise() {
        return maximise;
    }

    /**
     * @param m an epoch's metrics
     * @return this quantity's value in them (NaN when it was not measured)
     */
    public double of(EpochMetrics m) {
        return switch (this) {
            case VAL_LOSS -> m.valLoss();
            case VAL_ACCURACY -> m.valAccuracy();
            case TRAIN_LOSS -> m.trainLoss();
            case TRAIN_ACCURACY -> m.trainAccuracy();
        };
    }

    /**
     * Parses a Keras-style name.
     *
     * @param name {@code val_loss}, {@code val_acc} (or {@code val_accuracy}), {@code train_loss} ({@code loss}),
     *             {@code train_acc} ({@code acc}, {@code accuracy})
     * @return the monitor
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Monitor parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "val_loss" -> VAL_LOSS;
            case "val_acc", "val_accuracy" -> VAL_ACCURACY;
            case "train_loss", "loss" -> TRAIN_LOSS;
            case "train_acc", "acc", "accuracy", "train_accuracy" -> TRAIN_ACCURACY;
            default ->
                throw new IllegalArgumentException(
                        "Unknown monitor \"" + name + "\": expected val_loss, val_acc, train_loss or train_acc");
        };
    }
}
