package org.resnext4j.ui;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Writes a zip file whose entries are {@code STORED} (method 0, no compression) while streaming them: each entry's
 * local header is written with zero CRC and sizes, the data follows, and the header is then patched with the CRC-32
 * and size computed on the way. {@link java.util.zip.ZipOutputStream} cannot do this for STORED entries (it needs the
 * CRC before the data), and the usual workaround, a data descriptor, is not readable by
 * {@link java.util.zip.ZipInputStream}; the files written here read with both {@link java.util.zip.ZipFile} and
 * {@code ZipInputStream}. No Zip64: a file or entry over 4 GiB fails with {@link TooLargeException}, and the caller
 * falls back to a writer that has Zip64.
 *
 * <p>Why: a checkpoint is float parameters and optimizer state, which deflate barely shrinks (about 9% for a
 * ResNeXt-50 with Adam) for several seconds of one core per checkpoint (docs/performance.md).
 */
final class StoredZip implements Closeable {

    /** A file or entry passed the 4 GiB that zip files without Zip64 can address. */
    static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException(String message) {
            super(message);
        }
    }

    private static final long MAX = 0xFFFFFFFFL;
    private static final int LOCAL_HEADER = 0x04034b50;
    private static final int CENTRAL_HEADER = 0x02014b50;
    private static final int END_OF_CENTRAL = 0x06054b50;
    private static final int VERSION = 20;
    private static final int UTF8_FLAG = 0x0800;
    private static final int BUFFER = 1 << 20;

    private record Entry(byte[] name, long offset, long crc, long size) {}

    private final FileChannel channel;
    private final List<Entry> entries = new ArrayList<>();
    private final int dosTime;
    private final int dosDate;
    private boolean entryOpen;

    /**
     * @param file the zip file to create (replaced when it exists)
     * @throws IOException when it cannot be opened
     */
    StoredZip(Path file) throws IOException {
        this.channel = FileChannel.open(
                file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        LocalDateTime t = LocalDateTime.now();
        this.dosTime = (t.getHour() << 11) | (t.getMinute() << 5) | (t.getSecond() >> 1);
        this.dosDate = ((Math.max(1980, t.getYear()) - 1980) << 9) | (t.getMonthValue() << 5) | t.getDayOfMonth();
    }

    /**
     * Starts an entry; write its bytes to the returned stream and close it before the next entry.
     *
     * @param name the entry name
     * @return the entry's stream (buffered)
     * @throws IOException when writing the header fails
     */
    OutputStream entry(String name) throws IOException {
        if (entryOpen) {
            throw new IllegalStateException("close the previous entry first");
        }
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        long offset = channel.position();
        writeFully(localHeader(n, 0, 0));
        entryOpen = true;
        return new BufferedOutputStream(new EntryStream(n, offset), BUFFER);
    }

    /**
     * Writes a whole entry.
     *
     * @param name  the entry name
     * @param bytes its content
     * @throws IOException when writing fails
     */
    void entry(String name, byte[] bytes) throws IOException {
        try (OutputStream out = entry(name)) {
            out.write(bytes);
        }
    }

    private ByteBuffer localHeader(byte[] name, long crc, long size) {
        ByteBuffer b = ByteBuffer.allocate(30 + name.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(LOCAL_HEADER)
                .putShort((short) VERSION)
                .putShort((short) UTF8_FLAG)
                .putShort((short) 0)
                .putShort((short) dosTime)
                .putShort((short) dosDate)
                .putInt((int) crc)
                .putInt((int) size)
                .putInt((int) size)
                .putShort((short) name.length)
                .putShort((short) 0)
                .put(name);
        return b.flip();
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** Counts and checksums the entry's bytes, then patches its local header. */
    private final class EntryStream extends OutputStream {
        private final byte[] name;
        private final long offset;
        private final CRC32 crc = new CRC32();
        private long size;
        private boolean closed;

        EntryStream(byte[] name, long offset) {
            this.name = name;
            this.offset = offset;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            crc.update(b, off, len);
            size += len;
            if (size > MAX) {
                throw new TooLargeException("zip entry over 4 GiB (no Zip64 in STORED checkpoints)");
            }
            writeFully(ByteBuffer.wrap(b, off, len));
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            long end = channel.position();
            ByteBuffer patch = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            patch.putInt((int) crc.getValue())
                    .putInt((int) size)
                    .putInt((int) size)
                    .flip();
            while (patch.hasRemaining()) {
                channel.write(patch, offset + 14 + patch.position());
            }
            channel.position(end);
            entries.add(new Entry(name, offset, crc.getValue(), size));
            entryOpen = false;
        }
    }

    /** Writes the central directory and closes the file. */
    @Override
    public void close() throws IOException {
        try {
            if (entryOpen) {
                throw new IllegalStateException("an entry is still open");
            }
            long cdStart = channel.position();
            for (Entry e : entries) {
                if (e.offset > MAX) {
                    throw new TooLargeException("zip file over 4 GiB (no Zip64 in STORED checkpoints)");
                }
                ByteBuffer b = ByteBuffer.allocate(46 + e.name.length).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(CENTRAL_HEADER)
                        .putShort((short) VERSION)
                        .putShort((short) VERSION)
                        .putShort((short) UTF8_FLAG)
                        .putShort((short) 0)
                        .putShort((short) dosTime)
                        .putShort((short) dosDate)
                        .putInt((int) e.crc)
                        .putInt((int) e.size)
                        .putInt((int) e.size)
                        .putShort((short) e.name.length)
                        .putShort((short) 0)
                        .putShort((short) 0)
                        .putShort((short) 0)
                        .putShort((short) 0)
                        .putInt(0)
                        .putInt((int) e.offset)
                        .put(e.name);
                writeFully(b.flip());
            }
            long cdSize = channel.position() - cdStart;
            if (cdStart > MAX || entries.size() > 0xFFFF) {
                throw new TooLargeException("zip file over 4 GiB (no Zip64 in STORED checkpoints)");
            }
            ByteBuffer end = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
            end.putInt(END_OF_CENTRAL)
                    .putShort((short) 0)
                    .putShort((short) 0)
                    .putShort((short) entries.size())
                    .putShort((short) entries.size())
                    .putInt((int) cdSize)
                    .putInt((int) cdStart)
                    .putShort((short) 0);
            writeFully(end.flip());
        } finally {
            channel.close();
        }
    }
}
