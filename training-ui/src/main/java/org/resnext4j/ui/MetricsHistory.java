package org.resnext4j.ui;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The per-epoch metrics of a run, in epoch order without gaps (epoch {@code i} at index {@code i-1}).
 * Written after every epoch to {@code metrics.csv} and {@code metrics.json}, each atomically.
 */
public final class MetricsHistory {

    private final List<EpochMetrics> epochs = new ArrayList<>();

    /** An empty history. */
    public MetricsHistory() {}

    /**
     * A history holding the given epochs.
     *
     * @param epochs metrics of epochs 1..n in order
     * @throws IllegalArgumentException when epochs are missing, repeated or out of order
     */
    public MetricsHistory(List<EpochMetrics> epochs) {
        epochs.forEach(this::add);
    }

    /**
     * Appends the next epoch.
     *
     * @param metrics the metrics of epoch {@code size() + 1}
     * @throws IllegalArgumentException when the epoch number is not the next one
     */
    public void add(EpochMetrics metrics) {
        int expected = epochs.size() + 1;
        if (metrics.epoch() != expected) {
            throw new IllegalArgumentException("Metrics history holds epochs 1.." + epochs.size() + "; expected epoch "
                    + expected + " next but got epoch " + metrics.epoch());
        }
        epochs.add(metrics);
    }

    /** @return the epochs, in order (unmodifiable) */
    public List<EpochMetrics> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** @return the number of finished epochs */
    public int size() {
        return epochs.size();
    }

    /** @return the epoch with the highest validation accuracy (the first of equals), if any */
    public Optional<EpochMetrics> best() {
        EpochMetrics best = null;
        for (EpochMetrics m : epochs) {
            if (best == null || m.valAccuracy() > best.valAccuracy()) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    /** @return the history as a CSV table with {@link EpochMetrics#CSV_HEADER} */
    public String toCsv() {
        StringBuilder sb = new StringBuilder(EpochMetrics.CSV_HEADER).append('\n');
        for (EpochMetrics m : epochs) {
            sb.append(m.toCsvRow()).append('\n');
        }
        return sb.toString();
    }

    /** @return the history as JSON: {@code {"epochs": [{...}, ...]}} */
    public String toJson() {
        List<Map<String, Object>> list = new ArrayList<>();
        epochs.forEach(m -> list.add(m.toMap()));
        return Json.write(Map.of("epochs", list));
    }

    /**
     * Parses JSON written by {@link #toJson()}.
     *
     * @param json the text
     * @return the history
     * @throws IOException when the text is not such JSON
     */
    public static MetricsHistory fromJson(String json) throws IOException {
        Object list = Json.readMap(json).get("epochs");
        if (!(list instanceof List<?> entries)) {
            throw new IOException("Metrics JSON has no \"epochs\" array");
        }
        MetricsHistory h = new MetricsHistory();
        for (Object o : entries) {
            if (!(o instanceof Map<?, ?> m)) {
                throw new IOException("Metrics JSON entry is not an object: " + o);
            }
            try {
                h.add(EpochMetrics.fromMap(m));
            } catch (IllegalArgumentException | ClassCastException e) {
                throw new IOException("Invalid metrics JSON: " + e.getMessage(), e);
            }
        }
        return h;
    }

    /**
     * Reads a {@code metrics.json} file.
     *
     * @param file the file
     * @return the history
     * @throws IOException when the file is missing or invalid
     */
    public static MetricsHistory readJson(Path file) throws IOException {
        return fromJson(Files.readString(file, StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code metrics.csv} and {@code metrics.json} into a folder, each atomically.
     *
     * @param dir the run folder
     * @throws IOException when writing fails
     */
    public void write(Path dir) throws IOException {
        AtomicFiles.writeString(RunFolder.metricsCsv(dir), toCsv());
        AtomicFiles.writeString(RunFolder.metricsJson(dir), toJson());
    }
}
