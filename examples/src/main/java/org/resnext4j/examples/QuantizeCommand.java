package org.resnext4j.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.resnext4j.datavec.ImageFileBatches;
import org.resnext4j.datavec.ImageFolder;
import org.resnext4j.datavec.ImageFolderIterator;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.ui.SavedModel;
import org.resnext4j.zoo.InferenceModel;
import org.resnext4j.zoo.Int8Calibration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code quantize <model.zip> <calibration-folder> <out.zip>}: post-training static int8 quantization
 * ({@link SavedModel#quantize}, {@link InferenceModel#calibrate}): the activation ranges of {@code --images} images
 * of the calibration folder (a seeded random choice, the model's own preprocessing) go into the copy's model card,
 * so that {@code predict}/{@code evaluate} and {@link SavedModel#load} run it in int8 without calibrating again.
 * Accuracy is reported, never assumed: on {@code --validation} (a class folder, the model's classes) it prints both
 * accuracies, the top-1 agreement of int8 with fp32 and the largest logit error:
 * <pre>
 * fp32 accuracy 0.9350, int8 accuracy 0.9340, top-1 agreement 99.60% (1000 images), largest |logit error| 0.2153
 * </pre>
 */
@Command(
        name = "quantize",
        mixinStandardHelpOptions = true,
        usageHelpWidth = Cli.USAGE_WIDTH,
        description = "An int8 copy of a ResNeXt/ResNet model: activation ranges calibrated on images of a folder "
                + "(the model's preprocessing) stored in the copy's model card, weights quantized per output "
                + "channel when it is loaded. With --validation, prints fp32 and int8 accuracy, their top-1 "
                + "agreement and the largest logit error.")
final class QuantizeCommand implements Callable<Integer> {

    /** Default number of calibration images. */
    static final int DEFAULT_IMAGES = 256;

    @Parameters(index = "0", paramLabel = "MODEL.zip", description = "a checkpoint or an imported model (fp32)")
    Path checkpoint;

    @Parameters(
            index = "1",
            paramLabel = "CALIBRATION_DIR",
            description = "images like the ones the model will see, searched recursively (hidden and non-image files "
                    + "ignored)")
    Path calibrationDir;

    @Parameters(index = "2", paramLabel = "OUT.zip", description = "the quantized copy to write (replaced)")
    Path out;

    @Option(
            names = "--images",
            paramLabel = "N",
            defaultValue = "" + DEFAULT_IMAGES,
            description = "calibration images, a seeded random choice of the folder's (all when it holds fewer; "
                    + "default ${DEFAULT-VALUE})")
    int images;

    @Option(
            names = "--validation",
            paramLabel = "DIR",
            description = "a class folder (root/<class>/<image>, the model's classes) on which to report fp32 and "
                    + "int8 accuracy, top-1 agreement and the largest logit error")
    Path validation;

    @Option(
            names = "--batch",
            paramLabel = "N",
            defaultValue = "" + TrainCommand.DEFAULT_BATCH,
            description = "images per forward pass (default ${DEFAULT-VALUE})")
    int batch;

    @Mixin
    PreprocessingMixin preprocessingOption;

    @Override
    public Integer call() throws Exception {
        TrainCommand.atLeast("--images", images, 1);
        TrainCommand.atLeast("--batch", batch, 1);
        Path calibration = TrainCommand.requireDataFolder(calibrationDir.toString(), "CALIBRATION_DIR");
        Path validationData =
                validation == null ? null : TrainCommand.requireDataFolder(validation.toString(), "--validation");
        Path parent = out.toAbsolutePath().getParent();
        if (Files.isDirectory(out) || parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("OUT.zip: " + out.toAbsolutePath()
                    + (Files.isDirectory(out) ? " is a folder" : ": its folder does not exist")
                    + ", expected a file to write");
        }
        SavedModel model = Models.forInference(Models.load(checkpoint), checkpoint, preprocessingOption);
        String refused = InferenceModel.refusal(org.resnext4j.zoo.InferencePrecision.INT8);
        if (refused != null) {
            throw new IllegalArgumentException(checkpoint + ": cannot quantize: " + refused);
        }
        List<INDArray> batches = calibrationBatches(calibration, model.preprocessing());
        long start = System.nanoTime();
        SavedModel quantized = model.quantize(batches);
        Int8Calibration cal = quantized.card().int8();
        System.out.printf(
                Locale.ROOT,
                "calibrated on %d images of %s (%s, %s %.3f) in %.1f s; oneDNN ISA %s%n",
                cal.images(),
                calibration,
                model.preprocessing().toJson(),
                cal.method().name().toLowerCase(Locale.ROOT),
                cal.percentile(),
                (System.nanoTime() - start) / 1e9,
                InferenceModel.cpuIsa());
        if (validationData != null) {
            report(model, cal, validationData);
        }
        quantized.save(out);
        System.out.println("int8 model written to " + out.toAbsolutePath());
        return 0;
    }

    /** Up to {@code --images} decoded images of the folder, a seeded random choice, in batches. */
    private List<INDArray> calibrationBatches(Path folder, PreprocessingConfig preprocessing) {
        List<Path> files = new ArrayList<>(ImageFolder.list(folder).files());
        if (files.isEmpty()) {
            throw new IllegalArgumentException("CALIBRATION_DIR: no images under " + folder.toAbsolutePath());
        }
        Collections.shuffle(files, new Random(0));
        List<Path> chosen = files.subList(0, Math.min(images, files.size()));
        List<INDArray> batches = new ArrayList<>();
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
        try (ImageFileBatches it = new ImageFileBatches(chosen, preprocessing, batch, threads)) {
            while (it.hasNext()) {
                ImageFileBatches.Batch b = it.next();
                for (ImageFileBatches.Entry e : b.entries()) {
                    if (!e.decoded()) {
                        System.err.println("warning: skipped " + e.file() + ": " + e.problem());
                    }
                }
                if (b.features() != null) {
                    batches.add(b.features());
                }
            }
        }
        if (batches.isEmpty()) {
            throw new IllegalArgumentException(
                    "CALIBRATION_DIR: none of the chosen images under " + folder + " could be decoded");
        }
        return batches;
    }

    /** fp32 and int8 accuracy, top-1 agreement and the largest logit error on a class folder. */
    private void report(SavedModel model, Int8Calibration cal, Path data) throws Exception {
        ImageFolder folder = ImageFolder.scan(data);
        if (!folder.classNames().equals(model.classNames())) {
            throw new IllegalArgumentException("--validation " + data + ": the class folders " + folder.classNames()
                    + " are not the model's classes " + model.classNames());
        }
        long n = 0;
        long fp32Right = 0;
        long int8Right = 0;
        long agree = 0;
        double maxErr = 0;
        try (InferenceModel fp32 = InferenceModel.of(model.graph(), model.card().spec());
                InferenceModel int8 =
                        InferenceModel.of(model.graph(), model.card().spec(), cal);
                ImageFolderIterator it = ImageFolderIterator.builder(folder)
                        .transform(model.preprocessing().evalTransform())
                        .batchSize(batch)
                        .shuffle(false)
                        .build()) {
            while (it.hasNext()) {
                DataSet b = it.next();
                INDArray a = fp32.logits(b.getFeatures());
                INDArray q = int8.logits(b.getFeatures());
                int[] label = b.getLabels().argMax(1).toIntVector();
                int[] pa = a.argMax(1).toIntVector();
                int[] pq = q.argMax(1).toIntVector();
                for (int i = 0; i < label.length; i++) {
                    fp32Right += pa[i] == label[i] ? 1 : 0;
                    int8Right += pq[i] == label[i] ? 1 : 0;
                    agree += pa[i] == pq[i] ? 1 : 0;
                }
                n += label.length;
                maxErr = Math.max(maxErr, a.sub(q).amaxNumber().doubleValue());
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("--validation " + data + ": no images");
        }
        System.out.printf(
                Locale.ROOT,
                "fp32 accuracy %.4f, int8 accuracy %.4f, top-1 agreement %.2f%% (%d images), largest |logit error| "
                        + "%.4f%n",
                (double) fp32Right / n,
                (double) int8Right / n,
                100.0 * agree / n,
                n,
                maxErr);
    }
}
