package org.resnext4j.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.resnext4j.ui.SavedModel;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * The CLI's model names: the zoo presets plus {@value #TINY}, and loading a saved ResNeXt for the commands (what is
 * stored with a model is the library's {@link org.resnext4j.ui.ModelCard}, read by {@link SavedModel}).
 */
final class Models {

    /** A small custom spec for 2-core machines and tests: {@link ResNeXtSpec#tiny()}. */
    static final String TINY = "tiny";

    private Models() {}

    /** The names {@code --model} accepts. */
    static List<String> names() {
        List<String> names = new ArrayList<>(ResNeXtSpec.presetNames());
        names.add(TINY);
        return names;
    }

    /**
     * The spec for a {@code --model} name with a number of classes and a square input size.
     *
     * @throws IllegalArgumentException naming an unknown model and listing the known ones
     */
    static ResNeXtSpec spec(String model, int numClasses, int size) {
        ResNeXtSpec base;
        if (TINY.equals(model)) {
            base = ResNeXtSpec.tiny();
        } else if (ResNeXtSpec.presetNames().contains(model)) {
            base = ResNeXtSpec.preset(model);
        } else {
            throw new IllegalArgumentException("--model: unknown model \"" + model + "\", expected one of " + names());
        }
        return base.toBuilder().numClasses(numClasses).inputShape(3, size, size).build();
    }

    /**
     * Loads a checkpoint or imported model whose network is a ResNeXt/ResNet graph.
     *
     * @throws org.resnext4j.ui.CheckpointException naming the file when it is missing, truncated or not a model
     * @throws IllegalArgumentException             when it holds another kind of network
     */
    static SavedModel load(Path file) {
        SavedModel m = SavedModel.load(file);
        if (m.graph().getVertex(org.resnext4j.zoo.TorchNames.FC) == null) {
            throw new IllegalArgumentException(
                    file + ": expected a ResNeXt/ResNet ComputationGraph with an \"fc\" " + "layer");
        }
        return m;
    }

    /**
     * A loaded model as evaluate and predict run it: with its preprocessing (stored, or given by
     * {@code --preprocessing}), and a note on standard error when it stores no class names.
     *
     * @throws IllegalArgumentException when no preprocessing is known (see {@link PreprocessingMixin#apply})
     */
    static SavedModel forInference(SavedModel model, Path file, PreprocessingMixin preprocessing) {
        SavedModel m = preprocessing.apply(model, file);
        if (!m.hasClassNames()) {
            System.err.println("note: " + file + " stores no class names; its " + m.numClasses() + " outputs are "
                    + (m.numClasses() == org.resnext4j.zoo.ImageNetClasses.COUNT
                            ? "read as ImageNet's classes"
                            : "named by their indices"));
        }
        return m;
    }

    /**
     * {@code model} in the precision {@code --precision} names, or as it is (int8 when quantized, else fp32) when
     * null.
     *
     * @throws IllegalArgumentException naming {@code --precision} for an unknown name, int8 of a model that is not
     *                                  quantized, or a precision this CPU cannot run (naming the missing instruction
     *                                  set)
     */
    static SavedModel withPrecision(SavedModel model, String precision) {
        if (precision == null) {
            return model;
        }
        try {
            return model.withPrecision(org.resnext4j.zoo.InferencePrecision.parse(precision));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException("--precision " + precision + ": " + e.getMessage(), e);
        }
    }
}
