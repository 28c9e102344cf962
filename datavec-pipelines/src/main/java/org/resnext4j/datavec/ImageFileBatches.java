package org.resnext4j.datavec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Unlabelled image files in, preprocessed batches out, for prediction: each file is decoded and put through the
 * evaluation transform of a {@link PreprocessingConfig} (the tensor {@link ImagePreprocessor} makes for it) on a
 * pool of worker threads, a few batches ahead of the consumer, and the batches come back in the order of the files.
 *
 * <p>A file that cannot be used (a broken link, no read permission, empty, not an image, truncated or corrupt, over
 * the decoder's pixel limit) is not an error: its {@link Entry} carries the reason, in the words of
 * {@link ImageFolderReport}, and the batch's tensor has no row for it. What to do about it (skip, warn, stop) is the
 * caller's choice.
 *
 * <pre>{@code
 * try (ImageFileBatches batches = new ImageFileBatches(files, preprocessing, 32, 4)) {
 *     while (batches.hasNext()) {
 *         ImageFileBatches.Batch b = batches.next();
 *         INDArray probabilities = model.output(b.features()); // one row per decoded entry
 *     }
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one consumer calls {@link #next()}. {@link #close()} stops the workers.
 */
public final class ImageFileBatches implements Iterator<ImageFileBatches.Batch>, AutoCloseable {

    /**
     * One file of a batch.
     *
     * @param file    the file
     * @param row     its row in {@link Batch#features()}, or -1 when it was not decoded
     * @param problem why it was not decoded, or {@code null}
     */
    public record Entry(Path file, int row, String problem) {
        /** @return whether the file was decoded and has a row */
        public boolean decoded() {
            return problem == null;
        }
    }

    /**
     * Consecutive files, in order, and the tensor of those that decoded.
     *
     * @param entries  every file of the batch, in the order given
     * @param features {@code [decoded, 3, S, S]} float32, or {@code null} when no file of the batch decoded
     */
    public record Batch(List<Entry> entries, INDArray features) {
        /** Copies the list. */
        public Batch {
            entries = List.copyOf(entries);
        }

        /** @return the entries that decoded, in row order */
        public List<Entry> decoded() {
            return entries.stream().filter(Entry::decoded).toList();
        }
    }

    private static final AtomicInteger IDS = new AtomicInteger();

    private final List<Path> files;
    private final ImageDecoder decoder;
    private final EvalTransform transform;
    private final int size;
    private final int batchSize;
    private final int prefetch;
    private final ExecutorService workers;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private int nextStart;

    /** A batch being decoded: its files' slots and one task per file. */
    private record Pending(int start, float[] data, String[] problems, List<Future<?>> tasks) {}

    /**
     * Batches with the default {@link ImageIoDecoder} and two batches decoded ahead.
     *
     * @param files         the image files, in the order wanted
     * @param preprocessing the model's preprocessing
     * @param batchSize     files per batch, at least 1
     * @param workers       decoding threads, at least 1
     */
    public ImageFileBatches(List<Path> files, PreprocessingConfig preprocessing, int batchSize, int workers) {
        this(files, preprocessing, batchSize, workers, 2, new ImageIoDecoder());
    }

    /**
     * @param files         the image files, in the order wanted
     * @param preprocessing the model's preprocessing
     * @param batchSize     files per batch, at least 1
     * @param workers       decoding threads, at least 1
     * @param prefetch      batches decoded ahead of the one being consumed, at least 0
     * @param decoder       the decoder (thread-safe, as every {@link ImageDecoder})
     */
    public ImageFileBatches(
            List<Path> files,
            PreprocessingConfig preprocessing,
            int batchSize,
            int workers,
            int prefetch,
            ImageDecoder decoder) {
        if (batchSize < 1 || workers < 1 || prefetch < 0) {
            throw new IllegalArgumentException("expected batchSize >= 1, workers >= 1, prefetch >= 0, got " + batchSize
                    + ", " + workers + ", " + prefetch);
        }
        this.files = List.copyOf(files);
        this.transform = preprocessing.evalTransform();
        this.size = preprocessing.imageSize();
        this.batchSize = batchSize;
        this.prefetch = prefetch;
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        int id = IDS.incrementAndGet();
        AtomicInteger thread = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "image-file-batches-" + id + "-" + thread.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** @return the number of files */
    public int fileCount() {
        return files.size();
    }

    @Override
    public boolean hasNext() {
        return !pending.isEmpty() || nextStart < files.size();
    }

    /**
     * The next batch, waiting for its files to be decoded (the following batches are decoded meanwhile).
     *
     * @throws IllegalStateException when the calling thread is interrupted while waiting
     */
    @Override
    public Batch next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        while (pending.size() < prefetch + 1 && nextStart < files.size()) {
            pending.add(submit(nextStart));
            nextStart += Math.min(batchSize, files.size() - nextStart);
        }
        Pending p = pending.poll();
        for (Future<?> task : p.tasks()) {
            try {
                task.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while decoding images", e);
            } catch (ExecutionException e) {
                // load() turns every failure of a file into its problem; what arrives here is an Error
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(e.getCause());
            } catch (CancellationException e) {
                throw new IllegalStateException("closed while decoding images", e);
            }
        }
        return assemble(p);
    }

    private Pending submit(int start) {
        int n = Math.min(batchSize, files.size() - start);
        int per = 3 * size * size;
        float[] data = new float[n * per];
        String[] problems = new String[n];
        List<Future<?>> tasks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int slot = i;
            tasks.add(workers.submit(() -> problems[slot] = load(files.get(start + slot), data, slot * per)));
        }
        return new Pending(start, data, problems, tasks);
    }

    /** Decodes one file into its slot; returns why it could not be, or {@code null}. */
    private String load(Path file, float[] data, int offset) {
        try {
            String access = ImageFolder.accessProblem(file);
            if (access != null) {
                return access;
            }
            transform.apply(decoder.decode(file), null, data, offset);
            return null;
        } catch (IOException | RuntimeException e) {
            return e.getMessage() == null ? e.toString() : e.getMessage();
        }
    }

    private Batch assemble(Pending p) {
        int n = p.problems().length;
        int per = 3 * size * size;
        List<Entry> entries = new ArrayList<>(n);
        float[] data = p.data();
        int rows = 0;
        for (int i = 0; i < n; i++) {
            Path file = files.get(p.start() + i);
            if (p.problems()[i] != null) {
                entries.add(new Entry(file, -1, p.problems()[i]));
                continue;
            }
            if (rows != i) {
                System.arraycopy(data, i * per, data, rows * per, per);
            }
            entries.add(new Entry(file, rows++, null));
        }
        INDArray features = rows == 0
                ? null
                : Nd4j.create(
                        rows == n ? data : Arrays.copyOf(data, rows * per), new long[] {rows, 3, size, size}, 'c');
        return new Batch(entries, features);
    }

    /** Stops the workers; batches not yet returned are dropped. */
    @Override
    public void close() {
        pending.forEach(p -> p.tasks().forEach(t -> t.cancel(true)));
        pending.clear();
        nextStart = files.size();
        workers.shutdownNow();
    }

    @Override
    public String toString() {
        return "ImageFileBatches[" + files.size() + " files, batch " + batchSize + ", prefetch " + prefetch + ", "
                + decoder + "]";
    }
}
