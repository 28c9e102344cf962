package org.resnext4j.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.resnext4j.datavec.ImageFileBatches;
import org.resnext4j.datavec.ImageFolder;
import org.resnext4j.datavec.ImageFolderException;
import org.resnext4j.ui.SavedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code predict <model.zip> <image-or-folder>} or {@code predict --weights <catalog entry> <image-or-folder>}: the
 * top-k classes with their probabilities for one image or every image under a folder, one record per image in the
 * order of the paths, as text (the default), CSV or JSON lines ({@link PredictionFormat}), on standard output or into
 * {@code --output FILE}:
 * <pre>
 * shapes/circle/circle_0003.png  circle 0.9512  square 0.0311  triangle 0.0120
 * </pre>
 * A folder is searched as training searches one ({@link ImageFolder#list}: hidden entries and files without an image
 * extension ignored); the images are decoded on worker threads and predicted in batches
 * ({@link ImageFileBatches}, {@link SavedModel#predict(org.nd4j.linalg.api.ndarray.INDArray, int)}). An image that
 * cannot be decoded is skipped with one {@code warning:} line on standard error naming it and the reason, and the
 * run ends with a summary there (predicted, skipped, ignored, images/s). Exit 0 when every image was predicted,
 * {@value Cli#SOME_SKIPPED} when some were skipped, 2 when none could be (or, with {@code --strict}, at the first bad
 * image, after the records of the images before it; or when the one image given cannot be decoded), each with one
 * {@code error:} line.
 *
 * <p>Class names and preprocessing come from the model's card ({@link SavedModel}); a 1000-class model stored without
 * names gets ImageNet's. With {@code --weights}, the catalog entry's file is downloaded (or taken from the cache) and
 * its class names and evaluation transform are used ({@link SavedModel#pretrained}).
 */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "The top classes with their probabilities for one image or every image under a folder "
                + "(sorted by path; hidden and non-image files ignored as in training), one record per image, with "
                + "the preprocessing stored with the model, or with --weights those of a pretrained catalog entry "
                + "(downloaded once, verified, cached). An image that cannot be decoded is skipped with a warning "
                + "line; exit 0 when all were predicted, 6 when some were skipped, 2 when none could be.")
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

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text (path, then label and probability pairs), csv (a header, "
                    + "quoted paths) or jsonl (one JSON object per image: path, top labels, indices, probabilities)"
                    + " (default ${DEFAULT-VALUE})")
    PredictionFormat format;

    @Option(
            names = "--output",
            paramLabel = "FILE",
            description = "write the records into FILE (UTF-8, replaced) instead of standard output")
    Path output;

    @Option(
            names = "--strict",
            description = "stop at the first image that cannot be decoded (exit 2) instead of skipping it")
    boolean strict;

    @Option(
            names = "--batch",
            paramLabel = "N",
            defaultValue = "" + TrainCommand.DEFAULT_BATCH,
            description = "images per forward pass (default ${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--workers",
            paramLabel = "N",
            description = "threads decoding images ahead of the model (default half the cores, 1 to 4)")
    Integer workers;

    @Option(
            names = "--precision",
            paramLabel = "P",
            description = "fp32, bf16 (CPUs with AVX512-BF16 or AMX) or int8 (a model made by 'resnext4j quantize'); "
                    + "default int8 for a quantized model, else fp32")
    String precision;

    @Mixin
    PreprocessingMixin preprocessingOption;

    @Mixin
    ProgressMixin progress;

    @Mixin
    CatalogMixin catalogOption;

    @Override
    public Integer call() throws IOException {
        int k = TrainCommand.atLeast("--top", top != null ? top : weights != null ? 5 : 3, 1);
        TrainCommand.atLeast("--batch", batch, 1);
        int threads = TrainCommand.atLeast(
                "--workers",
                workers != null
                        ? workers
                        : Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2)),
                1);
        int expected = weights != null ? 1 : 2;
        if (paths.size() != expected) {
            throw new IllegalArgumentException(
                    weights != null
                            ? "expected IMAGE|FOLDER only with --weights, got " + paths.size() + " paths"
                            : "expected MODEL.zip and IMAGE|FOLDER (or --weights NAME IMAGE|FOLDER), got one path");
        }
        Path input = paths.get(expected - 1);
        if (!Files.exists(input, LinkOption.NOFOLLOW_LINKS)) { // a broken link is a bad image, named as such
            throw new IllegalArgumentException("IMAGE|FOLDER: " + input.toAbsolutePath() + " does not exist");
        }
        boolean folder = Files.isDirectory(input);
        ImageFolder.Listing listing = folder ? ImageFolder.list(input) : null;
        // records name the files as the user named the folder (relative stays relative)
        List<Path> images = folder
                ? listing.files().stream()
                        .map(f -> input.resolve(listing.folder().relativize(f)))
                        .toList()
                : List.of(input);
        if (images.isEmpty()) {
            throw new IllegalArgumentException("IMAGE|FOLDER: no images (" + new TreeSet<>(ImageFolder.IMAGE_EXTENSIONS)
                    + ") under "
                    + input.toAbsolutePath() + " (" + listing.ignoredHidden() + " hidden, " + listing.ignoredNonImage()
                    + " other files ignored)");
        }
        if (output != null) {
            Path parent = output.toAbsolutePath().getParent();
            if (Files.isDirectory(output) || parent == null || !Files.isDirectory(parent)) {
                throw new IllegalArgumentException("--output: " + output.toAbsolutePath()
                        + (Files.isDirectory(output) ? " is a folder" : ": its folder does not exist")
                        + ", expected a file to write");
            }
        }
        SavedModel model = weights != null
                ? SavedModel.pretrained(
                        catalogOption.catalog().get(weights), DownloadProgress.downloader(progress.enabled()))
                : Models.load(paths.get(0));
        model = Models.forInference(model, weights != null ? Path.of(weights) : paths.get(0), preprocessingOption);
        model = Models.withPrecision(model, precision);

        int predicted = 0;
        int skipped = 0;
        long startNanos;
        try (Writer file = output != null ? Files.newBufferedWriter(output, StandardCharsets.UTF_8) : null;
                Progress.Bar bar = Progress.start(progress.enabled() && images.size() > 1, "predict", images.size());
                ImageFileBatches batches = new ImageFileBatches(images, model.preprocessing(), batch, threads)) {
            Consumer<String> sink = file != null ? line -> write(file, line) : bar::println;
            format.header(k).ifPresent(sink);
            startNanos = System.nanoTime();
            while (batches.hasNext()) {
                ImageFileBatches.Batch b = batches.next();
                List<List<SavedModel.Prediction>> top =
                        b.features() == null ? List.of() : model.predict(b.features(), k);
                for (ImageFileBatches.Entry e : b.entries()) {
                    if (e.decoded()) {
                        sink.accept(format.record(e.file().toString(), top.get(e.row())));
                        predicted++;
                    } else if (strict || !folder) {
                        throw new ImageFolderException(
                                e.file(),
                                "bad image file " + e.file() + ": " + e.problem()
                                        + (folder ? " (--strict stops at the first)" : ""));
                    } else {
                        bar.warn("warning: skipped " + e.file() + ": " + oneLine(e.problem()));
                        skipped++;
                    }
                    bar.step();
                }
                if (file != null) {
                    file.flush();
                }
            }
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (!folder) {
            return 0;
        }
        if (predicted == 0) {
            throw new ImageFolderException(
                    input,
                    "no image under " + input + " could be predicted: all " + skipped
                            + " skipped (reasons in the warnings above)");
        }
        System.err.printf(
                Locale.ROOT,
                "predicted %d image%s, skipped %d%s; ignored %d hidden and %d non-image files; %.1f images/s "
                        + "(batch %d, %d decoding thread%s)%s%n",
                predicted,
                predicted == 1 ? "" : "s",
                skipped,
                skipped > 0 ? " that cannot be decoded (one warning each above)" : "",
                listing.ignoredHidden(),
                listing.ignoredNonImage(),
                predicted / Math.max(seconds, 1e-9),
                batch,
                threads,
                threads == 1 ? "" : "s",
                output != null ? "; written to " + output : "");
        return skipped > 0 ? Cli.SOME_SKIPPED : 0;
    }

    private static void write(Writer file, String line) {
        try {
            file.write(line);
            file.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String oneLine(String message) {
        return message.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
