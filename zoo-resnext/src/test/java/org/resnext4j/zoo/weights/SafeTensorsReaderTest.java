package org.resnext4j.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SafeTensorsReaderTest {

    @TempDir
    Path dir;

    @Test
    void decodesF32F16Bf16F64AsTorchDoes() throws IOException {
        try (SafeTensorsReader r = SafeTensorsReader.open(Fixtures.file("dtypes.safetensors"))) {
            assertEquals(DType.F16, r.info("f16").dtype());
            assertEquals(DType.BF16, r.info("bf16").dtype());
            assertEquals(r.getFloat("f16_as_f32"), r.getFloat("f16"));
            assertEquals(r.getFloat("bf16_as_f32"), r.getFloat("bf16"));
            assertEquals(r.getFloat("f32"), r.getFloat("f64"));
            assertArrayEquals(new long[] {3, 4}, r.getFloat("matrix").shape());
            assertEquals(6.0f, r.getFloat("matrix").getFloat(1, 2));
            assertEquals(0, r.getFloat("scalar").rank());
            assertEquals(7.5f, r.getFloat("scalar").getFloat(0));
            assertEquals("reader conversions", r.metadata().get("purpose"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.getFloat("count"));
            assertTrue(e.getMessage().contains("\"count\" has dtype I64"), e.getMessage());
        }
    }

    @Test
    void writerRoundTrip() throws IOException {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("b", Nd4j.linspace(1, 24, 24).reshape(2, 3, 4).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        t.put("a", Nd4j.scalar(3.25f));
        Path f = dir.resolve("x.safetensors");
        SafeTensorsWriter.write(f, t, Map.of("k", "v"));
        try (SafeTensorsReader r = SafeTensorsReader.open(f)) {
            assertEquals(Arrays.asList("a", "b"), r.tensors().keySet().stream().toList()); // sorted keys
            assertEquals(t.get("b"), r.getFloat("b"));
            assertEquals(3.25f, r.getFloat("a").getFloat(0));
            assertEquals("v", r.metadata().get("k"));
        }
        try (var ch = Files.newByteChannel(f)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len);
            assertEquals(0, len.flip().getLong() % 8, "header padded to 8 bytes");
        }
    }

    private Path raw(String name, long headerLen, String json, int dataBytes) throws IOException {
        byte[] js = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + js.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLen).put(js);
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private Path file(String json, int dataBytes) throws IOException {
        return raw("t.safetensors", json.getBytes(StandardCharsets.UTF_8).length, json, dataBytes);
    }

    private String error(Path f) {
        IOException e =
                assertThrows(IOException.class, () -> SafeTensorsReader.open(f).close());
        assertTrue(e.getMessage().startsWith(f + ": not a valid safetensors file: "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void headerLengthBeyondFileOrBoundIsRejected() throws IOException {
        assertTrue(error(raw("a", 1_000_000, "{}", 0)).contains("header length 1000000 is invalid"));
        assertTrue(error(raw("b", Long.MAX_VALUE, "{}", 0)).contains("is invalid"));
        assertTrue(error(raw("c", -1, "{}", 0)).contains("header length 18446744073709551615 is invalid"));
        Path tiny = dir.resolve("tiny");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertTrue(error(tiny).contains("expected at least 8 bytes"));
    }

    @Test
    void malformedHeadersNameTheTensor() throws IOException {
        assertTrue(
                error(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], ", 8)).contains("not valid JSON"));
        assertTrue(error(file("[1, 2]", 0)).contains("not a JSON object"));
        assertTrue(error(file("{\"w\": {\"dtype\": \"Q8\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 8))
                .contains("tensor \"w\": unknown dtype \"Q8\""));
        assertTrue(error(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 16]}}", 8))
                .contains("tensor \"w\": data_offsets [0, 16] out of range: the data section has 8 bytes"));
        assertTrue(error(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8))
                .contains("tensor \"w\": shape [3] of F32 needs 12 bytes, but data_offsets [0, 8] hold 8"));
        assertTrue(error(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", 8))
                .contains("tensor \"w\": expected non-negative integer dimensions"));
        assertTrue(error(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2]}}", 8))
                .contains("tensor \"w\": expected data_offsets [begin, end]"));
        assertTrue(error(file(
                        "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                                + "\"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
                        12))
                .contains("tensor \"b\" (bytes 4..12) overlaps tensor \"a\" (bytes 0..8)"));
        assertTrue(error(file(
                        "{\"w\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 4294967296],"
                                + " \"data_offsets\": [0, 8]}}",
                        8))
                .contains("overflows"));
    }

    @Test
    void truncatedRealFileNamesTheTensorCut() throws IOException {
        Path src = Fixtures.file("tiny_resnet.weights.safetensors");
        byte[] all = Files.readAllBytes(src);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(all, all.length - 1000));
        String msg = error(cut);
        assertTrue(msg.contains("out of range"), msg);
        assertTrue(msg.contains("tensor \""), msg);
    }

    @Test
    void missingFileIsNamed() {
        Path none = dir.resolve("nope.safetensors");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> SafeTensorsReader.open(none));
        assertTrue(e.getMessage().contains(none.toString()), e.getMessage());
    }
}
