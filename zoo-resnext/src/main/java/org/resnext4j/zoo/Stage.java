package org.resnext4j.zoo;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * A point in the backbone of a torchvision ResNet/ResNeXt, in input-to-output order: the stem ({@code conv1},
 * {@code bn1}, {@code relu}, {@code maxpool}) and the four stages {@code layer1} .. {@code layer4}. Used to freeze a
 * backbone up to and including a stage ({@link ResNeXt#freezeUntil}); {@link #key()} is the name the CLI and the run
 * settings use ({@code stem}, {@code layer1} .. {@code layer4}).
 */
public enum Stage {
    STEM,
    LAYER1,
    LAYER2,
    LAYER3,
    LAYER4;

    /** {@code stem}, {@code layer1} .. {@code layer4}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The stage a key names.
     *
     * @throws IllegalArgumentException naming the value and the expected keys
     */
    public static Stage parse(String key) {
        for (Stage s : values()) {
            if (s.key().equals(key)) {
                return s;
            }
        }
        throw new IllegalArgumentException(
                "expected one of " + Arrays.stream(values()).map(Stage::key).toList() + ", got \"" + key + "\"");
    }

    /**
     * The last vertex of this stage in a graph built by {@link ResNeXtGraphBuilder}: {@code maxpool} for the stem,
     * the stage's last block {@code layer{s}.{b}} otherwise.
     *
     * @throws IllegalArgumentException when the graph has no such vertex
     */
    String lastVertex(Map<String, ?> vertices) {
        if (this == STEM) {
            if (!vertices.containsKey(TorchNames.MAXPOOL)) {
                throw new IllegalArgumentException("the graph has no stem (no vertex \"" + TorchNames.MAXPOOL + "\")");
            }
            return TorchNames.MAXPOOL;
        }
        String prefix = TorchNames.stage(ordinal()) + ".";
        int last = -1;
        for (String v : vertices.keySet()) {
            if (v.startsWith(prefix) && v.substring(prefix.length()).matches("\\d+")) {
                last = Math.max(last, Integer.parseInt(v.substring(prefix.length())));
            }
        }
        if (last < 0) {
            throw new IllegalArgumentException("the graph has no stage " + key() + " (no vertex " + prefix + "0)");
        }
        return TorchNames.block(ordinal(), last);
    }
}
