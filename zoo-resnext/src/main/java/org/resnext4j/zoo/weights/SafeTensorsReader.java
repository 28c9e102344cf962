package org.resnext4j.zoo.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * Reads a <a href="https://github.com/huggingface/safetensors">safetensors</a> file: an 8-byte little-endian header
 * length {@code N}, {@code N} bytes of JSON ({@code name -> {dtype, shape, data_offsets}}, plus an optional
 * {@code __metadata__} map of strings), then the raw little-endian tensor data.
 *
 * <p>The whole header is validated when the file is opened, before any tensor is read: a header length beyond the
 * file or above {@link #MAX_HEADER_BYTES}, malformed JSON, an unknown dtype, a negative dimension, offsets out of the
 * data section or overlapping another tensor's, or a byte length that disagrees with the shape each raise an
 * {@link IOException} naming the file and the tensor. Nothing is read into the heap up front: tensors are read one at
 * a time from memory-mapped regions, so a 340 MB file costs only the tensor being converted.
 *
 * <p>F32, F16 and BF16 (and F64) tensors are returned as {@code float} {@link INDArray}s in C order. One of the
 * formats of {@link WeightFile#open(Path)}.
 */
public final class SafeTensorsReader implements WeightFile {

    /** Largest header accepted (the format's reference implementation uses the same 100 MB bound). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    /** Largest region mapped at once; a tensor larger than this is read in several chunks. */
    private static final long MAX_CHUNK = 1L << 30;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafeTensorsReader(
            Path path,
            FileChannel channel,
            long dataStart,
            Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * Opens and validates {@code file}.
     *
     * @throws NoSuchFileException when it does not exist
     * @throws IOException         naming the file (and tensor) when it is not a valid safetensors file
     */
    public static SafeTensorsReader open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such safetensors file");
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return parse(file, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static SafeTensorsReader parse(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw bad(file, "expected at least 8 bytes (the header length), the file has " + size);
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.flip().getLong();
        if (headerLen < 2 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
            throw bad(
                    file,
                    "header length " + Long.toUnsignedString(headerLen) + " is invalid: expected 2.."
                            + Math.min(MAX_HEADER_BYTES, size - 8) + " (file size " + size + " bytes, at most "
                            + MAX_HEADER_BYTES + " bytes of header)");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLen);
        readFully(ch, header, 8);
        JsonNode root;
        try {
            root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw bad(
                    file,
                    "header is not valid JSON: "
                            + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw bad(file, "header is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataLen = size - dataStart;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                if (!e.getValue().isObject()) {
                    throw bad(file, "__metadata__ is not a JSON object of strings");
                }
                e.getValue()
                        .fields()
                        .forEachRemaining(
                                m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(e.getKey(), tensorInfo(file, e.getKey(), e.getValue(), dataLen));
        }
        checkOverlaps(file, tensors);
        return new SafeTensorsReader(file, ch, dataStart, tensors, metadata);
    }

    private static TensorInfo tensorInfo(Path file, String name, JsonNode node, long dataLen) throws IOException {
        if (!node.isObject()) {
            throw bad(file, "tensor \"" + name + "\": expected an object with dtype, shape and data_offsets");
        }
        JsonNode dtypeNode = node.get("dtype");
        DType dtype = dtypeNode == null ? null : DType.parse(dtypeNode.asText());
        if (dtype == null) {
            throw bad(
                    file,
                    "tensor \"" + name + "\": unknown dtype " + dtypeNode + ", expected one of "
                            + java.util.Arrays.toString(DType.values()));
        }
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw bad(file, "tensor \"" + name + "\": expected a shape array, got " + shapeNode);
        }
        long[] shape = new long[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw bad(
                        file,
                        "tensor \"" + name + "\": expected non-negative integer dimensions, got shape " + shapeNode);
            }
            shape[i] = d.asLong();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException overflow) {
                throw bad(file, "tensor \"" + name + "\": shape " + shapeNode + " overflows");
            }
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null
                || !offsets.isArray()
                || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber()
                || !offsets.get(1).isIntegralNumber()) {
            throw bad(file, "tensor \"" + name + "\": expected data_offsets [begin, end], got " + offsets);
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataLen) {
            throw bad(
                    file,
                    "tensor \"" + name + "\": data_offsets [" + begin + ", " + end
                            + "] out of range: the data section has " + dataLen + " bytes");
        }
        long expectedBytes;
        try {
            expectedBytes = Math.multiplyExact(numel, dtype.bytes());
        } catch (ArithmeticException overflow) {
            throw bad(file, "tensor \"" + name + "\": shape " + shapeNode + " overflows");
        }
        if (end - begin != expectedBytes) {
            throw bad(
                    file,
                    "tensor \"" + name + "\": shape " + shapeNode + " of " + dtype + " needs " + expectedBytes
                            + " bytes, but data_offsets [" + begin + ", " + end + "] hold " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void checkOverlaps(Path file, Map<String, TensorInfo> tensors) throws IOException {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo a = sorted.get(i - 1);
            TensorInfo b = sorted.get(i);
            if (b.begin() < a.end()) {
                throw bad(
                        file,
                        "tensor \"" + b.name() + "\" (bytes " + b.begin() + ".." + b.end() + ") overlaps tensor \""
                                + a.name() + "\" (bytes " + a.begin() + ".." + a.end() + ")");
            }
        }
    }

    private static SafeTensorsFormatException bad(Path file, String what) {
        return new SafeTensorsFormatException(file + ": not a valid safetensors file: " + what);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    /** The file this reader reads. */
    @Override
    public Path path() {
        return path;
    }

    /** Every tensor's header entry, in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} strings (empty when absent). */
    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Whether the file holds a tensor of that name. */
    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public DType dtype(String name) {
        return info(name).dtype();
    }

    @Override
    public long[] shape(String name) {
        return info(name).shape();
    }

    /** Header entry of one tensor. */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException(path + ": no tensor named \"" + name + "\"");
        }
        return info;
    }

    /**
     * One tensor as a {@code float} array in C order with the tensor's shape (a scalar for shape {@code []}).
     *
     * @throws IllegalArgumentException for an unknown name or a non-float dtype
     */
    @Override
    public INDArray getFloat(String name) throws IOException {
        TensorInfo info = info(name);
        if (!info.dtype().isFloat()) {
            throw new IllegalArgumentException(path + ": tensor \"" + name + "\" has dtype " + info.dtype()
                    + ", expected a float type (F32, F16, BF16 or F64)");
        }
        long n = info.numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    path + ": tensor \"" + name + "\" has " + n + " elements, more than one Java array holds");
        }
        float[] out = new float[(int) n];
        int done = 0;
        long elementsPerChunk = MAX_CHUNK / info.dtype().bytes();
        while (done < n) {
            int count = (int) Math.min(elementsPerChunk, n - done);
            long offset = dataStart + info.begin() + (long) done * info.dtype().bytes();
            MappedByteBuffer map = channel.map(
                    FileChannel.MapMode.READ_ONLY,
                    offset,
                    (long) count * info.dtype().bytes());
            map.order(ByteOrder.LITTLE_ENDIAN);
            decode(info.dtype(), map, out, done, count);
            done += count;
        }
        long[] shape = info.shape();
        if (shape.length == 0) {
            return Nd4j.scalar(DataType.FLOAT, out[0]);
        }
        return Nd4j.create(out, shape, 'c');
    }

    private static void decode(DType dtype, ByteBuffer src, float[] out, int at, int count) {
        switch (dtype) {
            case F32 -> src.asFloatBuffer().get(out, at, count);
            case F64 -> {
                for (int i = 0; i < count; i++) {
                    out[at + i] = (float) src.getDouble(i * 8);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    out[at + i] = Half.toFloat(src.getShort(i * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    out[at + i] = Float.intBitsToFloat((src.getShort(i * 2) & 0xffff) << 16);
                }
            }
            default -> throw new IllegalStateException("not a float dtype: " + dtype);
        }
    }

    @Override
    public INDArray get(String name) throws IOException {
        TensorInfo info = info(name);
        long bytes = info.end() - info.begin();
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    path + ": tensor \"" + name + "\" has " + bytes + " bytes, more than one Java array holds");
        }
        MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), bytes);
        map.order(ByteOrder.LITTLE_ENDIAN);
        int es = info.dtype().bytes();
        return Elements.toNative(info.dtype(), info.shape(), map, (int) info.numel(), i -> i * es);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
