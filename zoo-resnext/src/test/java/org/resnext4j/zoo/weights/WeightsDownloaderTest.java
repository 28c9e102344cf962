package org.resnext4j.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.resnext4j.zoo.weights.LoopbackServer.cutAfter;
import static org.resnext4j.zoo.weights.LoopbackServer.file;
import static org.resnext4j.zoo.weights.LoopbackServer.fileIgnoringRange;
import static org.resnext4j.zoo.weights.LoopbackServer.pausedAfter;
import static org.resnext4j.zoo.weights.LoopbackServer.status;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.zoo.weights.WeightsDownloadException.Reason;

/**
 * The downloader against a loopback server: every test serves its own small files on 127.0.0.1 and points the base
 * URL override at it (the entries' own URLs are on a {@code .invalid} host), so nothing reaches the internet and the
 * whole class runs in about a second.
 */
class WeightsDownloaderTest {

    @TempDir
    Path cache;

    private LoopbackServer server;
    private final byte[] content = TestEntries.bytes(300_000, 7);
    private final String sha = sha256(content);
    private final WeightsEntry entry = TestEntries.tiny("V1", sha);
    private final String path = "/" + entry.primary().fileName();
    private final Events events = new Events();

    @BeforeEach
    void start() throws IOException {
        server = new LoopbackServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private DownloadSettings settings() {
        return new DownloadSettings(
                cache,
                server.base(),
                false,
                3,
                Duration.ofMillis(5),
                Duration.ofMillis(20),
                Duration.ofSeconds(5),
                Duration.ofSeconds(5),
                null);
    }

    private WeightsDownloader downloader() {
        return new WeightsDownloader(settings(), events);
    }

    @Test
    void firstDownloadIsVerifiedAndRenamedIntoTheCacheThenACacheHitAsksNothing() throws IOException {
        server.on(path, file(content));
        Path f = downloader().fetch(entry);

        assertEquals(cache.resolve(entry.primary().fileName()), f);
        assertArrayEquals(content, Files.readAllBytes(f));
        assertEquals(sha + "  " + f.getFileName() + "\n", Files.readString(cache.resolve(f.getFileName() + ".sha256")));
        assertFalse(Files.exists(cache.resolve(f.getFileName() + ".part")), "no temporary file left");
        assertEquals(List.of(new LoopbackServer.Request(path, null)), server.requests());
        assertEquals(
                List.of(
                        "started 0/" + content.length,
                        "progress " + content.length,
                        "verifying",
                        "finished downloaded"),
                events.summary());

        events.clear();
        assertEquals(f, downloader().fetch(entry));
        assertEquals(1, server.requests().size(), "a cache hit makes no request");
        assertEquals(List.of("finished cached"), events.summary());
    }

    @Test
    void digestMismatchRemovesTheFileAndNamesBothDigests() {
        byte[] other = TestEntries.otherBytes(1000);
        server.on(path, file(other));
        WeightsDownloadException e =
                assertThrows(WeightsDownloadException.class, () -> downloader().fetch(entry));
        assertEquals(Reason.DIGEST_MISMATCH, e.reason());
        assertEquals(
                "SHA-256 mismatch for " + server.url(path) + " (tiny_resnext.v1): expected a digest starting with "
                        + sha.substring(0, 8) + ", got " + sha256(other)
                        + "; the downloaded file was removed",
                e.getMessage());
        assertFalse(Files.exists(cache.resolve(entry.primary().fileName())));
        assertFalse(Files.exists(cache.resolve(entry.primary().fileName() + ".part")));
    }

    @Test
    void notFoundAndForbiddenFailAtOnceWithStatusAndUrl() {
        for (int code : new int[] {404, 403}) {
            server.on(path, status(code));
            long before = server.requests().size();
            WeightsDownloadException e = assertThrows(
                    WeightsDownloadException.class, () -> downloader().fetch(entry));
            assertEquals(Reason.HTTP_STATUS, e.reason());
            assertEquals(code, e.httpStatus());
            assertTrue(
                    e.getMessage()
                            .startsWith("HTTP " + code + (code == 404 ? " Not Found" : " Forbidden") + " from "
                                    + server.url(path) + " for tiny_resnext.v1: "),
                    e.getMessage());
            assertEquals(before + 1, server.requests().size(), "a 4xx is not retried");
        }
    }

    @Test
    void serverErrorsAreRetriedWithBackoffUntilTheFileComes() throws IOException {
        server.on(path, status(500), status(503), file(content));
        Path f = downloader().fetch(entry);
        assertArrayEquals(content, Files.readAllBytes(f));
        assertEquals(3, server.requestsFor(path));
        assertEquals(2, events.retries.size(), events.summary().toString());
        assertTrue(
                events.retries.get(0).startsWith("1 5ms HTTP 500 Internal Server Error from "), events.retries.get(0));
        assertTrue(events.retries.get(1).startsWith("2 10ms HTTP 503"), events.retries.get(1));
    }

    @Test
    void serverErrorOnEveryAttemptGivesUpAfterMaxAttempts() {
        server.on(path, status(500));
        WeightsDownloadException e =
                assertThrows(WeightsDownloadException.class, () -> downloader().fetch(entry));
        assertEquals(Reason.HTTP_STATUS, e.reason());
        assertEquals(500, e.httpStatus());
        assertTrue(
                e.getMessage().startsWith("HTTP 500 Internal Server Error from " + server.url(path)), e.getMessage());
        assertTrue(e.getMessage().endsWith("(3 attempts)"), e.getMessage());
        assertEquals(3, server.requestsFor(path));
    }

    @Test
    void transferCutMidwayResumesWithARangeRequest() throws IOException {
        server.on(path, cutAfter(content, 100_000), file(content));
        Path f = downloader().fetch(entry);
        assertArrayEquals(content, Files.readAllBytes(f));
        List<LoopbackServer.Request> r = server.requests();
        assertEquals(2, r.size());
        assertNull(r.get(0).range());
        assertEquals("bytes=100000-", r.get(1).range());
        assertTrue(
                events.summary().contains("started 100000/" + content.length),
                events.summary().toString());
    }

    @Test
    void aServerAnswering200ToARangeRequestSendsTheWholeFileAgain() throws IOException {
        server.on(path, cutAfter(content, 100_000), fileIgnoringRange(content));
        Path f = downloader().fetch(entry);
        assertArrayEquals(content, Files.readAllBytes(f));
        assertEquals("bytes=100000-", server.requests().get(1).range());
    }

    @Test
    void aPartialFileOfAnEarlierRunIsResumed() throws IOException {
        Files.write(cache.resolve(entry.primary().fileName() + ".part"), java.util.Arrays.copyOf(content, 12345));
        server.on(path, file(content));
        assertArrayEquals(content, Files.readAllBytes(downloader().fetch(entry)));
        assertEquals(List.of(new LoopbackServer.Request(path, "bytes=12345-")), server.requests());
    }

    @Test
    void aStalledTransferTimesOutAndResumes() throws IOException {
        CountDownLatch never = new CountDownLatch(1);
        server.on(path, pausedAfter(content, 50_000, never), file(content));
        DownloadSettings quick =
                settings().withPatience(3, Duration.ofMillis(5), Duration.ofSeconds(5), Duration.ofMillis(300));
        try {
            assertArrayEquals(content, Files.readAllBytes(new WeightsDownloader(quick, events).fetch(entry)));
        } finally {
            never.countDown();
        }
        assertEquals("bytes=50000-", server.requests().get(1).range());
        assertTrue(
                events.retries.get(0).contains("no data for 300 ms")
                        || events.retries.get(0).contains("broke off"),
                events.retries.toString());
    }

    @Test
    void offlineWithoutCacheFailsWithoutARequestAndOfflineWithCacheUsesIt() throws IOException {
        WeightsDownloader offline = new WeightsDownloader(settings().withOffline(true), events);
        WeightsDownloadException e = assertThrows(WeightsDownloadException.class, () -> offline.fetch(entry));
        assertEquals(Reason.OFFLINE_NOT_CACHED, e.reason());
        assertEquals(
                "Offline (resnext4j.weights.offline), and tiny_resnext.v1 is not in the cache " + cache + ": expected "
                        + entry.primary().fileName() + ", downloaded from " + server.url(path),
                e.getMessage());
        assertEquals(0, server.requests().size());

        Files.write(cache.resolve(entry.primary().fileName()), content);
        assertEquals(cache.resolve(entry.primary().fileName()), offline.fetch(entry));
        assertEquals(0, server.requests().size());
    }

    @Test
    void baseUrlOverrideFromThePropertyReplacesTheCatalogHost() throws IOException {
        URI mirror = server.url("/mirror/models");
        String old = System.getProperty(PretrainedWeights.BASE_URL_PROPERTY);
        System.setProperty(PretrainedWeights.BASE_URL_PROPERTY, mirror.toString());
        try {
            DownloadSettings s = DownloadSettings.fromEnvironment();
            assertEquals(mirror, s.baseUrl());
            server.on("/mirror/models" + path, file(content));
            Path f = new WeightsDownloader(s.withCacheDir(cache), events).fetch(entry);
            assertArrayEquals(content, Files.readAllBytes(f));
            assertEquals(List.of(new LoopbackServer.Request("/mirror/models" + path, null)), server.requests());

            System.setProperty(PretrainedWeights.BASE_URL_PROPERTY, "ftp://example.org/");
            IllegalArgumentException bad =
                    assertThrows(IllegalArgumentException.class, DownloadSettings::fromEnvironment);
            assertTrue(
                    bad.getMessage()
                            .startsWith("resnext4j.weights.base-url / RESNEXT4J_WEIGHTS_BASE_URL: "
                                    + "expected an http(s) URL, got \"ftp://example.org/\""),
                    bad.getMessage());
        } finally {
            restore(PretrainedWeights.BASE_URL_PROPERTY, old);
        }
    }

    @Test
    void aCorruptCachedFileIsRemovedAndDownloadedAgain() throws IOException {
        Files.write(cache.resolve(entry.primary().fileName()), TestEntries.otherBytes(100));
        server.on(path, file(content));
        assertArrayEquals(content, Files.readAllBytes(downloader().fetch(entry)));
        assertEquals(1, server.requests().size());
    }

    @Test
    void connectionRefusedIsRetriedThenReportedAsUnreachable() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        URI nowhere = URI.create("http://127.0.0.1:" + closedPort + "/");
        WeightsDownloader d = new WeightsDownloader(settings().withBaseUrl(nowhere), events);
        WeightsDownloadException e = assertThrows(WeightsDownloadException.class, () -> d.fetch(entry));
        assertEquals(Reason.UNREACHABLE, e.reason());
        assertTrue(e.getMessage().startsWith("Cannot reach 127.0.0.1:" + closedPort + " ("), e.getMessage());
        assertTrue(e.getMessage().contains("resnext4j.weights.base-url"), e.getMessage());
        assertEquals(2, events.retries.size());
    }

    @Test
    void aSourceWithoutDigestNeedsTheServersAdvertisedOneAndAFailedPrimaryFallsBackToTheMirror() throws IOException {
        // no base URL override here: the entry's own sources are on the loopback server
        WeightsSource primary = TestEntries.source(
                server.url("/tv/tiny-" + sha.substring(0, 8) + ".pth"),
                sha.substring(0, 8),
                "tiny-" + sha.substring(0, 8) + ".pth");
        WeightsSource hub = TestEntries.source(server.url("/hub/model.safetensors"), null, "tiny.hub.safetensors");
        WeightsEntry mirrored = TestEntries.entry("V2", List.of(primary, hub));
        WeightsDownloader d = new WeightsDownloader(settings().withBaseUrl(null), events);

        server.on("/tv/" + primary.fileName(), status(404));
        server.on("/hub/model.safetensors", file(content));
        WeightsDownloadException none = assertThrows(WeightsDownloadException.class, () -> d.fetch(mirrored));
        assertEquals(Reason.NO_DIGEST, none.reason());
        assertTrue(
                none.getMessage().contains("HTTP 404 Not Found from " + server.url("/tv/" + primary.fileName())),
                none.getMessage());
        assertTrue(none.getMessage().contains("the mirror failed too: No SHA-256 to check"), none.getMessage());
        assertFalse(Files.exists(cache.resolve(hub.fileName())));

        server.on("/hub/model.safetensors", file(content, "X-Linked-Etag", "\"" + sha + "\""));
        Path f = d.fetch(mirrored);
        assertEquals(cache.resolve(hub.fileName()), f);
        assertArrayEquals(content, Files.readAllBytes(f));

        server.on("/hub/model.safetensors", file(content, "X-Linked-Etag", "\"" + "0".repeat(64) + "\""));
        Files.delete(f);
        WeightsDownloadException bad = assertThrows(WeightsDownloadException.class, () -> d.fetch(mirrored));
        assertEquals(Reason.DIGEST_MISMATCH, bad.reason());
        assertTrue(bad.getMessage().contains("expected " + "0".repeat(64) + ", got " + sha), bad.getMessage());
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void restore(String key, String old) {
        if (old == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, old);
        }
    }

    /** The listener's calls, in words. */
    static final class Events implements DownloadListener {
        final List<String> calls = new ArrayList<>();
        final List<String> retries = new ArrayList<>();
        long lastProgress = -1;

        @Override
        public synchronized void started(WeightsEntry entry, URI url, long resumedFrom, long totalBytes) {
            calls.add("started " + resumedFrom + "/" + totalBytes);
        }

        @Override
        public synchronized void progress(long bytes, long totalBytes) {
            lastProgress = bytes;
        }

        @Override
        public synchronized void retrying(int attempt, Duration wait, String reason) {
            retries.add(attempt + " " + wait.toMillis() + "ms " + reason);
            calls.add("retrying");
        }

        @Override
        public synchronized void verifying(Path file) {
            if (lastProgress >= 0) {
                calls.add("progress " + lastProgress);
                lastProgress = -1;
            }
            calls.add("verifying");
        }

        @Override
        public synchronized void finished(WeightsEntry entry, Path file, boolean downloaded) {
            calls.add("finished " + (downloaded ? "downloaded" : "cached"));
        }

        synchronized List<String> summary() {
            return List.copyOf(calls);
        }

        synchronized void clear() {
            calls.clear();
            retries.clear();
        }
    }
}
