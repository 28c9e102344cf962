package org.resnext4j.examples;

import org.resnext4j.zoo.ModelSummary;
import org.resnext4j.zoo.ResNeXtSpec;

/** {@code summary <preset> [--size N] [--classes K]}: the model summary of a preset at an input size. */
final class SummaryCommand implements Cli.Command {

    @Override
    public String usage() {
        return "summary <preset> [--size N] [--classes K]   presets: " + ResNeXtSpec.presetNames();
    }

    @Override
    public void run(String[] args) {
        Args a = Args.parse(args);
        String preset = a.positional(0, "preset");
        int size = a.intOption("--size", 224);
        int classes = a.intOption("--classes", 1000);
        a.requireAllUsed();
        ResNeXtSpec spec = ResNeXtSpec.preset(preset).toBuilder().inputShape(3, size, size).numClasses(classes).build();
        System.out.print(ModelSummary.of(spec));
    }
}
