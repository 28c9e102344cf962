package org.resnext4j.zoo.weights;

import static org.resnext4j.zoo.weights.WeightsDownloader.cacheFailure;
import static org.resnext4j.zoo.weights.WeightsDownloader.delete;
import static org.resnext4j.zoo.weights.WeightsDownloader.describe;

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
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.resnext4j.zoo.weights.WeightsDownloadException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of {@link WeightsDownloader}: one source's file transferred into its {@code .part} file with the
 * JDK's client, resumed with a {@code Range} request where a part is there, retried with exponential backoff on
 * timeouts, broken connections and HTTP 5xx, 408 and 429, cut off after {@link DownloadSettings#stallTimeout()}
 * without data, and stopped early when the disk cannot hold the rest. Every failure is a
 * {@link WeightsDownloadException} in one sentence; it logs under {@link WeightsDownloader}'s name.
 */
final class HttpFetcher {

    private static final Logger log = LoggerFactory.getLogger(WeightsDownloader.class);

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final DownloadSettings settings;
    private final DownloadListener listener;
    private final HttpClient client;

    HttpFetcher(DownloadSettings settings, DownloadListener listener) {
        this.settings = settings;
        this.listener = listener;
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(settings.connectTimeout());
        if (settings.proxy() != null) {
            b.proxy(settings.proxy());
        }
        this.client = b.build();
    }

    /** What a complete transfer gave: the server's advertised digest (or null) and where it resumed. */
    record Transfer(String advertisedSha256, long resumedFrom) {}

    /** A failed attempt that may be retried, with the exception to throw if none is left. */
    private static final class RetryableFailure extends Exception {
        private static final long serialVersionUID = 1L;
        final transient WeightsDownloadException failure;

        RetryableFailure(WeightsDownloadException failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }
    }

    /**
     * Transfers {@code source} into {@code part} (resuming what is there), retrying with backoff.
     *
     * @throws WeightsDownloadException when the attempts are spent or the failure is final
     */
    Transfer fetch(WeightsEntry entry, WeightsSource source, Path part) throws IOException {
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
                if (WeightsDownloader.SHA256_HEX.matcher(hex).matches()) {
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

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
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
