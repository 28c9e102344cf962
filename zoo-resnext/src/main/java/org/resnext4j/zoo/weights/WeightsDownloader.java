package org.resnext4j.zoo.weights;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
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
 */
public final class WeightsDownloader {

    private static final Logger log = LoggerFactory.getLogger(WeightsDownloader.class);

    /** Suffix of a transfer in progress. */
    public static final String PART_SUFFIX = ".part";
    /** Suffix of the lock file of a download. */
    public static final String LOCK_SUFFIX = ".lock";
    /** Suffix of the recorded digest of a downloaded file ({@code sha256sum} format). */
    public static final String DIGEST_SUFFIX = ".sha256";

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern SHA256_HEX = Pattern.compile("[a-f0-9]{64}");
    /** Threads of this JVM take turns before taking the file lock (a JVM cannot lock one file twice). */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final DownloadSettings settings;
    private final DownloadListener listener;
    private final HttpClient client;

    /** A downloader with these settings, reporting to {@code listener}. */
    public WeightsDownloader(DownloadSettings settings, DownloadListener listener) {
        this.settings = settings;
        this.listener = listener == null ? DownloadListener.NONE : listener;
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(settings.connectTimeout());
        if (settings.proxy() != null) {
            b.proxy(settings.proxy());
        }
        this.client = b.build();
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
            Transfer t = transferWithRetries(entry, source, part);
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

    /** What a complete transfer gave: the server's advertised digest (or null) and where it resumed. */
    private record Transfer(String advertisedSha256, long resumedFrom) {}

    /** A failed attempt that may be retried, with the exception to throw if none is left. */
    private static final class RetryableFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final transient WeightsDownloadException failure;

        RetryableFailure(WeightsDownloadException failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }
    }

    private Transfer transferWithRetries(WeightsEntry entry, WeightsSource source, Path part) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return transfer(entry, source, part);
            } catch (RetryableFailure e) {
                if (attempt >= settings.maxAttempts()) {
                    WeightsDownloadException f = e.failure;
                    throw new WeightsDownloadException(
                            f.reason(),
                            f.httpStatus(),
                            f.getMessage() + " (" + attempt + (attempt == 1 ? " attempt)" : " attempts)"),
                            f.getCause());
                }
                Duration wait = settings.backoff(attempt);
                log.warn(
                        "Attempt {} of {} failed: {}; retrying in {} ms",
                        attempt,
                        settings.maxAttempts(),
                        e.getMessage(),
                        wait.toMillis());
                listener.retrying(attempt, wait, e.getMessage());
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting to retry " + source.url());
                }
            }
        }
    }

    private Transfer transfer(WeightsEntry entry, WeightsSource source, Path part)
            throws IOException, RetryableFailure {
        URI url = source.url();
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpRequest.Builder rb = HttpRequest.newBuilder(url)
                .GET()
                .timeout(settings.connectTimeout())
                .header("User-Agent", "resnext4j (Java " + System.getProperty("java.version") + ")");
        if (have > 0) {
            rb.header("Range", "bytes=" + have + "-");
        }
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> response;
        try {
            response = client.send(rb.build(), HttpResponse.BodyHandlers.ofPublisher());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while downloading " + url);
        } catch (IOException e) {
            throw requestFailure(entry, url, e);
        }
        int status = response.statusCode();
        Body body = new Body();
        response.body().subscribe(body);
        long start;
        long total;
        if (status == 206 && have > 0) {
            Matcher m = CONTENT_RANGE.matcher(
                    response.headers().firstValue("Content-Range").orElse(""));
            if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                body.cancel();
                delete(part);
                throw retry(
                        Reason.NETWORK,
                        0,
                        url + " answered the range request for bytes " + have
                                + "- with another range ("
                                + response.headers().firstValue("Content-Range").orElse("none")
                                + "); starting again from the first byte",
                        null);
            }
            start = have;
            total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
        } else if (status == 200) {
            if (have > 0) {
                log.info("{} ignored the range request; downloading the whole file again", url);
            }
            start = 0;
            total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        } else {
            body.cancel();
            if (status == 416 && have > 0) {
                delete(part);
                throw retry(
                        Reason.HTTP_STATUS,
                        status,
                        "HTTP 416 from " + url + " for bytes " + have
                                + "- (the partial file is not a prefix of the server's); starting again",
                        null);
            }
            throw statusFailure(entry, url, status);
        }
        if (total >= 0) {
            checkSpace(part, total - start);
        }
        listener.started(entry, url, start, total);
        long written = start;
        StandardOpenOption mode = start > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
            for (List<ByteBuffer> buffers; (buffers = body.next(settings.stallTimeout(), url)) != null; ) {
                for (ByteBuffer b : buffers) {
                    try {
                        while (b.hasRemaining()) {
                            written += out.write(b);
                        }
                    } catch (IOException e) {
                        body.cancel();
                        throw writeFailure(part, total < 0 ? 0 : total - written, e);
                    }
                }
                listener.progress(written, total);
            }
        } catch (WeightsDownloadException e) {
            throw e;
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            // the body failed mid-way (connection reset, early end): what arrived stays for the next attempt
            throw retry(
                    Reason.NETWORK,
                    0,
                    "The transfer of " + url + " broke off after " + written + " of "
                            + (total < 0 ? "?" : Long.toString(total)) + " bytes: " + describe(e),
                    e);
        }
        if (total >= 0 && written != total) {
            throw retry(
                    Reason.NETWORK,
                    0,
                    "The transfer of " + url + " ended after " + written + " of " + total + " bytes",
                    null);
        }
        return new Transfer(advertisedSha256(response), start);
    }

    /** The SHA-256 a server advertises for the file: Hugging Face's {@code X-Linked-Etag}, on any redirect. */
    private static String advertisedSha256(HttpResponse<?> response) {
        for (HttpResponse<?> r = response; r != null; r = r.previousResponse().orElse(null)) {
            String etag = r.headers().firstValue("X-Linked-Etag").orElse(null);
            if (etag != null) {
                String hex = etag.replace("W/", "").replace("\"", "").trim().toLowerCase(Locale.ROOT);
                if (SHA256_HEX.matcher(hex).matches()) {
                    return hex;
                }
            }
        }
        return null;
    }

    private RetryableFailure retry(Reason reason, int status, String message, Throwable cause) {
        return new RetryableFailure(new WeightsDownloadException(reason, status, message, cause));
    }

    private RetryableFailure requestFailure(WeightsEntry entry, URI url, IOException e)
            throws WeightsDownloadException {
        String host = url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "");
        String advice = "check the network and the proxy settings (https.proxyHost), set "
                + PretrainedWeights.BASE_URL_PROPERTY + " to a mirror, or put the file into " + settings.cacheDir();
        if (causedBy(e, UnresolvedAddressException.class) || causedBy(e, UnknownHostException.class)) {
            throw new WeightsDownloadException(
                    Reason.UNREACHABLE,
                    "Cannot reach " + host + " (unknown host) to download " + entry.name() + " from " + url + ": "
                            + advice,
                    e);
        }
        if (e instanceof HttpConnectTimeoutException || e instanceof ConnectException) {
            return retry(
                    Reason.UNREACHABLE,
                    0,
                    "Cannot reach " + host + " (" + describe(e) + ") to download " + entry.name() + " from " + url
                            + ": " + advice,
                    e);
        }
        if (e instanceof HttpTimeoutException) {
            return retry(
                    Reason.NETWORK,
                    0,
                    "No answer from " + url + " within "
                            + settings.connectTimeout().toSeconds() + " s",
                    e);
        }
        return retry(Reason.NETWORK, 0, "The request for " + url + " failed: " + describe(e), e);
    }

    private RetryableFailure statusFailure(WeightsEntry entry, URI url, int status) throws WeightsDownloadException {
        String head = "HTTP " + status + statusText(status) + " from " + url + " for " + entry.name();
        if (status >= 500 || status == 408 || status == 429) {
            return retry(
                    Reason.HTTP_STATUS,
                    status,
                    head + ": the server failed; try again later or set " + PretrainedWeights.BASE_URL_PROPERTY
                            + " to a mirror",
                    null);
        }
        String hint = status == 401 || status == 403
                ? ": the server or a proxy refused access"
                : status == 404 || status == 410
                        ? ": the file is not there (a moved or wrong base URL? " + PretrainedWeights.BASE_URL_PROPERTY
                                + " is " + (settings.baseUrl() == null ? "not set" : settings.baseUrl()) + ")"
                        : ": the request was refused";
        throw new WeightsDownloadException(Reason.HTTP_STATUS, status, head + hint, null);
    }

    private static String statusText(int status) {
        return switch (status) {
            case 400 -> " Bad Request";
            case 401 -> " Unauthorized";
            case 403 -> " Forbidden";
            case 404 -> " Not Found";
            case 408 -> " Request Timeout";
            case 410 -> " Gone";
            case 429 -> " Too Many Requests";
            case 500 -> " Internal Server Error";
            case 502 -> " Bad Gateway";
            case 503 -> " Service Unavailable";
            case 504 -> " Gateway Timeout";
            default -> "";
        };
    }

    private void checkSpace(Path part, long needed) throws WeightsDownloadException {
        long free;
        try {
            free = Files.getFileStore(settings.cacheDir()).getUsableSpace();
        } catch (IOException e) {
            return; // unknown: the write itself will tell
        }
        if (free < needed) {
            throw diskFull(part, needed, free, null);
        }
    }

    private WeightsDownloadException writeFailure(Path part, long remaining, IOException e) {
        long free = -1;
        try {
            free = Files.getFileStore(settings.cacheDir()).getUsableSpace();
        } catch (IOException ignored) {
            // the write's own error is reported below
        }
        String text = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if ((free >= 0 && free <= Math.max(remaining, 1L << 20))
                || text.contains("no space")
                || text.contains("disk full")
                || text.contains("quota")) {
            return diskFull(part, remaining, Math.max(free, 0), e);
        }
        return cacheFailure(part, e);
    }

    private WeightsDownloadException diskFull(Path part, long needed, long free, Throwable cause) {
        return new WeightsDownloadException(
                Reason.DISK_FULL,
                "Disk full: the weights cache " + settings.cacheDir() + " has " + mb(free) + " free, "
                        + part.getFileName() + " needs " + mb(needed) + " more (free some space or set "
                        + PretrainedWeights.DIR_PROPERTY + " to another disk)",
                cause);
    }

    private WeightsDownloadException cacheFailure(Path file, IOException e) {
        return new WeightsDownloadException(
                Reason.CACHE_IO, "Cannot write " + file + " in the weights cache: " + describe(e), e);
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static String digest(Path file) throws IOException {
        try {
            return PretrainedWeights.sha256(file);
        } catch (IOException e) {
            throw new WeightsDownloadException(Reason.CACHE_IO, "Cannot read " + file + ": " + describe(e), e);
        }
    }

    private static void delete(Path file) throws WeightsDownloadException {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new WeightsDownloadException(
                    Reason.CACHE_IO, "Cannot remove " + file + " from the weights cache: " + describe(e), e);
        }
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** An exception in words: its message, else its cause's, else its class's simple name. */
    private static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }

    /**
     * The response body as a queue the downloading thread polls with a stall timeout (the JDK's client has no read
     * timeout for bodies): one list of buffers requested at a time, so memory stays bounded.
     */
    private static final class Body implements Flow.Subscriber<List<ByteBuffer>> {
        private record Item(List<ByteBuffer> buffers, Throwable error, boolean done) {}

        private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
        private final List<Flow.Subscription> subscription = new ArrayList<>(1);
        private volatile boolean cancelled;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            synchronized (subscription) {
                subscription.add(s);
            }
            if (cancelled) {
                s.cancel();
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            queue.add(new Item(item, null, false));
        }

        @Override
        public void onError(Throwable t) {
            queue.add(new Item(null, t, false));
        }

        @Override
        public void onComplete() {
            queue.add(new Item(null, null, true));
        }

        void cancel() {
            cancelled = true;
            synchronized (subscription) {
                subscription.forEach(Flow.Subscription::cancel);
            }
        }

        /** The next buffers, null at the end. */
        List<ByteBuffer> next(Duration stall, URI url) throws IOException {
            Item item;
            try {
                item = queue.poll(stall.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                cancel();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while downloading " + url);
            }
            if (item == null) {
                cancel();
                throw new HttpTimeoutException("no data for " + stall.toMillis() + " ms");
            }
            if (item.error() != null) {
                throw item.error() instanceof IOException io ? io : new IOException(item.error());
            }
            if (item.done()) {
                return null;
            }
            synchronized (subscription) {
                subscription.forEach(s -> s.request(1));
            }
            return item.buffers();
        }
    }
}
