package org.resnext4j.ui;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

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

    /** Start of the name of a temporary file ({@code .NAME.*.tmp}): hidden, then the target's name. */
    static final String TEMPORARY_PREFIX = ".";
    /** End of the name of a temporary file. */
    static final String TEMPORARY_SUFFIX = ".tmp";

    private AtomicFiles() {}

    /**
     * @param file a file
     * @return whether its name is that of a temporary file of a write ({@code .NAME.*.tmp}), e.g. one left by a
     *     process killed while writing
     */
    static boolean isTemporary(Path file) {
        String name = file.getFileName().toString();
        return name.startsWith(TEMPORARY_PREFIX) && name.endsWith(TEMPORARY_SUFFIX);
    }

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
        Path tmp = Files.createTempFile(dir, TEMPORARY_PREFIX + absolute.getFileName() + ".", TEMPORARY_SUFFIX);
        fillAndRename(tmp, absolute, writer);
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

    /**
     * Makes {@code target} the same bytes as {@code source} without writing them again: a hard link to
     * {@code source} is created under a temporary name in the target's folder and renamed over the target
     * atomically. Where the file system has no hard links, the file is copied (atomically, as {@link #copy}).
     * Because every file here is replaced by renaming a new file over it, never rewritten in place, replacing
     * {@code source} later leaves {@code target} as it was.
     *
     * @param source the file to share
     * @param target the file to create or replace
     * @return whether a link was made (false: copied)
     * @throws IOException when both linking and copying fail (the previous target is kept)
     */
    public static boolean link(Path source, Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(TEMPORARY_PREFIX + absolute.getFileName() + "." + UUID.randomUUID() + TEMPORARY_SUFFIX);
        try {
            Files.createLink(tmp, source.toAbsolutePath());
        } catch (UnsupportedOperationException | IOException e) {
            Files.deleteIfExists(tmp);
            copy(source, target);
            return false;
        }
        fillAndRename(tmp, absolute, linked -> {});
        return true;
    }

    /**
     * Lets {@code writer} fill {@code tmp}, then renames it over {@code target} (atomically where the file system
     * can); when either fails, {@code tmp} is deleted and {@code target} is left as it was.
     */
    private static void fillAndRename(Path tmp, Path target, Writer writer) throws IOException {
        boolean moved = false;
        try {
            writer.write(tmp);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
