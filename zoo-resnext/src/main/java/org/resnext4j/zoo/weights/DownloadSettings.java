package org.resnext4j.zoo.weights;

import java.net.ProxySelector;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link WeightsDownloader} works: where the cache is, which server it asks, whether it may ask at all, and its
 * patience. {@link #fromEnvironment()} reads the settings {@link PretrainedWeights} documents.
 *
 * @param cacheDir       where downloaded files are kept
 * @param baseUrl        a URL replacing the catalog's hosts ({@code <baseUrl>/<primary file name>}), or null
 * @param offline        whether to use the cache only
 * @param maxAttempts    attempts per source on timeouts, broken connections and HTTP 5xx/408/429 (at least 1)
 * @param firstBackoff   the wait after the first failed attempt; it doubles after each further one
 * @param maxBackoff     the longest wait between attempts
 * @param connectTimeout the limit for connecting and for the response headers
 * @param stallTimeout   the longest time without a byte of the body before the attempt counts as failed
 * @param proxy          the proxies, the JDK's by default ({@link ProxySelector#getDefault()})
 */
public record DownloadSettings(
        Path cacheDir,
        URI baseUrl,
        boolean offline,
        int maxAttempts,
        Duration firstBackoff,
        Duration maxBackoff,
        Duration connectTimeout,
        Duration stallTimeout,
        ProxySelector proxy) {

    /** Validates. */
    public DownloadSettings {
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(firstBackoff, "firstBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(stallTimeout, "stallTimeout");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts: expected at least 1, got " + maxAttempts);
        }
        if (connectTimeout.isZero()
                || connectTimeout.isNegative()
                || stallTimeout.isZero()
                || stallTimeout.isNegative()) {
            throw new IllegalArgumentException(
                    "timeouts: expected positive durations, got " + connectTimeout + " and " + stallTimeout);
        }
    }

    /**
     * The settings of this process: cache directory, base URL and offline switch from the system properties and
     * environment variables ({@link PretrainedWeights}), the JDK's proxies, 4 attempts with 1 s, 2 s, 4 s between
     * them, 30 s to connect and 60 s of silence at most.
     *
     * @throws IllegalArgumentException when the base URL setting is not an http(s) URL
     */
    public static DownloadSettings fromEnvironment() {
        return new DownloadSettings(
                PretrainedWeights.cacheDir(),
                PretrainedWeights.baseUrl(),
                PretrainedWeights.offline(),
                4,
                Duration.ofSeconds(1),
                Duration.ofSeconds(30),
                Duration.ofSeconds(30),
                Duration.ofSeconds(60),
                ProxySelector.getDefault());
    }

    public DownloadSettings withCacheDir(Path dir) {
        return new DownloadSettings(
                dir, baseUrl, offline, maxAttempts, firstBackoff, maxBackoff, connectTimeout, stallTimeout, proxy);
    }

    public DownloadSettings withBaseUrl(URI url) {
        return new DownloadSettings(
                cacheDir, url, offline, maxAttempts, firstBackoff, maxBackoff, connectTimeout, stallTimeout, proxy);
    }

    public DownloadSettings withOffline(boolean off) {
        return new DownloadSettings(
                cacheDir, baseUrl, off, maxAttempts, firstBackoff, maxBackoff, connectTimeout, stallTimeout, proxy);
    }

    /** These settings with other retry and timeout values. */
    public DownloadSettings withPatience(int attempts, Duration backoff, Duration connect, Duration stall) {
        return new DownloadSettings(cacheDir, baseUrl, offline, attempts, backoff, maxBackoff, connect, stall, proxy);
    }

    /** The wait after failed attempt {@code n} (1-based): {@code firstBackoff * 2^(n-1)}, at most {@code maxBackoff}. */
    public Duration backoff(int n) {
        Duration d = firstBackoff.multipliedBy(1L << Math.min(n - 1, 20));
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }
}
