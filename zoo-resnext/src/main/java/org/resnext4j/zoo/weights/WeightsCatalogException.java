package org.resnext4j.zoo.weights;

import java.nio.file.Path;

/**
 * A user weights catalog file ({@link WeightsCatalogFile}) that cannot be used, in one sentence naming the file and
 * the field: {@code birds.json: entries[0] ("resnext50_32x4d.birds_v1").sha256: expected 64 hex digits ...}. It is an
 * {@link IllegalArgumentException}: the user named something wrong (the CLI exits with 2).
 */
public final class WeightsCatalogException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String field;

    /**
     * @param file    the catalog file
     * @param field   where in it, e.g. {@code entries[0] ("tiny.v1").url}, or null for the whole file
     * @param problem what is wrong, with what was expected and what was found
     */
    public WeightsCatalogException(Path file, String field, String problem) {
        this(file, field, problem, null);
    }

    /** {@link #WeightsCatalogException(Path, String, String)} with a cause. */
    public WeightsCatalogException(Path file, String field, String problem, Throwable cause) {
        super("weights catalog " + file + ": " + (field != null ? field + ": " : "") + problem, cause);
        this.file = file;
        this.field = field;
    }

    /** The catalog file. */
    public Path file() {
        return file;
    }

    /** Where in the file, e.g. {@code entries[0] ("tiny.v1").url}; null when the whole file is at fault. */
    public String field() {
        return field;
    }
}
