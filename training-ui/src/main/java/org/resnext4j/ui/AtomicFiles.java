package org.resnext4j.ui;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes files atomically: the content goes to a temporary file in the target's own folder, which is
 * then renamed over the target with {@link StandardCopyOption#ATOMIC_MOVE} (and
 * {@link StandardCopyOption#REPLACE_EXISTING}). A reader sees either the old file or the complete new
 * one, never a half-written file; if writing fails, the previous file is left untouched and the
 * temporary file is deleted.
 */
public final class AtomicFiles {

    /** Writes the content of a file to the path it is given. */
    @FunctionalInterface
    public interface Writer {
        /**
         * Writes the whole content to {@code path}.
         *
         * @param path a temporary file in the target's folder (exists, empty)
         * @throws IOException when writing fails; the target is then left as it was
         */
        void write(Path path) throws IOException;
    }

    private AtomicFiles() {}

    /**
     * Writes {@code target} atomically with {@code writer}.
     *
     * @param target the file to create or replace; its parent folders are created when missing
     * @param writer writes the content into the temporary file it is given
     * @throws IOException when writing or the final rename fails (the previous target is kept)
     */
    public static void write(Path target, Writer writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
        boolean moved = false;
        try {
            writer.write(tmp);
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Writes a UTF-8 string atomically.
     *
     * @param target the file to create or replace
     * @param content the text
     * @throws IOException when writing fails (the previous target is kept)
     */
    public static void writeString(Path target, String content) throws IOException {
        write(target, tmp -> Files.writeString(tmp, content, StandardCharsets.UTF_8));
    }

    /**
     * Copies {@code source} over {@code target} atomically.
     *
     * @param source the file to copy
     * @param target the file to create or replace
     * @throws IOException when copying fails (the previous target is kept)
     */
    public static void copy(Path source, Path target) throws IOException {
        write(target, tmp -> Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING));
    }
}
