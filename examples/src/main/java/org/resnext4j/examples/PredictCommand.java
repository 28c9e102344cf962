package org.resnext4j.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.resnext4j.datavec.ImageFolder;
import org.resnext4j.ui.SavedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code predict <model.zip> <image-or-folder>}: the top-k classes with their probabilities for one image or every
 * image under a folder (sorted by path), one line per image:
 * <pre>
 * shapes/circle/circle_0003.png  circle 0.9512  square 0.0311  triangle 0.0120
 * </pre>
 * Class names and preprocessing come from the model's card ({@link SavedModel}); a 1000-class model stored without
 * names gets ImageNet's.
 */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "The top classes with their probabilities for one image or every image under a folder "
                + "(sorted by path), one line per image, with the preprocessing stored with the model.")
final class PredictCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "MODEL.zip", description = "a checkpoint or an imported model")
    Path checkpoint;

    @Parameters(index = "1", paramLabel = "IMAGE|FOLDER", description = "an image, or a folder searched recursively")
    Path input;

    @Option(
            names = "--top",
            paramLabel = "K",
            defaultValue = "3",
            description = "classes per image (default ${DEFAULT-VALUE})")
    int top;

    @Mixin
    PreprocessingMixin preprocessingOption;

    @Mixin
    ProgressMixin progress;

    @Override
    public Integer call() throws IOException {
        TrainCommand.atLeast("--top", top, 1);
        if (!Files.exists(input)) {
            throw new IllegalArgumentException("IMAGE|FOLDER: " + input.toAbsolutePath() + " does not exist");
        }
        List<Path> images = images(input);
        if (images.isEmpty()) {
            throw new IllegalArgumentException(
                    "IMAGE|FOLDER: no images (" + ImageFolder.IMAGE_EXTENSIONS + ") under " + input.toAbsolutePath());
        }
        SavedModel model = preprocessingOption.apply(Models.load(checkpoint), checkpoint);
        try (Progress.Bar bar = Progress.start(progress.enabled() && images.size() > 1, "predict", images.size())) {
            for (Path image : images) {
                StringBuilder line = new StringBuilder(image.toString());
                for (SavedModel.Prediction p : model.predict(image, top)) {
                    line.append(String.format(Locale.ROOT, "  %s %.4f", p.label(), p.probability()));
                }
                bar.println(line.toString());
                bar.step();
            }
        }
        return 0;
    }

    private static List<Path> images(Path input) throws IOException {
        if (!Files.isDirectory(input)) {
            return List.of(input);
        }
        try (Stream<Path> files = Files.walk(input)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> ImageFolder.isImageName(f.getFileName().toString()))
                    .sorted()
                    .toList();
        }
    }
}
