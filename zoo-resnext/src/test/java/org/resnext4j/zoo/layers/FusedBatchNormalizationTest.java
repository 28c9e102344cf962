package org.resnext4j.zoo.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The oneDNN batch normalization against DL4J's own: outputs, gradients and running statistics. */
class FusedBatchNormalizationTest {

    private static ComputationGraph net(Layer bn) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1))
                .activation(Activation.IDENTITY).graphBuilder().addInputs("in")
                .addLayer("bn", bn, "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").setInputTypes(InputType.convolutional(5, 6, 4)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private static double relErr(INDArray a, INDArray b) {
        double n = b.castTo(DataType.DOUBLE).norm2Number().doubleValue();
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).norm2Number().doubleValue() / n;
    }

    @Test
    void matchesDl4jBatchNormalizationInTrainingAndInference() {
        ComputationGraph ours = net(FusedBatchNormalization.of(1e-5, 0.9));
        ComputationGraph dl4j = net(new BatchNormalization.Builder().eps(1e-5).decay(0.9).useLogStd(true).build());
        assertInstanceOf(FusedBatchNormalizationLayer.class, ours.getLayer("bn"));
        Nd4j.getRandom().setSeed(3);
        INDArray p = Nd4j.rand(DataType.FLOAT, ours.params().shape());
        // non-trivial gamma, beta and running statistics; log10 std in a sane range
        ours.setParams(p.sub(0.5));
        dl4j.setParams(ours.params().dup());
        INDArray x = Nd4j.randn(DataType.FLOAT, 3, 4, 5, 6).muli(2).addi(0.7);
        INDArray y = Nd4j.eye(3).getRows(0, 2, 1);

        assertTrue(relErr(ours.outputSingle(false, x), dl4j.outputSingle(false, x)) < 1e-5, "inference");
        assertTrue(relErr(ours.feedForward(x, true).get("bn"), dl4j.feedForward(x, true).get("bn")) < 1e-5,
                "training-mode forward");
        for (ComputationGraph n : new ComputationGraph[] {ours, dl4j}) {
            n.setInputs(x);
            n.setLabels(y);
            n.computeGradientAndScore();
        }
        for (String k : new String[] {"bn_gamma", "bn_beta", "bn_mean", "bn_log10stdev", "out_W"}) {
            INDArray a = ours.gradient().gradientForVariable().get(k);
            INDArray b = dl4j.gradient().gradientForVariable().get(k);
            assertTrue(relErr(a, b) < 1e-4, k + " gradient relative error " + relErr(a, b));
        }
        INDArray expectedMean = ours.getParam("bn_mean").dup().reshape(4).mul(0.9).addi(x.mean(0, 2, 3).mul(0.1));
        ours.fit(new DataSet(x, y));
        dl4j.fit(new DataSet(x, y));
        assertTrue(relErr(ours.getParam("bn_mean").reshape(4), expectedMean) < 1e-5, "running mean = 0.9 old + 0.1 batch");
        assertTrue(relErr(ours.params(), dl4j.params()) < 1e-5, "parameters, running statistics included, after fit");
    }
}
