package org.resnext4j.zoo.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * DL4J's BatchNormalization bookkeeping for the running statistics, stored as the mean and {@code log10} of the
 * standard deviation, updated through "gradients" that DL4J's NoOp updater subtracts as they are, exactly as its layer:
 * {@code mean[t+1] = mean[t] - (1 - d) (mean[t] - batchMean)},
 * {@code log10std[t+1] = log10(sqrt(d var[t] + (1 - d) batchVar))}.
 */
final class BatchNormRunningStats {

    private static final double ONE_ON_2LOGE_10 = 1.0 / (2 * Math.log(10.0));

    private BatchNormRunningStats() {
    }

    /** The running variance, {@code (10^log10std)^2}, as a vector of the parameter's data type. */
    static INDArray variance(INDArray log10Std) {
        INDArray std = Transforms.pow(Nd4j.valueArrayOf(log10Std.shape(), 10.0, log10Std.dataType()), log10Std,
                false);
        return std.muli(std).reshape(log10Std.length());
    }

    /** Writes the running-statistics updates for one batch's mean and (biased) variance into the gradient views. */
    static void updates(INDArray mean, INDArray log10Std, INDArray batchMean, INDArray batchVar, double decay,
                        INDArray dMean, INDArray dLog10Std) {
        DataType t = mean.dataType();
        dMean.assign(mean.sub(batchMean.castTo(t).reshape(mean.shape())).muli(1 - decay));
        INDArray vari = variance(log10Std);
        INDArray varip1 = vari.mul(decay).addi(batchVar.castTo(t).reshape(vari.shape()).mul(1 - decay));
        dLog10Std.assign(Transforms.log(vari.div(varip1), false).muli(ONE_ON_2LOGE_10).reshape(dLog10Std.shape()));
    }
}
