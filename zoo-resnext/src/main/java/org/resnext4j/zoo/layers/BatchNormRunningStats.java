package org.resnext4j.zoo.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's BatchNormalization bookkeeping for the running statistics, stored as the mean and {@code log10} of the
 * standard deviation, updated through "gradients" that DL4J's NoOp updater subtracts as they are, exactly as its layer:
 * {@code mean[t+1] = mean[t] - (1 - d) (mean[t] - batchMean)},
 * {@code log10std[t+1] = log10(sqrt(d var[t] + (1 - d) batchVar))}. Computed in Java doubles over the channels: a
 * handful of values per layer, where ND4J's per-operation overhead would cost more than the arithmetic.
 */
final class BatchNormRunningStats {

    private static final double ONE_ON_2LOGE_10 = 1.0 / (2 * Math.log(10.0));

    private BatchNormRunningStats() {}

    /** The running variance, {@code (10^log10std)^2}, as a vector of the parameter's data type. */
    static INDArray variance(INDArray log10Std) {
        double[] v = log10Std.toDoubleVector();
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.pow(10, 2 * v[i]);
        }
        return vector(v, log10Std.dataType());
    }

    /** Writes the running-statistics updates for one batch's mean and (biased) variance into the gradient views. */
    static void updates(
            INDArray mean,
            INDArray log10Std,
            INDArray batchMean,
            INDArray batchVar,
            double decay,
            INDArray dMean,
            INDArray dLog10Std) {
        double[] m = mean.toDoubleVector();
        double[] l = log10Std.toDoubleVector();
        double[] bm = batchMean.toDoubleVector();
        double[] bv = batchVar.toDoubleVector();
        double[] dm = new double[m.length];
        double[] dl = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            dm[i] = (1 - decay) * (m[i] - bm[i]);
            double var = Math.pow(10, 2 * l[i]);
            dl[i] = Math.log(var / (decay * var + (1 - decay) * bv[i])) * ONE_ON_2LOGE_10;
        }
        dMean.assign(vector(dm, dMean.dataType()).reshape(dMean.shape()));
        dLog10Std.assign(vector(dl, dLog10Std.dataType()).reshape(dLog10Std.shape()));
    }

    private static INDArray vector(double[] v, DataType type) {
        if (type == DataType.DOUBLE) {
            return Nd4j.createFromArray(v);
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        INDArray a = Nd4j.createFromArray(f);
        return type == DataType.FLOAT ? a : a.castTo(type);
    }
}
