package org.resnext4j.zoo.weights;

import java.nio.ByteBuffer;
import java.util.function.IntUnaryOperator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Decoding of tensor elements from raw bytes, shared by the weight-file readers. Each method takes a buffer already
 * set to the file's byte order and a function giving the byte position of element {@code i} (in C order) in it, so
 * contiguous tensors ({@code i * bytes}) and strided views read alike.
 */
final class Elements {

    private Elements() {}

    /** Elements {@code 0..n-1} as {@code float}; {@code dtype} must be a float type. */
    static float[] toFloat(DType dtype, ByteBuffer src, int n, IntUnaryOperator position) {
        float[] out = new float[n];
        switch (dtype) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = src.getFloat(position.applyAsInt(i));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) src.getDouble(position.applyAsInt(i));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Half.toFloat(src.getShort(position.applyAsInt(i)));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((src.getShort(position.applyAsInt(i)) & 0xffff) << 16);
                }
            }
            default -> throw new IllegalStateException("not a float dtype: " + dtype);
        }
        return out;
    }

    /** Element {@code at} (a byte position) of an integer or boolean type, as a {@code long}. */
    static long longAt(DType dtype, ByteBuffer src, int at) {
        return switch (dtype) {
            case I64 -> src.getLong(at);
            case I32 -> src.getInt(at);
            case I16 -> src.getShort(at);
            case I8 -> src.get(at);
            case U8 -> src.get(at) & 0xff;
            case BOOL -> src.get(at) != 0 ? 1 : 0;
            default -> throw new IllegalStateException("not an integer dtype: " + dtype);
        };
    }

    /**
     * Elements {@code 0..n-1} in the ND4J type that holds {@code dtype} exactly (F32 FLOAT, F64 DOUBLE, F16 FLOAT16, BF16
     * BFLOAT16, I64 LONG, I32 INT32, I16 INT16, I8 INT8, U8 UINT8, BOOL BOOL), with {@code shape} ({@code []} a scalar).
     */
    static INDArray toNative(DType dtype, long[] shape, ByteBuffer src, int n, IntUnaryOperator position) {
        INDArray flat;
        switch (dtype) {
            case F64 -> {
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = src.getDouble(position.applyAsInt(i));
                }
                flat = Nd4j.createFromArray(d);
            }
            case F32, F16, BF16 -> {
                flat = Nd4j.createFromArray(toFloat(dtype, src, n, position));
                if (dtype != DType.F32) {
                    flat = flat.castTo(dtype == DType.F16 ? DataType.FLOAT16 : DataType.BFLOAT16);
                }
            }
            case I64 -> {
                long[] l = new long[n];
                for (int i = 0; i < n; i++) {
                    l[i] = src.getLong(position.applyAsInt(i));
                }
                flat = Nd4j.createFromArray(l);
            }
            case BOOL -> {
                boolean[] b = new boolean[n];
                for (int i = 0; i < n; i++) {
                    b[i] = src.get(position.applyAsInt(i)) != 0;
                }
                flat = Nd4j.createFromArray(b);
            }
            default -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (int) longAt(dtype, src, position.applyAsInt(i));
                }
                flat = Nd4j.createFromArray(v);
                DataType target =
                        switch (dtype) {
                            case I16 -> DataType.INT16;
                            case I8 -> DataType.INT8;
                            case U8 -> DataType.UINT8;
                            default -> DataType.INT32;
                        };
                if (target != DataType.INT32) {
                    flat = flat.castTo(target);
                }
            }
        }
        return shaped(flat, shape);
    }

    /** A flat array given {@code shape}: a scalar for {@code []}, C order otherwise. */
    static INDArray shaped(INDArray flat, long[] shape) {
        if (flat.length() == 0) {
            return Nd4j.create(flat.dataType(), shape);
        }
        if (shape.length == 0) {
            return flat.reshape(new long[0]);
        }
        return flat.reshape('c', shape);
    }
}
