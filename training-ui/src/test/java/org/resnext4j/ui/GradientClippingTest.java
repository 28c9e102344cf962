package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Global gradient-norm clipping happens between the backward pass and the updater: with plain SGD at rate 1 an
 * update is the gradient, so the clipped update must be the unclipped one times {@code max / (norm + 1e-6)}, the
 * norm taken over the trained parameters only; the batch norm's running statistics (updated through their
 * "gradients" with a NoOp updater) move exactly as without clipping.
 */
class GradientClippingTest {

    private static MultiLayerNetwork network() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(3)
                .dataType(DataType.DOUBLE)
                .updater(new Sgd(1.0))
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(3)
                        .nOut(4)
                        .activation(Activation.TANH)
                        .build())
                .layer(new BatchNormalization.Builder().nOut(4).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(2)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build());
        net.init();
        return net;
    }

    private static DataSet batch() {
        INDArray x = Nd4j.createFromArray(new double[][] {{1, -2, 0.5}, {0.3, 0.8, -1}, {2, 0, 1}});
        INDArray y = Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}, {0.3, 0.7}});
        return new DataSet(x, y);
    }

    /** Offsets of the batch norm's running mean and variance in the flat parameter vector. */
    private static boolean[] runningStats(MultiLayerNetwork net) {
        boolean[] stats = new boolean[(int) net.numParams()];
        long offset = 0;
        for (int i = 0; i < net.getnLayers(); i++) {
            Map<String, INDArray> table = net.getLayer(i).paramTable();
            for (String key : net.getLayer(i)
                    .conf()
                    .getLayer()
                    .initializer()
                    .paramKeys(net.getLayer(i).conf().getLayer())) {
                long n = table.get(key).length();
                boolean isStat = key.equals("mean") || key.equals("var") || key.equals("log10stdev");
                for (long k = 0; k < n; k++) {
                    stats[(int) (offset + k)] = isStat;
                }
                offset += n;
            }
        }
        return stats;
    }

    @Test
    void clippedUpdateIsTheUnclippedOneScaledByMaxOverGlobalNorm() {
        MultiLayerNetwork plain = network();
        MultiLayerNetwork clipped = network();
        INDArray start = plain.params().dup();
        assertEquals(start, clipped.params());
        plain.fit(batch());
        double[] raw = start.sub(plain.params()).toDoubleVector();
        boolean[] stats = runningStats(plain);
        double sumSq = 0;
        int statCount = 0;
        for (int i = 0; i < raw.length; i++) {
            if (stats[i]) {
                statCount++;
            } else {
                sumSq += raw[i] * raw[i];
            }
        }
        assertEquals(8, statCount, "mean and variance of 4 channels");
        double norm = Math.sqrt(sumSq);
        double max = norm / 4;
        double coefficient = max / (norm + 1e-6);

        GradientClipping clipping = new GradientClipping(max);
        clipped.addListeners(clipping);
        clipped.fit(batch());
        double[] update = start.sub(clipped.params()).toDoubleVector();
        double[] expected = new double[raw.length];
        for (int i = 0; i < raw.length; i++) {
            expected[i] = stats[i] ? raw[i] : raw[i] * coefficient;
        }
        assertArrayEquals(expected, update, 1e-12);
        assertTrue(coefficient < 0.26 && coefficient > 0.24);
    }

    @Test
    void aGradientBelowTheMaximumIsLeftAsItIs() {
        MultiLayerNetwork plain = network();
        MultiLayerNetwork clipped = network();
        plain.fit(batch());
        clipped.addListeners(new GradientClipping(1e6));
        clipped.fit(batch());
        assertEquals(plain.params(), clipped.params());
    }

    @Test
    void rejectsANonPositiveMaximum() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GradientClipping(0));
        assertTrue(e.getMessage().contains("clip-grad-norm"), e.getMessage());
    }
}
