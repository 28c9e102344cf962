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
 * {@code predict <model.zip> <image-or-folder>} or {@code predict --weights <catalog entry> <image-or-folder>}: the
 * top-k classes with their probabilities for one image or every image under a folder (sorted by path), one line per
 * image:
 * <pre>
 * shapes/circle/circle_0003.png  circle 0.9512  square 0.0311  triangle 0.0120
 * </pre>
 * Class names and preprocessing come from the model's card ({@link SavedModel}); a 1000-class model stored without
 * names gets ImageNet's. With {@code --weights}, the catalog entry's file is downloaded (or taken from the cache) and
 * its class names and evaluation transform are used ({@link SavedModel#pretrained}).
 */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "The top classes with their probabilities for one image or every image under a folder "
                + "(sorted by path), one line per image, with the preprocessing stored with the model, or with "
                + "--weights those of a pretrained catalog entry (downloaded once, verified, cached).")
final class PredictCommand implements Callable<Integer> {

    @Parameters(
            arity = "1..2",
            paramLabel = "[MODEL.zip] IMAGE|FOLDER",
            description = "a checkpoint or an imported model (not with --weights), then an image or a folder "
                    + "searched recursively")
    List<Path> paths;

    @Option(
            names = "--weights",
            paramLabel = "NAME",
            description = "a pretrained catalog entry instead of MODEL.zip, e.g. resnext50_32x4d.imagenet1k_v2 "
                    + "(see 'resnext4j weights'), or an entry of a user catalog (--catalog)")
    String weights;

    @Option(names = "--top", paramLabel = "K", description = "classes per image (default 3, 5 with --weights)")
    Integer top;

    @Mixin
    PreprocessingMixin preprocessingOption;

    @Mixin
    ProgressMixin progress;

    @Mixin
    CatalogMixin catalogOption;

    @Override
    public Integer call() throws IOException {
        int k = TrainCommand.atLeast("--top", top != null ? top : weights != null ? 5 : 3, 1);
        int expected = weights != null ? 1 : 2;
        if (paths.size() != expected) {
            throw new IllegalArgumentException(
                    weights != null
                            ? "expected IMAGE|FOLDER only with --weights, got " + paths.size() + " paths"
                            : "expected MODEL.zip and IMAGE|FOLDER (or --weights NAME IMAGE|FOLDER), got one path");
        }
        Path input = paths.get(expected - 1);
        if (!Files.exists(input)) {
            throw new IllegalArgumentException("IMAGE|FOLDER: " + input.toAbsolutePath() + " does not exist");
        }
        List<Path> images = images(input);
        if (images.isEmpty()) {
            throw new IllegalArgumentException(
                    "IMAGE|FOLDER: no images (" + ImageFolder.IMAGE_EXTENSIONS + ") under " + input.toAbsolutePath());
        }
        SavedModel model = weights != null
                ? SavedModel.pretrained(
                        catalogOption.catalog().get(weights), DownloadProgress.downloader(progress.enabled()))
                : Models.load(paths.get(0));
        model = Models.forInference(model, weights != null ? Path.of(weights) : paths.get(0), preprocessingOption);
        try (Progress.Bar bar = Progress.start(progress.enabled() && images.size() > 1, "predict", images.size())) {
            for (Path image : images) {
                StringBuilder line = new StringBuilder(image.toString());
                for (SavedModel.Prediction p : model.predict(image, k)) {
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
