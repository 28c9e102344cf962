package org.resnext4j.zoo.weights;

import java.io.IOException;

/**
 * Weights could not be had: the message is one sentence saying what failed and where (the HTTP status and the URL,
 * the unreachable host, both digests, the cache directory), and {@link #reason()} says what kind of failure it was.
 */
public final class WeightsDownloadException extends IOException {

    private static final long serialVersionUID = 1L;

    /** What kind of failure. */
    public enum Reason {
        /** The server answered with an error status ({@link #httpStatus()}). */
        HTTP_STATUS,
        /** The host is unknown or refused the connection. */
        UNREACHABLE,
        /** Timeouts or broken transfers on every attempt. */
        NETWORK,
        /** The file's SHA-256 is not the expected one; the file was removed. */
        DIGEST_MISMATCH,
        /** Neither the catalog nor the server gave a digest to check the file against; the file was removed. */
        NO_DIGEST,
        /** The cache's disk is full. */
        DISK_FULL,
        /** The cache directory cannot be created, written or read. */
        CACHE_IO,
        /** Offline, and the file is not in the cache. */
        OFFLINE_NOT_CACHED
    }

    private final Reason reason;
    private final int httpStatus;

    WeightsDownloadException(Reason reason, String message) {
        this(reason, 0, message, null);
    }

    WeightsDownloadException(Reason reason, String message, Throwable cause) {
        this(reason, 0, message, cause);
    }

    WeightsDownloadException(Reason reason, int httpStatus, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.httpStatus = httpStatus;
    }

    public Reason reason() {
        return reason;
    }

    /** The HTTP status for {@link Reason#HTTP_STATUS}, else 0. */
    public int httpStatus() {
        return httpStatus;
    }
}
