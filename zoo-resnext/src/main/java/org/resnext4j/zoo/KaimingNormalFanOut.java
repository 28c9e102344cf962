package org.resnext4j.zoo;

import org.deeplearning4j.nn.weights.IWeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * torchvision's convolution initialisation, {@code kaiming_normal_(mode="fan_out", nonlinearity="relu")}: normal
 * with mean 0 and standard deviation {@code sqrt(2 / fan_out)}, where {@code fan_out = out_channels * kH * kW} of
 * the whole convolution.
 *
 * <p>DL4J's own fan-out divides by the stride, and a branch of a split grouped convolution sees only
 * {@code out_channels / groups} outputs; this initialiser reads {@code fan_out} from the weight shape
 * {@code [nOut, nIn, kH, kW]} and multiplies by {@code groups}, so a branch draws from the same distribution as
 * torchvision's grouped {@code Conv2d}.
 */
public final class KaimingNormalFanOut implements IWeightInit {

    private static final long serialVersionUID = 1L;

    private final int groups;

    /** @param groups number of branches the convolution was split into (1 for a plain convolution) */
    public KaimingNormalFanOut(@JsonProperty("groups") int groups) {
        if (groups < 1) {
            throw new IllegalArgumentException("groups: expected a positive integer, got " + groups);
        }
        this.groups = groups;
    }

    public int getGroups() {
        return groups;
    }

    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        long receptive = 1;
        for (int i = 2; i < shape.length; i++) {
            receptive *= shape[i];
        }
        double torchFanOut = (double) shape[0] * groups * receptive;
        Nd4j.randn(paramView).muli(Math.sqrt(2.0 / torchFanOut));
        return paramView.reshape(order, shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KaimingNormalFanOut && ((KaimingNormalFanOut) o).groups == groups;
    }

    @Override
    public int hashCode() {
        return 31 * groups + 7;
    }

    @Override
    public String toString() {
        return "KaimingNormalFanOut(groups=" + groups + ")";
    }
}
