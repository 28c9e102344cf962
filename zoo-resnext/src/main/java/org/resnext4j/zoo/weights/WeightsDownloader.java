package org.resnext4j.zoo.weights;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.resnext4j.zoo.weights.WeightsDownloadException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads a catalog entry's weights file into the cache, verified, once, and returns the cached file. What it does
 * for a user to trust it:
 * <ul>
 *   <li>a cached file is checked against the entry's digest (or the one recorded when it was downloaded) before it is
 *       used; a corrupt one is removed and fetched again;</li>
 *   <li>the transfer goes to {@code <file>.part}, which is renamed into the cache (atomically where the file system
 *       can) only after its SHA-256 matched: the full digest, or the hash prefix of torchvision's file names as
 *       torch.hub's {@code check_hash} does; a source without a known digest is accepted only with the SHA-256 its
 *       server advertises ({@code X-Linked-Etag}, as the Hugging Face hub sends), which is recorded next to the
 *       file ({@code <file>.sha256});</li>
 *   <li>an interrupted transfer resumes with an HTTP {@code Range} request, in the next attempt or the next run (a
 *       server that answers 200 instead of 206 sends the whole file again, which then replaces the part);</li>
 *   <li>timeouts, broken connections and HTTP 5xx, 408 and 429 are retried with exponential backoff
 *       ({@link DownloadSettings#maxAttempts()}); other 4xx answers are not; a primary source that fails moves on
 *       to the entry's mirrors, unless a base URL override is set, in which case only that server is asked;</li>
 *   <li>two processes (or threads) fetching the same file take turns on a lock ({@code <file>.lock}, a
 *       {@link FileLock}, released by the operating system if a process dies): the second waits and then uses the
 *       first's file;</li>
 *   <li>the JDK's HTTP client with the JDK's proxy settings; offline, the cache only.</li>
 * </ul>
 * Every failure is a {@link WeightsDownloadException} whose message is one sentence.
 *
 * <p>This class owns the cache (lookup, locks, verification, the move into place, the fallback to mirrors); the
 * HTTP side (requests, ranges, retries, stall timeout, disk space) is the package-private {@link HttpFetcher}.
 */
public final class WeightsDownloader {

    private static final Logger log = LoggerFactory.getLogger(WeightsDownloader.class);

    /** Suffix of a transfer in progress. */
    public static final String PART_SUFFIX = ".part";
    /** Suffix of the lock file of a download. */
    public static final String LOCK_SUFFIX = ".lock";
    /** Suffix of the recorded digest of a downloaded file ({@code sha256sum} format). */
    public static final String DIGEST_SUFFIX = ".sha256";

    static final Pattern SHA256_HEX = Pattern.compile("[a-f0-9]{64}");
    /** Threads of this JVM take turns before taking the file lock (a JVM cannot lock one file twice). */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final DownloadSettings settings;
    private final DownloadListener listener;
    private final HttpFetcher http;

    /** A downloader with these settings, reporting to {@code listener}. */
    public WeightsDownloader(DownloadSettings settings, DownloadListener listener) {
        this.settings = settings;
        this.listener = listener == null ? DownloadListener.NONE : listener;
        this.http = new HttpFetcher(settings, this.listener);
    }

    /**
     * A downloader with this process's settings ({@link DownloadSettings#fromEnvironment()}), reporting nothing.
     *
     * @throws IllegalArgumentException when the base URL setting is not an http(s) URL
     */
    public static WeightsDownloader fromEnvironment() {
        return new WeightsDownloader(DownloadSettings.fromEnvironment(), DownloadListener.NONE);
    }

    public DownloadSettings settings() {
        return settings;
    }

    /** This downloader reporting to another listener. */
    public WeightsDownloader withListener(DownloadListener l) {
        return new WeightsDownloader(settings, l);
    }

    /**
     * The sources this downloader asks for {@code entry}, in order: the entry's, or with a base URL override only the
     * primary source's file name under that URL.
     */
    public List<WeightsSource> sources(WeightsEntry entry) {
        return settings.baseUrl() == null
                ? entry.sources()
                : List.of(entry.primary().atBase(settings.baseUrl()));
    }

    /** The cached file of {@code entry} (any of its sources'), not verified; empty when none is cached. */
    public Optional<Path> cachedFile(WeightsEntry entry) {
        for (WeightsSource s : entry.sources()) {
            Path f = settings.cacheDir().resolve(s.fileName());
            if (Files.isRegularFile(f)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /**
     * The verified weights file of {@code entry}: from the cache, else downloaded into it.
     *
     * @throws WeightsDownloadException saying in one sentence what failed
     * @throws InterruptedIOException   when the thread was interrupted
     */
    public Path fetch(WeightsEntry entry) throws IOException {
        List<WeightsSource> sources = sources(entry);
        for (WeightsSource s : sources) {
            Path cached = settings.cacheDir().resolve(s.fileName());
            if (Files.isRegularFile(cached) && verifiedCacheHit(cached, s)) {
                listener.finished(entry, cached, false);
                return cached;
            }
        }
        if (settings.offline()) {
            throw new WeightsDownloadException(
                    Reason.OFFLINE_NOT_CACHED,
                    "Offline (" + PretrainedWeights.OFFLINE_PROPERTY + "), and " + entry.name()
                            + " is not in the cache " + settings.cacheDir() + ": expected "
                            + sources.get(0).fileName() + ", downloaded from "
                            + sources.get(0).url());
        }
        try {
            Files.createDirectories(settings.cacheDir());
        } catch (IOException e) {
            throw new WeightsDownloadException(
                    Reason.CACHE_IO,
                    "Cannot create the weights cache " + settings.cacheDir() + ": " + describe(e) + " (set "
                            + PretrainedWeights.DIR_PROPERTY + " or " + PretrainedWeights.DIR_ENV + ")",
                    e);
        }
        WeightsDownloadException first = null;
        for (WeightsSource s : sources) {
            try {
                return fetchLocked(entry, s);
            } catch (WeightsDownloadException e) {
                boolean sourceFailed = e.reason() == Reason.HTTP_STATUS
                        || e.reason() == Reason.UNREACHABLE
                        || e.reason() == Reason.NETWORK;
                if (first == null) {
                    first = e;
                } else {
                    // the kind of failure is the mirror's when it got a file that failed its check, else the primary's
                    WeightsDownloadException kind = sourceFailed ? first : e;
                    first = new WeightsDownloadException(
                            kind.reason(),
                            kind.httpStatus(),
                            first.getMessage() + "; the mirror failed too: " + e.getMessage(),
                            kind.getCause());
                }
                if (!sourceFailed) {
                    throw first;
                }
                log.warn("{}", e.getMessage());
            }
        }
        throw first;
    }

    /** A cached file, checked; a corrupt one is removed (and false returned). */
    private boolean verifiedCacheHit(Path file, WeightsSource s) throws IOException {
        String actual = digest(file);
        String expected = s.sha256() != null ? s.sha256() : recordedDigest(file);
        if (expected == null) {
            log.info("{}: no digest to check it against (placed by hand?); using it as it is", file);
            return true;
        }
        if (actual.startsWith(expected)) {
            return true;
        }
        log.warn(
                "{}: SHA-256 {} is not the expected {}; removing the corrupt file and fetching it again",
                file,
                actual,
                expected);
        delete(file);
        delete(file.resolveSibling(file.getFileName() + DIGEST_SUFFIX));
        return false;
    }

    private static String recordedDigest(Path file) throws IOException {
        Path sum = file.resolveSibling(file.getFileName() + DIGEST_SUFFIX);
        if (!Files.isRegularFile(sum)) {
            return null;
        }
        String first = Files.readString(sum, StandardCharsets.US_ASCII).trim().split("\\s+")[0];
        return SHA256_HEX.matcher(first.toLowerCase(Locale.ROOT)).matches() ? first.toLowerCase(Locale.ROOT) : null;
    }

    private Path fetchLocked(WeightsEntry entry, WeightsSource source) throws IOException {
        Path target = settings.cacheDir().resolve(source.fileName());
        Path lockFile = settings.cacheDir().resolve(source.fileName() + LOCK_SUFFIX);
        ReentrantLock jvmLock =
                JVM_LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), k -> new ReentrantLock());
        try {
            if (!jvmLock.tryLock()) {
                listener.waitingForLock(entry, lockFile);
                jvmLock.lockInterruptibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + lockFile);
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                listener.waitingForLock(entry, lockFile);
                log.info("Waiting for another process downloading {} ({})", entry.name(), lockFile);
                lock = channel.lock();
            }
            try {
                if (Files.isRegularFile(target) && verifiedCacheHit(target, source)) {
                    listener.finished(entry, target, false);
                    return target;
                }
                return download(entry, source, target);
            } finally {
                lock.release();
            }
        } catch (WeightsDownloadException | InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw cacheFailure(target, e);
        } finally {
            jvmLock.unlock();
        }
    }

    private Path download(WeightsEntry entry, WeightsSource source, Path target) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + PART_SUFFIX);
        boolean restartedAfterMismatch = false;
        while (true) {
            HttpFetcher.Transfer t = http.fetch(entry, source, part);
            listener.verifying(part);
            String actual = digest(part);
            String expected = source.sha256() != null ? source.sha256() : t.advertisedSha256();
            if (expected == null) {
                delete(part);
                throw new WeightsDownloadException(
                        Reason.NO_DIGEST,
                        "No SHA-256 to check " + source.url() + " against (none in the catalog entry " + entry.name()
                                + ", none sent by the server); the downloaded file was removed");
            }
            if (!actual.startsWith(expected)) {
                delete(part);
                if (t.resumedFrom() > 0 && !restartedAfterMismatch) {
                    log.warn("{}: digest mismatch after a resumed transfer; downloading it again from the start", part);
                    restartedAfterMismatch = true;
                    continue;
                }
                throw new WeightsDownloadException(
                        Reason.DIGEST_MISMATCH,
                        "SHA-256 mismatch for " + source.url() + " (" + entry.name() + "): expected "
                                + (expected.length() < 64 ? "a digest starting with " : "") + expected + ", got "
                                + actual + "; the downloaded file was removed");
            }
            try {
                Files.writeString(
                        target.resolveSibling(target.getFileName() + DIGEST_SUFFIX),
                        actual + "  " + target.getFileName() + "\n",
                        StandardCharsets.US_ASCII);
                try {
                    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw cacheFailure(target, e);
            }
            log.info("Downloaded {} ({} bytes, SHA-256 {}) to {}", entry.name(), Files.size(target), actual, target);
            listener.finished(entry, target, true);
            return target;
        }
    }

    static WeightsDownloadException cacheFailure(Path file, IOException e) {
        return new WeightsDownloadException(
                Reason.CACHE_IO, "Cannot write " + file + " in the weights cache: " + describe(e), e);
    }

    private static String digest(Path file) throws IOException {
        try {
            return PretrainedWeights.sha256(file);
        } catch (IOException e) {
            throw new WeightsDownloadException(Reason.CACHE_IO, "Cannot read " + file + ": " + describe(e), e);
        }
    }

    static void delete(Path file) throws WeightsDownloadException {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new WeightsDownloadException(
                    Reason.CACHE_IO, "Cannot remove " + file + " from the weights cache: " + describe(e), e);
        }
    }

    /** An exception in words: its message, else its cause's, else its class's simple name. */
    static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }
}
