package org.resnext4j.examples;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.resnext4j.datavec.DatasetSplit;
import org.resnext4j.datavec.ImageFolder;
import org.resnext4j.datavec.ImageFolderIterator;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.EvaluationReport;

/**
 * {@code evaluate <model.zip> <data-folder>}: accuracy, per-class precision, recall and F1 and the confusion matrix
 * (text, and a PNG) of a saved model on an image folder, preprocessed with the preprocessing stored with the model.
 * {@code --subset all} (default) evaluates every image; {@code --subset validation} only the validation part of the
 * split the model was trained with (fraction and seed from its metadata), which reproduces the run's own validation.
 */
final class EvaluateCommand implements Cli.Command {

    @Override
    public String usage() {
        return "evaluate <model.zip> <data-folder> [--subset all|validation] [--batch N] [--png FILE]";
    }

    @Override
    public void run(String[] args) throws Exception {
        Args a = Args.parse(args);
        Path checkpoint = Path.of(a.positional(0, "model.zip"));
        String folder = a.positional(1, "data-folder");
        String subset = a.choice("--subset", "all", "all", "validation");
        int batch = a.intOption("--batch", TrainCommand.DEFAULT_BATCH, 1);
        String png = a.option("--png", null);
        a.requireAllUsed();
        Path data = TrainCommand.requireDataFolder(folder, "<data-folder>");

        Models.Loaded model = Models.load(checkpoint);
        PreprocessingConfig preprocessing = model.preprocessing();
        ImageFolder images = ImageFolder.scan(data);
        List<String> classNames = model.classNamesOrDefault();
        if (!images.classNames().equals(classNames)) {
            throw new IllegalArgumentException(data + ": the class folders " + images.classNames()
                    + " are not the model's classes " + classNames);
        }
        if (subset.equals("validation")) {
            double fraction = ((Number) model.entry("validation_split").orElseThrow(() -> new IllegalArgumentException(
                    checkpoint + ": no validation split stored with the model; use --subset all"))).doubleValue();
            long seed = ((Number) model.entry("seed").orElseThrow()).longValue();
            DatasetSplit split = images.split(fraction, seed);
            images = split.validation();
        }
        System.out.println("Model " + checkpoint + " (" + model.numClasses() + " classes), data " + data + " ("
                + subset + ": " + images.size() + " images), preprocessing " + preprocessing.toJson());
        EvaluationReport report;
        try (ImageFolderIterator it = ImageFolderIterator.builder(images).transform(preprocessing.evalTransform())
                .batchSize(batch).shuffle(false).build()) {
            report = EvaluationReport.evaluate(model.graph(), it, classNames);
        }
        System.out.print(report.toText());
        Path pngFile = png != null ? Path.of(png) : defaultPng(checkpoint);
        report.writeConfusionMatrixPng(pngFile);
        System.out.printf(Locale.ROOT, "accuracy %.4f%nconfusion matrix PNG: %s%n", report.accuracy(),
                pngFile.toAbsolutePath());
    }

    /** {@code checkpoints/best.zip} gives {@code checkpoints/best-confusion.png}. */
    private static Path defaultPng(Path checkpoint) {
        String name = Checkpoints.sidecar(checkpoint).getFileName().toString().replaceAll("\\.json$", "");
        return checkpoint.toAbsolutePath().resolveSibling(name + "-confusion.png");
    }
}
