package org.resnext4j.datavec;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The input contract of a model, small enough to store next to its weights so that prediction
 * preprocesses exactly as evaluation did: resize the shorter side to {@code resizeSize}, center
 * crop {@code imageSize}, scale to [0, 1], normalise with {@code mean}/{@code std}; RGB channels,
 * NCHW float32. Convertible to JSON and to {@link Properties} (keys {@code preprocessing.*}).
 *
 * <p>JSON form:
 * <pre>
 * {"imageSize":224,"resizeSize":256,"mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225],
 *  "channelOrder":"RGB","layout":"NCHW","interpolation":"bilinear"}
 * </pre>
 *
 * @param imageSize  side of the square model input
 * @param resizeSize shorter side after resizing, before the center crop
 * @param mean       RGB means (3 values)
 * @param std        RGB standard deviations (3 positive values)
 */
public record PreprocessingConfig(int imageSize, int resizeSize, float[] mean, float[] std) implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "preprocessing.";

    /** Validates and copies the values. */
    public PreprocessingConfig {
        if (imageSize < 1 || resizeSize < 1) {
            throw new IllegalArgumentException(
                    "imageSize and resizeSize must be positive, got " + imageSize + " and " + resizeSize);
        }
        Normalization checked = new Normalization(mean, std);
        mean = checked.mean();
        std = checked.std();
    }

    /**
     * ImageNet preprocessing for an input size: resize {@code round(size / 0.875)} (256 for 224),
     * ImageNet mean and std.
     *
     * @param imageSize the input size
     * @return the config
     */
    public static PreprocessingConfig imagenet(int imageSize) {
        return new PreprocessingConfig(
                imageSize, defaultResize(imageSize), Normalization.IMAGENET.mean(), Normalization.IMAGENET.std());
    }

    /**
     * The config of an evaluation transform.
     *
     * @param t the transform
     * @return the config
     */
    public static PreprocessingConfig of(EvalTransform t) {
        return new PreprocessingConfig(
                t.outputSize(),
                t.resizeSize(),
                t.normalization().mean(),
                t.normalization().std());
    }

    /**
     * torchvision's resize-to-crop convention: {@code round(size / 0.875)}, 256 for 224.
     *
     * @param imageSize crop size
     * @return resize size
     */
    public static int defaultResize(int imageSize) {
        return (int) Math.round(imageSize / 0.875);
    }

    /** @return a copy of the means */
    @Override
    public float[] mean() {
        return mean.clone();
    }

    /** @return a copy of the standard deviations */
    @Override
    public float[] std() {
        return std.clone();
    }

    /** @return the normalisation */
    public Normalization normalization() {
        return new Normalization(mean, std);
    }

    /** @return the evaluation transform this config describes */
    public EvalTransform evalTransform() {
        return new EvalTransform(resizeSize, imageSize, normalization());
    }

    /** @return the config as one line of JSON */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("imageSize", imageSize);
        m.put("resizeSize", resizeSize);
        m.put("mean", mean);
        m.put("std", std);
        m.put("channelOrder", "RGB");
        m.put("layout", "NCHW");
        m.put("interpolation", "bilinear");
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses {@link #toJson()} output.
     *
     * @param json the JSON text
     * @return the config
     * @throws IllegalArgumentException if a field is missing or the channel order or layout is not RGB/NCHW
     */
    public static PreprocessingConfig fromJson(String json) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("expected a JSON object, got: " + json);
        }
        requireValue("channelOrder", n.path("channelOrder").asText("RGB"), "RGB");
        requireValue("layout", n.path("layout").asText("NCHW"), "NCHW");
        requireValue("interpolation", n.path("interpolation").asText("bilinear"), "bilinear");
        return new PreprocessingConfig(
                requiredInt(n, "imageSize"), requiredInt(n, "resizeSize"), floats(n, "mean"), floats(n, "std"));
    }

    /** @return the config as properties {@code preprocessing.imageSize} and so on */
    public Properties toProperties() {
        Properties p = new Properties();
        p.setProperty(PREFIX + "imageSize", Integer.toString(imageSize));
        p.setProperty(PREFIX + "resizeSize", Integer.toString(resizeSize));
        p.setProperty(PREFIX + "mean", join(mean));
        p.setProperty(PREFIX + "std", join(std));
        p.setProperty(PREFIX + "channelOrder", "RGB");
        p.setProperty(PREFIX + "layout", "NCHW");
        p.setProperty(PREFIX + "interpolation", "bilinear");
        return p;
    }

    /**
     * Reads {@link #toProperties()} output (other keys are ignored).
     *
     * @param p the properties
     * @return the config
     * @throws IllegalArgumentException if a key is missing or malformed
     */
    public static PreprocessingConfig fromProperties(Properties p) {
        requireValue("channelOrder", p.getProperty(PREFIX + "channelOrder", "RGB"), "RGB");
        requireValue("layout", p.getProperty(PREFIX + "layout", "NCHW"), "NCHW");
        requireValue("interpolation", p.getProperty(PREFIX + "interpolation", "bilinear"), "bilinear");
        try {
            return new PreprocessingConfig(
                    Integer.parseInt(required(p, "imageSize").trim()),
                    Integer.parseInt(required(p, "resizeSize").trim()),
                    split(required(p, "mean")),
                    split(required(p, "std")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("malformed preprocessing properties: " + e.getMessage(), e);
        }
    }

    private static String required(Properties p, String key) {
        String v = p.getProperty(PREFIX + key);
        if (v == null) {
            throw new IllegalArgumentException("missing property " + PREFIX + key);
        }
        return v;
    }

    private static void requireValue(String key, String actual, String expected) {
        if (!expected.equalsIgnoreCase(actual)) {
            throw new IllegalArgumentException(key + " must be " + expected + ", got " + actual);
        }
    }

    private static int requiredInt(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.canConvertToInt()) {
            throw new IllegalArgumentException("missing or non-integer field '" + key + "'");
        }
        return v.asInt();
    }

    private static float[] floats(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isArray()) {
            throw new IllegalArgumentException("missing array field '" + key + "'");
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isNumber()) {
                throw new IllegalArgumentException("field '" + key + "' must hold numbers");
            }
            out[i] = (float) v.get(i).asDouble();
        }
        return out;
    }

    private static String join(float[] v) {
        StringBuilder sb = new StringBuilder();
        for (float f : v) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(Float.toString(f));
        }
        return sb.toString();
    }

    private static float[] split(String s) {
        String[] parts = s.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i].trim().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreprocessingConfig c
                && c.imageSize == imageSize
                && c.resizeSize == resizeSize
                && Arrays.equals(c.mean, mean)
                && Arrays.equals(c.std, std);
    }

    @Override
    public int hashCode() {
        return ((31 * imageSize + resizeSize) * 31 + Arrays.hashCode(mean)) * 31 + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "PreprocessingConfig[imageSize=" + imageSize + ", resizeSize=" + resizeSize + ", mean="
                + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
