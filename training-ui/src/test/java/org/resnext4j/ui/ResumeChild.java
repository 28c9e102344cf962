package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;
import org.resnext4j.datavec.EpochIterator;
import org.resnext4j.datavec.ImageFolderPipeline;
import org.resnext4j.datavec.Normalization;
import org.resnext4j.datavec.StripesDataset;

/**
 * The training program of {@code ExactResumeTest}: a small convolutional network with dropout, Adam on a step
 * schedule after a linear warm-up, on the generated stripes image folder with random-resized-crop and flip
 * augmentation, with torchvision's recipe on top (mixup and cutmix, label smoothing, global gradient clipping, a
 * moving average of the weights that also picks {@code best.zip}), trained with a {@link TrainingRun} through plain
 * {@code net.fit(iterator, epochs)}; resumes when the run folder holds a checkpoint. Run as a child JVM
 * ({@code main}) so the test can kill it with SIGKILL; it prints {@code ITERATION n} after every update, and can
 * hold a checkpoint write half done ({@link #HOLD_WRITE}).
 */
public final class ResumeChild {

    static final List<String> CLASSES = StripesDataset.CLASSES;
    static final int IMAGE = 16;
    static final int BATCH = 8;
    static final long SEED = 7;
    /** System property: hold the n-th checkpoint write of the process half written ({@link #holdWrite}). */
    static final String HOLD_WRITE = "resumechild.holdWrite";

    private ResumeChild() {}

    /**
     * @param args run folder, data folder, epochs
     * @throws IOException never in practice (errors end the JVM with a stack trace)
     */
    public static void main(String[] args) throws IOException {
        PrintStream out = System.out;
        int hold = Integer.getInteger(HOLD_WRITE, 0);
        if (hold > 0) {
            holdWrite(hold, out);
        }
        train(Path.of(args[0]), Path.of(args[1]), Integer.parseInt(args[2]), new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                out.println("ITERATION " + (iteration + 1));
                out.flush();
            }
        });
        System.exit(0);
    }

    /**
     * Holds the {@code n}-th {@code last.zip} write of this process forever, half written (after its parameters), on the
     * background writer thread, after printing {@code HOLDING <file>}: training goes on into the next epoch, so
     * the test can kill the process while that write is in progress.
     */
    private static void holdWrite(int n, PrintStream out) {
        AtomicInteger writes = new AtomicInteger();
        Checkpoints.midWrite = file -> {
            // last.zip's writes only (best.zip may be written from the moving average too)
            if (file.getFileName().toString().startsWith(AtomicFiles.TEMPORARY_PREFIX + RunFolder.LAST_CHECKPOINT)
                    && writes.incrementAndGet() == n) {
                out.println("HOLDING " + file);
                out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    /** Trains (or resumes) the run to {@code epochs} epochs and returns its history. */
    static TrainingResult train(Path runDir, Path data, int epochs, TrainingListener extra) {
        try (ImageFolderPipeline pipeline = pipeline(data);
                TrainingRun run = TrainingRun.builder(runDir)
                        .epochs(epochs)
                        .ema(ema(epochs))
                        .bestCheckpointFromEma(true)
                        .validation(pipeline.validation())
                        .classNames(pipeline.classNames())
                        .progressIntervalSeconds(0)
                        .build()) {
            ComputationGraph net = run.restoreOrStart(network());
            BatchMixing train = mixed(pipeline.train());
            run.prepare(train);
            net.addListeners(run.listeners().toArray(TrainingListener[]::new));
            net.addListeners(clipping());
            if (extra != null) {
                net.addListeners(extra);
            }
            if (run.remainingEpochs() > 0) {
                net.fit(train, run.remainingEpochs());
            }
            return run.result();
        }
    }

    /** The stripes images in {@code data}: a quarter for validation, augmented, in batches of {@link #BATCH}. */
    static ImageFolderPipeline pipeline(Path data) {
        return ImageFolderPipeline.fromDirectory(data)
                .validationSplit(0.25)
                .seed(SEED)
                .imageSize(IMAGE)
                .batchSize(BATCH)
                .normalization(Normalization.IMAGENET)
                .augment(true)
                .build();
    }

    static ComputationGraph network() {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .seed(SEED)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.RELU)
                .updater(new Adam(new WarmupSchedule(new StepSchedule(ScheduleType.EPOCH, 0.01, 0.7, 1), 2, 0.1)))
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutional(IMAGE, IMAGE, 3))
                .addLayer(
                        "conv1",
                        new ConvolutionLayer.Builder(3, 3)
                                .stride(2, 2)
                                .padding(1, 1)
                                .nOut(8)
                                .convolutionMode(ConvolutionMode.Truncate)
                                .activation(Activation.RELU)
                                .build(),
                        "in")
                .addLayer(
                        "conv2",
                        new ConvolutionLayer.Builder(3, 3)
                                .padding(1, 1)
                                .nOut(16)
                                .convolutionMode(ConvolutionMode.Truncate)
                                .activation(Activation.RELU)
                                .build(),
                        "conv1")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv2")
                .addLayer(
                        "fc1",
                        new DenseLayer.Builder()
                                .nOut(16)
                                .activation(Activation.RELU)
                                .dropOut(0.8)
                                .build(),
                        "pool")
                .addLayer(
                        "fc",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                .nOut(CLASSES.size())
                                .activation(Activation.SOFTMAX)
                                .build(),
                        "fc1")
                .setOutputs("fc")
                .build());
        net.init();
        return net;
    }

    /** Epochs of learning-rate warm-up of {@link #network()}. */
    static final int WARMUP = 2;

    /** Mixup 0.2 or cutmix 1.0 per batch and label smoothing 0.1, torchvision's recipe. */
    static BatchMixing mixed(EpochIterator train) {
        return new BatchMixing(train, 0.2, 1.0, 0.1, SEED);
    }

    /**
     * A moving average updated every 4 batches (3 times an epoch), with a decay adjusted as torchvision's for 0.99,
     * reset during the first epoch only (so that the average of later epochs is carried across a resume).
     */
    static ModelEma ema(int epochs) {
        return new ModelEma(ModelEma.adjustedDecay(0.99, BATCH, 4, epochs, 1), 4, 1);
    }

    /** Clipping small enough to act on many batches of this network. */
    static GradientClipping clipping() {
        return new GradientClipping(0.5);
    }

    /** Two runs' first {@code epochs} epochs have the same metrics: iterations, rate, losses and accuracies. */
    static void assertSameEpochs(List<EpochMetrics> a, List<EpochMetrics> b, int epochs, double tol) {
        for (int i = 0; i < epochs; i++) {
            String e = "epoch " + (i + 1);
            assertEquals(a.get(i).iterations(), b.get(i).iterations(), e + " iterations");
            assertEquals(a.get(i).learningRate(), b.get(i).learningRate(), 1e-12, e + " learning rate");
            assertEquals(a.get(i).trainLoss(), b.get(i).trainLoss(), tol, e + " train loss");
            assertEquals(a.get(i).trainAccuracy(), b.get(i).trainAccuracy(), tol, e + " train accuracy");
            assertEquals(a.get(i).valLoss(), b.get(i).valLoss(), tol, e + " validation loss");
            assertEquals(a.get(i).valAccuracy(), b.get(i).valAccuracy(), tol, e + " validation accuracy");
            assertEquals(a.get(i).emaValLoss(), b.get(i).emaValLoss(), tol, e + " EMA validation loss");
            assertEquals(a.get(i).emaValAccuracy(), b.get(i).emaValAccuracy(), tol, e + " EMA validation accuracy");
        }
    }

    /** Two models' parameters differ by at most {@code tol} (the difference is printed). */
    static void assertSameParams(Model reference, Model resumed, double tol) {
        double maxAbs = reference.params().sub(resumed.params()).amaxNumber().doubleValue();
        System.out.println("max |parameter difference| after the resumed run: " + maxAbs);
        assertTrue(maxAbs <= tol, "max |parameter difference| " + maxAbs);
    }

    /**
     * The moving averages in two runs' {@code last.zip} are equal, and so are their {@code best.zip} models (the
     * moving average of the best epoch by its own validation accuracy).
     */
    static void assertSameEma(Path reference, Path run, double tol) {
        for (String file : List.of(RunFolder.LAST_CHECKPOINT, RunFolder.BEST_CHECKPOINT)) {
            Path a = RunFolder.checkpoints(reference).resolve(file);
            Path b = RunFolder.checkpoints(run).resolve(file);
            INDArray emaA = EmaState.read(Checkpoints.readEntry(a, CheckpointEnvelope.EMA_ENTRY), a);
            INDArray emaB = EmaState.read(Checkpoints.readEntry(b, CheckpointEnvelope.EMA_ENTRY), b);
            double d = emaA.sub(emaB).amaxNumber().doubleValue();
            assertTrue(d <= tol, file + ": max |EMA difference| " + d);
            assertEquals(
                    Checkpoints.readMetadata(a).get(CheckpointEnvelope.EMA_KEY),
                    Checkpoints.readMetadata(b).get(CheckpointEnvelope.EMA_KEY),
                    file + " EMA state");
        }
        Path best = RunFolder.best(run);
        assertEquals(
                CheckpointEnvelope.EMA_MODEL_AVERAGE,
                ((Map<?, ?>) Checkpoints.readMetadata(best).get(CheckpointEnvelope.EMA_KEY))
                        .get(CheckpointEnvelope.EMA_MODEL_KEY));
        double d = Checkpoints.load(RunFolder.best(reference))
                .model()
                .params()
                .sub(Checkpoints.load(best).model().params())
                .amaxNumber()
                .doubleValue();
        assertTrue(d <= tol, "best.zip: max |parameter difference| " + d);
    }

    /** The generated stripes data set ({@link StripesDataset}), {@code perClass} images per class. */
    static Path writeImages(Path root, int perClass, long seed) throws IOException {
        return StripesDataset.write(root, perClass, seed);
    }
}
