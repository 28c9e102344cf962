package org.resnext4j.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnext4j.zoo.weights.TorchFiles.Pickle;

/**
 * Hostile and broken {@code torch.save} files, built byte by byte: each gives a {@link WeightFileFormatException}
 * naming the file and the fault (checked word for word), and none runs code, exhausts memory or the stack.
 */
class TorchCheckpointHostileTest {

    @TempDir
    Path dir;

    private static final long[] SIZE = {2, 3};
    private static final long[] STRIDE = {3, 1};

    /** A zip archive as torch writes it: {@code archive/data.pkl} and the storages given. */
    private Path zipFile(String name, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", pickle);
        storages.forEach((k, v) -> entries.put("archive/data/" + k, v));
        return TorchFiles.write(dir.resolve(name), TorchFiles.zip(entries));
    }

    private static Map<String, byte[]> sixFloats() {
        return Map.of("0", new byte[24]);
    }

    /** Opens {@code file} through {@link WeightFile#open}; returns the message, which must start with the file. */
    private static String refused(Path file, String... parts) {
        WeightFileFormatException e = assertThrows(WeightFileFormatException.class, () -> {
            try (WeightFile w = WeightFile.open(file)) {
                for (String n : w.names()) {
                    w.get(n);
                }
            }
        });
        String msg = e.getMessage();
        assertTrue(msg.startsWith(file.toString()), msg);
        for (String p : parts) {
            assertTrue(msg.contains(p), "expected \"" + p + "\" in: " + msg);
        }
        return msg;
    }

    @Test
    void validHandMadeFilesAreRead() throws IOException {
        // the builders below make valid files: the hostile variants differ in one thing each
        Path z = zipFile(
                "ok.pth",
                TorchFiles.stateDictPickle(6, 0, SIZE, STRIDE, false),
                Map.of("0", TorchFiles.floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4, 5, 6)));
        Path l = TorchFiles.write(
                dir.resolve("ok-legacy.pth"),
                TorchFiles.legacy(
                        TorchFiles.stateDictPickle(6, 0, SIZE, STRIDE, true),
                        true,
                        new String[] {"0"},
                        new long[] {6},
                        new byte[][] {TorchFiles.floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4, 5, 6)}));
        for (Path p : new Path[] {z, l}) {
            try (WeightFile w = WeightFile.open(p)) {
                assertArrayEquals(
                        new float[] {1, 2, 3, 4, 5, 6},
                        w.getFloat("w").reshape(6).toFloatVector());
            }
        }
    }

    @Test
    void emptyTensorsAreRead() throws IOException {
        byte[] pickle = TorchFiles.stateDictPickle(0, 0, new long[] {0, 3}, new long[] {3, 1}, false);
        Path f = zipFile("empty.pth", pickle, Map.of("0", new byte[0]));
        try (WeightFile w = WeightFile.open(f)) {
            assertArrayEquals(new long[] {0, 3}, w.getFloat("w").shape());
            assertArrayEquals(new long[] {0, 3}, w.get("w").shape());
        }
    }

    @ParameterizedTest
    @CsvSource({
        "os, system",
        "builtins, eval",
        "posix, system",
        "torch.storage, _load_from_bytes",
        "__main__, Net",
        "torch.nn.modules.conv, Conv2d"
    })
    void globalsOtherThanAStateDictsAreRefusedByName(String module, String name) throws IOException {
        byte[] pickle = new Pickle()
                .proto()
                .global(module, name)
                .str("echo pwned")
                .op(0x85, 'R')
                .stop()
                .bytes();
        Path f = zipFile("global.pth", pickle, Map.of());
        refused(
                f,
                "archive/data.pkl, byte 2: refusing global " + module + "." + name + ": a weights file may name "
                        + "only collections.OrderedDict, torch._utils._rebuild_tensor_v2");
        // STACK_GLOBAL (protocol 4) and the legacy format are refused the same way
        Pickle stack = new Pickle().proto().op(0x8c, module.length());
        stack.out.writeBytes(module.getBytes(StandardCharsets.US_ASCII));
        stack.op(0x8c, name.length());
        stack.out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
        Path s = zipFile("stack.pth", stack.op(0x93).op(')', 'R').stop().bytes(), Map.of());
        refused(s, "refusing global " + module + "." + name);
        Path l = TorchFiles.write(
                dir.resolve("legacy-global.pth"),
                TorchFiles.legacy(pickle, true, new String[0], new long[0], new byte[0][]));
        refused(l, "pickle 4 (the saved object), byte ", "refusing global " + module + "." + name);
    }

    @Test
    void storageLoadFromBytesAsStorageTypeIsRefused() throws IOException {
        Pickle p = new Pickle().proto().op('}', '(').str("w");
        p.global("torch._utils", "_rebuild_tensor_v2").op('(');
        p.op('(').str("storage").global("torch.storage", "_load_from_bytes");
        Path f = zipFile("lfb.pth", p.bytes(), Map.of());
        refused(f, "refusing global torch.storage._load_from_bytes");
    }

    @Test
    void memoBombIsCapped() throws IOException {
        Pickle p = new Pickle().proto().op('N');
        for (int i = 0; i <= TorchUnpickler.MAX_MEMO; i++) {
            p.op('r').le32(i);
        }
        refused(zipFile("memo.pth", p.stop().bytes(), Map.of()), "more than 1000000 memo entries", "memo bomb");
    }

    @Test
    void pushBombIsCapped() throws IOException {
        // a billion-laughs list: one list appended to itself through the memo, millions of times
        Pickle p = new Pickle().proto().op(']', 'q', 0, '(');
        byte[] gets = new byte[2 * 4_000_001];
        for (int i = 0; i < gets.length; i += 2) {
            gets[i] = 'h';
        }
        p.out.writeBytes(gets);
        refused(zipFile("laughs.pth", p.op('e').stop().bytes(), Map.of()), "more than 4000000 values");
    }

    @ParameterizedTest
    @ValueSource(strings = {"lists", "marks", "tuples"})
    void nestingBombIsCapped(String kind) throws IOException {
        Pickle p = new Pickle().proto();
        int n = 100_000;
        switch (kind) {
            case "lists" -> {
                for (int i = 0; i < n; i++) {
                    p.op(']');
                }
                for (int i = 1; i < n; i++) {
                    p.op('a');
                }
            }
            case "marks" -> {
                for (int i = 0; i < n; i++) {
                    p.op('(');
                }
            }
            default -> {
                p.op(')');
                for (int i = 0; i < n; i++) {
                    p.op(0x85);
                }
            }
        }
        String msg = refused(zipFile("deep.pth", p.stop().bytes(), Map.of()), "nested deeper than 100 levels");
        assertTrue(msg.contains(kind.equals("marks") ? "marks" : "containers"), msg);
    }

    @Test
    void hugeDeclaredLengthsAreCheckedBeforeAllocating() throws IOException {
        Pickle p8 = new Pickle().proto().op(0x8d).le64(Long.MAX_VALUE - 3);
        refused(zipFile("str8.pth", p8.stop().bytes(), Map.of()), "a string of 9223372036854775804 bytes declared");
        Pickle p4 = new Pickle().proto().op('X').le32(-1);
        refused(zipFile("str4.pth", p4.stop().bytes(), Map.of()), "a string of 4294967295 bytes declared");
        Pickle b8 = new Pickle().proto().op(0x8e).le64(-1);
        refused(zipFile("bytes8.pth", b8.stop().bytes(), Map.of()), "a string of 18446744073709551615 bytes");
        Pickle long4 = new Pickle().proto().op(0x8b).le32(Integer.MAX_VALUE);
        refused(zipFile("long4.pth", long4.stop().bytes(), Map.of()), "LONG4 of 2147483647 bytes");
    }

    @Test
    void storageSizesThatOverflowAreRefused() throws IOException {
        byte[] pickle = TorchFiles.stateDictPickle(Long.MAX_VALUE / 2, 0, SIZE, STRIDE, false);
        refused(zipFile("numel.pth", pickle, sixFloats()), "storage \"0\" of 4611686018427387903 elements overflows");
        byte[] shape = TorchFiles.stateDictPickle(6, 0, new long[] {1L << 40, 1L << 40}, new long[] {1, 1}, false);
        refused(
                zipFile("shape.pth", shape, sixFloats()),
                "a tensor of size [1099511627776, 1099511627776] and stride " + "[1, 1] overflows");
    }

    @Test
    void tensorsPastTheirStorageAreRefused() throws IOException {
        byte[] past = TorchFiles.stateDictPickle(6, 0, new long[] {3, 3}, new long[] {3, 1}, false);
        refused(
                zipFile("past.pth", past, sixFloats()),
                "a tensor of size [3, 3], stride [3, 1] and offset 0 reaches "
                        + "element 8 of storage \"0\", which has 6 elements");
        byte[] offset = TorchFiles.stateDictPickle(6, 4, SIZE, STRIDE, false);
        refused(zipFile("offset.pth", offset, sixFloats()), "offset 4 reaches element 9");
        byte[] negStride = TorchFiles.stateDictPickle(6, 5, new long[] {6}, new long[] {-1}, false);
        refused(zipFile("negstride.pth", negStride, sixFloats()), "a tensor with stride (-1): expected integers >= 0");
        byte[] negOffset = TorchFiles.stateDictPickle(6, -1, SIZE, STRIDE, false);
        refused(zipFile("negoffset.pth", negOffset, sixFloats()), "storage offset -1, expected an integer >= 0");
        byte[] negSize = TorchFiles.stateDictPickle(6, 0, new long[] {-2, 3}, STRIDE, false);
        refused(zipFile("negsize.pth", negSize, sixFloats()), "a tensor with size (-2, 3): expected integers >= 0");
    }

    @Test
    void truncatedFilesAreRefused() throws IOException {
        byte[] pickle = TorchFiles.stateDictPickle(6, 0, SIZE, STRIDE, false);
        byte[] noStop = Arrays.copyOf(pickle, pickle.length - 1);
        refused(zipFile("nostop.pth", noStop, sixFloats()), "truncated: the pickle ends before its STOP opcode");
        byte[] cutLength = Arrays.copyOf(pickle, 8); // inside the length of the first string
        refused(zipFile("cutstr.pth", cutLength, sixFloats()), "byte 4: truncated: 4 bytes declared, 3 left");

        byte[] whole = Files.readAllBytes(TorchCheckpointReaderTest.pth("dtypes.zip.pth"));
        Path cut = TorchFiles.write(dir.resolve("cut.pth"), Arrays.copyOf(whole, whole.length / 2));
        refused(cut, "not a readable zip archive (truncated or corrupt");

        byte[] legacy = Files.readAllBytes(TorchCheckpointReaderTest.pth("dtypes.legacy.pth"));
        Path cutLegacy = TorchFiles.write(dir.resolve("cut-legacy.pth"), Arrays.copyOf(legacy, legacy.length - 5));
        refused(cutLegacy, "truncated: storage \"", "bytes from byte");
        Path cutPickle = TorchFiles.write(dir.resolve("cut-pickle.pth"), Arrays.copyOf(legacy, 300));
        refused(cutPickle, "pickle 4 (the saved object)", "truncated");
    }

    @Test
    void zipBombsAndCompressedStoragesAreRefused() throws IOException {
        // 80 MiB of zeros deflate to 80 KB: declared sizes are checked before anything is inflated
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 80; i++) {
                z.write(zeros);
            }
            z.closeEntry();
        }
        Path bomb = TorchFiles.write(dir.resolve("bomb.pth"), bytes.toByteArray());
        refused(bomb, "entry archive/data.pkl declares 83886080 bytes, at most 67108864 accepted");

        ByteArrayOutputStream deflated = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(deflated)) {
            TorchFiles.storedEntry(z, "archive/data.pkl", TorchFiles.stateDictPickle(6, 0, SIZE, STRIDE, false));
            z.putNextEntry(new ZipEntry("archive/data/0"));
            z.write(new byte[24]);
            z.closeEntry();
        }
        Path compressed = TorchFiles.write(dir.resolve("deflated.pth"), deflated.toByteArray());
        refused(compressed, "entry archive/data/0 is compressed (method 8); torch.save stores storages uncompressed");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"../data.pkl", "archive/../../etc/passwd", "/archive/data.pkl", "C:/data.pkl", "archive\\..\\x"})
    void unsafeEntryNamesAreRefused(String name) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", TorchFiles.stateDictPickle(6, 0, SIZE, STRIDE, false));
        entries.put(name, new byte[1]);
        Path f = TorchFiles.write(dir.resolve("names.pth"), TorchFiles.zip(entries));
        refused(f, "entry \"" + name + "\" has an unsafe name (an absolute path, \"..\" or a backslash)");
    }

    @Test
    void duplicateEntriesAreRefused() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", TorchFiles.stateDictPickle(6, 0, SIZE, STRIDE, false));
        entries.put("archive/data/0", new byte[24]);
        entries.put("archive/data/X", TorchFiles.floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3, 4, 5, 6));
        byte[] zip = TorchFiles.zip(entries);
        // rename the second storage to the first one's name, in its local header and the central directory
        byte[] from = "archive/data/X".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + from.length <= zip.length; i++) {
            if (Arrays.equals(zip, i, i + from.length, from, 0, from.length)) {
                zip[i + from.length - 1] = '0';
            }
        }
        refused(TorchFiles.write(dir.resolve("dup.pth"), zip), "the zip archive holds entry \"archive/data/0\" twice");
    }

    @Test
    void missingPickleOrStorageIsRefused() throws IOException {
        Path noPickle =
                TorchFiles.write(dir.resolve("nopkl.pth"), TorchFiles.zip(Map.of("archive/data/0", new byte[24])));
        refused(noPickle, "no <archive>/data.pkl entry, so not a torch.save archive (1 entries: [archive/data/0])");
        byte[] pickle = TorchFiles.stateDictPickle(6, 0, SIZE, STRIDE, false);
        refused(zipFile("nostorage.pth", pickle, Map.of()), "storage \"0\" is missing: no entry archive/data/0");
        refused(
                zipFile("short.pth", pickle, Map.of("0", new byte[20])),
                "entry archive/data/0 holds 20 bytes, its storage of 6 F32 elements needs 24");
        byte[] legacy = TorchFiles.legacy(
                TorchFiles.stateDictPickle(6, 0, SIZE, STRIDE, true), true, new String[0], new long[0], new byte[0][]);
        refused(
                TorchFiles.write(dir.resolve("legacy-nokey.pth"), legacy),
                "storage \"0\" is used by a tensor but missing from the storage keys");
        byte[] wrongCount = TorchFiles.legacy(
                TorchFiles.stateDictPickle(6, 0, SIZE, STRIDE, true),
                true,
                new String[] {"0"},
                new long[] {5},
                new byte[][] {new byte[20]});
        refused(
                TorchFiles.write(dir.resolve("legacy-count.pth"), wrongCount),
                "storage \"0\" at byte ",
                " holds 5 elements, its tensors expect 6");
    }

    @Test
    void pathTricksInStorageKeysAreRefused() throws IOException {
        Pickle p = new Pickle().proto().op('}', '(').str("w");
        p.global("torch._utils", "_rebuild_tensor_v2").op('(');
        p.op('(')
                .str("storage")
                .global("torch", "FloatStorage")
                .str("../../etc/passwd")
                .str("cpu")
                .integer(6);
        p.op('t', 'Q');
        refused(zipFile("key.pth", p.bytes(), sixFloats()), "storage key \"../../etc/passwd\" is not a plain name");
    }

    @Test
    void notAStateDictOrNotTorchIsSaidPlainly() throws IOException {
        Path list = zipFile("list.pth", new Pickle().proto().op(']').stop().bytes(), Map.of());
        refused(list, "it holds a list, expected a state dict (a dict of tensors)");
        Path noTensors = zipFile(
                "empty.pth",
                new Pickle()
                        .proto()
                        .op('}', '(')
                        .str("epoch")
                        .integer(3)
                        .op('u')
                        .stop()
                        .bytes(),
                Map.of());
        refused(
                noTensors,
                "it holds no tensors, neither at the top nor under \"state_dict\" or \"model\" (keys: "
                        + "[\"epoch\"])");
        Path badMagic = TorchFiles.write(
                dir.resolve("magic.pth"),
                new Pickle().proto().long1(BigInteger.TEN).stop().bytes());
        refused(badMagic, "a pickle, but not torch.save's: it does not start with torch's magic number");
        Path memo =
                zipFile("memo-get.pth", new Pickle().proto().op('h', 7).stop().bytes(), Map.of());
        refused(memo, "memo entry 7 is read but was never stored");
        Path opcode = zipFile("opcode.pth", new Pickle().proto().op('i').stop().bytes(), Map.of());
        refused(opcode, "opcode 0x69 ('i') is not accepted in a weights file");
        Path text = TorchFiles.write(dir.resolve("notes.pth"), "hello, torch".getBytes(StandardCharsets.US_ASCII));
        refused(
                text,
                "not a valid PyTorch weights file: neither a zip archive (torch >= 1.6) nor a legacy torch.save "
                        + "file (a pickle): it starts with bytes 68 65 6c 6c");
        Path unknown = TorchFiles.write(dir.resolve("weights.dat"), "hello, torch".getBytes(StandardCharsets.US_ASCII));
        refused(
                unknown,
                "not a weights file: neither safetensors nor PyTorch (torch.save), it starts with bytes 68 65");
    }
}
