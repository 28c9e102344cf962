package org.resnext4j.examples;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.QuoteMode;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.resnext4j.ui.SavedModel.Prediction;

/**
 * {@code predict --format}: how one image's top classes are written, one record per image.
 * <ul>
 *   <li>{@code text}: {@code path  label 0.9512  label 0.0311}, two spaces between fields (for people; a path with
 *       two spaces in it is ambiguous);</li>
 *   <li>{@code csv}: RFC 4180 (Apache Commons CSV), a header {@code path,label_1,probability_1,...}, every text field
 *       quoted, probabilities with 6 decimals;</li>
 *   <li>{@code jsonl}: one JSON object per line, {@code {"path":"...","top":[{"label":"...","index":0,
 *       "probability":0.9512}]}} (DL4J's shaded Jackson), probabilities as the model's float values.</li>
 * </ul>
 */
enum PredictionFormat {
    text,
    csv,
    jsonl;

    private static final CSVFormat CSV = CSVFormat.RFC4180
            .builder()
            .setQuoteMode(QuoteMode.NON_NUMERIC)
            .setRecordSeparator("\n")
            .build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The first line, before any record ({@code csv} only). */
    Optional<String> header(int top) {
        if (this != csv) {
            return Optional.empty();
        }
        List<Object> names = new ArrayList<>();
        names.add("path");
        for (int r = 1; r <= top; r++) {
            names.add("label_" + r);
            names.add("probability_" + r);
        }
        return Optional.of(CSV.format(names.toArray()));
    }

    /** One image's record, without the line end (a CSV path holding a line break spans two lines, quoted). */
    String record(String path, List<Prediction> predictions) {
        return switch (this) {
            case text -> {
                StringBuilder line = new StringBuilder(path);
                for (Prediction p : predictions) {
                    line.append(String.format(Locale.ROOT, "  %s %.4f", p.label(), p.probability()));
                }
                yield line.toString();
            }
            case csv -> {
                List<Object> values = new ArrayList<>();
                values.add(path);
                for (Prediction p : predictions) {
                    values.add(p.label());
                    values.add(BigDecimal.valueOf(p.probability()).setScale(6, RoundingMode.HALF_EVEN));
                }
                yield CSV.format(values.toArray());
            }
            case jsonl -> {
                List<Map<String, Object>> top = new ArrayList<>();
                for (Prediction p : predictions) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("label", p.label());
                    m.put("index", p.index());
                    m.put("probability", (float) p.probability());
                    top.add(m);
                }
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("path", path);
                line.put("top", top);
                try {
                    yield JSON.writeValueAsString(line);
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("cannot write JSON for " + path, e);
                }
            }
        };
    }
}
