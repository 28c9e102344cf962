package org.resnext4j.zoo.weights;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@link WeightsDownloader} reports while it works, e.g. for a progress bar with size and ETA (the examples'
 * CLI draws one). Called on the downloading thread; every method does nothing by default.
 */
public interface DownloadListener {

    /** A listener that ignores everything. */
    DownloadListener NONE = new DownloadListener() {};

    /** Another process (or thread) is downloading the same file; this one waits for it, holding nothing. */
    default void waitingForLock(WeightsEntry entry, Path lockFile) {}

    /**
     * A transfer starts.
     *
     * @param resumedFrom bytes already on disk from an earlier, interrupted transfer (0 for a fresh one)
     * @param totalBytes  the file's size, -1 when the server does not say
     */
    default void started(WeightsEntry entry, URI url, long resumedFrom, long totalBytes) {}

    /** {@code bytes} of {@code totalBytes} (-1 when unknown) are on disk. */
    default void progress(long bytes, long totalBytes) {}

    /** Attempt {@code attempt} failed for {@code reason}; the next starts after {@code wait}. */
    default void retrying(int attempt, Duration wait, String reason) {}

    /** The transfer is complete and the file's digest is being checked. */
    default void verifying(Path file) {}

    /** The verified file is in the cache (downloaded now, or found there). */
    default void finished(WeightsEntry entry, Path file, boolean downloaded) {}
}
