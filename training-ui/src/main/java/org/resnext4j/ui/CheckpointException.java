package org.resnext4j.ui;

/**
 * A checkpoint or run folder that cannot be read or written; the message names the file and what
 * was expected.
 */
public class CheckpointException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the file
     * @param cause   the underlying error, or {@code null}
     */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * @param message what failed, naming the file
     */
    public CheckpointException(String message) {
        super(message);
    }
}
