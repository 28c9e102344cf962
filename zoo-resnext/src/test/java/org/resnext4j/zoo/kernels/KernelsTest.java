package org.resnext4j.zoo.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.resnext4j.zoo.InferenceModel;
import org.resnext4j.zoo.InferencePrecision;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.TinySpecs;
import org.resnext4j.zoo.kernels.onednn.OneDnnEngine;
import org.resnext4j.zoo.layers.Conv2dNormActivationLayer;

/**
 * The one seam: {@link Kernels} picks the engine for the training layers and the inference form alike, honouring
 * {@value Kernels#KERNEL_PROPERTY} (and its legacy name) and the data type; {@link InferenceModel} follows it.
 */
class KernelsTest {

    /** Runs {@code body} with system property {@code key} set to {@code value} (cleared when null), then restores it. */
    private static void withProperty(String key, String value, Runnable body) {
        String before = System.getProperty(key);
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
        try {
            body.run();
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }

    @Test
    void oneDnnByDefaultOnThisCpuForTrainingAndInference() {
        assumeTrue(OneDnnEngine.instanceOrNull() != null, "oneDNN loads on this machine");
        withProperty(
                Kernels.KERNEL_PROPERTY,
                null,
                () -> withProperty(Kernels.LEGACY_KERNEL_PROPERTY, null, () -> {
                    assertEquals("onednn", Kernels.engine(DataType.FLOAT).name());
                    assertNull(Kernels.inferenceRefusal(InferenceEngine.Precision.FP32));
                    assertTrue(InferenceModel.available());
                }));
    }

    @Test
    void theNd4jPropertyChoosesNd4jForTheLayersAndTurnsTheInferenceFormOff() {
        withProperty(Kernels.KERNEL_PROPERTY, "nd4j", () -> {
            assertEquals("nd4j", Kernels.engine(DataType.FLOAT).name());
            String refusal = Kernels.inferenceRefusal(InferenceEngine.Precision.FP32);
            assertEquals("resnext4j.kernel is nd4j; the inference form runs on oneDNN only", refusal);
            assertFalse(InferenceModel.available(), "the inference form follows the seam");
            assertEquals(refusal, InferenceModel.refusal(InferencePrecision.INT8));
            ComputationGraph net = ResNeXt.builder(TinySpecs.resnext()).build().init();
            assertEquals("nd4j", ((Conv2dNormActivationLayer) net.getLayer("conv1")).kernelName());
            IllegalStateException e =
                    assertThrows(IllegalStateException.class, () -> InferenceModel.of(net, TinySpecs.resnext()));
            assertEquals(refusal, e.getMessage());
        });
    }

    @Test
    void theLegacyPropertyIsReadWhenTheNewOneIsNotSet() {
        withProperty(
                Kernels.KERNEL_PROPERTY,
                null,
                () -> withProperty(Kernels.LEGACY_KERNEL_PROPERTY, "nd4j", () -> {
                    assertEquals("nd4j", Kernels.engine(DataType.FLOAT).name());
                    assertEquals(
                            "resnext4j.groupedconv.kernel is nd4j; the inference form runs on oneDNN only",
                            Kernels.inferenceRefusal(InferenceEngine.Precision.FP32));
                }));
    }

    @Test
    void otherDataTypesUseNd4jAndABadValueIsNamed() {
        assertEquals("nd4j", Kernels.engine(DataType.DOUBLE).name());
        withProperty(Kernels.KERNEL_PROPERTY, "cuda", () -> {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> Kernels.engine(DataType.FLOAT));
            assertEquals("resnext4j.kernel: expected onednn or nd4j, got \"cuda\"", e.getMessage());
        });
    }
}
