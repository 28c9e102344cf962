package org.resnext4j.ui;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Saves and loads model checkpoints: a DL4J {@link ModelSerializer} zip (written {@link #STORED}, without
 * compression; deflated ones written by earlier versions load the same way) with the updater state
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
    private static final String UPDATER_STATE_BIN = "updaterState.bin";
    private static final String NO_PARAMS_MARKER = "noParams.marker";
    private static final int BUFFER = 1 << 20;

    /** A test's view inside a {@link #STORED} write, after the parameters (the file is then half written). */
    static volatile Consumer<Path> midWrite = f -> {};

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

        /**
         * Writes the model and further entries (the checkpoint's metadata). The default writes the model with
         * {@link #write(Model, Path)} and then adds the entries through a zip file system, which rewrites the
         * whole zip once more; {@link #STORED} writes everything in one pass.
         *
         * @param model   the network
         * @param file    the (temporary) file to write
         * @param entries entry name to content, written after the model's entries
         * @throws IOException when writing fails
         */
        default void write(Model model, Path file, Map<String, byte[]> entries) throws IOException {
            write(model, file);
            if (!entries.isEmpty()) {
                try (FileSystem zip = FileSystems.newFileSystem(file)) {
                    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                        Files.write(zip.getPath(e.getKey()), e.getValue());
                    }
                }
            }
        }
    }

    /**
     * DL4J's own writer, {@code ModelSerializer.writeModel(model, file, true)}: entries deflated at the default
     * level. Checkpoints written this way (every one before STORED became the default) load as before.
     */
    public static final ModelWriter MODEL_SERIALIZER =
            (model, file) -> ModelSerializer.writeModel(model, file.toFile(), true);

    /**
     * The default writer: the entries {@code ModelSerializer} writes ({@value #CONFIGURATION_JSON},
     * {@value #COEFFICIENTS_BIN} with {@code Nd4j.write}, {@value #UPDATER_STATE_BIN}) and the metadata, in one
     * pass, {@code STORED} without compression. {@code ModelSerializer} reads the file as it reads its own. Float
     * weights and optimizer state barely deflate (a ResNeXt-50 with Adam: 9% smaller), and deflating costs
     * seconds of CPU per checkpoint (docs/performance.md).
     */
    public static final ModelWriter STORED = new ModelWriter() {
        @Override
        public void write(Model model, Path file) throws IOException {
            write(model, file, Map.of());
        }

        @Override
        public void write(Model model, Path file, Map<String, byte[]> entries) throws IOException {
            writeStored(ModelState.of(model, false), file, entries);
        }
    };

    /**
     * A model's saved state: its configuration JSON, parameters and updater state. A {@link #snapshot} holds copies,
     * detached from the model, so that it can be written ({@link #save(ModelState, Path, Map)}) on another thread
     * while the model trains on.
     *
     * @param configurationJson the DL4J configuration ({@code ComputationGraphConfiguration} or
     *                          {@code MultiLayerConfiguration}) as JSON
     * @param params            the flattened parameters, or {@code null} for a model without any
     * @param updaterState      the flattened updater state, or {@code null} for none
     */
    public record ModelState(String configurationJson, INDArray params, INDArray updaterState) {

        /**
         * Takes a copy of a model's state (its arrays duplicated outside any workspace).
         *
         * @param model a {@link ComputationGraph} or {@link MultiLayerNetwork}
         * @return the copy
         * @throws IllegalArgumentException for another kind of model
         */
        public static ModelState snapshot(Model model) {
            return of(model, true);
        }

        /**
         * Takes a copy of a model's state into the arrays of an earlier snapshot of it, where their shapes and types
         * match (else into new arrays, as {@link #snapshot(Model)}). A run snapshots after every epoch: new arrays
         * for ResNeXt-50's parameters and Adam state (276 MB) came as fresh pages from the operating system each time
         * and took 0.8 s on the training thread (page faults; measured on 2 cores), a copy into the same arrays
         * 0.03 s. The earlier snapshot must no longer be read (its write has finished): it is overwritten.
         *
         * @param model a {@link ComputationGraph} or {@link MultiLayerNetwork}
         * @param reuse an earlier snapshot whose arrays may be overwritten, or {@code null}
         * @return the copy
         */
        public static ModelState snapshot(Model model, ModelState reuse) {
            if (reuse == null) {
                return snapshot(model);
            }
            ModelState live = of(model, false);
            MemoryWorkspace outside = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
            try {
                return new ModelState(
                        live.configurationJson(),
                        copyInto(live.params(), reuse.params()),
                        copyInto(live.updaterState(), reuse.updaterState()));
            } finally {
                outside.close();
            }
        }

        private static INDArray copyInto(INDArray source, INDArray target) {
            if (source == null) {
                return null;
            }
            boolean same = target != null
                    && !target.isView()
                    && target.dataType() == source.dataType()
                    && target.ordering() == source.ordering()
                    && Arrays.equals(target.shape(), source.shape());
            return same ? target.assign(source) : source.dup();
        }

        private static ModelState of(Model model, boolean copy) {
            String json;
            INDArray updaterState;
            if (model instanceof MultiLayerNetwork mln) {
                json = mln.getLayerWiseConfigurations().toJson();
                Updater u = mln.getUpdater();
                updaterState = u == null ? null : u.getStateViewArray();
            } else if (model instanceof ComputationGraph cg) {
                json = cg.getConfiguration().toJson();
                updaterState = cg.getUpdater() == null ? null : cg.getUpdater().getStateViewArray();
            } else {
                throw new IllegalArgumentException("Cannot save a "
                        + model.getClass().getName() + " (expected a ComputationGraph or MultiLayerNetwork)");
            }
            INDArray params = model.params();
            if (updaterState != null && updaterState.length() == 0) {
                updaterState = null;
            }
            if (copy) {
                MemoryWorkspace outside = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
                try {
                    params = params == null ? null : params.dup();
                    updaterState = updaterState == null ? null : updaterState.dup();
                } finally {
                    outside.close();
                }
            }
            return new ModelState(json, params, updaterState);
        }
    }

    /**
     * Writes with Commons Compress's {@link ZipArchiveOutputStream} on a file channel: it patches each STORED entry's
     * CRC and sizes after its data (which {@link java.util.zip.ZipOutputStream} cannot do) and uses Zip64 where an
     * entry needs it; the files read with {@link ZipFile}, {@link java.util.zip.ZipInputStream} and
     * {@code ModelSerializer}. {@link Nd4jBinary} writes the arrays in bulk, in {@code Nd4j.write}'s format.
     */
    private static void writeStored(ModelState state, Path file, Map<String, byte[]> entries) throws IOException {
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(Files.newByteChannel(
                        file,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING));
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new CloseShield(zip), BUFFER))) {
            zip.setMethod(ZipArchiveOutputStream.STORED);
            putEntry(zip, out, CONFIGURATION_JSON, state.configurationJson().getBytes(StandardCharsets.UTF_8));
            if (state.params() != null) {
                zip.putArchiveEntry(new ZipArchiveEntry(COEFFICIENTS_BIN));
                Nd4jBinary.write(state.params(), out);
                out.flush();
                zip.closeArchiveEntry();
                midWrite.accept(file);
            } else {
                putEntry(zip, out, NO_PARAMS_MARKER, new byte[0]);
            }
            if (state.updaterState() != null) {
                zip.putArchiveEntry(new ZipArchiveEntry(UPDATER_STATE_BIN));
                Nd4jBinary.write(state.updaterState(), out);
                out.flush();
                zip.closeArchiveEntry();
            }
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                putEntry(zip, out, e.getKey(), e.getValue());
            }
            out.flush();
            zip.finish();
        }
    }

    private static void putEntry(ZipArchiveOutputStream zip, OutputStream out, String name, byte[] bytes)
            throws IOException {
        zip.putArchiveEntry(new ZipArchiveEntry(name));
        out.write(bytes);
        out.flush();
        zip.closeArchiveEntry();
    }

    /** Keeps the buffered stream's {@code close} from closing the zip before its central directory is written. */
    private static final class CloseShield extends FilterOutputStream {
        CloseShield(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

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
     * Saves a model with its updater state and metadata, atomically, with the default writer ({@link #STORED}).
     *
     * @param model    the network
     * @param file     the checkpoint zip to create or replace
     * @param metadata JSON-serialisable values (strings, numbers, booleans, lists, maps)
     * @throws CheckpointException when writing fails; the previous file is then unchanged
     */
    public static void save(Model model, Path file, Map<String, ?> metadata) {
        save(model, file, metadata, STORED);
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
        save(model, file, metadata, writer, Map.of());
    }

    /**
     * Saves a model with its updater state, metadata and further entries (a {@link TrainingRun}'s moving average of
     * the weights), atomically.
     *
     * @param model    the network
     * @param file     the checkpoint zip to create or replace
     * @param metadata JSON-serialisable values
     * @param writer   writes the model zip
     * @param entries  entry name to content, written after the metadata entry
     * @throws CheckpointException when writing fails; the previous file is then unchanged
     */
    public static void save(
            Model model, Path file, Map<String, ?> metadata, ModelWriter writer, Map<String, byte[]> entries) {
        String json = Json.write(metadata);
        saveAtomically(file, json, tmp -> writer.write(model, tmp, entries(json, entries)));
    }

    /** The metadata entry first, then the further entries. */
    private static Map<String, byte[]> entries(String json, Map<String, byte[]> entries) {
        Map<String, byte[]> all = new LinkedHashMap<>();
        all.put(METADATA_ENTRY, json.getBytes(StandardCharsets.UTF_8));
        all.putAll(entries);
        return all;
    }

    private static void saveAtomically(Path file, String json, AtomicFiles.Writer zipWriter) {
        try {
            AtomicFiles.write(file, zipWriter);
            AtomicFiles.writeString(sidecar(file), json);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(
                    "Could not save checkpoint " + file.toAbsolutePath() + " (the previous "
                            + "file, if any, is unchanged): " + e,
                    e);
        }
    }

    /**
     * Saves a model's state ({@link ModelState#snapshot}) with its metadata, atomically, as {@link #STORED} writes a
     * model; callable from any thread.
     *
     * @param state    the state to write
     * @param file     the checkpoint zip to create or replace
     * @param metadata JSON-serialisable values
     * @throws CheckpointException when writing fails; the previous file is then unchanged
     */
    public static void save(ModelState state, Path file, Map<String, ?> metadata) {
        save(state, file, metadata, Map.of());
    }

    /**
     * Saves a model's state with its metadata and further entries, atomically, as {@link #STORED} writes a model;
     * callable from any thread.
     *
     * @param state    the state to write
     * @param file     the checkpoint zip to create or replace
     * @param metadata JSON-serialisable values
     * @param entries  entry name to content, written after the metadata entry
     * @throws CheckpointException when writing fails; the previous file is then unchanged
     */
    public static void save(ModelState state, Path file, Map<String, ?> metadata, Map<String, byte[]> entries) {
        String json = Json.write(metadata);
        saveAtomically(file, json, tmp -> writeStored(state, tmp, entries(json, entries)));
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
     * Reads one entry of a checkpoint zip.
     *
     * @param file  the checkpoint zip
     * @param entry the entry name
     * @return its bytes, or {@code null} when the zip has no such entry
     * @throws CheckpointException when the file is missing, truncated or unreadable
     */
    public static byte[] readEntry(Path file, String entry) {
        try (ZipFile zip = open(file)) {
            ZipEntry e = zip.getEntry(entry);
            if (e == null) {
                return null;
            }
            try (InputStream in = zip.getInputStream(e)) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new CheckpointException(
                    "Checkpoint " + file.toAbsolutePath() + " has an unreadable entry " + entry + ": " + e.getMessage(),
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
