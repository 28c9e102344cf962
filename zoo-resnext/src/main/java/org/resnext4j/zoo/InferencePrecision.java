package org.resnext4j.zoo;

import java.util.Locale;

/**
 * The number format an {@link InferenceModel} computes in. FP32 is exact to float rounding; BF16 keeps FP32's range
 * with 8 bits of mantissa (accumulation in FP32) and runs only where the CPU has AVX512-BF16 or AMX; INT8 is
 * post-training static quantization with the activation ranges of an {@link Int8Calibration}.
 */
public enum InferencePrecision {
    /** 32-bit float. */
    FP32,
    /** bfloat16 weights and activations, FP32 accumulation. */
    BF16,
    /** s8 weights per output channel, u8 activations per tensor, int32 accumulation; the stem and classifier FP32. */
    INT8;

    /**
     * The precision named {@code name} ({@code fp32}, {@code bf16}, {@code int8}; any case).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static InferencePrecision parse(String name) {
        for (InferencePrecision p : values()) {
            if (p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("precision: expected fp32, bf16 or int8, got '" + name + "'");
    }

    /** The lower-case name ({@code fp32}, {@code bf16}, {@code int8}), as the CLI spells it. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
