package org.resnext4j.examples;

import java.nio.file.Path;
import org.resnext4j.datavec.Normalization;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.ui.SavedModel;
import picocli.CommandLine.Option;

/**
 * {@code --preprocessing RESIZE/CROP}: the preprocessing of a saved model whose card holds none (a checkpoint of a
 * {@code TrainingRun} built without a model card), or an override of the stored one. Never guessed: without it, such
 * a model is refused with one line saying what is missing.
 */
final class PreprocessingMixin {

    @Option(
            names = "--preprocessing",
            paramLabel = "RESIZE/CROP",
            description = "resize the shorter side to RESIZE, center-crop CROP, ImageNet mean and std (e.g. 36/32);"
                    + " for a model stored without its preprocessing, or to override the stored one")
    String preprocessing;

    /**
     * The model with the preprocessing it runs with.
     *
     * @throws IllegalArgumentException when the option is malformed, or when the model stores no preprocessing and
     *                                  the option was not given
     */
    SavedModel apply(SavedModel model, Path file) {
        if (preprocessing != null) {
            return model.withPreprocessing(parse(preprocessing));
        }
        if (!model.hasPreprocessing()) {
            String example = model.card().spec() == null
                    ? "e.g. --preprocessing 256/224 for ImageNet's, 32/32 for a model trained on 32 px images "
                            + "without augmentation"
                    : example(model.card().spec().inputHeight());
            throw new IllegalArgumentException(file + ": the model card holds no preprocessing (how images were "
                    + "resized, cropped and normalised in training); give it with --preprocessing RESIZE/CROP, "
                    + example);
        }
        return model;
    }

    /** The two usual settings of a model whose input side is known. */
    private static String example(int side) {
        return "e.g. --preprocessing " + side + "/" + side + " for a model trained on " + side
                + " px images without augmentation, " + PreprocessingConfig.defaultResize(side) + "/" + side
                + " with it";
    }

    /** {@code RESIZE/CROP}, or a single number for both. */
    static PreprocessingConfig parse(String value) {
        String[] parts = value.split("/", -1);
        try {
            int resize = Integer.parseInt(parts[0].trim());
            int crop = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : resize;
            if (parts.length > 2 || crop < 1 || resize < crop) {
                throw new NumberFormatException();
            }
            return new PreprocessingConfig(crop, resize, Normalization.IMAGENET.mean(), Normalization.IMAGENET.std());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--preprocessing: expected RESIZE/CROP with RESIZE >= CROP >= 1 (e.g. "
                    + "256/224), got \"" + value + "\"");
        }
    }
}
