package org.resnext4j.zoo.weights;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntUnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.weights.PickleValues.PyDict;
import org.resnext4j.zoo.weights.PickleValues.TensorRef;

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
 *
 * <p>This class is the state dict and its tensors; each layout's parsing and storage reads are the package-private
 * {@link TorchZipLayout} and {@link TorchLegacyLayout}.
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

    private static final String MODULE_PREFIX = "module.";

    private final Path path;
    private final TorchLayout layout;
    private final Map<String, TensorRef> tensors;
    private final Map<String, String> metadata;

    private TorchCheckpointReader(Path path, TorchLayout layout) throws TorchCheckpointFormatException {
        this.path = path;
        this.layout = layout;
        Map<String, String> meta = new LinkedHashMap<>();
        this.tensors = Collections.unmodifiableMap(stateDict(path, layout.root(), meta));
        this.metadata = Collections.unmodifiableMap(meta);
    }

    /** A reader over an opened layout, closing it when the state dict is not acceptable. */
    private static TorchCheckpointReader of(Path file, TorchLayout layout) throws IOException {
        try {
            return new TorchCheckpointReader(file, layout);
        } catch (IOException | RuntimeException e) {
            layout.close();
            throw e;
        }
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
            return of(file, TorchZipLayout.open(file));
        }
        if (n >= 2 && (head[0] & 0xff) == 0x80) {
            return of(file, TorchLegacyLayout.open(file));
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

    /** A format error naming the file. */
    static TorchCheckpointFormatException bad(Path file, String what) {
        return new TorchCheckpointFormatException(file + ": not a valid PyTorch weights file: " + what);
    }

    // ---- the state dict ----

    /** The tensors of a state dict, or of one nested in a checkpoint dict; scalar entries go to {@code meta}. */
    private static Map<String, TensorRef> stateDict(Path file, Object root, Map<String, String> meta)
            throws TorchCheckpointFormatException {
        if (!(root instanceof PyDict dict)) {
            throw bad(file, "it holds a " + PickleValues.type(root) + ", expected a state dict (a dict of tensors)");
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
                    keys.add(PickleValues.describe(k));
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
        return layout.format();
    }

    /** The byte order of the file's storages ({@code byteorder} entry, or the legacy writer's). */
    public ByteOrder byteOrder() {
        return layout.order();
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
        ByteBuffer bytes = layout.readStorage(t.storage(), t.offset() * es, (int) spanBytes)
                .order(layout.order());
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

    @Override
    public void close() throws IOException {
        layout.close();
    }

    @Override
    public String toString() {
        return path + " (torch.save " + layout.format().name().toLowerCase(java.util.Locale.ROOT) + ", "
                + tensors.size() + " tensors)";
    }
}
