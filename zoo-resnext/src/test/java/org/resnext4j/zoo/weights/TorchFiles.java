package org.resnext4j.zoo.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** {@code torch.save} files built byte by byte, for tests: pickles, zip archives and legacy files, valid or not. */
final class TorchFiles {

    private TorchFiles() {}

    /** A pickle under construction; each method appends one opcode (and its argument). */
    static final class Pickle {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int... opcodes) {
            for (int o : opcodes) {
                out.write(o);
            }
            return this;
        }

        Pickle proto() {
            return op(0x80, 2);
        }

        Pickle str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            le32(b.length);
            out.writeBytes(b);
            return this;
        }

        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        /** An int: BININT1, BININT or LONG1 by size. */
        Pickle integer(long v) {
            if (v >= 0 && v < 256) {
                return op('K', (int) v);
            }
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                op('J');
                return le32((int) v);
            }
            return long1(BigInteger.valueOf(v));
        }

        Pickle long1(BigInteger v) {
            byte[] be = v.toByteArray();
            op(0x8a, be.length);
            for (int i = be.length - 1; i >= 0; i--) {
                out.write(be[i]);
            }
            return this;
        }

        Pickle tuple(long... values) {
            op('(');
            for (long v : values) {
                integer(v);
            }
            return op('t');
        }

        Pickle le32(int v) {
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(v)
                    .array());
            return this;
        }

        Pickle le64(long v) {
            out.writeBytes(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(v)
                    .array());
            return this;
        }

        Pickle stop() {
            return op('.');
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** {@code _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict())}, without REDUCE. */
    static Pickle tensor(
            Pickle p,
            String storage,
            String type,
            long numel,
            long offset,
            long[] size,
            long[] stride,
            boolean legacy) {
        p.global("torch._utils", "_rebuild_tensor_v2").op('(');
        p.op('(').str("storage").global("torch", type).str(storage).str("cpu").integer(numel);
        if (legacy) {
            p.op('N');
        }
        p.op('t', 'Q').integer(offset).tuple(size).tuple(stride).op(0x89);
        return p.global("collections", "OrderedDict").op(')', 'R').op('t', 'R');
    }

    /** The pickle of {@code {"w": tensor}} over storage "0" of {@code numel} F32 elements. */
    static byte[] stateDictPickle(long numel, long offset, long[] size, long[] stride, boolean legacy) {
        Pickle p = new Pickle().proto().op('}', '(').str("w");
        tensor(p, "0", "FloatStorage", numel, offset, size, stride, legacy);
        return p.op('u').stop().bytes();
    }

    static byte[] floats(ByteOrder order, float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(order);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    /** A zip archive of STORED entries, in the given order (names as given, unchecked). */
    static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                storedEntry(z, e.getKey(), e.getValue());
            }
        }
        return bytes.toByteArray();
    }

    static void storedEntry(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry ze = new ZipEntry(name);
        ze.setMethod(ZipEntry.STORED);
        ze.setSize(data.length);
        ze.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        ze.setCrc(crc.getValue());
        z.putNextEntry(ze);
        z.write(data);
        z.closeEntry();
    }

    /** A legacy file: magic, protocol, system info, {@code main}, the keys pickle, then the storages given. */
    static byte[] legacy(byte[] main, boolean littleEndian, String[] keys, long[] counts, byte[][] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new Pickle()
                .proto()
                .long1(new BigInteger("1950a86a20f9469cfc6c", 16))
                .stop()
                .bytes());
        out.writeBytes(new Pickle().proto().op('M', 0xe9, 0x03).stop().bytes());
        out.writeBytes(new Pickle()
                .proto()
                .op('}', '(')
                .str("little_endian")
                .op(littleEndian ? 0x88 : 0x89)
                .op('u')
                .stop()
                .bytes());
        out.writeBytes(main);
        Pickle k = new Pickle().proto().op(']', '(');
        for (String key : keys) {
            k.str(key);
        }
        out.writeBytes(k.op('e').stop().bytes());
        ByteOrder order = littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        for (int i = 0; i < counts.length; i++) {
            out.writeBytes(
                    ByteBuffer.allocate(8).order(order).putLong(counts[i]).array());
            out.writeBytes(data[i]);
        }
        return out.toByteArray();
    }

    static Path write(Path file, byte[] bytes) throws IOException {
        try (OutputStream o = Files.newOutputStream(file)) {
            o.write(bytes);
        }
        return file;
    }
}
