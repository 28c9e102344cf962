package org.resnext4j.examples.tutorial;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.deeplearning4j.earlystopping.EarlyStoppingConfiguration;
import org.deeplearning4j.earlystopping.EarlyStoppingResult;
import org.deeplearning4j.earlystopping.saver.InMemoryModelSaver;
import org.deeplearning4j.earlystopping.termination.MaxEpochsTerminationCondition;
import org.deeplearning4j.earlystopping.termination.ScoreImprovementEpochTerminationCondition;
import org.deeplearning4j.earlystopping.trainer.EarlyStoppingGraphTrainer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.learning.config.Adam;
import org.resnext4j.datavec.ImageFolderPipeline;
import org.resnext4j.examples.ShapesDataset;
import org.resnext4j.ui.ModelCard;
import org.resnext4j.ui.Monitor;
import org.resnext4j.ui.TrainingRun;
import org.resnext4j.ui.UiOptions;
import org.resnext4j.ui.UiStats;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * Tutorial: train a small ResNeXt from scratch with DL4J's own {@code EarlyStoppingGraphTrainer}, keeping the run's
 * listeners (per-epoch validation metrics, checkpoints, charts, report). The trainer asks
 * {@code run.scoreCalculator(Monitor.VAL_LOSS)} for its score, which hands back the validation loss the run's listener
 * has just measured, so validation runs once per epoch; it stops when that loss has not improved for
 * {@code --patience} epochs and returns the best epoch's model.
 *
 * <p>Needs: {@code ResNeXtSpec.tiny()} ({@code zoo-resnext}), {@code ImageFolderPipeline} ({@code datavec-pipelines}),
 * {@code TrainingRun.scoreCalculator} ({@code training-ui}). The library's own rule, without DL4J's trainer, is
 * {@code TrainingRun.Builder.earlyStopping(...)} (Keras's semantics, resumable): see docs/training.md.
 * <pre>
 * MAVEN_OPTS=-Xmx4g mvn -q -pl examples exec:java \
 *     -Dexec.mainClass=org.resnext4j.examples.tutorial.TrainFromScratchWithEarlyStopping -Dexec.args="--max-epochs 12"
 * </pre>
 * Without a folder it trains on the generated shapes data set (4 classes of 600 images) at 32x32.
 */
public final class TrainFromScratchWithEarlyStopping {

    /**
     * What the early-stopping trainer returned, with the best model's accuracy on the validation images.
     *
     * @param result             DL4J's result: termination reason, best epoch, score per epoch, best model
     * @param validationAccuracy accuracy of {@code result.getBestModel()} on the held-out 20%
     * @param classes            number of classes (chance is {@code 1 / classes})
     */
    public record Outcome(EarlyStoppingResult<ComputationGraph> result, double validationAccuracy, int classes) {}

    private TrainFromScratchWithEarlyStopping() {}

    /**
     * @param args {@code [FOLDER] [--out DIR] [--max-epochs N] [--patience N] [--size PX] [--batch N]}
     * @throws IOException when the data cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        Args a = Args.parse(args, Set.of("--out", "--max-epochs", "--patience", "--size", "--batch"), Set.of());
        Path out = a.path("--out", Path.of("runs", "early-stopping"));
        Path data = a.path(0, null);
        if (data == null) {
            data = ShapesDataset.write(
                    out.resolve("shapes"),
                    ShapesDataset.DEFAULT_PER_CLASS,
                    ShapesDataset.DEFAULT_SIZE,
                    ShapesDataset.DEFAULT_SEED);
            System.out.println("No folder given: training on the generated shapes in " + data);
        }
        Outcome o = run(
                data,
                out,
                a.positiveInt("--max-epochs", 20),
                a.positiveInt("--patience", 3),
                a.positiveInt("--size", 32),
                a.positiveInt("--batch", 32));
        System.out.printf(
                "Stopped: %s (%s). Best epoch %d of %d, validation accuracy %.1f%% (chance %.1f%%)%n",
                o.result().getTerminationReason(),
                o.result().getTerminationDetails(),
                o.result().getBestModelEpoch() + 1,
                o.result().getTotalEpochs(),
                100 * o.validationAccuracy(),
                100.0 / o.classes());
    }

    /**
     * Trains the tiny ResNeXt on {@code dataDir} until the validation loss stops improving.
     *
     * @param dataDir   one sub-folder of images per class
     * @param out       the run folder
     * @param maxEpochs the most epochs to train
     * @param patience  epochs without a validation-loss improvement (of at least 1e-3) before stopping
     * @param size      input side in pixels
     * @param batch     images per batch
     * @return the trainer's result and its best model's validation accuracy
     */
    public static Outcome run(Path dataDir, Path out, int maxEpochs, int patience, int size, int batch) {
        // tag::early-stopping[]
        try (ImageFolderPipeline data = ImageFolderPipeline.fromDirectory(dataDir)
                        .validationSplit(0.2)
                        .seed(42)
                        .imageSize(size)
                        .batchSize(batch)
                        .augment(false) // generated images; for photos, true: random resized crop and flip
                        .build();
                TrainingRun run = TrainingRun.builder(out)
                        .epochs(maxEpochs)
                        .validation(data.validation())
                        .classNames(data.classNames())
                        .ui(UiOptions.disabled()
                                .withStats(UiStats.OFF)) // UiOptions.defaults(): watch it in the browser
                        .modelCard(ModelCard.of(tinySpec(data.numClasses(), size), data.preprocessing()))
                        .build()) {
            ComputationGraph net = run.start(ResNeXt.builder(tinySpec(data.numClasses(), size))
                    .updater(new Adam(1e-2))
                    .seed(42)
                    .build()
                    .init());
            net.addListeners(run.listeners().toArray(TrainingListener[]::new));
            EarlyStoppingConfiguration<ComputationGraph> es = new EarlyStoppingConfiguration.Builder<ComputationGraph>()
                    .scoreCalculator(run.scoreCalculator(Monitor.VAL_LOSS)) // the loss the run just measured
                    .epochTerminationConditions(
                            new MaxEpochsTerminationCondition(maxEpochs),
                            new ScoreImprovementEpochTerminationCondition(patience, 1e-3))
                    .modelSaver(new InMemoryModelSaver<>()) // the best model; the run's checkpoints are on disk too
                    .evaluateEveryNEpochs(1)
                    .build();
            EarlyStoppingResult<ComputationGraph> result = new EarlyStoppingGraphTrainer(es, net, data.train()).fit();
            double accuracy = result.getBestModel().evaluate(data.validation()).accuracy();
            return new Outcome(result, accuracy, data.numClasses());
        }
        // end::early-stopping[]
    }

    /** The tiny ResNeXt (1 block per stage, cardinality 4; 0.37 M parameters) for these classes and input size. */
    private static ResNeXtSpec tinySpec(int classes, int size) {
        return ResNeXtSpec.tiny().withNumClasses(classes).withInputShape(3, size, size);
    }
}
