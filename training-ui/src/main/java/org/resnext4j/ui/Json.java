package org.resnext4j.ui;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.nd4j.shade.jackson.core.type.TypeReference;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

/** The module's one JSON mapper (DL4J's shaded Jackson), for maps, lists, strings and numbers. */
final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot write JSON for " + value.getClass().getName(), e);
        }
    }

    static Map<String, Object> readMap(String json) throws IOException {
        return MAPPER.readValue(json, new TypeReference<Map<String, Object>>() {});
    }
}
