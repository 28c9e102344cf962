package org.resnext4j.ui;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code Nd4j.write}'s format, written in bulk. ND4J 1.0.0-M2.1's {@code BaseDataBuffer.write} writes one
 * {@code writeFloat} per element (69 million calls for ResNeXt-50's parameters and Adam state, most of a checkpoint
 * write's 1.6 s of CPU); no library writes that format faster, so this class writes the same bytes, the data
 * converted to big-endian a megabyte at a time. The header (shape information, allocation mode, length, type) is
 * still ND4J's own code; only float and double data go the bulk way, every other type is ND4J's loop. A test
 * compares the bytes with {@code Nd4j.write} for each path; {@code Nd4j.read} reads them.
 */
final class Nd4jBinary {

    private static final int CHUNK = 1 << 20;

    private Nd4jBinary() {}

    /** Writes {@code arr} exactly as {@code Nd4j.write(arr, out)} does. */
    static void write(INDArray arr, DataOutputStream out) throws IOException {
        INDArray a = arr.isView() ? arr.dup() : arr;
        DataBuffer data = a.data();
        ByteBuffer src = bulkSource(a);
        if (src == null) {
            Nd4j.write(a, out);
            return;
        }
        DataType type = data.dataType();
        a.shapeInfoDataBuffer().write(out);
        out.writeUTF(data.allocationMode().name());
        out.writeLong(data.length());
        out.writeUTF(type.name());
        int bytes = src.remaining();
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK).order(ByteOrder.BIG_ENDIAN);
        for (int done = 0; done < bytes; ) {
            int n = Math.min(CHUNK, bytes - done);
            ByteBuffer part = src.duplicate();
            part.position(done).limit(done + n);
            part = part.slice().order(ByteOrder.nativeOrder());
            chunk.clear();
            if (type == DataType.FLOAT) {
                chunk.asFloatBuffer().put(part.asFloatBuffer());
            } else {
                chunk.asDoubleBuffer().put(part.asDoubleBuffer());
            }
            out.write(chunk.array(), 0, n);
            done += n;
        }
    }

    /**
     * The host bytes of a float or double buffer that starts at its pointer, exactly its length, else {@code null}
     * (ND4J's loop).
     */
    private static ByteBuffer bulkSource(INDArray a) {
        DataBuffer data = a.data();
        if (data == null
                || (data.dataType() != DataType.FLOAT && data.dataType() != DataType.DOUBLE)
                || data.offset() != 0) {
            return null;
        }
        long bytes = data.length() * data.dataType().width();
        if (bytes > Integer.MAX_VALUE) {
            return null;
        }
        Nd4j.getAffinityManager().ensureLocation(a, AffinityManager.Location.HOST);
        ByteBuffer src = data.asNio();
        return src == null || src.capacity() < bytes
                ? null
                : src.duplicate().position(0).limit((int) bytes).slice().order(ByteOrder.nativeOrder());
    }
}
