package org.resnext4j.zoo.weights;

import java.util.Arrays;

/**
 * One entry of a safetensors header: name, element type, shape, and its byte range {@code [begin, end)} relative to
 * the start of the data section.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    /** Number of elements (1 for a scalar of shape {@code []}). */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
