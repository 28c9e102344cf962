package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link Nd4jBinary} writes the very bytes of {@code Nd4j.write}, and {@code Nd4j.read} reads them back. */
class Nd4jBinaryTest {

    @Test
    void floatsAreNd4jsBytes() throws IOException {
        // more than one chunk and not a whole number of chunks
        assertSameBytes(
                Nd4j.rand(DataType.FLOAT, 1, (1 << 18) + 12345).subi(0.5).muli(1e3));
    }

    @Test
    void doublesAreNd4jsBytes() throws IOException {
        assertSameBytes(Nd4j.rand(DataType.DOUBLE, 7, 40001).subi(0.5));
    }

    @Test
    void specialValuesKeepTheirBits() throws IOException {
        assertSameBytes(Nd4j.createFromArray(
                0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, 1e-40f));
    }

    @Test
    void viewsAndOtherTypesAreNd4jsBytes() throws IOException {
        INDArray m = Nd4j.rand(DataType.FLOAT, 300, 500);
        assertSameBytes(m.get(NDArrayIndex.interval(10, 200), NDArrayIndex.interval(3, 400)));
        assertSameBytes(m.reshape(500, 300).getRow(7));
        assertSameBytes(Nd4j.createFromArray(1, 2, 3, -4));
        assertSameBytes(Nd4j.createFromArray(1L, Long.MIN_VALUE));
        assertSameBytes(Nd4j.rand(DataType.FLOAT, 5, 5).castTo(DataType.HALF));
        assertSameBytes(Nd4j.createFromArray(true, false));
        assertSameBytes(Nd4j.scalar(3.5f));
    }

    private static void assertSameBytes(INDArray a) throws IOException {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(expected)) {
            Nd4j.write(a, out);
        }
        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(actual)) {
            Nd4jBinary.write(a, out);
        }
        assertArrayEquals(expected.toByteArray(), actual.toByteArray(), a.dataType() + " " + a.shapeInfoToString());
        INDArray back = Nd4j.read(new DataInputStream(new ByteArrayInputStream(actual.toByteArray())));
        assertArrayEquals(a.shape(), back.shape());
        assertEquals(a.dataType(), back.dataType());
        // bit for bit (NaN included), which INDArray.equals is not
        assertArrayEquals(a.dup().data().asBytes(), back.data().asBytes());
    }
}
