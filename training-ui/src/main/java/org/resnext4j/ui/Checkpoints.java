package org.resnext4j.ui;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Saves and loads model checkpoints: a DL4J {@link ModelSerializer} zip with the updater state
 * (so training can continue with the optimizer's moments and the iteration/epoch counters that
 * drive learning-rate schedules, which DL4J keeps in the configuration JSON), plus a metadata entry
 * {@value #METADATA_ENTRY} (plain UTF-8 JSON: class names, preprocessing, preset, epoch, metrics
 * history, anything the caller adds) inside the same zip, so model and metadata can never disagree.
 * A readable copy of the metadata is written next to the zip as {@code <name>.json}.
 *
 * <p>Every file is written atomically (temporary file in the same folder, then
 * {@code ATOMIC_MOVE}/{@code REPLACE_EXISTING}): a crash or error while saving leaves the previous
 * checkpoint intact. Reading a file that is missing, truncated or not a DL4J model fails with a
 * {@link CheckpointException} naming the file and what was expected.
 */
public final class Checkpoints {

    /** Name of the metadata entry inside the model zip. */
    public static final String METADATA_ENTRY = "resnext4j-metadata.json";

    private static final String CONFIGURATION_JSON = "configuration.json";
    private static final String COEFFICIENTS_BIN = "coefficients.bin";
    private static final String EXPECTED = "expected a DL4J model zip written by ModelSerializer.writeModel "
            + "(entries " + CONFIGURATION_JSON + " and " + COEFFICIENTS_BIN + ")";

    /** Writes a model (with updater state) to a file; replaceable in tests to simulate failures. */
    @FunctionalInterface
    public interface ModelWriter {
        /**
         * @param model the network
         * @param file  the (temporary) file to write
         * @throws IOException when writing fails
         */
        void write(Model model, Path file) throws IOException;
    }

    /** The default writer: {@code ModelSerializer.writeModel(model, file, true)}. */
    public static final ModelWriter MODEL_SERIALIZER =
            (model, file) -> ModelSerializer.writeModel(model, file.toFile(), true);

    /**
     * A loaded checkpoint.
     *
     * @param model    the network ({@link ComputationGraph} or {@link MultiLayerNetwork}) with updater state
     * @param metadata the metadata stored with it (empty when the zip has none)
     * @param file     the file it was read from
     */
    public record Checkpoint(Model model, Map<String, Object> metadata, Path file) {}

    private Checkpoints() {}

    /**
     * Saves a model with its updater state and metadata, atomically, with the default writer.
     *
     * @param model    the network
     * @param file     the checkpoint zip to create or replace
     * @param metadata JSON-serialisable values (strings, numbers, booleans, lists, maps)
     * @throws CheckpointException when writing fails; the previous file is then unchanged
     */
    public static void save(Model model, Path file, Map<String, ?> metadata) {
        save(model, file, metadata, MODEL_SERIALIZER);
    }

    /**
     * Saves a model with its updater state and metadata, atomically.
     *
     * @param model    the network
     * @param file     the checkpoint zip to create or replace
     * @param metadata JSON-serialisable values
     * @param writer   writes the model zip
     * @throws CheckpointException when writing fails; the previous file is then unchanged
     */
    public static void save(Model model, Path file, Map<String, ?> metadata, ModelWriter writer) {
        String json = Json.write(metadata);
        try {
            AtomicFiles.write(file, tmp -> {
                writer.write(model, tmp);
                try (FileSystem zip = FileSystems.newFileSystem(tmp)) {
                    Files.writeString(zip.getPath(METADATA_ENTRY), json, StandardCharsets.UTF_8);
                }
            });
            AtomicFiles.writeString(sidecar(file), json);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(
                    "Could not save checkpoint " + file.toAbsolutePath() + " (the previous "
                            + "file, if any, is unchanged): " + e,
                    e);
        }
    }

    /**
     * Loads a checkpoint, with updater state, as a {@link ComputationGraph} or
     * {@link MultiLayerNetwork} (whichever it holds).
     *
     * @param file the checkpoint zip
     * @return the model and its metadata
     * @throws CheckpointException when the file is missing, truncated or not a DL4J model
     */
    public static Checkpoint load(Path file) {
        boolean graph = isComputationGraph(file);
        Map<String, Object> metadata = readMetadata(file);
        try {
            Model model = graph
                    ? ModelSerializer.restoreComputationGraph(file.toFile(), true)
                    : ModelSerializer.restoreMultiLayerNetwork(file.toFile(), true);
            return new Checkpoint(model, metadata, file);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(
                    "Checkpoint " + file.toAbsolutePath() + " could not be restored (" + EXPECTED + "): " + e, e);
        }
    }

    /**
     * Reads only the metadata of a checkpoint.
     *
     * @param file the checkpoint zip
     * @return the metadata (empty when the zip has no metadata entry)
     * @throws CheckpointException when the file is missing, truncated or not a DL4J model
     */
    public static Map<String, Object> readMetadata(Path file) {
        try (ZipFile zip = open(file)) {
            ZipEntry e = zip.getEntry(METADATA_ENTRY);
            if (e == null) {
                return Collections.emptyMap();
            }
            try (InputStream in = zip.getInputStream(e)) {
                return Collections.unmodifiableMap(
                        new LinkedHashMap<>(Json.readMap(new String(in.readAllBytes(), StandardCharsets.UTF_8))));
            }
        } catch (IOException e) {
            throw new CheckpointException(
                    "Checkpoint " + file.toAbsolutePath() + " has unreadable metadata entry " + METADATA_ENTRY + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * @param file a checkpoint zip
     * @return the readable metadata copy written next to it: {@code name.zip} to {@code name.json}
     */
    public static Path sidecar(Path file) {
        String name = file.getFileName().toString();
        String base = name.endsWith(".zip") ? name.substring(0, name.length() - 4) : name;
        return file.resolveSibling(base + ".json");
    }

    private static boolean isComputationGraph(Path file) {
        try (ZipFile zip = open(file);
                InputStream in = zip.getInputStream(zip.getEntry(CONFIGURATION_JSON))) {
            String conf = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return conf.contains("\"vertices\"");
        } catch (IOException e) {
            throw new CheckpointException(
                    "Checkpoint " + file.toAbsolutePath() + " is truncated or corrupt (" + EXPECTED + "): "
                            + e.getMessage(),
                    e);
        }
    }

    /** Opens the zip and checks the DL4J entries, with clear errors. */
    private static ZipFile open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("Checkpoint " + file.toAbsolutePath() + " does not exist (" + EXPECTED + ")");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new CheckpointException(
                    "Checkpoint " + file.toAbsolutePath() + " is truncated or not a zip file (" + EXPECTED + "; size "
                            + size(file) + " bytes): " + e.getMessage(),
                    e);
        } catch (IOException e) {
            throw new CheckpointException("Checkpoint " + file.toAbsolutePath() + " cannot be read: " + e, e);
        }
        if (zip.getEntry(CONFIGURATION_JSON) == null || zip.getEntry(COEFFICIENTS_BIN) == null) {
            try {
                zip.close();
            } catch (IOException ignored) {
                // the error below is the one that matters
            }
            throw new CheckpointException("Checkpoint " + file.toAbsolutePath() + " is a zip file but not a DL4J "
                    + "model (" + EXPECTED + ")");
        }
        return zip;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }
}
