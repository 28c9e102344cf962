package org.resnext4j.examples;

import java.nio.file.Path;
import java.util.Iterator;
import picocli.CommandLine.Option;

/**
 * {@code train}'s data and model options: the image folder (or the generated shapes), the model, its input size, the
 * batch, the validation split and the seed. Checked by the command in its order of checks ({@link #checkModel()},
 * {@link #imageSize()}, {@link #checkValidationSplit()}).
 */
final class TrainDataMixin {

    static final double DEFAULT_VAL_SPLIT = 0.2;
    static final long DEFAULT_SEED = 42;

    @Option(
            names = "--data",
            paramLabel = "DIR",
            description = "image folder, root/<class>/<image> "
                    + "(default: generate the built-in shapes data set into the run folder)")
    Path data;

    @Option(
            names = "--model",
            paramLabel = "NAME",
            defaultValue = Models.TINY,
            completionCandidates = ModelNames.class,
            description = "one of ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String model;

    @Option(
            names = "--batch",
            paramLabel = "N",
            defaultValue = "" + TrainCommand.DEFAULT_BATCH,
            description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--size",
            paramLabel = "N",
            description = "input side in pixels (default " + ShapesDataset.DEFAULT_SIZE + " for tiny, else 224)")
    Integer size;

    @Option(
            names = "--val-split",
            paramLabel = "F",
            defaultValue = "" + DEFAULT_VAL_SPLIT,
            description = "validation fraction, seeded and stratified (default ${DEFAULT-VALUE})")
    double valSplit;

    @Option(
            names = "--seed",
            paramLabel = "S",
            defaultValue = "" + DEFAULT_SEED,
            description = "seed of the split, shuffles, augmentation and initialisation (default ${DEFAULT-VALUE})")
    long seed;

    /** The model names for {@code --model}'s help and completion. */
    static final class ModelNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Models.names().iterator();
        }
    }

    /** @return whether the run trains on the generated shapes (no {@code --data}) */
    boolean generated() {
        return data == null;
    }

    /** @throws IllegalArgumentException for an unknown {@code --model} */
    void checkModel() {
        if (!Models.names().contains(model)) {
            throw new IllegalArgumentException(
                    "--model: unknown model \"" + model + "\", expected one of " + Models.names());
        }
    }

    /** @return {@code --size}, or the model's default: the shapes' size for tiny, else 224 */
    int imageSize() {
        return TrainCommand.atLeast(
                "--size", size != null ? size : Models.TINY.equals(model) ? ShapesDataset.DEFAULT_SIZE : 224, 1);
    }

    /** @throws IllegalArgumentException for a {@code --val-split} outside (0, 1) */
    void checkValidationSplit() {
        if (!(valSplit > 0 && valSplit < 1)) {
            throw new IllegalArgumentException(
                    "--val-split: expected a number between 0 and 1 (exclusive), got " + valSplit);
        }
    }
}
