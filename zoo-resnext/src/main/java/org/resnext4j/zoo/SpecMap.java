package org.resnext4j.zoo;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ResNeXtSpec} as the JSON-ready map that model cards and weights catalogs store, and back: the keys
 * {@code name, blocks, cardinality, baseWidth, planes, stemWidth, numClasses, inputShape, form}, written and read
 * here only. Reading names the key that is missing or wrong ({@code "spec: <key>: ..."}); the spec's own checks then
 * apply.
 */
final class SpecMap {

    private SpecMap() {}

    /** {@link ResNeXtSpec#toMap()}. */
    static Map<String, Object> toMap(ResNeXtSpec spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", spec.name());
        m.put("blocks", toList(spec.blocks()));
        m.put("cardinality", spec.cardinality());
        m.put("baseWidth", spec.baseWidth());
        m.put("planes", toList(spec.planes()));
        m.put("stemWidth", spec.stemWidth());
        m.put("numClasses", spec.numClasses());
        m.put("inputShape", toList(spec.inputShape()));
        m.put("form", spec.form().name());
        return m;
    }

    /** {@link ResNeXtSpec#fromMap(Map)}. */
    static ResNeXtSpec fromMap(Map<?, ?> m) {
        ResNeXtSpec.Builder b = ResNeXtSpec.builder()
                .name(string(m, "name"))
                .blocks(ints(m, "blocks"))
                .cardinality(integer(m, "cardinality"))
                .baseWidth(integer(m, "baseWidth"))
                .planes(ints(m, "planes"))
                .stemWidth(integer(m, "stemWidth"))
                .numClasses(integer(m, "numClasses"));
        int[] shape = ints(m, "inputShape");
        if (shape.length != 3) {
            throw new IllegalArgumentException(
                    "spec: inputShape: expected [channels, height, width], got " + Arrays.toString(shape));
        }
        b.inputShape(shape[0], shape[1], shape[2]);
        if (m.get("form") != null) {
            try {
                b.form(GraphForm.valueOf(String.valueOf(m.get("form"))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "spec: form: expected one of " + Arrays.toString(GraphForm.values()) + ", got \""
                                + m.get("form") + "\"",
                        e);
            }
        }
        return b.build();
    }

    private static Object required(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("spec: missing \"" + key + "\"");
        }
        return v;
    }

    private static String string(Map<?, ?> m, String key) {
        return String.valueOf(required(m, key));
    }

    private static int integer(Map<?, ?> m, String key) {
        if (required(m, key) instanceof Number n && n.doubleValue() == n.intValue()) {
            return n.intValue();
        }
        throw new IllegalArgumentException("spec: " + key + ": expected an integer, got " + m.get(key));
    }

    private static int[] ints(Map<?, ?> m, String key) {
        if (!(required(m, key) instanceof List<?> list)) {
            throw new IllegalArgumentException("spec: " + key + ": expected a list of integers, got " + m.get(key));
        }
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number n) || n.doubleValue() != n.intValue()) {
                throw new IllegalArgumentException("spec: " + key + ": expected a list of integers, got " + list);
            }
            out[i] = n.intValue();
        }
        return out;
    }

    private static List<Integer> toList(int[] values) {
        return Arrays.stream(values).boxed().toList();
    }
}
