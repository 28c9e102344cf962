package org.resnext4j.examples;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.resnext4j.zoo.weights.DownloadListener;
import org.resnext4j.zoo.weights.DownloadSettings;
import org.resnext4j.zoo.weights.WeightsDownloader;
import org.resnext4j.zoo.weights.WeightsEntry;

/**
 * The CLI's view of a download: a bar with size, speed and ETA on standard error (when bars are on, see
 * {@link ProgressMixin}), and one line on standard error for a wait on another process, a retry, and the file used.
 */
final class DownloadProgress implements DownloadListener {

    private final boolean bars;
    private Progress.Bar bar = Progress.startBytes(false, "", 0, -1);

    private DownloadProgress(boolean bars) {
        this.bars = bars;
    }

    /**
     * A downloader with this process's settings reporting to the terminal.
     *
     * @throws IllegalArgumentException when the base URL setting is not an http(s) URL (exit code 2)
     */
    static WeightsDownloader downloader(boolean bars) {
        return new WeightsDownloader(DownloadSettings.fromEnvironment(), new DownloadProgress(bars));
    }

    @Override
    public void waitingForLock(WeightsEntry entry, Path lockFile) {
        System.err.println("Waiting for another process downloading " + entry.name() + " (" + lockFile + ")");
    }

    @Override
    public void started(WeightsEntry entry, URI url, long resumedFrom, long totalBytes) {
        System.err.println("Downloading " + entry.name() + " from " + url
                + (resumedFrom > 0 ? " (resuming at " + resumedFrom + " bytes)" : ""));
        bar.close();
        bar = Progress.startBytes(bars, entry.name(), resumedFrom, totalBytes);
    }

    @Override
    public void progress(long bytes, long totalBytes) {
        bar.stepTo(bytes);
    }

    @Override
    public void retrying(int attempt, Duration wait, String reason) {
        bar.close();
        System.err.println("Attempt " + attempt + " failed (" + reason + "); retrying in " + wait.toMillis() + " ms");
    }

    @Override
    public void verifying(Path file) {
        bar.close();
    }

    @Override
    public void finished(WeightsEntry entry, Path file, boolean downloaded) {
        bar.close();
        System.err.println((downloaded ? "Downloaded and verified " : "Using cached ") + file);
    }
}
