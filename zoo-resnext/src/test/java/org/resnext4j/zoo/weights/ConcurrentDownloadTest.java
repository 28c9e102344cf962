package org.resnext4j.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JVMs fetch the same file into one cache at once: this one starts, the server holds its transfer half-way, a
 * second {@code java} process ({@link DownloaderChild}, this test's class path) finds the download's lock taken and
 * waits; once the first finishes, the second uses its file. The server sees one request. Two threads of one JVM take
 * turns the same way.
 */
class ConcurrentDownloadTest {

    @TempDir
    Path cache;

    private final byte[] content = TestEntries.bytes(200_000, 11);
    private final String sha = WeightsDownloaderTest.sha256(content);
    private final WeightsEntry entry = TestEntries.tiny("V1", sha);
    private final String path = "/" + entry.primary().fileName();

    private WeightsDownloader downloader(LoopbackServer server) {
        return new WeightsDownloader(
                new DownloadSettings(
                        cache,
                        server.base(),
                        false,
                        1,
                        Duration.ofMillis(5),
                        Duration.ofMillis(5),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(30),
                        null),
                DownloadListener.NONE);
    }

    @Test
    void aSecondJvmWaitsForTheFirstAndUsesItsFile() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Process child = null;
        try (LoopbackServer server = new LoopbackServer()) {
            server.on(path, LoopbackServer.pausedAfter(content, 50_000, release));
            Future<Path> first = pool.submit(() -> downloader(server).fetch(entry));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (server.requests().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, server.requests().size(), "the first download started");

            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            child = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            DownloaderChild.class.getName(),
                            cache.toString(),
                            server.base().toString(),
                            sha)
                    .redirectErrorStream(true)
                    .start();
            List<String> lines = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch waiting = new CountDownLatch(1);
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            Thread reader = new Thread(() -> {
                try {
                    for (String line; (line = out.readLine()) != null; ) {
                        lines.add(line);
                        if (line.equals("WAITING")) {
                            waiting.countDown();
                        }
                    }
                } catch (IOException e) {
                    lines.add("read failed: " + e);
                }
            });
            reader.setDaemon(true);
            reader.start();
            assertTrue(waiting.await(30, TimeUnit.SECONDS), "the second JVM did not wait for the lock: " + lines);

            release.countDown();
            Path f = first.get(30, TimeUnit.SECONDS);
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the second JVM did not finish: " + lines);
            reader.join(5000);
            assertEquals(0, child.exitValue(), lines.toString());
            assertTrue(lines.contains("DONE " + f + " cached"), lines.toString());
            assertArrayEquals(content, Files.readAllBytes(f));
            assertEquals(1, server.requests().size(), "one transfer for both JVMs");
        } finally {
            release.countDown();
            if (child != null && child.isAlive()) {
                child.destroyForcibly();
            }
            pool.shutdownNow();
        }
    }

    @Test
    void twoThreadsOfOneJvmTakeTurns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (LoopbackServer server = new LoopbackServer()) {
            server.on(path, LoopbackServer.pausedAfter(content, 50_000, release));
            Future<Path> a = pool.submit(() -> downloader(server).fetch(entry));
            Future<Path> b = pool.submit(() -> downloader(server).fetch(entry));
            Thread.sleep(200);
            release.countDown();
            assertEquals(a.get(30, TimeUnit.SECONDS), b.get(30, TimeUnit.SECONDS));
            assertEquals(1, server.requests().size());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }
}
