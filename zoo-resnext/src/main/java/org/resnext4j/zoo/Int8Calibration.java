package org.resnext4j.zoo;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What an int8 {@link InferenceModel} needs beyond the weights: each convolution's calibrated output range (after its
 * batch norm, ReLU and residual sum; by torchvision name: {@code conv1}, {@code layer1.0.conv2},
 * {@code layer1.0.downsample.0}, ...), from FP32 passes over calibration images. Values beyond a range saturate; the
 * u8 scale of a tensor is {@code 255 / range} (s8 {@code 127 / range} for a projection shortcut). Weight scales are
 * not stored: they follow from the weights (symmetric per output channel).
 *
 * @param method how the ranges were chosen
 * @param percentile for {@link Method#PERCENTILE}: the percentile of |activation| kept (e.g. 99.99); else 100
 * @param images how many calibration images were seen
 * @param ranges each convolution's range (finite, at least 0)
 */
public record Int8Calibration(Method method, double percentile, int images, Map<String, Float> ranges) {

    /** How a tensor's range is chosen from the calibration images' activations. */
    public enum Method {
        /** The largest |value| seen: nothing saturates, the step is coarsest. */
        MAX,
        /** The given percentile of |value| over all images: the rare largest values saturate, the step is finer. */
        PERCENTILE
    }

    /** Validates, and sorts the ranges by name (for stable files). */
    public Int8Calibration {
        Objects.requireNonNull(method, "method");
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile: expected in (0, 100], got " + percentile);
        }
        if (images < 1) {
            throw new IllegalArgumentException("images: expected at least 1, got " + images);
        }
        for (Map.Entry<String, Float> e : ranges.entrySet()) {
            Float r = e.getValue();
            if (r == null || !Float.isFinite(r) || r < 0) {
                throw new IllegalArgumentException(
                        "ranges: expected a finite range >= 0 for " + e.getKey() + ", got " + r);
            }
        }
        ranges = java.util.Collections.unmodifiableMap(new TreeMap<>(ranges));
    }

    /**
     * The calibration as JSON-ready values (stored in a model card): {@code method} ({@code max}, {@code percentile}),
     * {@code percentile}, {@code images}, {@code ranges} (name to range).
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method.name().toLowerCase(Locale.ROOT));
        m.put("percentile", percentile);
        m.put("images", images);
        m.put("ranges", new LinkedHashMap<>(ranges));
        return m;
    }

    /**
     * The calibration {@link #toMap()} wrote.
     *
     * @throws IllegalArgumentException naming the key that is missing or unreadable
     */
    public static Int8Calibration fromMap(Map<?, ?> m) {
        Object method = m.get("method");
        Method parsed = null;
        for (Method candidate : Method.values()) {
            if (candidate.name().equalsIgnoreCase(String.valueOf(method))) {
                parsed = candidate;
            }
        }
        if (parsed == null) {
            throw new IllegalArgumentException("int8 calibration: method: expected max or percentile, got " + method);
        }
        if (!(m.get("ranges") instanceof Map<?, ?> r)) {
            throw new IllegalArgumentException(
                    "int8 calibration: ranges: expected a map of names to numbers, got " + m.get("ranges"));
        }
        Map<String, Float> ranges = new TreeMap<>();
        for (Map.Entry<?, ?> e : r.entrySet()) {
            if (!(e.getValue() instanceof Number n)) {
                throw new IllegalArgumentException(
                        "int8 calibration: ranges: expected a number for " + e.getKey() + ", got " + e.getValue());
            }
            ranges.put(String.valueOf(e.getKey()), n.floatValue());
        }
        return new Int8Calibration(parsed, number(m, "percentile"), (int) number(m, "images"), ranges);
    }

    private static double number(Map<?, ?> m, String key) {
        if (m.get(key) instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException("int8 calibration: " + key + ": expected a number, got " + m.get(key));
    }
}
