package org.resnext4j.ui;

import java.util.Objects;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A learning-rate schedule multiplied by a constant: {@code valueAt(i, e) = scale * base.valueAt(i, e)}. This is
 * how {@link ReduceLrOnPlateau} lowers the rate of a network whose updater follows a schedule (step, cosine as a
 * map, ...) without replacing that schedule; a fixed rate is wrapped as a {@link FixedSchedule}.
 *
 * <p>Serialised in the model configuration JSON (ND4J's {@code ISchedule} carries its class name), so checkpoints
 * keep it: the class name and the property names {@code base} and {@code scale} are part of the checkpoint format.
 */
public final class ScaledSchedule implements ISchedule {

    private static final long serialVersionUID = 1L;

    @JsonProperty("base")
    private final ISchedule base;

    @JsonProperty("scale")
    private final double scale;

    /**
     * @param base  the schedule to scale
     * @param scale the multiplier, positive
     */
    @JsonCreator
    public ScaledSchedule(@JsonProperty("base") ISchedule base, @JsonProperty("scale") double scale) {
        this.base = Objects.requireNonNull(base, "base");
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("ScaledSchedule scale must be a finite number > 0, got " + scale);
        }
        this.scale = scale;
    }

    /**
     * Scales a schedule, folding an existing scale into the new one rather than nesting.
     *
     * @param schedule a schedule, possibly a {@code ScaledSchedule} already
     * @param factor   the multiplier to add
     * @return the scaled schedule
     */
    public static ScaledSchedule of(ISchedule schedule, double factor) {
        if (schedule instanceof ScaledSchedule s) {
            return new ScaledSchedule(s.base, s.scale * factor);
        }
        return new ScaledSchedule(schedule, factor);
    }

    /** @return the unscaled schedule */
    public ISchedule base() {
        return base;
    }

    /** @return the multiplier */
    public double scale() {
        return scale;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return scale * base.valueAt(iteration, epoch);
    }

    @Override
    public ISchedule clone() {
        return new ScaledSchedule(base.clone(), scale);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScaledSchedule s && s.scale == scale && s.base.equals(base);
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, scale);
    }

    @Override
    public String toString() {
        return "ScaledSchedule(" + scale + " x " + base + ")";
    }
}
