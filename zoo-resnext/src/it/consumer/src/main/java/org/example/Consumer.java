package org.example;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.ResNeXt;

/** A user's program: build ResNeXt-50 32x4d for 10 classes and classify one (random) image. */
public final class Consumer {

    private Consumer() {
    }

    public static void main(String[] args) {
        ComputationGraph net = ResNeXt.builder("resnext50_32x4d").numClasses(10).seed(1).build().init();
        INDArray image = Nd4j.rand(1, 3, 224, 224);
        INDArray probabilities = net.outputSingle(false, image);
        long[] shape = probabilities.shape();
        double sum = probabilities.sumNumber().doubleValue();
        if (shape.length != 2 || shape[0] != 1 || shape[1] != 10 || Math.abs(sum - 1) > 1e-4) {
            throw new IllegalStateException("unexpected output: shape " + java.util.Arrays.toString(shape)
                    + ", sum " + sum);
        }
        System.out.println("consumer: resnext50_32x4d forward pass OK, " + net.numParams() + " parameters, backend "
                + Nd4j.getBackend().getClass().getSimpleName() + ", output " + probabilities);
    }
}
