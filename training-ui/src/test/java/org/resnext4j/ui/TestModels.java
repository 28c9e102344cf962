package org.resnext4j.ui;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/** Tiny models and a learnable synthetic problem for the tests. */
final class TestModels {

    static final int FEATURES = 8;
    static final List<String> CLASSES = List.of("cat", "dog", "fox", "owl");

    private TestModels() {}

    /** Learning rate 0.01 halved every epoch: 0.01, 0.005, 0.0025, ... */
    static ISchedule stepSchedule() {
        return new StepSchedule(ScheduleType.EPOCH, 0.01, 0.5, 1);
    }

    /** A ComputationGraph shaped like the zoo's: ... -> "fc" (logits) -> "output" (softmax LossLayer). */
    static ComputationGraph graph(long seed) {
        return graph(seed, new Adam(stepSchedule()), 16);
    }

    /**
     * {@link #graph(long)} with another updater and hidden width: "in" -> "fc1" (ReLU, {@code hidden} units) -> "fc"
     * (logits) -> "output" (softmax LossLayer).
     */
    static ComputationGraph graph(long seed, IUpdater updater, int hidden) {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(updater)
                .graphBuilder()
                .addInputs("in")
                .addLayer(
                        "fc1",
                        new DenseLayer.Builder()
                                .nIn(FEATURES)
                                .nOut(hidden)
                                .activation(Activation.RELU)
                                .build(),
                        "in")
                .addLayer(
                        "fc",
                        new DenseLayer.Builder()
                                .nIn(hidden)
                                .nOut(CLASSES.size())
                                .activation(Activation.IDENTITY)
                                .build(),
                        "fc1")
                .addLayer(
                        "output",
                        new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                .activation(Activation.SOFTMAX)
                                .build(),
                        "fc")
                .setOutputs("output")
                .build());
        net.init();
        return net;
    }

    static MultiLayerNetwork multiLayer(long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(new Adam(0.01))
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(FEATURES)
                        .nOut(16)
                        .activation(Activation.RELU)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(16)
                        .nOut(CLASSES.size())
                        .activation(Activation.SOFTMAX)
                        .build())
                .build());
        net.init();
        return net;
    }

    /**
     * Four Gaussian blobs in 8 dimensions (centres 3 apart, unit noise): learnable to well above 90%,
     * while chance is 25%.
     */
    static DataSet blobs(int n, long seed) {
        Random centresRng = new Random(42);
        float[][] centres = new float[CLASSES.size()][FEATURES];
        for (float[] c : centres) {
            for (int j = 0; j < FEATURES; j++) {
                c[j] = (float) (centresRng.nextGaussian() * 1.5);
            }
        }
        Random rng = new Random(seed);
        float[][] x = new float[n][FEATURES];
        float[][] y = new float[n][CLASSES.size()];
        for (int i = 0; i < n; i++) {
            int cls = i % CLASSES.size();
            for (int j = 0; j < FEATURES; j++) {
                x[i][j] = centres[cls][j] + (float) rng.nextGaussian();
            }
            y[i][cls] = 1;
        }
        INDArray features = Nd4j.createFromArray(x);
        INDArray labels = Nd4j.createFromArray(y);
        return new DataSet(features, labels);
    }

    static DataSetIterator iterator(DataSet data, int batch) {
        List<DataSet> examples = new ArrayList<>(data.asList());
        return new ListDataSetIterator<>(examples, batch);
    }

    /**
     * @param runDir the run folder
     * @param epochs the planned epochs
     * @return a trainer builder for a test: UI server off, no progress lines
     */
    static Trainer.Builder quietTrainer(Path runDir, int epochs) {
        return Trainer.builder()
                .runDir(runDir)
                .epochs(epochs)
                .ui(UiOptions.disabled())
                .progressIntervalSeconds(0);
    }

    /**
     * Fits {@link #graph(long) graph(1)} on 128 training and 64 validation blobs in batches of 32 (4 iterations an
     * epoch).
     */
    static TrainingResult fitSmall(Trainer trainer) {
        return trainer.fit(graph(1), iterator(blobs(128, 1), 32), iterator(blobs(64, 2), 32));
    }
}
