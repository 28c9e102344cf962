package org.resnext4j.examples;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;
import org.resnext4j.ui.RunSettings;
import org.resnext4j.zoo.ResNeXt;
import picocli.CommandLine.Option;

/**
 * {@code train}'s optimiser and learning-rate schedule, validated into the run's {@link RunSettings.Optimisation}, and
 * the updater a new run gets from it ({@link #updater}).
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
final class OptimizerMixin {

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

    /**
     * The run's optimisation settings, with the optimiser's defaults where an option is left out; the step
     * schedule's two values are stored with the step schedule only.
     *
     * @param epochs planned epochs ({@code --lr-step} defaults to a third of them)
     * @throws IllegalArgumentException naming the option of a value out of range
     */
    RunSettings.Optimisation settings(int epochs) {
        boolean sgd = optimizer == Optimizer.sgd;
        double rate = lr != null ? lr : sgd ? 0.1 : 1e-3;
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("--lr: expected a number > 0, got " + rate);
        }
        int step = TrainCommand.atLeast("--lr-step", lrStep != null ? lrStep : Math.max(1, epochs / 3), 1);
        if (!(lrGamma > 0 && lrGamma < 1)) {
            throw new IllegalArgumentException(
                    "--lr-gamma: expected a number between 0 and 1 (exclusive), got " + lrGamma);
        }
        double decay = weightDecay != null ? weightDecay : sgd ? 1e-4 : 0;
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("--weight-decay: expected a number in [0, 1), got " + decay);
        }
        boolean stepped = schedule == Schedule.step;
        return new RunSettings.Optimisation(
                optimizer.name(), rate, schedule.name(), stepped ? step : null, stepped ? lrGamma : null, decay);
    }

    /**
     * The updater of a new run: Adam or Nesterov momentum 0.9 at the run's rate, under its schedule (spanning the
     * epochs after the warm-up) with the warm-up before it.
     *
     * @param s      the run's settings
     * @param epochs planned epochs
     */
    static IUpdater updater(RunSettings s, int epochs) {
        RunSettings.Optimisation o = s.optimisation();
        double rate = o.learningRate();
        ISchedule lrSchedule = RecipeMixin.withWarmup(
                schedule(
                        o.schedule(),
                        rate,
                        epochs - s.recipe().warmupEpochs(),
                        o.lrStepEpochs() == null ? 0 : o.lrStepEpochs(),
                        o.lrGamma() == null ? 0 : o.lrGamma()),
                rate,
                s);
        return Optimizer.sgd.name().equals(o.optimizer())
                ? (lrSchedule == null ? new Nesterovs(rate, 0.9) : new Nesterovs(lrSchedule, 0.9))
                : (lrSchedule == null ? new Adam(rate) : new Adam(lrSchedule));
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
}
