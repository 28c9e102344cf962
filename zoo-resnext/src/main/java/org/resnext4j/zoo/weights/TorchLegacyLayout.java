package org.resnext4j.zoo.weights;

import static org.resnext4j.zoo.weights.TorchCheckpointReader.bad;

import java.io.EOFException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.resnext4j.zoo.weights.PickleValues.PyDict;
import org.resnext4j.zoo.weights.PickleValues.PyList;
import org.resnext4j.zoo.weights.PickleValues.StorageRef;

/**
 * torch &lt; 1.6's layout of a {@link TorchCheckpointReader} file ({@code _use_new_zipfile_serialization=False}, e.g.
 * torchvision's 2017 ImageNet weights): five pickles in a row (torch's magic number, the protocol version 1001, the
 * writer's byte order and type sizes, the object, the list of storage keys), then each storage in that order as an
 * 8-byte element count and its raw bytes. Opening checks each pickle and that every storage's count matches its
 * tensors and its bytes lie inside the file.
 */
final class TorchLegacyLayout extends TorchLayout {

    private static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final long LEGACY_PROTOCOL = 1001;

    private final Path file;
    private final FileChannel channel;
    private final Map<String, Long> offsets;

    private TorchLegacyLayout(Path file, FileChannel channel, Map<String, Long> offsets, ByteOrder order, Object root) {
        super(TorchCheckpointReader.Format.LEGACY, order, root);
        this.file = file;
        this.channel = channel;
        this.offsets = offsets;
    }

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

    /**
     * Opens and checks a legacy file: its five pickles, and each storage's count and extent in the file.
     *
     * @throws TorchCheckpointFormatException naming the file and the fault
     */
    static TorchLegacyLayout open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return readLegacy(file, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static TorchLegacyLayout readLegacy(Path file, FileChannel ch) throws IOException {
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
                    "legacy protocol version " + PickleValues.describe(protocol) + ", expected " + LEGACY_PROTOCOL);
        }
        Object sysInfo = TorchUnpickler.load(in, file + ": pickle 3 (system info)", storages, false);
        if (!(sysInfo instanceof PyDict info && info.map.get("little_endian") instanceof Boolean little)) {
            throw bad(file, "the system info pickle is not a dict with little_endian");
        }
        ByteOrder order = little ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        Object root = TorchUnpickler.load(in, file + ": pickle 4 (the saved object)", storages, true);
        Object keys = TorchUnpickler.load(in, file + ": pickle 5 (storage keys)", storages, false);
        if (!(keys instanceof PyList keyList)) {
            throw bad(file, "the storage keys pickle is a " + PickleValues.type(keys) + ", expected a list");
        }
        long size = ch.size();
        long pos = in.position();
        Map<String, Long> offsets = new LinkedHashMap<>();
        ByteBuffer count = ByteBuffer.allocate(8).order(order);
        for (Object k : keyList.items) {
            StorageRef s = k instanceof String key ? storages.get(key) : null;
            if (s == null) {
                throw bad(file, "storage key " + PickleValues.describe(k) + " is listed, but no tensor uses it");
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
        return new TorchLegacyLayout(file, ch, offsets, order, root);
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

    @Override
    ByteBuffer readStorage(StorageRef s, long byteOffset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        readFully(file, channel, buf, offsets.get(s.key()) + byteOffset);
        return buf.flip();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
