package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.InferenceModel;
import org.resnext4j.zoo.InferencePrecision;
import org.resnext4j.zoo.Int8Calibration;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * A quantized model is a saved model: its activation ranges live in the model card, so the loaded zip predicts in
 * int8 exactly as the model that was quantized, without calibrating; a card without them loads as fp32.
 */
class QuantizedSavedModelTest {

    private static final ResNeXtSpec SPEC = ResNeXtSpec.builder()
            .name("tiny_q")
            .blocks(2, 1, 1, 1)
            .cardinality(4)
            .baseWidth(32)
            .planes(8, 16, 32, 64)
            .stemWidth(8)
            .numClasses(4)
            .inputShape(3, 32, 32)
            .build();

    @Test
    void aQuantizedZipPredictsInInt8WithoutCalibrating(@TempDir Path dir) {
        assumeTrue(InferenceModel.available(), "oneDNN loads on this machine");
        ComputationGraph net = ResNeXt.builder(SPEC).seed(3).build().init();
        Path fp32File = dir.resolve("fp32.zip");
        Checkpoints.save(
                net, fp32File, Map.of(ModelCard.KEY, new ModelCard("tiny_q", SPEC, null, null, Map.of()).toMap()));
        Nd4j.getRandom().setSeed(4);
        List<INDArray> calibration =
                List.of(Nd4j.randn(DataType.FLOAT, 16, 3, 32, 32), Nd4j.randn(DataType.FLOAT, 16, 3, 32, 32));
        INDArray x = Nd4j.randn(DataType.FLOAT, 8, 3, 32, 32);

        try (SavedModel fp32 = SavedModel.load(fp32File)) {
            assertEquals(InferencePrecision.FP32, fp32.precision());
            assertNull(fp32.card().int8(), "a card written without quantization has none");
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> fp32.withPrecision(InferencePrecision.INT8));
            assertTrue(e.getMessage().contains("resnext4j quantize"), e.getMessage());

            try (SavedModel int8 = fp32.quantize(calibration)) {
                assertEquals(InferencePrecision.INT8, int8.precision());
                assertEquals(32, int8.card().int8().images());
                INDArray expected = int8.probabilities(x);
                INDArray reference = fp32.probabilities(x);
                double diff = expected.sub(reference).amaxNumber().doubleValue();
                assertTrue(diff > 0 && diff < 0.2, "int8 differs from fp32 by quantization only: " + diff);
                Path out = dir.resolve("int8.zip");
                int8.save(out);

                try (SavedModel loaded = SavedModel.load(out)) {
                    assertEquals(InferencePrecision.INT8, loaded.precision());
                    assertEquals(int8.card().int8(), loaded.card().int8());
                    assertArrayEquals(
                            expected.toFloatMatrix(), loaded.probabilities(x).toFloatMatrix());
                    try (SavedModel asFp32 = loaded.withPrecision(InferencePrecision.FP32)) {
                        assertArrayEquals(
                                reference.toFloatMatrix(),
                                asFp32.probabilities(x).toFloatMatrix());
                    }
                }
            }
        }
    }

    @Test
    void theCalibrationRoundTripsThroughTheCardMap() {
        Int8Calibration cal = new Int8Calibration(
                Int8Calibration.Method.PERCENTILE, 99.99, 256, Map.of("conv1", 3.5f, "layer1.0.conv1", 0.25f));
        ModelCard card = new ModelCard("m", SPEC, List.of("a", "b", "c", "d"), null, Map.of()).withInt8(cal);
        ModelCard back = ModelCard.fromMap(card.toMap());
        assertEquals(cal, back.int8());
        assertEquals(card, back);
        assertNull(ModelCard.fromMap(card.withInt8(null).toMap()).int8());
        Map<String, Object> broken = new java.util.LinkedHashMap<>(card.toMap());
        broken.put(ModelCard.INT8_KEY, Map.of("method", "median", "ranges", Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelCard.fromMap(broken));
        assertTrue(e.getMessage().contains("method"), e.getMessage());
    }
}
