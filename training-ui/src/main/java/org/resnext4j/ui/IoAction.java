package org.resnext4j.ui;

import java.io.IOException;
import java.nio.file.Path;

/** A write of a training run's files, run in place or by {@link BackgroundWrites}. */
@FunctionalInterface
interface IoAction {

    /** @throws IOException when a write fails (the file it was replacing is unchanged) */
    void run() throws IOException;

    /**
     * Runs a write; a failure becomes a {@link CheckpointException} naming the file (nothing half-written).
     *
     * @param file   the main file the write produces, named in the error
     * @param action the write
     */
    static void runOrFail(Path file, IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new CheckpointException(
                    "Could not write " + file + " (the previous file, if any, is unchanged): " + e, e);
        }
    }
}
