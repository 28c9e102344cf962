package org.resnext4j.examples.tutorial;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.datavec.api.io.filters.BalancedPathFilter;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.FileSplit;
import org.datavec.api.split.InputSplit;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.datavec.image.transform.ColorConversionTransform;
import org.datavec.image.transform.ImageTransform;
import org.datavec.image.transform.PipelineImageTransform;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.resnext4j.datavec.DataVecImageTransforms;
import org.resnext4j.datavec.Normalization;
import org.resnext4j.examples.ShapesDataset;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * Tutorial: a classic DataVec image pipeline (as in DL4J's own examples: {@code FileSplit}, a balanced 80/20
 * sample, {@code ImageRecordReader} with a {@code ParentPathLabelGenerator}, {@code RecordReaderDataSetIterator}) with
 * this project's torchvision transforms plugged in, training a small ResNeXt with plain {@code net.fit}.
 * {@code DataVecImageTransforms.resizeCenterCrop} is torchvision's {@code Resize} + {@code CenterCrop} as a DataVec
 * {@code ImageTransform}; DataVec decodes to BGR, so a {@code ColorConversionTransform} makes it RGB; the
 * normalisation (ImageNet's mean and standard deviation) is a {@code DataSetPreProcessor}. The tensors are those of
 * {@code ImageFolderPipeline}'s evaluation transform, bit for bit on PNGs (tested in {@code datavec-pipelines}).
 *
 * <p>Needs: {@code DataVecImageTransforms} ({@code datavec-pipelines}), {@code ResNeXtSpec.tiny()}
 * ({@code zoo-resnext}). For training augmentation use {@code DataVecImageTransforms.randomResizedCrop(
 * TrainTransform.imagenet(size))} in the training reader's pipeline.
 * <pre>
 * MAVEN_OPTS=-Xmx4g mvn -q -pl examples exec:java \
 *     -Dexec.mainClass=org.resnext4j.examples.tutorial.DataVecRecordReaderPipeline -Dexec.args="/data/birds --size 64"
 * </pre>
 * Without a folder it trains on the generated shapes data set (4 classes of 600 images) at 32x32 for 5 epochs.
 */
public final class DataVecRecordReaderPipeline {

    /**
     * The trained model's accuracy on the held-out 20%.
     *
     * @param labels   the class names, in label order (the sorted folder names)
     * @param accuracy accuracy on the held-out images
     * @param examples how many held-out images were evaluated
     */
    public record Outcome(List<String> labels, double accuracy, int examples) {}

    private DataVecRecordReaderPipeline() {}

    /**
     * @param args {@code [FOLDER] [--epochs N] [--size PX] [--batch N]}
     * @throws IOException when the images cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        Args a = Args.parse(args, Set.of("--epochs", "--size", "--batch"), Set.of());
        Path data = a.path(0, null);
        if (data == null) {
            data = ShapesDataset.write(
                    Path.of("runs", "datavec", "shapes"),
                    ShapesDataset.DEFAULT_PER_CLASS,
                    ShapesDataset.DEFAULT_SIZE,
                    ShapesDataset.DEFAULT_SEED);
            System.out.println("No folder given: training on the generated shapes in " + data);
        }
        Outcome o = run(data, a.positiveInt("--epochs", 5), a.positiveInt("--size", 32), a.positiveInt("--batch", 32));
        System.out.printf(
                "Held-out accuracy %.1f%% on %d images of %s (chance %.1f%%)%n",
                100 * o.accuracy(), o.examples(), o.labels(), 100.0 / o.labels().size());
    }

    /**
     * Trains the tiny ResNeXt for {@code epochs} on 80% of {@code dataDir} and evaluates it on the rest.
     *
     * @param dataDir one sub-folder of images per class
     * @param epochs  training epochs
     * @param size    input side in pixels
     * @param batch   images per batch
     */
    public static Outcome run(Path dataDir, int epochs, int size, int batch) throws IOException {
        // tag::datavec[]
        Random rng = new Random(42);
        ParentPathLabelGenerator labelMaker = new ParentPathLabelGenerator(); // label = the parent folder's name
        FileSplit files = new FileSplit(dataDir.toFile(), NativeImageLoader.ALLOWED_FORMATS, rng); // shuffled once
        InputSplit[] trainAndTest =
                files.sample(new BalancedPathFilter(rng, NativeImageLoader.ALLOWED_FORMATS, labelMaker), 80, 20);
        // torchvision's Resize + CenterCrop, then BGR (DataVec's order) to RGB
        ImageTransform transform = new PipelineImageTransform(
                DataVecImageTransforms.resizeCenterCrop(size * 8 / 7, size),
                new ColorConversionTransform(opencv_imgproc.COLOR_BGR2RGB));
        DataSetIterator train = iterator(trainAndTest[0], labelMaker, transform, size, batch);
        DataSetIterator test = iterator(trainAndTest[1], labelMaker, transform, size, batch);

        int classes = train.getLabels().size();
        ComputationGraph net = ResNeXt.builder(
                        ResNeXtSpec.tiny().withNumClasses(classes).withInputShape(3, size, size))
                .updater(new Adam(1e-2))
                .seed(42)
                .build()
                .init();
        net.fit(train, epochs);
        Evaluation eval = net.evaluate(test);
        // end::datavec[]
        return new Outcome(train.getLabels(), eval.accuracy(), eval.getNumRowCounter());
    }

    /** An {@code ImageRecordReader} over {@code split} behind a {@code RecordReaderDataSetIterator}. */
    private static DataSetIterator iterator(
            InputSplit split, ParentPathLabelGenerator labels, ImageTransform transform, int size, int batch)
            throws IOException {
        // tag::datavec-iterator[]
        ImageRecordReader reader = new ImageRecordReader(size, size, 3, labels, transform);
        reader.initialize(split);
        DataSetIterator it = new RecordReaderDataSetIterator(reader, batch, 1, reader.numLabels());
        it.setPreProcessor(DataVecImageTransforms.normalizer(Normalization.IMAGENET)); // (x / 255 - mean) / std
        return it;
        // end::datavec-iterator[]
    }
}
