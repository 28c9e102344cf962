package org.resnext4j.datavec;

import java.nio.file.Path;

/**
 * A data set that cannot be used: a missing or empty root, a class folder without images, a
 * single class, or (in strict mode) a file that is not a valid image. The message names the
 * folder or file; {@link #file()} returns it.
 */
public class ImageFolderException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * Creates the exception.
     *
     * @param file    the folder or file at fault
     * @param message what is wrong, including the path
     */
    public ImageFolderException(Path file, String message) {
        super(message);
        this.file = file;
    }

    /**
     * Creates the exception with a cause.
     *
     * @param file    the folder or file at fault
     * @param message what is wrong, including the path
     * @param cause   the underlying error
     */
    public ImageFolderException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /** @return the folder or file at fault */
    public Path file() {
        return file;
    }
}
