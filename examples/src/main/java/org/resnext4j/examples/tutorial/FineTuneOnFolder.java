package org.resnext4j.examples.tutorial;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.learning.config.Adam;
import org.resnext4j.datavec.ImageFolderPipeline;
import org.resnext4j.examples.ShapesDataset;
import org.resnext4j.ui.ModelCard;
import org.resnext4j.ui.TrainingResult;
import org.resnext4j.ui.TrainingRun;
import org.resnext4j.ui.UiOptions;
import org.resnext4j.ui.UiStats;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.weights.WeightsCatalog;
import org.resnext4j.zoo.weights.WeightsEntry;

/**
 * Tutorial: fine-tune torchvision's pretrained ResNeXt-50 on your own image folder (one folder per class): a new
 * classifier for your classes, the pretrained backbone frozen, DL4J's own {@code fit} with the run's listeners
 * (per-epoch validation, checkpoints with exact resume, curves, report, the DL4J training UI in the browser), and the
 * best epoch kept as {@code checkpoints/best.zip}, ready for {@code resnext4j predict}.
 *
 * <p>Needs: the pretrained weights catalog and downloader ({@code zoo-resnext}; the first run downloads 95.8 MB),
 * {@code ImageFolderPipeline} ({@code datavec-pipelines}) and {@code TrainingRun} ({@code training-ui}). It freezes the
 * whole backbone ({@code initFineTune(entry, classes, true)}: everything up to {@code avgpool}), the fast way on a
 * CPU; {@code --train-all} trains every layer. Freezing only the first stages: {@code ResNeXt.freezeUntil(net, Stage)}
 * (the CLI's {@code train --freeze-until}), a lower backbone rate: {@code FineTuning.scaleBackboneLearningRate}
 * ({@code --backbone-lr-scale}).
 * <pre>
 * MAVEN_OPTS=-Xmx6g mvn -q -pl examples exec:java -Dexec.mainClass=org.resnext4j.examples.tutorial.FineTuneOnFolder \
 *     -Dexec.args="/data/birds --out runs/birds --epochs 5 --size 224"
 * </pre>
 * Without a folder it generates a small shapes data set (4 classes of 150 images) and fine-tunes at 96x96. The run
 * folder holds everything it wrote; run it again with the same {@code --out} and more {@code --epochs} to continue.
 */
public final class FineTuneOnFolder {

    /**
     * What to fine-tune on, and how.
     *
     * @param data           the image folder: one sub-folder of images per class (20% is held out for validation)
     * @param weights        the catalog entry to start from, e.g. {@code resnext50_32x4d.imagenet1k_v2}
     * @param out            the run folder (checkpoints, metrics, charts, report)
     * @param epochs         epochs to train in all
     * @param imageSize      side of the (square) training input, in pixels
     * @param batchSize      images per batch
     * @param learningRate   Adam's learning rate
     * @param freezeBackbone train the classifier alone (true) or every layer
     * @param ui             open the DL4J training UI while training (127.0.0.1:9000, or the next free port); false
     *                       records no UI statistics either
     */
    public record Settings(
            Path data,
            String weights,
            Path out,
            int epochs,
            int imageSize,
            int batchSize,
            double learningRate,
            boolean freezeBackbone,
            boolean ui) {}

    private FineTuneOnFolder() {}

    /**
     * @param args {@code [FOLDER] [--weights NAME] [--out DIR] [--epochs N] [--size PX] [--batch N] [--lr X]
     *             [--train-all] [--no-ui]}
     * @throws IOException when the data or the weights cannot be read
     */
    public static void main(String[] args) throws IOException {
        Args a = Args.parse(
                args,
                Set.of("--weights", "--out", "--epochs", "--size", "--batch", "--lr"),
                Set.of("--train-all", "--no-ui"));
        Path out = a.path("--out", Path.of("runs", "fine-tune"));
        Path data = a.path(0, null);
        int size = a.positiveInt("--size", data == null ? 96 : 224);
        if (data == null) {
            data = ShapesDataset.write(out.resolve("shapes"), 150, ShapesDataset.DEFAULT_SIZE, 1);
            System.out.println("No folder given: fine-tuning on generated shapes in " + data);
        }
        TrainingResult result = run(new Settings(
                data,
                a.string("--weights", PredictWithPretrained.DEFAULT_WEIGHTS),
                out,
                a.positiveInt("--epochs", 3),
                size,
                a.positiveInt("--batch", 32),
                a.positiveNumber("--lr", 1e-3),
                !a.flag("--train-all"),
                !a.flag("--no-ui")));
        result.history()
                .best()
                .ifPresent(best -> System.out.printf(
                        "Best validation accuracy %.1f%% (epoch %d): %s%n",
                        100 * best.valAccuracy(), best.epoch(), result.bestCheckpoint()));
    }

    /**
     * Fine-tunes as {@code s} says.
     *
     * @return the run's result: metrics per epoch, the best and last checkpoints, the trained model
     */
    public static TrainingResult run(Settings s) throws IOException {
        // tag::fine-tune[]
        WeightsEntry entry = WeightsCatalog.fromEnvironment().get(s.weights());
        try (ImageFolderPipeline data = ImageFolderPipeline.fromDirectory(s.data()) // one folder per class
                .validationSplit(0.2)
                .seed(42)
                .imageSize(s.imageSize())
                .batchSize(s.batchSize())
                .build()) {
            // every pretrained weight but the classifier, a new fc for our classes; the backbone frozen or not
            ComputationGraph net = ResNeXt.builder(entry.spec())
                    .inputShape(3, s.imageSize(), s.imageSize())
                    .updater(new Adam(s.learningRate()))
                    .seed(42)
                    .build()
                    .initFineTune(entry, data.numClasses(), s.freezeBackbone());
            // what the checkpoints say about the model: its spec, class names and input preprocessing
            ResNeXtSpec spec = entry.spec().withNumClasses(data.numClasses());
            try (TrainingRun run = TrainingRun.builder(s.out())
                    .epochs(s.epochs())
                    .validation(data.validation())
                    .classNames(data.classNames())
                    .ui(s.ui() ? UiOptions.defaults() : UiOptions.disabled().withStats(UiStats.OFF))
                    .modelCard(ModelCard.of(spec, data.preprocessing()).withModel(entry.name() + "-fine-tuned"))
                    .build()) {
                ComputationGraph g = run.restoreOrStart(net); // continues checkpoints/last.zip if the folder has it
                run.prepare(data.train());
                g.addListeners(run.listeners().toArray(TrainingListener[]::new));
                g.fit(data.train(), run.remainingEpochs()); // DL4J's own fit; the listeners do the rest
                return run.result();
            }
        }
        // end::fine-tune[]
    }
}
