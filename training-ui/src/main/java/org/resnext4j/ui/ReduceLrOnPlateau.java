package org.resnext4j.ui;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Multiply the learning rate by {@code factor} when a monitored quantity has stopped improving: Keras's
 * {@code ReduceLROnPlateau(monitor, factor, patience, min_delta, cooldown, min_lr)}, with the same rule. After each
 * epoch: during a cooldown the wait count stays 0; an improvement (beyond {@code minDelta}) resets it; otherwise,
 * outside a cooldown, it grows, and when it reaches {@code patience} the rate becomes
 * {@code max(rate * factor, minLr)}, the wait restarts and {@code cooldown} epochs follow.
 *
 * <p>In DL4J the rate lives in each layer's updater configuration, possibly as a schedule. The reduction wraps that
 * schedule (or fixed rate) in a {@link ScaledSchedule} with the accumulated factor, set on the network with
 * {@code setLearningRate(ISchedule)}, which keeps the updater state (Adam's moments, momentum). The schedule is part
 * of the model configuration, so checkpoints carry it; the wait and cooldown counts are stored in the checkpoint
 * metadata, so a resumed run reduces the rate where the uninterrupted one would.
 *
 * @param monitor  the watched quantity (Keras's default: {@link Monitor#VAL_LOSS})
 * @param factor   multiplier in (0, 1) (Keras's default 0.1)
 * @param patience epochs without improvement before a reduction, at least 1 (Keras's default 10)
 * @param minDelta smallest change that counts as an improvement, at least 0 (Keras's default 1e-4)
 * @param cooldown epochs after a reduction during which no new wait is counted, at least 0
 * @param minLr    lower bound of the rate, at least 0
 */
public record ReduceLrOnPlateau(
        Monitor monitor, double factor, int patience, double minDelta, int cooldown, double minLr) {

    /** Validates the values. */
    public ReduceLrOnPlateau {
        if (monitor == null) {
            throw new IllegalArgumentException("Reduce-LR-on-plateau needs a monitor (val_loss, val_acc, ...)");
        }
        if (!(factor > 0 && factor < 1)) {
            throw new IllegalArgumentException("Reduce-LR-on-plateau factor must be in (0, 1), got " + factor);
        }
        if (patience < 1) {
            throw new IllegalArgumentException("Reduce-LR-on-plateau patience must be >= 1 epoch, got " + patience);
        }
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
            throw new IllegalArgumentException(
                    "Reduce-LR-on-plateau min delta must be a finite number >= 0, got " + minDelta);
        }
        if (cooldown < 0) {
            throw new IllegalArgumentException("Reduce-LR-on-plateau cooldown must be >= 0 epochs, got " + cooldown);
        }
        if (!(minLr >= 0) || Double.isInfinite(minLr)) {
            throw new IllegalArgumentException(
                    "Reduce-LR-on-plateau min learning rate must be a finite number >= 0, " + "got " + minLr);
        }
    }

    /**
     * @param factor   multiplier in (0, 1)
     * @param patience epochs without improvement of the validation loss before a reduction
     * @return a reduction on {@code val_loss} with Keras's other defaults ({@code minDelta} 1e-4, no cooldown,
     *         no lower bound)
     */
    public static ReduceLrOnPlateau onValidationLoss(double factor, int patience) {
        return new ReduceLrOnPlateau(Monitor.VAL_LOSS, factor, patience, 1e-4, 0, 0);
    }

    /**
     * Multiplies the learning rate of every layer whose updater has one by {@code multiplier}, keeping each
     * layer's schedule under a {@link ScaledSchedule} (one network-wide call when all layers share a schedule, as
     * networks built with one updater do).
     *
     * @return the number of layers changed
     */
    static int scale(Network net, double multiplier) {
        List<Layer> layers = net.layers();
        List<ISchedule> bases = new ArrayList<>();
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).conf().getLayer() instanceof BaseLayer bl
                    && bl.getIUpdater() != null
                    && bl.getIUpdater().hasLearningRate()) {
                bases.add(scheduleOf(bl.getIUpdater()));
                indices.add(i);
            }
        }
        if (bases.isEmpty()) {
            return 0;
        }
        if (bases.stream().distinct().count() == 1) {
            net.setLearningRate(ScaledSchedule.of(bases.get(0), multiplier));
        } else {
            for (int k = 0; k < indices.size(); k++) {
                net.setLearningRate(indices.get(k), ScaledSchedule.of(bases.get(k), multiplier));
            }
        }
        return indices.size();
    }

    /**
     * The updater's rate schedule, or its fixed rate as a {@link FixedSchedule}. M2.1's {@code IUpdater} has no
     * getter for the schedule; every DL4J updater with a rate (Adam, Nesterovs, Sgd, RmsProp, ...) exposes one as
     * the bean property {@code learningRateSchedule}, read here by name.
     */
    static ISchedule scheduleOf(IUpdater u) {
        try {
            Object s = u.getClass().getMethod("getLearningRateSchedule").invoke(u);
            if (s instanceof ISchedule schedule) {
                return schedule;
            }
        } catch (NoSuchMethodException e) {
            // an updater without a schedule property: its fixed rate below
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("Cannot read the learning-rate schedule of updater " + u + ": " + e, e);
        }
        return new FixedSchedule(u.getLearningRate(0, 0));
    }
}
