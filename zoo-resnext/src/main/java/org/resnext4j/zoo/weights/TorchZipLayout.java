package org.resnext4j.zoo.weights;

import static org.resnext4j.zoo.weights.TorchCheckpointReader.bad;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.resnext4j.zoo.weights.PickleValues.StorageRef;

/**
 * torch &gt;= 1.6's layout of a {@link TorchCheckpointReader} file: a zip archive with {@code <archive>/data.pkl},
 * one uncompressed entry {@code <archive>/data/<key>} per storage and, from torch 2.1, {@code <archive>/byteorder}.
 * Opening checks entry names (no path tricks), declared and actual sizes (no zip bombs), the single pickle, and that
 * every storage the pickle names is there, stored, and of the size its elements need.
 */
final class TorchZipLayout extends TorchLayout {

    private final Path file;
    private final ZipFile zip;
    private final String archive;

    private TorchZipLayout(Path file, ZipFile zip, String archive, ByteOrder order, Object root) {
        super(TorchCheckpointReader.Format.ZIP, order, root);
        this.file = file;
        this.zip = zip;
        this.archive = archive;
    }

    /**
     * Opens and checks a zip archive: its entries, its pickle, its byte order and every storage entry.
     *
     * @throws TorchCheckpointFormatException naming the file and the fault
     */
    static TorchZipLayout open(Path file) throws IOException {
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

    private static TorchZipLayout readZip(Path file, ZipFile zf) throws IOException {
        long fileSize = Files.size(file);
        Map<String, ZipEntry> entries = new LinkedHashMap<>();
        String archive = null;
        long stored = 0;
        for (Enumeration<? extends ZipEntry> en = zf.entries(); en.hasMoreElements(); ) {
            ZipEntry e = en.nextElement();
            if (entries.size() >= TorchCheckpointReader.MAX_ENTRIES) {
                throw bad(file, "more than " + TorchCheckpointReader.MAX_ENTRIES + " zip entries");
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
        return new TorchZipLayout(file, zf, archive, order, root);
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

    @Override
    ByteBuffer readStorage(StorageRef s, long byteOffset, int length) throws IOException {
        String name = archive + "/data/" + s.key();
        try (InputStream in = zip.getInputStream(zip.getEntry(name))) {
            in.skipNBytes(byteOffset);
            byte[] b = in.readNBytes(length);
            if (b.length != length) {
                throw new EOFException("ends early");
            }
            return ByteBuffer.wrap(b);
        } catch (ZipException | EOFException e) {
            throw bad(file, "entry " + name + " cannot be read (truncated or corrupt: " + e.getMessage() + ")");
        }
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}
