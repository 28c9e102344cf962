package org.resnext4j.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * {@link TorchCheckpointReader} against files written by PyTorch 1.13 in both formats ({@code
 * tools/make_pth_fixtures.py}): every tensor equal to the one the script wrote to safetensors, views, shared storages,
 * checkpoint nesting, DataParallel's prefix, big-endian storages, and a torchvision-named state dict loaded into a
 * DL4J graph.
 */
class TorchCheckpointReaderTest {

    @TempDir
    Path dir;

    static Path pth(String name) {
        return Fixtures.file("pth/" + name);
    }

    private static void assertSameTensor(WeightFile expected, String expectedName, WeightFile actual, String name)
            throws IOException {
        assertEquals(expected.dtype(expectedName), actual.dtype(name), name);
        assertArrayEquals(expected.shape(expectedName), actual.shape(name), name);
        INDArray want = expected.get(expectedName);
        INDArray got = actual.get(name);
        assertEquals(want.dataType(), got.dataType(), name);
        assertArrayEquals(want.shape(), got.shape(), name);
        assertEquals(want, got, name);
        if (expected.dtype(expectedName).isFloat()) {
            assertEquals(expected.getFloat(expectedName), actual.getFloat(name), name);
            assertEquals(DataType.FLOAT, actual.getFloat(name).dataType());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"zip", "legacy"})
    void everyTensorEqualsWhatTorchWrote(String format) throws IOException {
        try (WeightFile expected = WeightFile.open(pth("dtypes.expected.safetensors"));
                WeightFile file = WeightFile.open(pth("dtypes." + format + ".pth"))) {
            TorchCheckpointReader torch = assertInstanceOf(TorchCheckpointReader.class, file);
            assertEquals(TorchCheckpointReader.Format.valueOf(format.toUpperCase()), torch.format());
            assertEquals(new ArrayList<>(expected.names()), new ArrayList<>(file.names()), "names, in order");
            for (String name : expected.names()) {
                assertSameTensor(expected, name, file, name);
            }
            // spot checks of values the script set on purpose
            assertEquals(65504.0f, file.getFloat("f16").getFloat(3));
            assertEquals(1L << 62, file.get("i64").getLong(2));
            assertEquals(255, file.get("u8").getInt(4));
            assertEquals(12L, file.get("bn.num_batches_tracked").getLong(0));
            assertEquals(0, file.shape("scalar").length);
            assertEquals(2.5f, file.getFloat("scalar").getFloat(0));
            assertThrows(IllegalArgumentException.class, () -> file.getFloat("i64"), "an integer is not float");
            assertThrows(IllegalArgumentException.class, () -> file.shape("nope"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"zip", "legacy"})
    void viewsKeepOffsetsStridesAndSharedStorages(String format) throws IOException {
        try (TorchCheckpointReader r = TorchCheckpointReader.open(pth("dtypes." + format + ".pth"))) {
            // base = arange(24).reshape(4, 6); transposed = base.t(); sliced = base[1:, 2:5]
            assertArrayEquals(new long[] {6, 4}, r.shape("transposed"));
            assertArrayEquals(new long[] {1, 6}, r.stride("transposed"));
            assertArrayEquals(new long[] {6, 1}, r.stride("sliced"));
            assertEquals(8, r.storageOffset("sliced"));
            assertEquals(r.storageKey("transposed"), r.storageKey("sliced"), "both views of base's storage");
            INDArray t = r.getFloat("transposed");
            INDArray s = r.getFloat("sliced");
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 4; j++) {
                    assertEquals(j * 6 + i, t.getFloat(i, j), "transposed[" + i + "][" + j + "]");
                }
            }
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    assertEquals((i + 1) * 6 + j + 2, s.getFloat(i, j), "sliced[" + i + "][" + j + "]");
                }
            }
            assertEquals(r.storageKey("shared_a"), r.storageKey("shared_b"));
            assertNotEquals(r.storageKey("shared_a"), r.storageKey("f32"));
            assertEquals(4, r.storageOffset("shared_b"));
            assertEquals(4.0f, r.getFloat("shared_b").getFloat(1, 1), "flat[4 + 1 * 3 + 1] = 8 * 0.5");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nested.zip.pth", "nested.legacy.pth", "model_module.legacy.pth", "dataparallel.zip.pth"})
    void checkpointsAndDataParallelGiveThePlainStateDict(String name) throws IOException {
        try (WeightFile expected = WeightFile.open(pth("dtypes.expected.safetensors"));
                WeightFile file = WeightFile.open(pth(name))) {
            assertEquals(List.of("f32", "sliced", "bn.num_batches_tracked"), new ArrayList<>(file.names()));
            for (String k : file.names()) {
                assertSameTensor(expected, k, file, k);
            }
            if (name.startsWith("nested")) {
                assertEquals("3", file.metadata().get("epoch"));
                assertEquals("resnext", file.metadata().get("arch"));
                assertEquals("0.1", file.metadata().get("lr"));
            }
        }
    }

    @Test
    void formatIsToldByContentNotName() throws IOException {
        Path zipAsSafetensors = Files.copy(pth("dtypes.zip.pth"), dir.resolve("weights.safetensors"));
        Path legacyAsBin = Files.copy(pth("dtypes.legacy.pth"), dir.resolve("weights.bin"));
        Path safetensorsAsPth = Files.copy(pth("dtypes.expected.safetensors"), dir.resolve("weights.pth"));
        try (WeightFile a = WeightFile.open(zipAsSafetensors);
                WeightFile b = WeightFile.open(legacyAsBin);
                WeightFile c = WeightFile.open(safetensorsAsPth)) {
            assertEquals(TorchCheckpointReader.Format.ZIP, ((TorchCheckpointReader) a).format());
            assertEquals(TorchCheckpointReader.Format.LEGACY, ((TorchCheckpointReader) b).format());
            assertInstanceOf(SafeTensorsReader.class, c);
            assertEquals(a.getFloat("f32"), c.getFloat("f32"));
        }
        // a safetensors header of 128 bytes: the file starts with 0x80, as a pickle does
        String json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        byte[] header = (json + " ".repeat(128 - json.length())).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ByteArrayOutputStream st = new ByteArrayOutputStream();
        st.writeBytes(java.nio.ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(128)
                .array());
        st.writeBytes(header);
        st.writeBytes(TorchFiles.floats(ByteOrder.LITTLE_ENDIAN, 7f));
        Path eighty = TorchFiles.write(dir.resolve("x.pth"), st.toByteArray());
        try (WeightFile w = WeightFile.open(eighty)) {
            assertInstanceOf(SafeTensorsReader.class, w);
            assertEquals(7f, w.getFloat("x").getFloat(0));
        }
    }

    @Test
    void bigEndianArchiveIsReadInItsByteOrder() throws IOException {
        // the zip fixture again, with every storage byte-swapped and a byteorder entry saying "big" (torch >= 2.1)
        Map<String, Integer> elementBytes = new HashMap<>();
        try (TorchCheckpointReader r = TorchCheckpointReader.open(pth("dtypes.zip.pth"))) {
            assertEquals(ByteOrder.LITTLE_ENDIAN, r.byteOrder());
            for (String n : r.names()) {
                elementBytes.put(r.storageKey(n), r.dtype(n).bytes());
            }
        }
        Path big = dir.resolve("big.pth");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipFile in = new ZipFile(pth("dtypes.zip.pth").toFile());
                ZipOutputStream out = new ZipOutputStream(bytes)) {
            String archive = null;
            for (Enumeration<? extends ZipEntry> en = in.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                byte[] data = in.getInputStream(e).readAllBytes();
                String[] parts = e.getName().split("/");
                archive = parts[0];
                if (parts.length == 3 && parts[1].equals("data")) {
                    int es = elementBytes.get(parts[2]);
                    for (int i = 0; i < data.length; i += es) {
                        for (int j = 0; j < es / 2; j++) {
                            byte tmp = data[i + j];
                            data[i + j] = data[i + es - 1 - j];
                            data[i + es - 1 - j] = tmp;
                        }
                    }
                }
                TorchFiles.storedEntry(out, e.getName(), data);
            }
            TorchFiles.storedEntry(out, archive + "/byteorder", "big".getBytes());
        }
        TorchFiles.write(big, bytes.toByteArray());
        try (WeightFile expected = WeightFile.open(pth("dtypes.expected.safetensors"));
                TorchCheckpointReader r = TorchCheckpointReader.open(big)) {
            assertEquals(ByteOrder.BIG_ENDIAN, r.byteOrder());
            for (String name : expected.names()) {
                assertSameTensor(expected, name, r, name);
            }
        }
    }

    @Test
    void bigEndianLegacyFileIsReadInItsByteOrder() throws IOException {
        byte[] main = TorchFiles.stateDictPickle(4, 1, new long[] {3}, new long[] {1}, true);
        byte[] data = TorchFiles.floats(ByteOrder.BIG_ENDIAN, 9f, 1.5f, -2f, 1e-3f);
        Path f = TorchFiles.write(
                dir.resolve("big.pth"),
                TorchFiles.legacy(main, false, new String[] {"0"}, new long[] {4}, new byte[][] {data}));
        try (TorchCheckpointReader r = TorchCheckpointReader.open(f)) {
            assertEquals(ByteOrder.BIG_ENDIAN, r.byteOrder());
            assertArrayEquals(new float[] {1.5f, -2f, 1e-3f}, r.getFloat("w").toFloatVector());
        }
    }

    @Test
    void python2EraLegacyFileIsRead() throws IOException {
        // as torch 0.3 under Python 2 wrote: OrderedDict([[key, tensor]]) with byte-string keys, and the 4-argument
        // _rebuild_tensor(storage, offset, size, stride)
        TorchFiles.Pickle p = new TorchFiles.Pickle().proto().global("collections", "OrderedDict");
        p.op(']', ']', '(', 'U', 1, 'w'); // [["w", tensor]]: outer list, inner list, MARK, key
        p.global("torch._utils", "_rebuild_tensor").op('(');
        p.op('(').op('U', 7).out.writeBytes("storage".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        p.global("torch", "FloatStorage")
                .op('U', 1, '0', 'U', 3, 'c', 'p', 'u')
                .integer(4)
                .op('N', 't', 'Q');
        p.integer(1).tuple(3).tuple(1).op('t', 'R', 'e', 'a', 0x85, 'R').stop(); // APPENDS, APPEND, call
        byte[] data = TorchFiles.floats(ByteOrder.LITTLE_ENDIAN, 9f, 1.5f, -2f, 0.25f);
        Path f = TorchFiles.write(
                dir.resolve("py2.pth"),
                TorchFiles.legacy(p.bytes(), true, new String[] {"0"}, new long[] {4}, new byte[][] {data}));
        try (WeightFile w = WeightFile.open(f)) {
            assertEquals(List.of("w"), new ArrayList<>(w.names()));
            assertArrayEquals(new float[] {1.5f, -2f, 0.25f}, w.getFloat("w").toFloatVector());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"zip", "legacy"})
    void torchvisionStateDictLoadsIntoTheGraphAsFromSafetensors(String format) throws IOException {
        Path safetensors = pth("tiny_tv.safetensors");
        ResNeXtSpec spec = Fixtures.spec(safetensors);
        ComputationGraph fromSafetensors = ResNeXt.builder(spec).seed(1).build().init();
        ComputationGraph fromPth = ResNeXt.builder(spec).seed(2).build().init();
        assertNotEquals(fromSafetensors.params(), fromPth.params());
        TorchvisionWeights.LoadReport a = TorchvisionWeights.load(fromSafetensors, safetensors);
        TorchvisionWeights.LoadReport b = TorchvisionWeights.load(fromPth, pth("tiny_tv." + format + ".pth"));
        assertEquals(a, b);
        assertEquals(TorchvisionWeights.table(fromPth).size(), b.loaded());
        assertTrue(b.ignored().stream().allMatch(k -> k.endsWith(".num_batches_tracked")), b.toString());
        assertEquals(fromSafetensors.params(), fromPth.params());
        Map<String, INDArray> table = new LinkedHashMap<>(fromPth.paramTable());
        assertEquals(fromSafetensors.paramTable().keySet(), table.keySet());
        // and the initPretrained / initFineTune entry points take the .pth too
        ComputationGraph pretrained = ResNeXt.builder(spec).build().initPretrained(pth("tiny_tv." + format + ".pth"));
        assertEquals(fromSafetensors.params(), pretrained.params());
        ComputationGraph tuned =
                ResNeXt.builder(spec.withNumClasses(2)).build().initFineTune(pth("tiny_tv." + format + ".pth"), false);
        assertEquals(fromSafetensors.getParam("layer4.0.conv3_W"), tuned.getParam("layer4.0.conv3_W"));
    }
}
