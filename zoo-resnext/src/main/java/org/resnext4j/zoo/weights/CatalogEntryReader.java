package org.resnext4j.zoo.weights;

import static org.resnext4j.zoo.weights.WeightsCatalogFile.ACC1;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.ACC5;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.CLASS_NAMES;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.DEFAULT;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.ENTRIES;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.FIELDS;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.FILE_SIZE_MB;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.FORMAT;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.IMAGENET;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.JSON;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.MIRRORS;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.NAME;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.NUM_PARAMS;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.PRESET;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.SHA256;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.SPEC;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.TRANSFORM;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.TRANSFORM_FIELDS;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.URL;
import static org.resnext4j.zoo.weights.WeightsCatalogFile.kind;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;
import org.resnext4j.zoo.ImageNetClasses;
import org.resnext4j.zoo.ModelSummary;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * Reads one entry of a {@link WeightsCatalogFile} into a {@link WeightsEntry}: its name, architecture (preset or
 * spec), sources and digest, transform, class names and metadata, each checked, every error a
 * {@link WeightsCatalogException} naming {@code entries[i] ("name").field}.
 */
final class CatalogEntryReader {

    private static final Pattern FULL_SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_]+");

    private final Path file;
    private final JsonNode node;
    private String where;

    CatalogEntryReader(Path file, int index, JsonNode node) {
        this.file = file;
        this.node = node;
        this.where = ENTRIES + "[" + index + "]";
    }

    /** @return the entry, checked */
    WeightsCatalogFile.Item read() {
        if (!node.isObject()) {
            throw fail(null, "expected an object, got " + kind(node));
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!FIELDS.contains(key)) {
                throw fail(key, "unknown field, expected one of " + new TreeSet<>(FIELDS));
            }
        }
        String name = text(NAME, true);
        where += " (\"" + name + "\")";
        int dot = name.indexOf('.');
        if (dot <= 0 || dot == name.length() - 1) {
            throw fail(NAME, "expected <architecture>.<tag>, e.g. \"resnext50_32x4d.birds_v1\", got \"" + name + "\"");
        }
        String arch = name.substring(0, dot);
        String tag = name.substring(dot + 1);
        if (!TAG.matcher(tag).matches()) {
            throw fail(NAME, "expected a tag of letters, digits and _ after the first dot, got \"" + tag + "\"");
        }
        InputTransform transform = transform();
        List<String> classNames = classNames();
        ResNeXtSpec spec = spec(arch, transform, classNames.size());
        if (!spec.name().equalsIgnoreCase(arch)) {
            throw fail(
                    NAME,
                    "expected <architecture>.<tag> with the architecture \"" + spec.name() + "\" of its "
                            + (node.has(SPEC) ? SPEC : PRESET) + ", e.g. \"" + spec.name() + "." + tag
                            + "\", got \""
                            + name + "\"");
        }
        String sha256 = sha256();
        List<WeightsSource> sources = sources(name.toLowerCase(Locale.ROOT), sha256);
        long trainable = ModelSummary.of(spec).trainableParams();
        long numParams = node.has(NUM_PARAMS) ? longValue(NUM_PARAMS) : trainable;
        if (numParams != trainable) {
            throw fail(
                    NUM_PARAMS,
                    numParams + " given, but " + spec.name() + " with " + spec.numClasses() + " classes has "
                            + trainable + " trainable parameters (is the architecture right?)");
        }
        double acc1 = percent(ACC1);
        double acc5 = percent(ACC5);
        double size = number(FILE_SIZE_MB, Double.NaN);
        if (!Double.isNaN(size) && size <= 0) {
            throw fail(FILE_SIZE_MB, "expected a positive size in MB, got " + size);
        }
        boolean isDefault = false;
        if (node.has(DEFAULT)) {
            if (!node.get(DEFAULT).isBoolean()) {
                throw fail(DEFAULT, "expected true or false, got " + kind(node.get(DEFAULT)));
            }
            isDefault = node.get(DEFAULT).booleanValue();
        }
        try {
            WeightsEntry entry =
                    new WeightsEntry(spec, tag, sources, numParams, acc1, acc5, size, transform, classNames);
            return new WeightsCatalogFile.Item(entry, isDefault, where);
        } catch (IllegalArgumentException e) {
            throw fail(null, e.getMessage());
        }
    }

    private ResNeXtSpec spec(String arch, InputTransform transform, int numClasses) {
        if (node.has(PRESET) && node.has(SPEC)) {
            throw fail(SPEC, "expected either \"" + PRESET + "\" or \"" + SPEC + "\", got both");
        }
        int crop = transform.cropSize();
        if (node.has(SPEC)) {
            JsonNode s = node.get(SPEC);
            if (!s.isObject()) {
                throw fail(SPEC, "expected an object as ResNeXtSpec.toMap() writes it, got " + kind(s));
            }
            ObjectNode filled = ((ObjectNode) s).deepCopy();
            if (!filled.has("numClasses")) {
                filled.put("numClasses", numClasses);
            }
            if (!filled.has("inputShape")) {
                filled.putArray("inputShape").add(3).add(crop).add(crop);
            }
            ResNeXtSpec spec;
            try {
                spec = ResNeXtSpec.fromMap(JSON.convertValue(filled, Map.class));
            } catch (IllegalArgumentException e) {
                throw fail(SPEC, e.getMessage().replaceFirst("^spec: ", ""));
            }
            if (spec.inputHeight() != crop || spec.inputWidth() != crop) {
                throw fail(
                        SPEC + ".inputShape",
                        "expected the transform's crop, [3, " + crop + ", " + crop + "], got "
                                + Arrays.toString(spec.inputShape()));
            }
            if (spec.numClasses() != numClasses) {
                throw fail(CLASS_NAMES, numClasses + " names for a spec with " + spec.numClasses() + " classes");
            }
            return spec;
        }
        String preset = node.has(PRESET) ? text(PRESET, true) : arch;
        String known = ResNeXtSpec.presetNames().stream()
                .filter(p -> p.equalsIgnoreCase(preset.trim()))
                .findFirst()
                .orElseThrow(() -> fail(
                        PRESET,
                        "unknown preset \"" + preset + "\"" + (node.has(PRESET) ? "" : " (from the name)")
                                + ", expected one of " + ResNeXtSpec.presetNames() + ", or a \"" + SPEC
                                + "\""));
        return ResNeXtSpec.preset(known).withNumClasses(numClasses).withInputShape(3, crop, crop);
    }

    private String sha256() {
        String hex = text(SHA256, true);
        if (!FULL_SHA256.matcher(hex).matches()) {
            String what = hex.matches("[0-9a-fA-F]*") ? hex.length() + " hex digits" : "\"" + hex + "\"";
            throw fail(SHA256, "expected the file's full SHA-256, 64 hex digits as sha256sum prints them, got " + what);
        }
        return hex.toLowerCase(Locale.ROOT);
    }

    private List<WeightsSource> sources(String name, String sha256) {
        List<URI> urls = new ArrayList<>();
        urls.add(uri(URL, text(URL, true)));
        if (node.has(MIRRORS)) {
            JsonNode m = node.get(MIRRORS);
            if (!m.isArray()) {
                throw fail(MIRRORS, "expected a list of URLs, got " + kind(m));
            }
            for (int i = 0; i < m.size(); i++) {
                if (!m.get(i).isTextual()) {
                    throw fail(MIRRORS + "[" + i + "]", "expected a URL string, got " + kind(m.get(i)));
                }
                urls.add(uri(MIRRORS + "[" + i + "]", m.get(i).asText()));
            }
        }
        WeightFormat format = format(urls.get(0));
        String fileName = name + "-" + sha256.substring(0, 8) + format.extension();
        List<WeightsSource> sources = new ArrayList<>();
        for (URI u : urls) {
            sources.add(new WeightsSource(u, format, sha256, fileName));
        }
        return sources;
    }

    private URI uri(String field, String value) {
        try {
            URI u = new URI(value.trim());
            String scheme = u.getScheme();
            String path = u.getPath();
            if (scheme == null
                    || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || u.getHost() == null) {
                throw fail(field, "expected an http or https URL, got \"" + value + "\"");
            }
            if (path == null || path.isEmpty() || path.endsWith("/")) {
                throw fail(field, "expected a URL ending in a file name, got \"" + value + "\"");
            }
            return u;
        } catch (URISyntaxException e) {
            throw fail(field, "expected an http or https URL, got \"" + value + "\" (" + e.getReason() + ")");
        }
    }

    private WeightFormat format(URI primary) {
        if (node.has(FORMAT)) {
            String f = text(FORMAT, true);
            try {
                return WeightFormat.valueOf(f.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw fail(FORMAT, "expected one of safetensors, pytorch_zip, pytorch_legacy, got \"" + f + "\"");
            }
        }
        String path = primary.getPath().toLowerCase(Locale.ROOT);
        if (path.endsWith(".safetensors")) {
            return WeightFormat.SAFETENSORS;
        }
        if (path.endsWith(".pth") || path.endsWith(".pt")) {
            return WeightFormat.PYTORCH_ZIP;
        }
        throw fail(
                FORMAT,
                "missing, and the URL's file name does not end in .safetensors, .pth or .pt; "
                        + "expected one of safetensors, pytorch_zip, pytorch_legacy");
    }

    private InputTransform transform() {
        JsonNode t = node.get(TRANSFORM);
        if (t == null || !t.isObject()) {
            throw fail(
                    TRANSFORM,
                    (t == null ? "missing" : "expected an object, got " + kind(t))
                            + "; expected {\"resize\": 256, \"crop\": 224} and optionally interpolation, mean, std");
        }
        for (Iterator<String> it = t.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!TRANSFORM_FIELDS.contains(key)) {
                throw fail(TRANSFORM + "." + key, "unknown field, expected one of " + new TreeSet<>(TRANSFORM_FIELDS));
            }
        }
        int resize = intIn(t, "resize");
        int crop = intIn(t, "crop");
        InputTransform.Interpolation interpolation = InputTransform.Interpolation.BILINEAR;
        if (t.has("interpolation")) {
            JsonNode i = t.get("interpolation");
            try {
                interpolation =
                        InputTransform.Interpolation.valueOf(i.asText().trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw fail(TRANSFORM + ".interpolation", "expected bilinear or bicubic, got " + kind(i));
            }
        }
        float[] mean = floats3(t, "mean", InputTransform.IMAGENET_MEAN);
        float[] std = floats3(t, "std", InputTransform.IMAGENET_STD);
        for (float s : std) {
            if (!(s > 0)) {
                throw fail(TRANSFORM + ".std", "expected 3 positive values, got " + Arrays.toString(std));
            }
        }
        try {
            return new InputTransform(resize, crop, interpolation, mean, std);
        } catch (IllegalArgumentException e) {
            throw fail(TRANSFORM, e.getMessage());
        }
    }

    private int intIn(JsonNode t, String key) {
        JsonNode v = t.get(key);
        if (v == null) {
            throw fail(TRANSFORM + "." + key, "missing, expected a positive integer (pixels)");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
            throw fail(TRANSFORM + "." + key, "expected a positive integer (pixels), got " + kind(v));
        }
        return v.intValue();
    }

    private float[] floats3(JsonNode t, String key, float[] fallback) {
        JsonNode v = t.get(key);
        if (v == null) {
            return fallback.clone();
        }
        if (!v.isArray() || v.size() != 3) {
            throw fail(TRANSFORM + "." + key, "expected 3 numbers (R, G, B), got " + kind(v));
        }
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) {
            if (!v.get(i).isNumber()) {
                throw fail(TRANSFORM + "." + key, "expected 3 numbers (R, G, B), got " + kind(v));
            }
            out[i] = (float) v.get(i).doubleValue();
        }
        return out;
    }

    private List<String> classNames() {
        JsonNode v = node.get(CLASS_NAMES);
        if (v == null) {
            throw fail(
                    CLASS_NAMES,
                    "missing, expected \"" + IMAGENET + "\", a file of names (one a line) or a " + "list of names");
        }
        if (v.isArray()) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isTextual() || v.get(i).asText().isBlank()) {
                    throw fail(CLASS_NAMES + "[" + i + "]", "expected a non-empty name, got " + kind(v.get(i)));
                }
                names.add(v.get(i).asText());
            }
            if (names.isEmpty()) {
                throw fail(CLASS_NAMES, "expected at least one name, got []");
            }
            return names;
        }
        if (!v.isTextual()) {
            throw fail(CLASS_NAMES, "expected \"" + IMAGENET + "\", a file name or a list of names, got " + kind(v));
        }
        if (v.asText().trim().equalsIgnoreCase(IMAGENET)) {
            return ImageNetClasses.names();
        }
        Path dir = file.toAbsolutePath().getParent();
        Path names = dir.resolve(v.asText().trim());
        try {
            List<String> out = Files.readAllLines(names, StandardCharsets.UTF_8).stream()
                    .map(String::trim)
                    .filter(l -> !l.isEmpty())
                    .toList();
            if (out.isEmpty()) {
                throw fail(CLASS_NAMES, "the file " + names + " holds no names");
            }
            return out;
        } catch (NoSuchFileException e) {
            throw fail(
                    CLASS_NAMES,
                    "no such file " + names + " (a path relative to the catalog's folder, or \"" + IMAGENET
                            + "\", or a list of names)");
        } catch (IOException e) {
            throw fail(CLASS_NAMES, "cannot read " + names + ": " + e);
        }
    }

    private String text(String key, boolean required) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw fail(key, "missing" + hint(key));
            }
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw fail(key, "expected a non-empty string, got " + kind(v));
        }
        return v.asText();
    }

    private static String hint(String key) {
        return switch (key) {
            case URL -> ", expected the http(s) URL of the weights file";
            case SHA256 -> ", expected the file's SHA-256 (64 hex digits, as sha256sum prints them)";
            case NAME -> ", expected <architecture>.<tag>, e.g. \"resnext50_32x4d.birds_v1\"";
            default -> "";
        };
    }

    private long longValue(String key) {
        JsonNode v = node.get(key);
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 1) {
            throw fail(key, "expected a positive integer, got " + kind(v));
        }
        return v.longValue();
    }

    private double number(String key, double fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw fail(key, "expected a number, got " + kind(v));
        }
        return v.doubleValue();
    }

    private double percent(String key) {
        double p = number(key, Double.NaN);
        if (!Double.isNaN(p) && (p < 0 || p > 100)) {
            throw fail(key, "expected an accuracy in percent, 0 to 100, got " + p);
        }
        return p;
    }

    private WeightsCatalogException fail(String field, String problem) {
        return new WeightsCatalogException(file, field == null ? where : where + "." + field, problem);
    }
}
