package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code bench-train}'s CPU seconds by thread group, read from Linux's per-thread {@code stat} files. */
class ThreadCpuTest {

    @Test
    void readsANamesUserPlusSystemTimeWhateverTheNameHolds() {
        // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
        Map.Entry<String, Double> e =
                ThreadCpu.parse("4242 (GC Thread#0) S 1 2 3 0 -1 4194368 10 0 0 0 250 37 0 0 20 0 1 0 9 0 0");
        assertEquals("GC Thread#0", e.getKey());
        assertEquals(2.87, e.getValue(), 1e-9);
        Map.Entry<String, Double> odd = ThreadCpu.parse("7 (a) b (c) R 1 2 3 0 -1 0 0 0 0 0 5 5 0");
        assertEquals("a) b (c", odd.getKey(), "the name runs to the last parenthesis");
        assertEquals(0.1, odd.getValue(), 1e-9);
        assertNull(ThreadCpu.parse("not a stat line"));
        assertNull(ThreadCpu.parse("7 (java) R 1 2"), "too few fields");
    }

    @Test
    void groupsThreadsByWhatTheyDo() {
        assertEquals("training", ThreadCpu.group("java"));
        assertEquals("jit", ThreadCpu.group("C2 CompilerThre"));
        assertEquals("jit", ThreadCpu.group("C1 CompilerThre"));
        assertEquals("gc", ThreadCpu.group("GC Thread#1"));
        assertEquals("gc", ThreadCpu.group("G1 Refine#0"));
        assertEquals("loading", ThreadCpu.group("image-folder-lo"));
        assertEquals("checkpoint_writer", ThreadCpu.group("resnext4j-check"));
        assertEquals("ui_server", ThreadCpu.group("vert.x-eventloo"));
        assertEquals("other", ThreadCpu.group("Signal Dispatch"));
    }

    @Test
    void countsTheCpuOfAThreadByItsLastNameEvenAfterItEnded() throws InterruptedException {
        long pid = ProcessHandle.current().pid();
        assumeTrue(Files.isDirectory(Path.of("/proc", Long.toString(pid), "task")), "Linux /proc");
        try (ThreadCpu cpu = new ThreadCpu(pid)) {
            Map<String, Double> before = cpu.snapshot();
            CountDownLatch seen = new CountDownLatch(1);
            CountDownLatch spun = new CountDownLatch(1);
            CountDownLatch end = new CountDownLatch(1);
            Thread loader = new Thread(
                    () -> {
                        awaitQuietly(seen);
                        // as a thread sampled before the JVM gave it its name: the last name seen counts
                        Thread.currentThread().setName("image-folder-loader-test");
                        spin();
                        spun.countDown();
                        awaitQuietly(end);
                    },
                    "starting");
            loader.start();
            cpu.snapshot(); // sees it as "starting"
            seen.countDown();
            assertTrue(spun.await(30, TimeUnit.SECONDS));
            cpu.snapshot(); // sees it renamed, with its CPU time
            end.countDown();
            loader.join();
            Map<String, Double> after = cpu.snapshot(); // it has ended: its last sample stands
            double loading = after.get("loading") - before.get("loading");
            assertTrue(loading >= 0.35, "a thread named as the image loaders spun 0.4 s of CPU: " + after);
            assertEquals(ThreadCpu.GROUPS, after.keySet().stream().toList());
            String json = ThreadCpu.json(before, after);
            assertTrue(
                    json.matches("\\{\"training\":[0-9.]+,\"jit\":.*\"loading\":[0-9.]+,.*\"other\":[0-9.]+}"), json);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Spins until this thread has used 0.4 s of CPU. */
    private static void spin() {
        var mx = ManagementFactory.getThreadMXBean();
        long until = mx.getCurrentThreadCpuTime() + 400_000_000L;
        double x = 0;
        while (mx.getCurrentThreadCpuTime() < until) {
            x += Math.sqrt(x + 1);
        }
        if (x < 0) {
            throw new AssertionError();
        }
    }
}
