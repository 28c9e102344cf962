package org.resnext4j.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Where a child JVM's CPU time goes, by what its threads do: read from Linux's {@code /proc/<pid>/task/<tid>/stat}
 * (user + system time of each thread, grouped by the last name seen of it), sampled twice a second and at each {@link
 * #snapshot}. A JFR profile says which methods; this says which threads, over a whole run, at no cost to the child
 * (nothing runs inside it). Written by hand: OSHI reads per-thread times only from its 5.x releases, whose {@code oshi}
 * package would clash with the OSHI 3.4 that DL4J M2.1 puts on the class path, and the file is one line per thread.
 * Elsewhere than on Linux every snapshot is empty.
 *
 * <p>A thread's time is its last sample: one that ends between two samples loses at most half a second of it.
 */
final class ThreadCpu implements AutoCloseable {

    /** The groups, in the order they are printed; each thread's name (the first 15 characters) picks one. */
    static final List<String> GROUPS =
            List.of("training", "jit", "gc", "loading", "checkpoint_writer", "ui_server", "other");

    /** Linux's USER_HZ: the unit of the times in {@code stat}, 100 on every Linux the JVM runs on. */
    private static final double TICKS_PER_SECOND = 100;

    /** A thread's last sample: its group (by the last name seen) and CPU seconds. */
    private record Sample(String group, double seconds) {}

    private final Path tasks;
    private final Map<Long, Sample> lastByThread = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sampler;

    /** Starts sampling the threads of process {@code pid}. */
    ThreadCpu(long pid) {
        this.tasks = Path.of("/proc", Long.toString(pid), "task");
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-thread-cpu");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(this::sample, 0, 500, TimeUnit.MILLISECONDS);
    }

    /**
     * The group of a thread by its name as Linux keeps it: {@code java} is the main thread and the native threads it
     * starts (oneDNN's OpenMP workers), so the training itself; HotSpot's compiler and collector threads, the image
     * loaders, the checkpoint writer and the UI server's Vert.x threads by their names.
     */
    static String group(String name) {
        if (name.equals("java")) {
            return "training";
        } else if (name.contains("CompilerThre")) {
            return "jit";
        } else if (name.startsWith("GC Thread") || name.startsWith("G1 ")) {
            return "gc";
        } else if (name.startsWith("image-folder-") || name.startsWith("image-file-ba")) {
            return "loading";
        } else if (name.startsWith("resnext4j-chec")) {
            return "checkpoint_writer";
        } else if (name.startsWith("vert.x")) {
            return "ui_server";
        }
        return "other";
    }

    /**
     * One thread's name and CPU seconds (user + system) from a line of {@code /proc/<pid>/task/<tid>/stat}.
     *
     * @return {@code null} for a line that is not such a line
     */
    static Map.Entry<String, Double> parse(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return null;
        }
        // after the name: state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt, majflt, cmajflt, utime,
        // stime (proc(5))
        String[] f = stat.substring(close + 1).trim().split(" +");
        if (f.length < 13) {
            return null;
        }
        try {
            double seconds = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
            return Map.entry(stat.substring(open + 1, close), seconds);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private synchronized void sample() {
        if (!Files.isDirectory(tasks)) {
            return;
        }
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
            for (Path t : threads) {
                try {
                    Map.Entry<String, Double> e = parse(Files.readString(t.resolve("stat"), StandardCharsets.UTF_8));
                    if (e != null) {
                        // the last name seen: a thread sampled before the JVM named it has its creator's name
                        lastByThread.put(
                                Long.parseLong(t.getFileName().toString()),
                                new Sample(group(e.getKey()), e.getValue()));
                    }
                } catch (IOException | NumberFormatException ended) {
                    // the thread ended between the listing and the read: its last sample stands
                }
            }
        } catch (IOException ended) {
            // the process ended: the last samples stand
        }
    }

    /** Samples now and returns the CPU seconds of every group so far (all groups, zero when none ran). */
    Map<String, Double> snapshot() {
        sample();
        Map<String, Double> byGroup = new LinkedHashMap<>();
        GROUPS.forEach(g -> byGroup.put(g, 0.0));
        lastByThread.values().forEach(t -> byGroup.merge(t.group(), t.seconds(), Double::sum));
        return byGroup;
    }

    /** {@code to - from} per group, as JSON: {@code {"training":41.2,"jit":0.8,...}}. */
    static String json(Map<String, Double> from, Map<String, Double> to) {
        StringBuilder s = new StringBuilder("{");
        for (String g : GROUPS) {
            if (s.length() > 1) {
                s.append(',');
            }
            s.append(String.format(Locale.ROOT, "\"%s\":%.1f", g, to.get(g) - from.get(g)));
        }
        return s.append('}').toString();
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
