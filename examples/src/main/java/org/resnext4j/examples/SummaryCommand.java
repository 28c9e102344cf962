package org.resnext4j.examples;

import java.util.concurrent.Callable;
import org.resnext4j.zoo.ModelSummary;
import org.resnext4j.zoo.ResNeXtSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code summary <preset> [--size N] [--classes K]}: the model summary of a preset at an input size. */
@Command(
        name = "summary",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "The layer-by-layer summary of a preset (output shapes, parameters, totals as torchvision "
                + "counts them).")
final class SummaryCommand implements Callable<Integer> {

    @Parameters(
            index = "0",
            paramLabel = "PRESET",
            completionCandidates = Presets.class,
            description = "one of ${COMPLETION-CANDIDATES}")
    String preset;

    @Option(
            names = "--size",
            paramLabel = "N",
            defaultValue = "224",
            description = "input side in pixels (default ${DEFAULT-VALUE})")
    int size;

    @Option(
            names = "--classes",
            paramLabel = "K",
            defaultValue = "1000",
            description = "classifier outputs (default ${DEFAULT-VALUE})")
    int classes;

    /** The preset names, for the help and completion. */
    static final class Presets implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ResNeXtSpec.presetNames().iterator();
        }
    }

    @Override
    public Integer call() {
        TrainCommand.atLeast("--size", size, 1);
        TrainCommand.atLeast("--classes", classes, 1);
        ResNeXtSpec spec = ResNeXtSpec.preset(preset).toBuilder()
                .inputShape(3, size, size)
                .numClasses(classes)
                .build();
        System.out.print(ModelSummary.of(spec));
        return 0;
    }
}
