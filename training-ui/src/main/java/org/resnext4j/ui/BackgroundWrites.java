package org.resnext4j.ui;

import java.nio.file.Path;

/**
 * Runs a training run's end-of-epoch writes (checkpoint, best link, metrics, charts, report) on a thread of their own
 * while the next epoch trains, one write at a time: {@link #submit} first waits for the previous write, and
 * {@link #await} rethrows, on the training thread, a failure of the last one as a {@link CheckpointException}.
 *
 * <p>Each write runs on a new non-daemon thread, so a JVM that leaves {@code main} without closing the run still
 * finishes the write before it exits; every file is written atomically, so a process killed during a write leaves
 * the previous checkpoint whole (and at most a temporary file beside it, which {@link TrainingRun} removes on
 * resume). A plain thread rather than an executor: there is never more than one task, and an executor's worker
 * would have to be shut down by every user of the run.
 */
final class BackgroundWrites {

    private Thread current;
    private volatile Throwable failure;
    private volatile Path failedFile;

    /**
     * Waits for the previous write (rethrowing its failure), then starts this one.
     *
     * @param file   the main file the write produces, named in errors
     * @param action the writes
     */
    synchronized void submit(Path file, IoAction action) {
        await();
        Thread t = new Thread(
                () -> {
                    try {
                        action.run();
                    } catch (Throwable e) {
                        failedFile = file;
                        failure = e;
                    }
                },
                "resnext4j-checkpoint-writer");
        t.setDaemon(false);
        current = t;
        t.start();
    }

    /**
     * Waits for the write in progress, if any.
     *
     * @throws CheckpointException when it failed (the previous file it was replacing is unchanged)
     */
    synchronized void await() {
        Thread t = current;
        if (t != null) {
            boolean interrupted = false;
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            current = null;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        Throwable e = failure;
        if (e != null) {
            failure = null;
            if (e instanceof CheckpointException c) {
                throw new CheckpointException(c.getMessage(), c);
            }
            throw new CheckpointException(
                    "Could not write " + failedFile + " (the previous file, if any, is unchanged): " + e, e);
        }
    }
}
