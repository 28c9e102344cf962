package org.resnext4j.zoo.weights;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntUnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.weights.TorchUnpickler.PyDict;
import org.resnext4j.zoo.weights.TorchUnpickler.PyList;
import org.resnext4j.zoo.weights.TorchUnpickler.StorageRef;
import org.resnext4j.zoo.weights.TorchUnpickler.TensorRef;

/**
 * Reads the state dict of a PyTorch {@code torch.save} file ({@code .pth}, {@code .pt}) without Python, in both of
 * torch's formats:
 * <ul>
 *   <li><b>zip</b> (torch &gt;= 1.6): {@code <archive>/data.pkl} (the pickled object), {@code <archive>/data/<key>}
 *       (one uncompressed entry per storage) and, from torch 2.1, {@code <archive>/byteorder}; the folder name
 *       varies;</li>
 *   <li><b>legacy</b> (torch &lt; 1.6, e.g. torchvision's 2017 ImageNet weights): five pickles in a row (a magic
 *       number, the protocol version 1001, the writer's byte order and type sizes, the object, the list of storage
 *       keys), then each storage in that order as an 8-byte element count and its raw bytes.</li>
 * </ul>
 * The pickles are read by {@link TorchUnpickler}, which does what {@code torch.load(weights_only=True)} does: it
 * accepts only {@code collections.OrderedDict}, torch's tensor and parameter rebuild functions and storage classes,
 * and refuses anything else by name ({@code os.system}, a pickled {@code nn.Module}, ...).
 *
 * <p>The object may be a state dict, or a checkpoint dict holding one under {@code state_dict} or {@code model}; its
 * other string, number and boolean entries become {@link #metadata()}. When every tensor name starts with
 * {@code module.} (a model saved inside {@code DataParallel}), that prefix is dropped. A state dict's
 * {@code _metadata} is ignored. Tensors keep torch's views: a storage offset and strides (a transposed or sliced
 * tensor), and several tensors sharing one storage.
 *
 * <p>Hardened like {@link SafeTensorsReader}: the archive's entries, sizes, storage lengths and every tensor's reach
 * into its storage are checked when the file is opened, before any tensor is read, and every fault is a
 * {@link TorchCheckpointFormatException} naming the file, where in it, and what is wrong. Nothing a file declares is
 * allocated before it is checked against the file's size and the limits of {@link TorchUnpickler}: a hostile file
 * costs an error, never an {@link OutOfMemoryError} or a {@link StackOverflowError}. Tensors are read one at a time.
 */
public final class TorchCheckpointReader implements WeightFile {

    /** The two layouts of {@code torch.save}. */
    public enum Format {
        /** torch &gt;= 1.6's zip archive. */
        ZIP,
        /** torch &lt; 1.6's pickles followed by raw storages ({@code _use_new_zipfile_serialization=False}). */
        LEGACY
    }

    /** Most entries in a zip archive. */
    static final int MAX_ENTRIES = 1_000_000;

    private static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long LEGACY_PROTOCOL = 1001;
    private static final String MODULE_PREFIX = "module.";

    private final Path path;
    private final Format format;
    private final ByteOrder order;
    private final ZipFile zip;
    private final String archive;
    private final FileChannel channel;
    private final Map<String, Long> legacyOffsets;
    private final Map<String, TensorRef> tensors;
    private final Map<String, String> metadata;

    private TorchCheckpointReader(
            Path path,
            Format format,
            ByteOrder order,
            ZipFile zip,
            String archive,
            FileChannel channel,
            Map<String, Long> legacyOffsets,
            Object root)
            throws TorchCheckpointFormatException {
        this.path = path;
        this.format = format;
        this.order = order;
        this.zip = zip;
        this.archive = archive;
        this.channel = channel;
        this.legacyOffsets = legacyOffsets;
        Map<String, String> meta = new LinkedHashMap<>();
        this.tensors = Collections.unmodifiableMap(stateDict(path, root, meta));
        this.metadata = Collections.unmodifiableMap(meta);
    }

    /**
     * Opens {@code file}, of either format, and validates it.
     *
     * @throws NoSuchFileException             when it does not exist
     * @throws TorchCheckpointFormatException naming the file and the fault, when it is not a state dict that this
     *                                         reader accepts
     */
    public static TorchCheckpointReader open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such PyTorch file");
        }
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 4);
        }
        if (n >= 2 && head[0] == 'P' && head[1] == 'K') {
            return openZip(file);
        }
        if (n >= 2 && (head[0] & 0xff) == 0x80) {
            return openLegacy(file);
        }
        throw bad(
                file,
                "neither a zip archive (torch >= 1.6) nor a legacy torch.save file (a pickle): it starts with "
                        + hex(head, n));
    }

    static String hex(byte[] b, int n) {
        StringBuilder sb = new StringBuilder(n == 0 ? "nothing (empty file)" : "bytes");
        for (int i = 0; i < n; i++) {
            sb.append(String.format(" %02x", b[i] & 0xff));
        }
        return sb.toString();
    }

    private static TorchCheckpointFormatException bad(Path file, String what) {
        return new TorchCheckpointFormatException(file + ": not a valid PyTorch weights file: " + what);
    }

    // ---- the zip format ----

    private static TorchCheckpointReader openZip(Path file) throws IOException {
        ZipFile zf;
        try {
            zf = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw bad(file, "not a readable zip archive (truncated or corrupt: " + e.getMessage() + ")");
        }
        try {
            return readZip(file, zf);
        } catch (IOException | RuntimeException e) {
            zf.close();
            throw e;
        }
    }

    private static TorchCheckpointReader readZip(Path file, ZipFile zf) throws IOException {
        long fileSize = Files.size(file);
        Map<String, ZipEntry> entries = new LinkedHashMap<>();
        String archive = null;
        long stored = 0;
        for (Enumeration<? extends ZipEntry> en = zf.entries(); en.hasMoreElements(); ) {
            ZipEntry e = en.nextElement();
            if (entries.size() >= MAX_ENTRIES) {
                throw bad(file, "more than " + MAX_ENTRIES + " zip entries");
            }
            String name = e.getName();
            checkEntryName(file, name);
            if (entries.put(name, e) != null) {
                throw bad(file, "the zip archive holds entry \"" + name + "\" twice");
            }
            if (e.getCompressedSize() > fileSize) {
                throw bad(
                        file,
                        "entry \"" + name + "\" declares " + e.getCompressedSize()
                                + " compressed bytes, more than the file's " + fileSize);
            }
            if (e.getMethod() == ZipEntry.STORED) {
                stored += Math.max(0, e.getSize());
            }
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                if (archive != null) {
                    throw bad(file, "two pickles, " + archive + "/data.pkl and " + name);
                }
                archive = name.substring(0, slash);
            }
        }
        if (stored > fileSize) {
            throw bad(
                    file,
                    "its uncompressed entries declare " + stored + " bytes, more than the file's " + fileSize
                            + " (truncated or corrupt)");
        }
        if (archive == null) {
            List<String> names = new ArrayList<>(entries.keySet());
            throw bad(
                    file,
                    "no <archive>/data.pkl entry, so not a torch.save archive (" + names.size() + " entries"
                            + (names.isEmpty() ? "" : ": " + names.subList(0, Math.min(5, names.size()))) + ")");
        }
        String where = file + ": " + archive + "/data.pkl";
        byte[] pickle = readEntry(file, zf, entries.get(archive + "/data.pkl"), TorchUnpickler.MAX_PICKLE_BYTES);
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        ZipEntry byteorder = entries.get(archive + "/byteorder");
        if (byteorder != null) {
            String bo = new String(readEntry(file, zf, byteorder, 16), StandardCharsets.US_ASCII).trim();
            order = switch (bo) {
                case "little" -> ByteOrder.LITTLE_ENDIAN;
                case "big" -> ByteOrder.BIG_ENDIAN;
                default -> throw bad(file, archive + "/byteorder says \"" + bo + "\", expected little or big");
            };
        }
        Map<String, StorageRef> storages = new LinkedHashMap<>();
        Object root = TorchUnpickler.load(new TorchUnpickler.ArrayInput(pickle), where, storages, true);
        for (StorageRef s : storages.values()) {
            String name = archive + "/data/" + s.key();
            ZipEntry e = entries.get(name);
            if (e == null) {
                throw bad(file, "storage \"" + s.key() + "\" is missing: no entry " + name);
            }
            if (e.getMethod() != ZipEntry.STORED) {
                throw bad(
                        file,
                        "entry " + name + " is compressed (method " + e.getMethod()
                                + "); torch.save stores storages uncompressed");
            }
            long need = s.numel() * s.dtype().bytes();
            if (e.getSize() != need) {
                throw bad(
                        file,
                        "entry " + name + " holds " + e.getSize() + " bytes, its storage of " + s.numel() + " "
                                + s.dtype() + " elements needs " + need);
            }
        }
        return new TorchCheckpointReader(file, Format.ZIP, order, zf, archive, null, null, root);
    }

    /** Refuses absolute names, {@code ..} segments and backslashes (path tricks), as a safe unzip would. */
    private static void checkEntryName(Path file, String name) throws TorchCheckpointFormatException {
        boolean absolute = name.startsWith("/") || (name.length() > 1 && name.charAt(1) == ':');
        boolean parent = false;
        for (String segment : name.split("/", -1)) {
            parent |= segment.equals("..");
        }
        if (absolute || parent || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0 || name.isEmpty()) {
            throw bad(file, "entry \"" + name + "\" has an unsafe name (an absolute path, \"..\" or a backslash)");
        }
    }

    /** An entry's bytes, at most {@code max}, whatever its header declares. */
    private static byte[] readEntry(Path file, ZipFile zf, ZipEntry e, long max) throws IOException {
        if (e.getSize() > max) {
            throw bad(
                    file, "entry " + e.getName() + " declares " + e.getSize() + " bytes, at most " + max + " accepted");
        }
        byte[] b;
        try (InputStream in = zf.getInputStream(e)) {
            b = in.readNBytes((int) max + 1);
        } catch (ZipException | EOFException ex) {
            throw bad(file, "entry " + e.getName() + " cannot be read (truncated or corrupt: " + ex.getMessage() + ")");
        }
        if (b.length > max) {
            throw bad(file, "entry " + e.getName() + " expands past " + max + " bytes (a zip bomb?)");
        }
        if (e.getSize() >= 0 && b.length != e.getSize()) {
            throw bad(
                    file,
                    "entry " + e.getName() + " holds " + b.length + " bytes, its header declares " + e.getSize()
                            + " (truncated)");
        }
        return b;
    }

    // ---- the legacy format ----

    /** An {@link TorchUnpickler.Input} over a file channel from a position, buffered. */
    private static final class ChannelInput implements TorchUnpickler.Input {
        private final FileChannel ch;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        private long bufStart;

        ChannelInput(FileChannel ch) throws IOException {
            this.ch = ch;
            this.size = ch.size();
            buf.limit(0);
        }

        @Override
        public int read() throws IOException {
            if (!buf.hasRemaining() && !fill()) {
                return -1;
            }
            return buf.get() & 0xff;
        }

        private boolean fill() throws IOException {
            bufStart += buf.limit();
            buf.clear();
            int n = ch.read(buf, bufStart);
            buf.flip();
            return n > 0;
        }

        @Override
        public byte[] read(int n) throws IOException {
            if (n > remaining()) {
                throw new EOFException();
            }
            byte[] out = new byte[n];
            int done = 0;
            while (done < n) {
                if (!buf.hasRemaining() && !fill()) {
                    throw new EOFException();
                }
                int k = Math.min(n - done, buf.remaining());
                buf.get(out, done, k);
                done += k;
            }
            return out;
        }

        @Override
        public long position() {
            return bufStart + buf.position();
        }

        @Override
        public long remaining() {
            return size - position();
        }
    }

    private static TorchCheckpointReader openLegacy(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return readLegacy(file, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static TorchCheckpointReader readLegacy(Path file, FileChannel ch) throws IOException {
        ChannelInput in = new ChannelInput(ch);
        Map<String, StorageRef> storages = new LinkedHashMap<>();
        Object magic = TorchUnpickler.load(in, file + ": pickle 1 (magic number)", storages, false);
        if (!(magic instanceof BigInteger b && b.equals(MAGIC))) {
            throw bad(file, "a pickle, but not torch.save's: it does not start with torch's magic number");
        }
        Object protocol = TorchUnpickler.load(in, file + ": pickle 2 (protocol version)", storages, false);
        if (!(protocol instanceof Long p && p == LEGACY_PROTOCOL)) {
            throw bad(
                    file,
                    "legacy protocol version " + TorchUnpickler.describe(protocol) + ", expected " + LEGACY_PROTOCOL);
        }
        Object sysInfo = TorchUnpickler.load(in, file + ": pickle 3 (system info)", storages, false);
        if (!(sysInfo instanceof PyDict info && info.map.get("little_endian") instanceof Boolean little)) {
            throw bad(file, "the system info pickle is not a dict with little_endian");
        }
        ByteOrder order = little ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        Object root = TorchUnpickler.load(in, file + ": pickle 4 (the saved object)", storages, true);
        Object keys = TorchUnpickler.load(in, file + ": pickle 5 (storage keys)", storages, false);
        if (!(keys instanceof PyList keyList)) {
            throw bad(file, "the storage keys pickle is a " + TorchUnpickler.type(keys) + ", expected a list");
        }
        long size = ch.size();
        long pos = in.position();
        Map<String, Long> offsets = new LinkedHashMap<>();
        ByteBuffer count = ByteBuffer.allocate(8).order(order);
        for (Object k : keyList.items) {
            StorageRef s = k instanceof String key ? storages.get(key) : null;
            if (s == null) {
                throw bad(file, "storage key " + TorchUnpickler.describe(k) + " is listed, but no tensor uses it");
            }
            if (offsets.containsKey(s.key())) {
                throw bad(file, "storage key \"" + s.key() + "\" is listed twice");
            }
            if (size - pos < 8) {
                throw bad(
                        file,
                        "truncated: storage \"" + s.key() + "\" should start at byte " + pos + ", the file has " + size
                                + " bytes");
            }
            count.clear();
            readFully(file, ch, count, pos);
            long n = count.flip().getLong();
            if (n != s.numel()) {
                throw bad(
                        file,
                        "storage \"" + s.key() + "\" at byte " + pos + " holds " + n + " elements, its "
                                + "tensors expect " + s.numel());
            }
            long bytes = n * s.dtype().bytes(); // no overflow: checked when the persistent id was read
            if (bytes > size - pos - 8) {
                throw bad(
                        file,
                        "truncated: storage \"" + s.key() + "\" needs " + bytes + " bytes from byte " + (pos + 8)
                                + ", the file has " + size);
            }
            offsets.put(s.key(), pos + 8);
            pos += 8 + bytes;
        }
        for (String key : storages.keySet()) {
            if (!offsets.containsKey(key)) {
                throw bad(file, "storage \"" + key + "\" is used by a tensor but missing from the storage keys");
            }
        }
        return new TorchCheckpointReader(file, Format.LEGACY, order, null, null, ch, offsets, root);
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw bad(file, "truncated at byte " + pos);
            }
            pos += n;
        }
    }

    // ---- the state dict ----

    /** The tensors of a state dict, or of one nested in a checkpoint dict; scalar entries go to {@code meta}. */
    private static Map<String, TensorRef> stateDict(Path file, Object root, Map<String, String> meta)
            throws TorchCheckpointFormatException {
        if (!(root instanceof PyDict dict)) {
            throw bad(file, "it holds a " + TorchUnpickler.type(root) + ", expected a state dict (a dict of tensors)");
        }
        for (int level = 0; ; level++) {
            scalars(dict, meta);
            if (dict.map.values().stream().anyMatch(v -> v instanceof TensorRef) || level == 3) {
                break;
            }
            Object inner = dict.map.get("state_dict");
            if (!(inner instanceof PyDict)) {
                inner = dict.map.get("model");
            }
            if (!(inner instanceof PyDict d)) {
                break;
            }
            dict = d;
        }
        Map<String, TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<Object, Object> e : dict.map.entrySet()) {
            if (e.getKey() instanceof String k && e.getValue() instanceof TensorRef t) {
                out.put(k, t);
            }
        }
        if (out.isEmpty()) {
            List<String> keys = new ArrayList<>();
            for (Object k : dict.map.keySet()) {
                if (keys.size() < 10) {
                    keys.add(TorchUnpickler.describe(k));
                }
            }
            throw bad(
                    file,
                    "it holds no tensors, neither at the top nor under \"state_dict\" or \"model\" (keys: " + keys
                            + (dict.map.size() > 10 ? " ..." : "") + ")");
        }
        if (out.keySet().stream().allMatch(k -> k.startsWith(MODULE_PREFIX))) {
            Map<String, TensorRef> stripped = new LinkedHashMap<>();
            out.forEach((k, v) -> stripped.put(k.substring(MODULE_PREFIX.length()), v));
            return stripped;
        }
        return out;
    }

    private static void scalars(PyDict dict, Map<String, String> meta) {
        for (Map.Entry<Object, Object> e : dict.map.entrySet()) {
            Object v = e.getValue();
            if (e.getKey() instanceof String k
                    && (v instanceof String
                            || v instanceof Long
                            || v instanceof Double
                            || v instanceof Boolean
                            || v instanceof BigInteger)) {
                meta.putIfAbsent(k, v.toString());
            }
        }
    }

    // ---- the API ----

    @Override
    public Path path() {
        return path;
    }

    /** Which of torch's two layouts the file has. */
    public Format format() {
        return format;
    }

    /** The byte order of the file's storages ({@code byteorder} entry, or the legacy writer's). */
    public ByteOrder byteOrder() {
        return order;
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    private TensorRef ref(String name) {
        TensorRef t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(path + ": no tensor named \"" + name + "\"");
        }
        return t;
    }

    @Override
    public DType dtype(String name) {
        return ref(name).storage().dtype();
    }

    @Override
    public long[] shape(String name) {
        return ref(name).shape().clone();
    }

    /** The tensor's strides in elements (torch's {@code stride()}): C order unless it is a view. */
    public long[] stride(String name) {
        return ref(name).stride().clone();
    }

    /** Where the tensor starts in its storage, in elements (torch's {@code storage_offset()}). */
    public long storageOffset(String name) {
        return ref(name).offset();
    }

    /** The key of the tensor's storage: tensors that share a storage have the same key. */
    public String storageKey(String name) {
        return ref(name).storage().key();
    }

    /** For a checkpoint dict: its entries that are strings, numbers or booleans (e.g. {@code epoch}). */
    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public INDArray getFloat(String name) throws IOException {
        TensorRef t = ref(name);
        DType dtype = t.storage().dtype();
        if (!dtype.isFloat()) {
            throw new IllegalArgumentException(path + ": tensor \"" + name + "\" has dtype " + dtype
                    + ", expected a float type (F32, F16, BF16 or F64)");
        }
        Span s = span(name, t);
        return Elements.shaped(Nd4j.createFromArray(Elements.toFloat(dtype, s.bytes, s.n, s.position)), t.shape());
    }

    @Override
    public INDArray get(String name) throws IOException {
        TensorRef t = ref(name);
        Span s = span(name, t);
        return Elements.toNative(t.storage().dtype(), t.shape(), s.bytes, s.n, s.position);
    }

    /** The bytes of a tensor's storage from its first to its last element, and where each element lies in them. */
    private record Span(ByteBuffer bytes, int n, IntUnaryOperator position) {}

    private Span span(String name, TensorRef t) throws IOException {
        long n = t.numel();
        int es = t.storage().dtype().bytes();
        long last = 0;
        for (int i = 0; i < t.shape().length; i++) {
            last += (t.shape()[i] - 1) * t.stride()[i];
        }
        long spanBytes = n == 0 ? 0 : (last + 1) * es; // bounded by the storage: checked on open
        if (n > Integer.MAX_VALUE - 8 || spanBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(path + ": tensor \"" + name + "\" has " + n + " elements over "
                    + spanBytes + " bytes of its storage, more than one Java array holds");
        }
        ByteBuffer bytes =
                readStorage(t.storage(), t.offset() * es, (int) spanBytes).order(order);
        IntUnaryOperator position;
        if (t.contiguous()) {
            position = i -> i * es;
        } else {
            long[] shape = t.shape();
            long[] stride = t.stride();
            position = i -> {
                long rem = i;
                long at = 0;
                for (int d = shape.length - 1; d >= 0; d--) {
                    at += (rem % shape[d]) * stride[d];
                    rem /= shape[d];
                }
                return (int) (at * es);
            };
        }
        return new Span(bytes, (int) n, position);
    }

    private ByteBuffer readStorage(StorageRef s, long byteOffset, int length) throws IOException {
        if (format == Format.LEGACY) {
            ByteBuffer buf = ByteBuffer.allocate(length);
            readFully(path, channel, buf, legacyOffsets.get(s.key()) + byteOffset);
            return buf.flip();
        }
        String name = archive + "/data/" + s.key();
        try (InputStream in = zip.getInputStream(zip.getEntry(name))) {
            in.skipNBytes(byteOffset);
            byte[] b = in.readNBytes(length);
            if (b.length != length) {
                throw new EOFException("ends early");
            }
            return ByteBuffer.wrap(b);
        } catch (ZipException | EOFException e) {
            throw bad(path, "entry " + name + " cannot be read (truncated or corrupt: " + e.getMessage() + ")");
        }
    }

    @Override
    public void close() throws IOException {
        if (zip != null) {
            zip.close();
        }
        if (channel != null) {
            channel.close();
        }
    }

    @Override
    public String toString() {
        return path + " (torch.save " + format.name().toLowerCase(java.util.Locale.ROOT) + ", " + tensors.size()
                + " tensors)";
    }
}
