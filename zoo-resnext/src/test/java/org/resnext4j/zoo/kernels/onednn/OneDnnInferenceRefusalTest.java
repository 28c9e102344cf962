package org.resnext4j.zoo.kernels.onednn;

import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx2;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_amx;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_vnni;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.resnext4j.zoo.kernels.InferenceEngine;

/**
 * bf16 runs only where the CPU has AVX512-BF16 (or AMX): elsewhere the refusal names what is missing and what the CPU
 * offers, instead of letting oneDNN emulate bf16 slowly. FP32 and INT8 run on any CPU oneDNN supports.
 */
class OneDnnInferenceRefusalTest {

    @Test
    void bf16IsRefusedWithoutAvx512Bf16NamingTheInstructionSet() {
        assertEquals(
                "bf16 inference needs a CPU with AVX512-BF16 or AMX; this one offers oneDNN AVX512_CORE_VNNI (without"
                        + " them oneDNN would emulate bf16 several times slower than fp32)",
                OneDnnInference.refusal(InferenceEngine.Precision.BF16, dnnl_cpu_isa_avx512_core_vnni));
        assertEquals(
                "bf16 inference needs a CPU with AVX512-BF16 or AMX; this one offers oneDNN AVX2 (without them oneDNN"
                        + " would emulate bf16 several times slower than fp32)",
                OneDnnInference.refusal(InferenceEngine.Precision.BF16, dnnl_cpu_isa_avx2));
        assertNull(OneDnnInference.refusal(InferenceEngine.Precision.BF16, dnnl_cpu_isa_avx512_core_bf16));
        assertNull(OneDnnInference.refusal(InferenceEngine.Precision.BF16, dnnl_cpu_isa_avx512_core_amx));
        for (InferenceEngine.Precision p :
                new InferenceEngine.Precision[] {InferenceEngine.Precision.FP32, InferenceEngine.Precision.INT8}) {
            assertNull(OneDnnInference.refusal(p, dnnl_cpu_isa_avx2), p + " on AVX2");
        }
    }

    @Test
    void weightScalesAreSymmetricPerOutputChannel() {
        org.nd4j.linalg.api.ndarray.INDArray w = org.nd4j.linalg.factory.Nd4j.createFromArray(
                        new float[] {0.5f, -2f, 1f, 0.25f, 0f, 0f, 0f, 0f})
                .reshape(2, 4, 1, 1);
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                new float[] {127f / 2f, 1f}, OneDnnInference.weightScales(w, 127f), 0f);
    }
}
