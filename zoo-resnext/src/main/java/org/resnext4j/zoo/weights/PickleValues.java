package org.resnext4j.zoo.weights;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnext4j.zoo.weights.TorchGlobals.Global;

/**
 * The values {@link TorchUnpickler} builds, and how messages name them. Python {@code None} is {@code null},
 * {@code bool} {@link Boolean}, {@code int} {@link Long} (or {@link BigInteger} past 64 bits), {@code float}
 * {@link Double}, {@code str} {@link String}, {@code bytes} {@code byte[]}; tuples, lists and dicts are {@link Tuple},
 * {@link PyList} and {@link PyDict}; an allowed global is a {@link Global}; storages and tensors, the results of
 * torch's calls ({@link TorchGlobals}), are {@link StorageRef} and {@link TensorRef}. Containers carry their nesting
 * depth, which the machine bounds as it builds them, so nothing here walks a value recursively.
 */
final class PickleValues {

    private PickleValues() {}

    /** Something with a nesting depth: a container. */
    abstract static class Container {
        int depth = 1;
    }

    /** A Python tuple. */
    static final class Tuple extends Container {
        final Object[] items;

        Tuple(Object[] items) {
            this.items = items;
        }
    }

    /** A Python list. */
    static final class PyList extends Container {
        final List<Object> items = new ArrayList<>();
    }

    /** A Python dict or OrderedDict; keys are strings, numbers, booleans or None. */
    static final class PyDict extends Container {
        final Map<Object, Object> map = new LinkedHashMap<>();
    }

    /** A storage named by a persistent id: its key, element type and length in elements. */
    record StorageRef(String key, DType dtype, long numel) {}

    /** A tensor: a view of {@code shape} and {@code stride} (in elements) from {@code offset} into a storage. */
    record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {
        long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        boolean contiguous() {
            long expected = 1;
            for (int i = shape.length - 1; i >= 0; i--) {
                if (shape[i] != 1 && stride[i] != expected) {
                    return false;
                }
                expected *= shape[i];
            }
            return true;
        }
    }

    /** The Python type of a value, for messages (never its contents, which may be nested without end). */
    static String type(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Global g) {
            return g.module + "." + g.name;
        }
        if (o instanceof Tuple) {
            return "tuple";
        }
        if (o instanceof PyList) {
            return "list";
        }
        if (o instanceof PyDict) {
            return "dict";
        }
        if (o instanceof TensorRef) {
            return "tensor";
        }
        if (o instanceof StorageRef) {
            return "storage";
        }
        if (o instanceof String) {
            return "str";
        }
        if (o instanceof Long || o instanceof BigInteger) {
            return "int";
        }
        if (o instanceof Double) {
            return "float";
        }
        if (o instanceof Boolean) {
            return "bool";
        }
        if (o instanceof byte[]) {
            return "bytes";
        }
        return o.getClass().getSimpleName();
    }

    /** A scalar's value, a tuple of scalars' values, or else the type: short, and never recursive. */
    static String describe(Object o) {
        if (o instanceof String s) {
            return "\"" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "\"";
        }
        if (o instanceof Long || o instanceof BigInteger || o instanceof Double || o instanceof Boolean) {
            return o.toString();
        }
        if (o instanceof Tuple t && t.items.length <= TorchUnpickler.MAX_RANK) {
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < t.items.length; i++) {
                Object x = t.items[i];
                sb.append(i == 0 ? "" : ", ").append(x instanceof Long || x instanceof Double ? x.toString() : type(x));
            }
            return sb.append(")").toString();
        }
        return "a " + type(o);
    }
}
