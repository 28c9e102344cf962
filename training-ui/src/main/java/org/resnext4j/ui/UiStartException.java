package org.resnext4j.ui;

/** The training UI server could not start, e.g. because its port is taken; the message says what to do. */
public class UiStartException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed and how to fix it
     * @param cause   the underlying error, or {@code null}
     */
    public UiStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
