package org.resnext4j.zoo.weights;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The second JVM of {@link ConcurrentDownloadTest}: fetches {@link TestEntries#tiny} with the given digest from the
 * given server into the given cache, printing {@code WAITING} when another process holds the download's lock and
 * {@code DONE <file> <downloaded|cached>} at the end.
 */
public final class DownloaderChild {

    private DownloaderChild() {}

    public static void main(String[] args) throws Exception {
        Path cache = Path.of(args[0]);
        URI base = URI.create(args[1]);
        String sha = args[2];
        DownloadSettings settings = new DownloadSettings(
                cache,
                base,
                false,
                1,
                Duration.ofMillis(5),
                Duration.ofMillis(5),
                Duration.ofSeconds(10),
                Duration.ofSeconds(10),
                null);
        boolean[] downloaded = new boolean[1];
        Path f = new WeightsDownloader(settings, new DownloadListener() {
                    @Override
                    public void waitingForLock(WeightsEntry entry, Path lockFile) {
                        System.out.println("WAITING");
                        System.out.flush();
                    }

                    @Override
                    public void finished(WeightsEntry entry, Path file, boolean fresh) {
                        downloaded[0] = fresh;
                    }
                })
                .fetch(TestEntries.tiny("V1", sha));
        System.out.println("DONE " + f + " " + (downloaded[0] ? "downloaded" : "cached"));
    }
}
