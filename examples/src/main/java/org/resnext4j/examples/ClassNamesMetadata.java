package org.resnext4j.examples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The class names {@code export-weights} stores in a safetensors file's string metadata, key {@value #KEY}: a JSON
 * array of strings ({@code ["cat", "dog, hound"]}, {@code json.loads} in Python), so that any name, one with a comma
 * included, comes back as it was. Files exported before (this project's releases up to f300108) hold the names
 * joined by commas; {@link #read} takes both.
 */
final class ClassNamesMetadata {

    /** The metadata key. */
    static final String KEY = "class_names";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ClassNamesMetadata() {}

    /** @return the names as a JSON array of strings */
    static String write(List<String> names) {
        try {
            return JSON.writeValueAsString(names);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a list of strings did not serialise: " + e.getMessage(), e);
        }
    }

    /**
     * The names of a stored value: a JSON array of strings, or the comma-joined form of older exports (a value that
     * is not a JSON array of strings, so an old file whose first name starts with {@code [} still reads as commas).
     *
     * @param stored the metadata value
     * @return the names in output order
     */
    static List<String> read(String stored) {
        if (stored.startsWith("[")) {
            try {
                JsonNode node = JSON.readTree(stored);
                if (node.isArray()) {
                    List<String> names = new ArrayList<>();
                    for (JsonNode n : node) {
                        if (!n.isTextual()) {
                            return commaSeparated(stored);
                        }
                        names.add(n.textValue());
                    }
                    return names;
                }
            } catch (JsonProcessingException e) {
                // not JSON: an old comma-joined value
            }
        }
        return commaSeparated(stored);
    }

    private static List<String> commaSeparated(String stored) {
        return stored.isEmpty() ? List.of() : Arrays.asList(stored.split(",", -1));
    }
}
