package org.resnext4j.ui;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An exponential moving average of a network's weights, as torchvision's reference scripts keep it
 * ({@code utils.ExponentialMovingAverage}, an {@code AveragedModel} with {@code use_buffers=True}): after the update
 * of every {@code steps}-th batch of an epoch (batch index {@code i % steps == 0}, from 0),
 * {@code ema = decay * ema + (1 - decay) * weights}, the first update copying the weights; during the learning-rate
 * warm-up epochs the average is reset after each update, so it keeps copying the weights until warm-up ends.
 *
 * <p>The average covers DL4J's whole parameter vector ({@code model.params()}), which holds the batch-norm running
 * statistics too (torchvision's {@code use_buffers=True}). Our batch norms keep {@code log10} of the running standard
 * deviation rather than the variance, so theirs is averaged in that form: a deviation from torchvision that the
 * small per-update change makes negligible.
 *
 * <p>The decay per update is torchvision's adjusted one ({@link #adjustedDecay}), which keeps the averaging horizon
 * independent of the batch size, the update interval and the number of epochs. The state (the average and the count
 * of updates since the last reset) is saved with every checkpoint of a {@link TrainingRun}, so a resumed run's
 * average is the uninterrupted run's.
 */
public final class ModelEma {

    /** torchvision's {@code --model-ema-decay} of its recipe. */
    public static final double DEFAULT_DECAY = 0.99998;
    /** torchvision's {@code --model-ema-steps}: batches between updates. */
    public static final int DEFAULT_STEPS = 32;

    private final double decay;
    private final int steps;
    private final int warmupEpochs;
    private INDArray average;
    private long updates;

    /**
     * @param decay        the decay applied per update, in [0, 1) (already adjusted: {@link #adjustedDecay})
     * @param steps        batches between updates, at least 1
     * @param warmupEpochs epochs of learning-rate warm-up, during which the average is reset after every update
     * @throws IllegalArgumentException when a value is out of range
     */
    public ModelEma(double decay, int steps, int warmupEpochs) {
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("EMA decay: expected a number in [0, 1), got " + decay);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("EMA steps: expected an integer >= 1, got " + steps);
        }
        if (warmupEpochs < 0) {
            throw new IllegalArgumentException("EMA warm-up epochs: expected an integer >= 0, got " + warmupEpochs);
        }
        this.decay = decay;
        this.steps = steps;
        this.warmupEpochs = warmupEpochs;
    }

    /**
     * torchvision's decay adjustment ({@code train.py}, after pycls): {@code adjust = world_size * batch_size * steps
     * / epochs}, {@code alpha = min(1, (1 - decay) * adjust)}, decay used {@code 1 - alpha}.
     *
     * @param decay     the nominal decay ({@code --model-ema-decay})
     * @param batchSize the batch size per worker
     * @param steps     batches between updates
     * @param epochs    planned epochs
     * @param workers   number of data-parallel workers (torchvision's world size; 1 on one machine)
     * @return the decay per update
     */
    public static double adjustedDecay(double decay, int batchSize, int steps, int epochs, int workers) {
        double adjust = (double) workers * batchSize * steps / epochs;
        double alpha = Math.min(1.0, (1.0 - decay) * adjust);
        return 1.0 - alpha;
    }

    /** @return the decay per update */
    public double decay() {
        return decay;
    }

    /** @return batches between updates */
    public int steps() {
        return steps;
    }

    /** @return the warm-up epochs */
    public int warmupEpochs() {
        return warmupEpochs;
    }

    /**
     * Called after the parameter update of a batch.
     *
     * @param weights the network's parameters after the update
     * @param epoch   the epoch, from 0
     * @param batch   the batch index within the epoch, from 0
     * @return whether the average was updated
     */
    public boolean afterBatch(INDArray weights, int epoch, int batch) {
        if (batch % steps != 0) {
            return false;
        }
        update(weights);
        if (epoch < warmupEpochs) {
            updates = 0;
        }
        return true;
    }

    /**
     * One update: {@code ema = decay * ema + (1 - decay) * weights}, or a copy of the weights when the average is
     * empty or was reset ({@code AveragedModel.update_parameters}).
     *
     * @param weights the network's parameters
     */
    public void update(INDArray weights) {
        if (average == null || updates == 0) {
            average = weights.dup();
        } else {
            average.muli(decay).addi(weights.mul(1.0 - decay));
        }
        updates++;
    }

    /** @return the averaged parameters (a live array), or {@code null} before the first update */
    public INDArray average() {
        return average;
    }

    /** @return updates since the average was last reset ({@code n_averaged}) */
    public long updates() {
        return updates;
    }

    /**
     * Restores a saved state.
     *
     * @param average the averaged parameters (copied)
     * @param updates the count of updates since the last reset
     */
    public void restore(INDArray average, long updates) {
        this.average = average == null ? null : average.dup();
        this.updates = updates;
    }
}
