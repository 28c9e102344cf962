package org.resnext4j.zoo.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.nd4j.shade.jackson.core.JsonParser;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * A user weights catalog: a JSON file of extra {@link WeightsEntry entries} (your fine-tuned weights on an internal
 * server, a private model hub), as timm's {@code pretrained_cfg} overlays do. {@link WeightsCatalog#fromEnvironment()}
 * merges the files named by {@value PretrainedWeights#CATALOG_PROPERTY} / {@value PretrainedWeights#CATALOG_ENV}
 * with the built-in entries; the CLI also takes {@code --catalog FILE}.
 * <pre>{@code
 * {
 *   "entries": [
 *     {
 *       "name": "resnext50_32x4d.birds_v1",         // <architecture>.<tag>, the tag letters, digits and _
 *       "preset": "resnext50_32x4d",                // or "spec": {...} (ResNeXtSpec.toMap()); default: the name's
 *       "url": "https://models.example.com/birds-v1.safetensors",
 *       "mirrors": ["https://mirror.example.com/birds-v1.safetensors"],            // optional
 *       "format": "safetensors",                    // or pytorch_zip, pytorch_legacy; default: from the URL
 *       "sha256": "<the file's 64 hex digits, as sha256sum prints them>",
 *       "numParams": 23390024,                      // optional, checked against the architecture
 *       "acc1": 91.2, "acc5": 98.7,                 // optional
 *       "fileSizeMb": 94.1,                         // optional
 *       "transform": {"resize": 256, "crop": 224,   // required; the rest default to bilinear and ImageNet's
 *                     "interpolation": "bilinear", "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]},
 *       "classNames": "birds-classes.txt",          // a file (one name a line, relative to this file's folder),
 *                                                   // "imagenet", or an inline list ["acadian_flycatcher", ...]
 *       "default": true                             // optional: this entry becomes the preset's DEFAULT
 *     }
 *   ]
 * }
 * }</pre>
 * (JSON has no comments; they are explanations here.) With a {@code preset}, the number of classes is the number of
 * class names; a {@code spec} may leave out {@code numClasses} and {@code inputShape} (then the class names' count and
 * {@code [3, crop, crop]}). The downloaded file is cached as {@code <name>-<first 8 digits of sha256><extension>}.
 *
 * <p>Every error is one {@link WeightsCatalogException} naming the file and the field: invalid JSON (with its line and
 * column; duplicate keys included), an unknown field, a missing URL, a digest that is not 64 hex digits, an unknown
 * preset, class names that do not match the classes, a duplicate entry name.
 *
 * <p>This class owns the file: its keys, its top level and the checks across entries; one entry's fields are read and
 * checked by the package-private {@link CatalogEntryReader}.
 */
public final class WeightsCatalogFile {

    /** The top-level key holding the list of entries. */
    public static final String ENTRIES = "entries";
    /** The {@code classNames} value that means ImageNet-1k's 1000 names. */
    public static final String IMAGENET = "imagenet";

    static final String NAME = "name";
    static final String PRESET = "preset";
    static final String SPEC = "spec";
    static final String URL = "url";
    static final String MIRRORS = "mirrors";
    static final String FORMAT = "format";
    static final String SHA256 = "sha256";
    static final String NUM_PARAMS = "numParams";
    static final String ACC1 = "acc1";
    static final String ACC5 = "acc5";
    static final String FILE_SIZE_MB = "fileSizeMb";
    static final String TRANSFORM = "transform";
    static final String CLASS_NAMES = "classNames";
    static final String DEFAULT = "default";

    /** The fields of an entry. */
    static final Set<String> FIELDS = Set.of(
            NAME,
            PRESET,
            SPEC,
            URL,
            MIRRORS,
            FORMAT,
            SHA256,
            NUM_PARAMS,
            ACC1,
            ACC5,
            FILE_SIZE_MB,
            TRANSFORM,
            CLASS_NAMES,
            DEFAULT);
    /** The fields of an entry's transform. */
    static final Set<String> TRANSFORM_FIELDS = Set.of("resize", "crop", "interpolation", "mean", "std");

    /** Jackson, refusing duplicate keys. */
    static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /**
     * One entry of a file and what the catalog needs besides it.
     *
     * @param entry     the entry
     * @param isDefault whether it asks to be its preset's default
     * @param where     its place in the file, {@code entries[i] ("name")}, for messages
     */
    record Item(WeightsEntry entry, boolean isDefault, String where) {}

    private WeightsCatalogFile() {}

    /**
     * The entries of a catalog file, in file order.
     *
     * @throws WeightsCatalogException naming the file and field of the first problem
     */
    static List<Item> read(Path file) {
        JsonNode root = parse(file);
        if (!root.isObject()) {
            throw new WeightsCatalogException(
                    file, null, "expected a JSON object {\"" + ENTRIES + "\": [...]}, got " + kind(root));
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.equals(ENTRIES)) {
                throw new WeightsCatalogException(
                        file, key, "unknown top-level field, expected only \"" + ENTRIES + "\"");
            }
        }
        JsonNode list = root.get(ENTRIES);
        if (list == null || !list.isArray()) {
            throw new WeightsCatalogException(
                    file,
                    ENTRIES,
                    list == null ? "missing, expected a list of entries" : "expected a list, got " + kind(list));
        }
        List<Item> items = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            Item item = new CatalogEntryReader(file, i, list.get(i)).read();
            String name = item.entry().name();
            String other = seen.putIfAbsent(name, item.where());
            if (other != null) {
                throw new WeightsCatalogException(
                        file, item.where() + "." + NAME, "\"" + name + "\" is listed twice, also as " + other);
            }
            items.add(item);
        }
        return items;
    }

    private static JsonNode parse(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new WeightsCatalogException(file, null, "no such file", e);
        } catch (IOException e) {
            throw new WeightsCatalogException(file, null, "cannot be read: " + e, e);
        }
        try {
            JsonNode root = JSON.readTree(bytes);
            if (root == null || root.isMissingNode()) {
                throw new WeightsCatalogException(file, null, "empty, expected {\"" + ENTRIES + "\": [...]}");
            }
            return root;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null
                    ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr();
            throw new WeightsCatalogException(file, null, "not valid JSON" + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new WeightsCatalogException(file, null, "cannot be read: " + e, e);
        }
    }

    /** A JSON value for messages: a string quoted, anything else with its type. */
    static String kind(JsonNode n) {
        return n.isTextual() ? "\"" + n.asText() + "\"" : n.getNodeType().name().toLowerCase(Locale.ROOT) + " " + n;
    }
}
