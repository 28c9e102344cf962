package org.resnext4j.zoo.weights;

import static org.resnext4j.zoo.weights.PickleValues.describe;
import static org.resnext4j.zoo.weights.PickleValues.type;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.resnext4j.zoo.weights.PickleValues.PyDict;
import org.resnext4j.zoo.weights.PickleValues.PyList;
import org.resnext4j.zoo.weights.PickleValues.StorageRef;
import org.resnext4j.zoo.weights.PickleValues.TensorRef;
import org.resnext4j.zoo.weights.PickleValues.Tuple;

/**
 * The torch side of {@link TorchUnpickler}, the policy of {@code torch.load(weights_only=True)}: the globals a state
 * dict may name ({@link Global}), the persistent ids that name storages, and the calls that are interpreted instead
 * of run ({@code OrderedDict}, {@code _rebuild_tensor_v2}, {@code _rebuild_tensor}, {@code _rebuild_parameter}), each
 * checked against the storages' sizes. One instance serves one pickle; errors name the opcode's position through the
 * machine that owns it.
 */
final class TorchGlobals {

    private static final Pattern STORAGE_KEY = Pattern.compile("[A-Za-z0-9_]{1,64}");

    /** The globals a state dict needs; everything else is refused. */
    enum Global {
        ORDERED_DICT("collections", "OrderedDict", null),
        REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2", null),
        REBUILD_TENSOR("torch._utils", "_rebuild_tensor", null),
        REBUILD_PARAMETER("torch._utils", "_rebuild_parameter", null),
        FLOAT_STORAGE("torch", "FloatStorage", DType.F32),
        HALF_STORAGE("torch", "HalfStorage", DType.F16),
        BFLOAT16_STORAGE("torch", "BFloat16Storage", DType.BF16),
        DOUBLE_STORAGE("torch", "DoubleStorage", DType.F64),
        LONG_STORAGE("torch", "LongStorage", DType.I64),
        INT_STORAGE("torch", "IntStorage", DType.I32),
        SHORT_STORAGE("torch", "ShortStorage", DType.I16),
        CHAR_STORAGE("torch", "CharStorage", DType.I8),
        BYTE_STORAGE("torch", "ByteStorage", DType.U8),
        BOOL_STORAGE("torch", "BoolStorage", DType.BOOL);

        final String module;
        final String name;
        /** The element type of a storage class, null for the others. */
        final DType storageType;

        Global(String module, String name, DType storageType) {
            this.module = module;
            this.name = name;
            this.storageType = storageType;
        }

        static Global find(String module, String name) {
            for (Global g : values()) {
                if (g.module.equals(module) && g.name.equals(name)) {
                    return g;
                }
            }
            return null;
        }

        static String allowed() {
            StringBuilder sb = new StringBuilder();
            for (Global g : values()) {
                sb.append(sb.length() == 0 ? "" : ", ")
                        .append(g.module)
                        .append('.')
                        .append(g.name);
            }
            return sb.toString();
        }
    }

    private final TorchUnpickler vm;
    private final Map<String, StorageRef> storages;
    private final boolean persistentIds;

    /**
     * @param vm            the machine, for its error positions and its checked dict insertion
     * @param storages      storages seen so far, by key, shared by the pickles of one file; persistent ids add to it
     * @param persistentIds whether persistent ids (storages) may occur
     */
    TorchGlobals(TorchUnpickler vm, Map<String, StorageRef> storages, boolean persistentIds) {
        this.vm = vm;
        this.storages = storages;
        this.persistentIds = persistentIds;
    }

    /** The allowed global {@code module.name}; any other is refused, naming it. */
    Global global(String module, String name) throws TorchCheckpointFormatException {
        Global g = Global.find(module, name);
        if (g == null) {
            throw vm.bad("refusing global " + module + "." + name + ": a weights file may name only " + Global.allowed()
                    + " (as torch.load(weights_only=True)); save model.state_dict(), not objects or code");
        }
        return g;
    }

    /** A persistent id, which in a torch file names a storage: checked, and recorded in the file's storages. */
    StorageRef persistent(Object pid) throws TorchCheckpointFormatException {
        if (!persistentIds) {
            throw vm.bad("a persistent id where none may be");
        }
        if (!(pid instanceof Tuple t)
                || (t.items.length != 5 && t.items.length != 6)
                || !"storage".equals(t.items[0])) {
            throw vm.bad("persistent id " + type(pid) + " is not a storage ('storage', type, key, location, numel)");
        }
        if (!(t.items[1] instanceof Global g) || g.storageType == null) {
            throw vm.bad("storage of type " + type(t.items[1]) + ", expected one of torch's storage classes");
        }
        if (!(t.items[2] instanceof String key) || !STORAGE_KEY.matcher(key).matches()) {
            throw vm.bad("storage key " + describe(t.items[2]) + " is not a plain name of letters and digits");
        }
        if (!(t.items[4] instanceof Long numel) || numel < 0) {
            throw vm.bad("storage \"" + key + "\" has size " + describe(t.items[4]) + ", expected a count >= 0");
        }
        try {
            Math.multiplyExact(numel, (long) g.storageType.bytes());
        } catch (ArithmeticException e) {
            throw vm.bad("storage \"" + key + "\" of " + numel + " elements overflows");
        }
        if (t.items.length == 6 && t.items[5] != null) {
            throw vm.bad("storage \"" + key + "\" is a storage view of torch < 0.4, which is not supported");
        }
        StorageRef ref = new StorageRef(key, g.storageType, numel);
        StorageRef seen = storages.putIfAbsent(key, ref);
        if (seen != null && !seen.equals(ref)) {
            throw vm.bad("storage \"" + key + "\" is declared as " + seen.numel() + " " + seen.dtype() + " and as "
                    + numel + " " + ref.dtype());
        }
        return seen != null ? seen : ref;
    }

    /** A REDUCE of an allowed callable: interpreted here, never called. */
    Object reduce(Object callable, Object argsObject) throws TorchCheckpointFormatException {
        if (!(callable instanceof Global g)) {
            throw vm.bad("REDUCE calls a " + type(callable) + ", expected an allowed global");
        }
        if (!(argsObject instanceof Tuple argsTuple)) {
            throw vm.bad("REDUCE of " + g.module + "." + g.name + " with a " + type(argsObject) + ", expected a tuple");
        }
        Object[] args = argsTuple.items;
        switch (g) {
            case ORDERED_DICT -> {
                PyDict d = new PyDict();
                if (args.length == 0) {
                    return d;
                }
                // Python 2's OrderedDict.__reduce__: OrderedDict([[key, value], ...])
                if (args.length == 1 && args[0] instanceof PyList pairs) {
                    List<Object> flat = new ArrayList<>();
                    for (Object p : pairs.items) {
                        Object[] kv = p instanceof PyList l
                                ? l.items.toArray()
                                : p instanceof Tuple t ? t.items : new Object[0];
                        if (kv.length != 2) {
                            throw vm.bad("OrderedDict of a list whose items are not [key, value] pairs");
                        }
                        flat.add(kv[0]);
                        flat.add(kv[1]);
                    }
                    vm.setItems(d, flat);
                    return d;
                }
                throw vm.bad("collections.OrderedDict called with " + args.length + " arguments, expected none or a "
                        + "list of pairs");
            }
            case REBUILD_TENSOR_V2 -> {
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                if (args.length != 6 && args.length != 7) {
                    throw vm.bad("_rebuild_tensor_v2 with " + args.length + " arguments, expected 6 or 7");
                }
                return tensor(args);
            }
            case REBUILD_TENSOR -> {
                if (args.length != 4) { // torch < 0.4: (storage, storage_offset, size, stride)
                    throw vm.bad("_rebuild_tensor with " + args.length + " arguments, expected 4");
                }
                return tensor(args);
            }
            case REBUILD_PARAMETER -> {
                if (args.length != 3 || !(args[0] instanceof TensorRef)) {
                    throw vm.bad("_rebuild_parameter expects (tensor, requires_grad, backward_hooks)");
                }
                return args[0];
            }
            default -> throw vm.bad(g.module + "." + g.name + " may only name a storage's type, not be called");
        }
    }

    private TensorRef tensor(Object[] args) throws TorchCheckpointFormatException {
        if (!(args[0] instanceof StorageRef storage)) {
            throw vm.bad("a tensor built on a " + type(args[0]) + ", expected a storage (persistent id)");
        }
        if (!(args[1] instanceof Long offset) || offset < 0) {
            throw vm.bad("a tensor with storage offset " + describe(args[1]) + ", expected an integer >= 0");
        }
        long[] shape = dims(args[2], "size");
        long[] stride = dims(args[3], "stride");
        if (shape.length != stride.length) {
            throw vm.bad("a tensor of size " + Arrays.toString(shape) + " has stride " + Arrays.toString(stride));
        }
        long numel = 1;
        long last = offset;
        try {
            for (int i = 0; i < shape.length; i++) {
                numel = Math.multiplyExact(numel, shape[i]);
                if (shape[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
                }
            }
        } catch (ArithmeticException e) {
            throw vm.bad("a tensor of size " + Arrays.toString(shape) + " and stride " + Arrays.toString(stride)
                    + " overflows");
        }
        if (numel > 0 && last >= storage.numel()) {
            throw vm.bad("a tensor of size " + Arrays.toString(shape) + ", stride " + Arrays.toString(stride)
                    + " and offset " + offset + " reaches element " + last + " of storage \"" + storage.key()
                    + "\", which has " + storage.numel() + " elements");
        }
        return new TensorRef(storage, offset, shape, stride);
    }

    private long[] dims(Object o, String what) throws TorchCheckpointFormatException {
        if (!(o instanceof Tuple t)) {
            throw vm.bad("a tensor whose " + what + " is a " + type(o) + ", expected a tuple of integers");
        }
        if (t.items.length > TorchUnpickler.MAX_RANK) {
            throw vm.bad("a tensor of " + t.items.length + " dimensions, at most " + TorchUnpickler.MAX_RANK);
        }
        long[] out = new long[t.items.length];
        for (int i = 0; i < out.length; i++) {
            if (!(t.items[i] instanceof Long v) || v < 0) {
                throw vm.bad("a tensor with " + what + " " + describe(o) + ": expected integers >= 0");
            }
            out[i] = v;
        }
        return out;
    }
}
