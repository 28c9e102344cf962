package org.resnext4j.examples;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.resnext4j.datavec.DatasetSplit;
import org.resnext4j.datavec.ImageFolder;
import org.resnext4j.datavec.ImageFolderIterator;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.EvaluationReport;
import org.resnext4j.ui.RunSettings;
import org.resnext4j.ui.SavedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code evaluate <model.zip> <data-folder>}: accuracy, per-class precision, recall and F1 and the confusion matrix
 * (text, and a PNG) of a saved model on an image folder, preprocessed with the preprocessing stored with the model.
 * {@code --subset all} (default) evaluates every image; {@code --subset validation} only the validation part of the
 * split the model was trained with (fraction and seed from its metadata), which reproduces the run's own validation;
 * {@code --subset train} the training part (the model on its own training images).
 */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "Accuracy, per-class precision, recall and F1 and the confusion matrix (text and PNG) of a "
                + "saved model on an image folder, with the preprocessing stored with the model.")
final class EvaluateCommand implements Callable<Integer> {

    /** {@code --subset}. */
    enum Subset {
        all,
        validation,
        train
    }

    @Parameters(index = "0", paramLabel = "MODEL.zip", description = "a checkpoint or an imported model")
    Path checkpoint;

    @Parameters(index = "1", paramLabel = "DATA", description = "image folder, root/<class>/<image>")
    Path folder;

    @Option(
            names = "--subset",
            paramLabel = "NAME",
            defaultValue = "all",
            description = "all images, or only the "
                    + "validation (or training) part of the model's own training split (same fraction and seed): "
                    + "${COMPLETION-CANDIDATES}"
                    + " (default ${DEFAULT-VALUE})")
    Subset subset;

    @Option(
            names = "--batch",
            paramLabel = "N",
            defaultValue = "" + TrainCommand.DEFAULT_BATCH,
            description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--png",
            paramLabel = "FILE",
            description = "confusion matrix picture (default next to the " + "model: <name>-confusion.png)")
    Path png;

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

    @Override
    public Integer call() throws Exception {
        TrainCommand.atLeast("--batch", batch, 1);
        Path data = TrainCommand.requireDataFolder(folder.toString(), "DATA");

        SavedModel model = Models.withPrecision(
                Models.forInference(Models.load(checkpoint), checkpoint, preprocessingOption), precision);
        PreprocessingConfig preprocessing = model.preprocessing();
        ImageFolder images = ImageFolder.scan(data);
        List<String> classNames = model.classNames();
        if (!images.classNames().equals(classNames)) {
            throw new IllegalArgumentException(
                    data + ": the class folders " + images.classNames() + " are not the model's classes " + classNames);
        }
        if (subset != Subset.all) {
            RunSettings settings = model.card().settings();
            Double fraction = settings.data().validationSplit();
            if (fraction == null) {
                throw new IllegalArgumentException(
                        checkpoint + ": no validation split stored with the model; use --subset all");
            }
            Long seed = settings.seed();
            if (seed == null) {
                throw new IllegalArgumentException(
                        checkpoint + ": no split seed stored with the model; use --subset all");
            }
            DatasetSplit split = images.split(fraction, seed);
            images = subset == Subset.validation ? split.validation() : split.train();
        }
        System.out.println("Model " + checkpoint + " (" + model.numClasses() + " classes), data " + data + " (" + subset
                + ": " + images.size() + " images), preprocessing " + preprocessing.toJson() + ", precision "
                + model.precision() + (model.usesInferenceForm() ? "" : " (graph)"));
        EvaluationReport report;
        try (ImageFolderIterator it = ImageFolderIterator.builder(images)
                .transform(preprocessing.evalTransform())
                .batchSize(batch)
                .shuffle(false)
                .build()) {
            // predictions on the model's inference form where it has one (SavedModel), the loss from the graph
            report = EvaluationReport.evaluate(
                    model.model(),
                    model::probabilities,
                    new ProgressIterator(it, progress.enabled(), "evaluate"),
                    classNames);
        }
        System.out.print(report.toText());
        Path pngFile = png != null ? png : defaultPng(checkpoint);
        report.writeConfusionMatrixPng(pngFile);
        System.out.printf(
                Locale.ROOT, "accuracy %.4f%nconfusion matrix PNG: %s%n", report.accuracy(), pngFile.toAbsolutePath());
        return 0;
    }

    /** {@code checkpoints/best.zip} gives {@code checkpoints/best-confusion.png}. */
    private static Path defaultPng(Path checkpoint) {
        String name = Checkpoints.sidecar(checkpoint).getFileName().toString().replaceAll("\\.json$", "");
        return checkpoint.toAbsolutePath().resolveSibling(name + "-confusion.png");
    }
}
