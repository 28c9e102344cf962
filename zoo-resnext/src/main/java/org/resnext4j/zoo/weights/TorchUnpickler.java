package org.resnext4j.zoo.weights;

import static org.resnext4j.zoo.weights.PickleValues.type;

import java.io.EOFException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.resnext4j.zoo.weights.PickleValues.Container;
import org.resnext4j.zoo.weights.PickleValues.PyDict;
import org.resnext4j.zoo.weights.PickleValues.PyList;
import org.resnext4j.zoo.weights.PickleValues.StorageRef;
import org.resnext4j.zoo.weights.PickleValues.Tuple;
import org.resnext4j.zoo.weights.TorchGlobals.Global;

/**
 * A restricted unpickler for the pickles of {@code torch.save}: Python's pickle virtual machine for the opcodes of
 * protocols 2 to 5 that describe plain data, with the policy of {@code torch.load(weights_only=True)}. The only globals
 * a file may name are those a state dict needs ({@link Global}); any other, {@code os.system} or
 * {@code torch.storage._load_from_bytes} alike, is refused with its name before anything is called. Nothing is ever
 * executed: the allowed callables are interpreted ({@link TorchGlobals}: an {@code OrderedDict} becomes a
 * {@link PyDict}, a {@code _rebuild_tensor_v2} call a {@link PickleValues.TensorRef}).
 *
 * <p>Written by hand on purpose: the JVM's pickle libraries (Pyrolite, Jython's) construct whatever classes a file
 * names or have no way to refuse them, and none bounds memory against a hostile file. This one bounds everything a file
 * could inflate: the pickle's length ({@link #MAX_PICKLE_BYTES}), each string ({@link #MAX_STRING_BYTES}), the number
 * of values pushed ({@link #MAX_PUSHES}), memo entries ({@link #MAX_MEMO}), and nesting of marks and containers
 * ({@link #MAX_DEPTH}). The machine itself is a loop, and nothing walks the values it built recursively, so no file
 * can overflow the Java stack.
 *
 * <p>Values are those of {@link PickleValues}: Python {@code None} is {@code null}, {@code int} {@link Long} (or
 * {@link BigInteger} past 64 bits), tuples, lists and dicts are {@link Tuple}, {@link PyList} and {@link PyDict}.
 *
 * <p>This class is the machine only, and stays one class on purpose (about 500 lines): one switch over the opcodes,
 * and the stack, marks, memo and limits that every opcode shares. What the values are is {@link PickleValues}; which
 * globals a file may name and what the allowed calls build is {@link TorchGlobals}.
 */
final class TorchUnpickler {

    /** Longest pickle read (a ResNeXt-101 state dict's is about 150 KB). */
    static final long MAX_PICKLE_BYTES = 64L << 20;
    /** Longest string or bytes value. */
    static final int MAX_STRING_BYTES = 1 << 20;
    /** Most values pushed on the stack by one pickle. */
    static final int MAX_PUSHES = 4_000_000;
    /** Most memo entries. */
    static final int MAX_MEMO = 1_000_000;
    /** Deepest nesting of marks, and of containers in containers. */
    static final int MAX_DEPTH = 100;
    /** Most dimensions of a tensor. */
    static final int MAX_RANK = 64;

    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    /** Bytes to unpickle from: a position, what is left, and reads that fail past the end. */
    interface Input {
        /** The next byte, or -1 at the end. */
        int read() throws IOException;

        /** Exactly {@code n} bytes. @throws EOFException when fewer are left */
        byte[] read(int n) throws IOException;

        long position();

        long remaining();
    }

    /** An {@link Input} over an array. */
    static final class ArrayInput implements Input {
        private final byte[] bytes;
        private int pos;

        ArrayInput(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return pos < bytes.length ? bytes[pos++] & 0xff : -1;
        }

        @Override
        public byte[] read(int n) throws EOFException {
            if (n > bytes.length - pos) {
                throw new EOFException();
            }
            byte[] out = Arrays.copyOfRange(bytes, pos, pos + n);
            pos += n;
            return out;
        }

        @Override
        public long position() {
            return pos;
        }

        @Override
        public long remaining() {
            return bytes.length - pos;
        }
    }

    private final Input in;
    private final String where;
    private final TorchGlobals globals;
    private final long start;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private long opPosition;
    private int pushes;

    /**
     * @param where         the file and part of it, for messages (e.g. {@code "x.pth: archive/data.pkl"})
     * @param storages      storages seen so far, by key, shared by the pickles of one file; persistent ids add to it
     * @param persistentIds whether persistent ids (storages) may occur
     */
    private TorchUnpickler(Input in, String where, Map<String, StorageRef> storages, boolean persistentIds) {
        this.in = in;
        this.where = where;
        this.globals = new TorchGlobals(this, storages, persistentIds);
        this.start = in.position();
    }

    /** Unpickles one value from {@code in}, which is left just after its STOP opcode. */
    static Object load(Input in, String where, Map<String, StorageRef> storages, boolean persistentIds)
            throws IOException {
        return new TorchUnpickler(in, where, storages, persistentIds).run();
    }

    /** A format error at the opcode being run, naming the file and part. */
    TorchCheckpointFormatException bad(String what) {
        return new TorchCheckpointFormatException(where + ", byte " + opPosition + ": " + what);
    }

    private Object run() throws IOException {
        while (true) {
            opPosition = in.position();
            if (opPosition - start > MAX_PICKLE_BYTES) {
                throw bad("the pickle is longer than " + (MAX_PICKLE_BYTES >> 20) + " MiB");
            }
            int op = in.read();
            if (op < 0) {
                throw bad("truncated: the pickle ends before its STOP opcode");
            }
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v < 2 || v > 5) {
                        throw bad("pickle protocol " + v + ", expected 2..5");
                    }
                }
                case 0x95 -> { // FRAME: a length hint, no value
                    long n = ByteBuffer.wrap(bytes(8))
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .getLong();
                    if (n < 0 || n > in.remaining()) {
                        throw bad("frame of " + Long.toUnsignedString(n) + " bytes, only " + in.remaining() + " left");
                    }
                }
                case '.' -> { // STOP
                    return pop();
                }
                case '(' -> { // MARK
                    if (marks.size() >= MAX_DEPTH) {
                        throw bad("marks nested deeper than " + MAX_DEPTH + " levels");
                    }
                    marks.add(stack.size());
                }
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'J' -> push((long) le(4).getInt()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) (le(2).getShort() & 0xffff)); // BININT2
                case 0x8a -> push(longN(u8())); // LONG1
                case 0x8b -> { // LONG4
                    int n = le(4).getInt();
                    if (n < 0 || n > 1024) {
                        throw bad("LONG4 of " + Integer.toUnsignedString(n) + " bytes, at most 1024 accepted");
                    }
                    push(longN(n));
                }
                case 'G' ->
                    push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                case 'X' -> push(utf8(length(le(4).getInt() & 0xffffffffL))); // BINUNICODE
                case 0x8c -> push(utf8(length(u8()))); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(length(le(8).getLong()))); // BINUNICODE8
                case 'T' -> push(utf8(length(le(4).getInt() & 0xffffffffL))); // BINSTRING (Python 2 str)
                case 'U' -> push(utf8(length(u8()))); // SHORT_BINSTRING
                case 'B' -> push(bytes(length(le(4).getInt() & 0xffffffffL))); // BINBYTES
                case 'C' -> push(bytes(length(u8()))); // SHORT_BINBYTES
                case 0x8e -> push(bytes(length(le(8).getLong()))); // BINBYTES8
                case ')' -> push(new Tuple(new Object[0])); // EMPTY_TUPLE
                case 0x85 -> push(tuple(1)); // TUPLE1
                case 0x86 -> push(tuple(2)); // TUPLE2
                case 0x87 -> push(tuple(3)); // TUPLE3
                case 't' -> push(tupleOf(popMark())); // TUPLE
                case ']' -> push(new PyList()); // EMPTY_LIST
                case 'l' -> { // LIST
                    PyList list = new PyList();
                    for (Object o : popMark()) {
                        append(list, o);
                    }
                    push(list);
                }
                case '}' -> push(new PyDict()); // EMPTY_DICT
                case 'd' -> { // DICT
                    List<Object> items = popMark();
                    PyDict dict = new PyDict();
                    setItems(dict, items);
                    push(dict);
                }
                case 'a' -> { // APPEND
                    Object v = pop();
                    append(list(peek()), v);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    PyList list = list(peek());
                    for (Object o : items) {
                        append(list, o);
                    }
                }
                case 's' -> { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    setItems(dict(peek()), Arrays.asList(k, v));
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    setItems(dict(peek()), items);
                }
                case 'q' -> memoPut(u8()); // BINPUT
                case 'r' -> memoPut(le(4).getInt() & 0xffffffffL); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'h' -> memoGet(u8()); // BINGET
                case 'j' -> memoGet(le(4).getInt() & 0xffffffffL); // LONG_BINGET
                case 'c' -> push(globals.global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw bad("STACK_GLOBAL needs two strings, got " + type(module) + " and " + type(name));
                    }
                    push(globals.global(m, n));
                }
                case 'Q' -> push(globals.persistent(pop())); // BINPERSID
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(globals.reduce(callable, args));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    if (cls != Global.ORDERED_DICT || !(args instanceof Tuple t) || t.items.length != 0) {
                        throw bad("NEWOBJ of " + type(cls) + ": only an empty collections.OrderedDict is accepted");
                    }
                    push(new PyDict());
                }
                case 'b' -> { // BUILD
                    Object state = pop();
                    Object target = peek();
                    // an OrderedDict's attributes (a state dict's _metadata): not weights, dropped
                    if (!(target instanceof PyDict)) {
                        throw bad("BUILD (setting the state of an object) on a " + type(target)
                                + ", only an OrderedDict's attributes are accepted");
                    }
                    if (state != null && !(state instanceof PyDict) && !(state instanceof Tuple)) {
                        throw bad("BUILD with a " + type(state) + " as state");
                    }
                }
                default ->
                    throw bad(String.format(
                            "opcode 0x%02x%s is not accepted in a weights file (accepted: the data opcodes of "
                                    + "protocols 2 to 5)",
                            op, op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : ""));
            }
        }
    }

    // ---- reading ----

    private int u8() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw bad("truncated: the pickle ends inside an opcode's argument");
        }
        return b;
    }

    private byte[] bytes(int n) throws IOException {
        try {
            return in.read(n);
        } catch (EOFException e) {
            throw bad("truncated: " + n + " bytes declared, " + in.remaining() + " left");
        }
    }

    private ByteBuffer le(int n) throws IOException {
        return ByteBuffer.wrap(bytes(n)).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A declared length, checked against what is left and {@link #MAX_STRING_BYTES}. */
    private int length(long n) throws IOException {
        if (n < 0 || n > in.remaining()) {
            throw bad("a string of " + Long.toUnsignedString(n) + " bytes declared, only " + in.remaining()
                    + " bytes left (truncated or corrupt)");
        }
        if (n > MAX_STRING_BYTES) {
            throw bad("a string of " + n + " bytes, at most " + MAX_STRING_BYTES + " accepted");
        }
        return (int) n;
    }

    private String utf8(int n) throws IOException {
        byte[] b = bytes(n);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b))
                    .toString();
        } catch (CharacterCodingException e) {
            throw bad("a string that is not valid UTF-8");
        }
    }

    /** A newline-terminated ASCII line of GLOBAL, at most 256 bytes. */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = u8();
            if (b == '\n') {
                return sb.toString();
            }
            if (b < 0x20 || b > 0x7e || sb.length() >= 256) {
                throw bad("GLOBAL's module and name must be short printable ASCII lines");
            }
            sb.append((char) b);
        }
    }

    private Object longN(int n) throws IOException {
        if (n == 0) {
            return 0L;
        }
        byte[] le = bytes(n);
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.compareTo(LONG_MIN) >= 0 && v.compareTo(LONG_MAX) <= 0 ? (Object) v.longValue() : v;
    }

    // ---- stack, marks and memo ----

    private void push(Object o) throws TorchCheckpointFormatException {
        if (++pushes > MAX_PUSHES) {
            throw bad("more than " + MAX_PUSHES + " values: not a weights file, or a pickle bomb");
        }
        stack.add(o);
    }

    private Object pop() throws TorchCheckpointFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw bad("stack underflow (corrupt pickle)");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws TorchCheckpointFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw bad("stack underflow (corrupt pickle)");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws TorchCheckpointFormatException {
        if (marks.isEmpty()) {
            throw bad("no MARK to pop to (corrupt pickle)");
        }
        int at = marks.remove(marks.size() - 1);
        List<Object> top = stack.subList(at, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private void memoPut(long index) throws TorchCheckpointFormatException {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) {
            throw bad("more than " + MAX_MEMO + " memo entries: not a weights file, or a memo bomb");
        }
        memo.put(index, peek());
    }

    private void memoGet(long index) throws TorchCheckpointFormatException {
        if (!memo.containsKey(index)) {
            throw bad("memo entry " + index + " is read but was never stored (corrupt pickle)");
        }
        push(memo.get(index));
    }

    // ---- containers ----

    private static int depthOf(Object o) {
        return o instanceof Container c ? c.depth : 0;
    }

    private void nest(Container parent, Object child) throws TorchCheckpointFormatException {
        int d = depthOf(child) + 1;
        if (d > MAX_DEPTH) {
            throw bad("containers nested deeper than " + MAX_DEPTH + " levels");
        }
        parent.depth = Math.max(parent.depth, d);
    }

    private Tuple tuple(int n) throws TorchCheckpointFormatException {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop();
        }
        return tupleOf(Arrays.asList(items));
    }

    private Tuple tupleOf(List<Object> items) throws TorchCheckpointFormatException {
        Tuple t = new Tuple(items.toArray());
        for (Object o : items) {
            nest(t, o);
        }
        return t;
    }

    private PyList list(Object o) throws TorchCheckpointFormatException {
        if (o instanceof PyList l) {
            return l;
        }
        throw bad("APPEND to a " + type(o) + ", expected a list");
    }

    private PyDict dict(Object o) throws TorchCheckpointFormatException {
        if (o instanceof PyDict d) {
            return d;
        }
        throw bad("SETITEM on a " + type(o) + ", expected a dict");
    }

    private void append(PyList list, Object o) throws TorchCheckpointFormatException {
        nest(list, o);
        if (++pushes > MAX_PUSHES) {
            throw bad("more than " + MAX_PUSHES + " values: not a weights file, or a pickle bomb");
        }
        list.items.add(o);
    }

    void setItems(PyDict dict, List<Object> items) throws TorchCheckpointFormatException {
        if (items.size() % 2 != 0) {
            throw bad("SETITEMS with an odd number of values (corrupt pickle)");
        }
        for (int i = 0; i < items.size(); i += 2) {
            Object k = items.get(i);
            if (!(k == null
                    || k instanceof String
                    || k instanceof Long
                    || k instanceof BigInteger
                    || k instanceof Double
                    || k instanceof Boolean)) {
                throw bad("a dict key that is a " + type(k) + ", expected a string or a number");
            }
            nest(dict, items.get(i + 1));
            dict.map.put(k, items.get(i + 1));
        }
    }
}
