package org.resnext4j.datavec;

import java.util.ArrayDeque;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A {@link DataSetIterator} over an {@link ImageFolder} that DL4J's {@code fit} and
 * {@code evaluate} take directly. Each {@link DataSet} has features {@code [N, 3, S, S]} float32
 * (RGB, normalised by the transform) and one-hot labels {@code [N, numClasses]}; {@code N} is
 * the batch size except for the last batch of an epoch, which keeps the remainder.
 *
 * <h2>Epochs, shuffling and reproducibility</h2>
 * An epoch visits every sample once. With shuffling on, epoch {@code e} uses a permutation
 * seeded from ({@code seed}, {@code e}), and a random transform draws the randomness of the
 * sample at position {@code p} from a generator seeded from ({@code seed}, {@code e}, {@code p}).
 * The batches of an epoch are therefore the same on every run and machine, whatever the number
 * of worker threads. The epoch counter starts at 0 and advances when {@link #reset()} is called
 * after at least one batch of the current epoch was returned; a reset of an untouched epoch
 * keeps it. {@link #setEpoch(int)} sets it explicitly.
 *
 * <h2>{@code hasNext()} and {@code reset()}</h2>
 * {@code hasNext()} is false once the epoch is exhausted; {@code reset()} starts the next
 * epoch. This is what DL4J expects: {@code fit(iterator)} resets an exhausted iterator before
 * training, and {@code fit(iterator, numEpochs)} resets it between epochs.
 *
 * <h2>Prefetch and {@code asyncSupported()}</h2>
 * With {@code prefetchBatches > 0} (the default, 2) batches are decoded ahead of time on a
 * bounded pool of daemon worker threads, in order, at most {@code prefetchBatches} batches
 * ahead, so decoding overlaps training. In that mode {@link #asyncSupported()} returns
 * {@code false}, so DL4J does not wrap the iterator in its own {@code AsyncDataSetIterator}
 * (which would add a second queue and thread). With {@code prefetchBatches == 0} batches are
 * built on the calling thread and {@code asyncSupported()} returns {@code true}: DL4J then adds
 * its own prefetch thread. Idle workers exit after 30 seconds; {@link #close()} stops them at once.
 *
 * <h2>Bad files</h2>
 * See {@link ImageFolder}: in lenient mode a file that fails to decode is replaced by another
 * image of the same class, so batch sizes stay right and the epoch never fails half-way; in
 * strict mode {@code next()} throws an {@link ImageFolderException} naming the file.
 *
 * <p>Not thread-safe: one consumer thread calls {@code next()}.
 */
public final class ImageFolderIterator implements EpochIterator, AutoCloseable {

    private static final long serialVersionUID = 1L;
    private static final AtomicInteger POOL_ID = new AtomicInteger();

    private final transient ImageFolder folder;
    private final transient ImageTransform transform;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final int prefetchBatches;
    private final int workers;
    private transient DataSetPreProcessor preProcessor;

    private int epoch;
    private int[] order;
    private int cursor;
    private int submitted;
    private transient ArrayDeque<Future<DataSet>> pending = new ArrayDeque<>();
    private transient ThreadPoolExecutor executor;

    private ImageFolderIterator(ImageFolder folder, ImageTransform transform, boolean shuffle, LoaderOptions options) {
        this.folder = folder;
        this.transform = transform;
        this.batchSize = options.batchSize();
        this.shuffle = shuffle;
        this.seed = options.seed();
        this.prefetchBatches = options.prefetchBatches();
        this.workers = options.workers();
        startEpoch(0);
    }

    /**
     * Starts configuring an iterator.
     *
     * @param folder the data set (or a split subset)
     * @return a builder
     */
    public static Builder builder(ImageFolder folder) {
        return new Builder(folder);
    }

    /**
     * An iterator with the batch size, seed, prefetch and workers of {@code options} (the pipeline's), which may
     * serve several iterators: the shuffle is given here.
     */
    static ImageFolderIterator of(
            ImageFolder folder, ImageTransform transform, boolean shuffle, LoaderOptions options) {
        return new ImageFolderIterator(
                Objects.requireNonNull(folder, "folder"),
                Objects.requireNonNull(transform, "transform"),
                shuffle,
                options);
    }

    /** @return the data set this iterator reads */
    public ImageFolder folder() {
        return folder;
    }

    /** @return the transform */
    public ImageTransform transform() {
        return transform;
    }

    /** @return the current epoch index, from 0 */
    @Override
    public int epoch() {
        return epoch;
    }

    /**
     * Restarts at the beginning of an epoch; its shuffle and augmentation are fixed by the
     * seed and this index.
     *
     * @param epoch the epoch index, at least 0
     */
    @Override
    public void setEpoch(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        cancelPending();
        startEpoch(epoch);
    }

    /**
     * Jumps to batch {@code batch} of epoch {@code epoch} without decoding the batches before it: the order and
     * each sample's augmentation depend only on (seed, epoch, position).
     */
    @Override
    public void setPosition(int epoch, int batch) {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        }
        setEpoch(epoch);
        cursor = (int) Math.min((long) batch * batchSize, order.length);
        submitted = cursor;
    }

    /** @return samples per epoch */
    public int numExamples() {
        return folder.size();
    }

    /** @return batches per epoch (the last may be partial) */
    @Override
    public int numBatches() {
        return (folder.size() + batchSize - 1) / batchSize;
    }

    /** @return the sample indices of the current epoch in visiting order (a copy) */
    public int[] epochOrder() {
        return order.clone();
    }

    /** @return the number of prefetched batches, 0 when batches are built on the calling thread */
    public int prefetchBatches() {
        return prefetchBatches;
    }

    /** The visiting order of epoch {@code e}: identity, or a permutation seeded from ({@code seed}, {@code e}). */
    static int[] epochOrder(int n, boolean shuffle, long seed, int e) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        if (shuffle) {
            Seeds.shuffle(o, Seeds.derive(seed, 0x5348554646L, e));
        }
        return o;
    }

    private void startEpoch(int e) {
        this.epoch = e;
        int n = folder.size();
        this.order = epochOrder(n, shuffle, seed, e);
        this.cursor = 0;
        this.submitted = 0;
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " is exhausted; call reset()");
        }
        DataSet ds;
        if (prefetchBatches > 0) {
            fill();
            ds = await(pending.poll());
            fill();
        } else {
            ds = buildBatch(order, cursor, Math.min(batchSize, order.length - cursor), epoch);
        }
        cursor += ds.numExamples();
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public DataSet next(int num) {
        if (num == batchSize) {
            return next();
        }
        if (num < 1) {
            throw new IllegalArgumentException("num must be positive, got " + num);
        }
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " is exhausted; call reset()");
        }
        cancelPending();
        submitted = cursor;
        DataSet ds = buildBatch(order, cursor, Math.min(num, order.length - cursor), epoch);
        cursor += ds.numExamples();
        submitted = cursor;
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    private void fill() {
        while (pending.size() < prefetchBatches && submitted < order.length) {
            int start = submitted;
            int n = Math.min(batchSize, order.length - start);
            int[] o = order;
            int e = epoch;
            pending.add(executor().submit(() -> buildBatch(o, start, n, e)));
            submitted += n;
        }
    }

    private static DataSet await(Future<DataSet> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("batch loading failed: " + c, c);
        } catch (CancellationException e) {
            throw new IllegalStateException("batch loading was cancelled", e);
        }
    }

    /** Builds one batch from fixed inputs only, so it can run on any thread. */
    private DataSet buildBatch(int[] o, int start, int n, int e) {
        int s = transform.outputSize();
        int per = 3 * s * s;
        int classes = folder.numClasses();
        float[] features = new float[n * per];
        float[] labels = new float[n * classes];
        for (int i = 0; i < n; i++) {
            ImageFolder.Loaded l = folder.load(o[start + i]);
            SampleTensors.write(transform, l.image(), seed, e, start + i, features, i * per);
            labels[i * classes + l.label()] = 1f;
        }
        return SampleTensors.dataSet(features, labels, n, s, folder.classNames());
    }

    private ThreadPoolExecutor executor() {
        if (executor == null) {
            int id = POOL_ID.incrementAndGet();
            AtomicInteger thread = new AtomicInteger();
            ThreadFactory tf = r -> {
                Thread t = new Thread(r, "image-folder-loader-" + id + "-" + thread.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            executor = new ThreadPoolExecutor(workers, workers, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), tf);
            executor.allowCoreThreadTimeOut(true);
        }
        return executor;
    }

    private void cancelPending() {
        for (Future<DataSet> f : pending) {
            f.cancel(false);
        }
        pending.clear();
    }

    @Override
    public int inputColumns() {
        return 3 * transform.outputSize() * transform.outputSize();
    }

    @Override
    public int totalOutcomes() {
        return folder.numClasses();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /**
     * @return {@code true} only without internal prefetch ({@code prefetchBatches == 0}), so
     *         DL4J adds its own {@code AsyncDataSetIterator} only when this iterator does not
     *         prefetch itself
     */
    @Override
    public boolean asyncSupported() {
        return prefetchBatches == 0;
    }

    /** Starts the next epoch (or restarts the current one if no batch of it was returned yet). */
    @Override
    public void reset() {
        cancelPending();
        startEpoch(cursor > 0 ? epoch + 1 : epoch);
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    /** @return the class names, in label order */
    @Override
    public List<String> getLabels() {
        return folder.classNames();
    }

    /** Cancels prefetched batches and stops the worker threads; the iterator stays usable. */
    @Override
    public void close() {
        cancelPending();
        submitted = cursor;
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    @Override
    public String toString() {
        return "ImageFolderIterator[" + folder.size() + " images, batch " + batchSize + ", shuffle " + shuffle
                + ", prefetch " + prefetchBatches + ", workers " + workers + ", epoch " + epoch + ", " + transform
                + "]";
    }

    /**
     * Iterator options. Defaults: {@link EvalTransform#imagenet(int) EvalTransform.imagenet(224)},
     * batch 32, no shuffle, seed 0, prefetch 2 batches on {@code max(1, min(4, cores / 2))} workers.
     */
    public static final class Builder {
        private final ImageFolder folder;
        private final LoaderOptions options = new LoaderOptions(0);
        private ImageTransform transform = EvalTransform.imagenet(224);

        private Builder(ImageFolder folder) {
            this.folder = Objects.requireNonNull(folder, "folder");
        }

        /**
         * @param transform the per-image transform
         * @return this
         */
        public Builder transform(ImageTransform transform) {
            this.transform = Objects.requireNonNull(transform, "transform");
            return this;
        }

        /**
         * @param batchSize examples per batch, at least 1
         * @return this
         */
        public Builder batchSize(int batchSize) {
            options.batchSize(batchSize);
            return this;
        }

        /**
         * @param shuffle reshuffle every epoch (training) or keep path order (evaluation)
         * @return this
         */
        public Builder shuffle(boolean shuffle) {
            options.shuffle(shuffle);
            return this;
        }

        /**
         * @param seed seed for shuffling and augmentation
         * @return this
         */
        public Builder seed(long seed) {
            options.seed(seed);
            return this;
        }

        /**
         * @param prefetchBatches batches decoded ahead on worker threads; 0 decodes on the calling thread
         * @return this
         */
        public Builder prefetchBatches(int prefetchBatches) {
            options.prefetchBatches(prefetchBatches);
            return this;
        }

        /**
         * @param workers decoding threads used when prefetching, at least 1 (each builds whole
         *                batches, so at most {@code prefetchBatches} run at once)
         * @return this
         */
        public Builder workers(int workers) {
            options.workers(workers);
            return this;
        }

        /** @return the iterator, positioned at the start of epoch 0 */
        public ImageFolderIterator build() {
            return new ImageFolderIterator(folder, transform, options.shuffle(), options);
        }
    }
}
