package org.resnext4j.ui;

import java.util.Objects;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Linear learning-rate warm-up before another schedule, per epoch, as torchvision's reference scripts compose them
 * ({@code SequentialLR([LinearLR(start_factor=decay, total_iters=W), main], milestones=[W])}): for epochs
 * {@code e < W} the rate is {@code base(0) * (decay + (1 - decay) * e / W)}; from epoch {@code W} on it is the main
 * schedule started afresh, {@code base(e - W)}. With W = 5 and decay 0.01 the first five epochs run at 1%, 20.8%,
 * 40.6%, 60.4% and 80.2% of the initial rate. The main schedule is evaluated at the shifted epoch and the unchanged
 * iteration, so it should be an epoch schedule (the CLI's step and cosine are); a cosine over the run then spans
 * {@code epochs - W} epochs, as torchvision's {@code CosineAnnealingLR(T_max=epochs - warmup)}.
 *
 * <p>Serialised in the model configuration JSON (ND4J's {@code ISchedule} carries its class name), so checkpoints
 * keep it and a resumed run continues the warm-up where it stopped: the class name and the property names
 * {@code base}, {@code warmupEpochs} and {@code startFactor} are part of the checkpoint format.
 */
public final class WarmupSchedule implements ISchedule {

    private static final long serialVersionUID = 1L;

    @JsonProperty("base")
    private final ISchedule base;

    @JsonProperty("warmupEpochs")
    private final int warmupEpochs;

    @JsonProperty("startFactor")
    private final double startFactor;

    /**
     * @param base         the main schedule, started at epoch {@code warmupEpochs}
     * @param warmupEpochs W, at least 1
     * @param startFactor  the factor of the first epoch ({@code --lr-warmup-decay}), in (0, 1]
     * @throws IllegalArgumentException when a value is out of range
     */
    @JsonCreator
    public WarmupSchedule(
            @JsonProperty("base") ISchedule base,
            @JsonProperty("warmupEpochs") int warmupEpochs,
            @JsonProperty("startFactor") double startFactor) {
        this.base = Objects.requireNonNull(base, "base");
        if (warmupEpochs < 1) {
            throw new IllegalArgumentException("warm-up epochs: expected an integer >= 1, got " + warmupEpochs);
        }
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException(
                    "warm-up start factor (decay): expected a number in (0, 1], got " + startFactor);
        }
        this.warmupEpochs = warmupEpochs;
        this.startFactor = startFactor;
    }

    /** @return the main schedule */
    public ISchedule base() {
        return base;
    }

    /** @return W */
    public int warmupEpochs() {
        return warmupEpochs;
    }

    /** @return the factor of the first epoch */
    public double startFactor() {
        return startFactor;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        if (epoch < warmupEpochs) {
            return base.valueAt(iteration, 0) * (startFactor + (1 - startFactor) * epoch / warmupEpochs);
        }
        return base.valueAt(iteration, epoch - warmupEpochs);
    }

    @Override
    public ISchedule clone() {
        return new WarmupSchedule(base.clone(), warmupEpochs, startFactor);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WarmupSchedule w
                && w.warmupEpochs == warmupEpochs
                && w.startFactor == startFactor
                && w.base.equals(base);
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, warmupEpochs, startFactor);
    }

    @Override
    public String toString() {
        return "WarmupSchedule(" + warmupEpochs + " epochs from " + startFactor + ", then " + base + ")";
    }
}
