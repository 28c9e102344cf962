package org.resnext4j.zoo.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The form every kernel reads and writes: dense, C-ordered arrays of the layer's data type. */
public final class DenseArrays {

    private DenseArrays() {}

    /**
     * Whether {@code a} is dense in C order, judged by its strides (strides of size-1 dimensions do not matter, nor
     * does ND4J's ordering flag, which a vector view may report as 'f').
     */
    public static boolean isContiguousC(INDArray a) {
        long expected = 1;
        for (int i = a.rank() - 1; i >= 0; i--) {
            if (a.size(i) != 1) {
                if (a.stride(i) != expected) {
                    return false;
                }
                expected *= a.size(i);
            }
        }
        return true;
    }

    /** {@code a} as a dense C-ordered array of {@code dataType}: itself when it already is, else a copy. */
    public static INDArray contiguous(INDArray a, DataType dataType) {
        INDArray t = a.dataType() == dataType ? a : a.castTo(dataType);
        return isContiguousC(t) ? t : t.dup('c');
    }
}
