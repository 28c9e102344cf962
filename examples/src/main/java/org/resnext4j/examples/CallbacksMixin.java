package org.resnext4j.examples;

import java.util.Arrays;
import java.util.Iterator;
import org.resnext4j.ui.Monitor;
import org.resnext4j.ui.RunSettings;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code train}'s early stopping and learning-rate reduction on plateau (Keras's callbacks, Keras's defaults where an
 * option is left out), validated into the run's settings, which checkpoints store so that {@code --resume} continues
 * with the same rules.
 */
final class CallbacksMixin {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(
            names = "--early-stopping",
            paramLabel = "PATIENCE",
            description = "stop after this many epochs without improvement of the monitored value")
    Integer earlyStopping;

    @Option(
            names = "--early-stopping-monitor",
            paramLabel = "M",
            completionCandidates = MonitorNames.class,
            description = "${COMPLETION-CANDIDATES} (default val_loss)")
    String earlyStoppingMonitor;

    @Option(
            names = "--early-stopping-min-delta",
            paramLabel = "D",
            description = "smallest change that counts as improvement (default 0)")
    Double earlyStoppingMinDelta;

    @Option(
            names = "--reduce-lr",
            paramLabel = "PATIENCE",
            description = "multiply the learning rate by --reduce-lr-factor after this many epochs without improvement")
    Integer reduceLr;

    @Option(names = "--reduce-lr-factor", paramLabel = "F", description = "(default 0.1)")
    Double reduceLrFactor;

    @Option(
            names = "--reduce-lr-monitor",
            paramLabel = "M",
            completionCandidates = MonitorNames.class,
            description = "${COMPLETION-CANDIDATES} (default val_loss)")
    String reduceLrMonitor;

    @Option(names = "--reduce-lr-min-delta", paramLabel = "D", description = "(default 1e-4)")
    Double reduceLrMinDelta;

    @Option(
            names = "--reduce-lr-cooldown",
            paramLabel = "N",
            description = "epochs to wait after a reduction " + "(default 0)")
    Integer reduceLrCooldown;

    @Option(names = "--min-lr", paramLabel = "X", description = "lower bound of the reduced rate (default 0)")
    Double minLr;

    /** The monitored values for the help and completion. */
    static final class MonitorNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Monitor.values()).map(Monitor::key).iterator();
        }
    }

    /**
     * @return the early stopping, or null without {@code --early-stopping}
     * @throws IllegalArgumentException naming the option of a bad value, or one given without {@code --early-stopping}
     */
    RunSettings.EarlyStop earlyStopSettings() {
        if (earlyStopping == null) {
            requireAbsent("--early-stopping", "--early-stopping-monitor", "--early-stopping-min-delta");
            return null;
        }
        return new RunSettings.EarlyStop(
                TrainCommand.atLeast("--early-stopping", earlyStopping, 1),
                monitor("--early-stopping-monitor", earlyStoppingMonitor).key(),
                nonNegative("--early-stopping-min-delta", earlyStoppingMinDelta, 0));
    }

    /**
     * @return the learning-rate reduction, or null without {@code --reduce-lr}
     * @throws IllegalArgumentException naming the option of a bad value, or one given without {@code --reduce-lr}
     */
    RunSettings.ReduceLr reduceLrSettings() {
        if (reduceLr == null) {
            requireAbsent(
                    "--reduce-lr",
                    "--reduce-lr-factor",
                    "--reduce-lr-monitor",
                    "--reduce-lr-min-delta",
                    "--reduce-lr-cooldown",
                    "--min-lr");
            return null;
        }
        int patience = TrainCommand.atLeast("--reduce-lr", reduceLr, 1);
        double factor = reduceLrFactor == null ? 0.1 : reduceLrFactor;
        if (!(factor > 0 && factor < 1)) {
            throw new IllegalArgumentException(
                    "--reduce-lr-factor: expected a number between 0 and 1 " + "(exclusive), got " + factor);
        }
        return new RunSettings.ReduceLr(
                patience,
                factor,
                monitor("--reduce-lr-monitor", reduceLrMonitor).key(),
                nonNegative("--reduce-lr-min-delta", reduceLrMinDelta, 1e-4),
                TrainCommand.atLeast("--reduce-lr-cooldown", reduceLrCooldown == null ? 0 : reduceLrCooldown, 0),
                nonNegative("--min-lr", minLr, 0));
    }

    private static Monitor monitor(String option, String value) {
        try {
            return Monitor.parse(value == null ? Monitor.VAL_LOSS.key() : value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    private static double nonNegative(String option, Double value, double dflt) {
        double v = value == null ? dflt : value;
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(option + ": expected a finite number >= 0, got " + v);
        }
        return v;
    }

    private void requireAbsent(String main, String... dependents) {
        for (String d : dependents) {
            if (command.commandLine().getParseResult().hasMatchedOption(d)) {
                throw new IllegalArgumentException(d + " needs " + main + " PATIENCE");
            }
        }
    }
}
