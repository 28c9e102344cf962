package org.resnext4j.datavec;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paths in, {@link DataSet} out: the image loading of {@link ImageFolderIterator} as a small serializable object
 * that a distributed job (Spark executors) runs where the data is, with the same decoder, transform and
 * randomness. The driver lists the work with {@link #batches} (plain serializable {@link Batch} descriptions, in
 * the order of {@code ImageFolderIterator}'s epoch), executors call {@link #load(Batch)}; batch {@code i} of epoch
 * {@code e} then holds the same tensors as the iterator's.
 *
 * <p>A file that cannot be decoded is left out of its batch with a warning naming it (the batch is one example
 * smaller; an executor cannot look for a replacement image of the same class as {@link ImageFolder} does); a batch
 * of which no file decodes fails with an {@link ImageFolderException} naming its first file.
 */
public final class ImageBatchLoader implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(ImageBatchLoader.class);

    private final ImageTransform transform;
    private final List<String> classNames;
    private final long seed;
    private final ImageDecoder decoder;

    /**
     * One batch to load: files, labels, epoch and position of the first file in the epoch.
     *
     * @param paths         local paths of the images
     * @param labels        class index of each image
     * @param epoch         the epoch index (augmentation randomness)
     * @param firstPosition position of {@code paths[0]} in its epoch
     */
    public record Batch(List<String> paths, int[] labels, int epoch, int firstPosition) implements Serializable {
        /** Validates and copies. */
        public Batch {
            paths = List.copyOf(paths);
            labels = labels.clone();
            if (paths.size() != labels.length || paths.isEmpty()) {
                throw new IllegalArgumentException("a batch needs as many labels as paths, at least one: "
                        + paths.size() + " paths, " + labels.length + " labels");
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Batch b
                    && b.paths.equals(paths)
                    && Arrays.equals(b.labels, labels)
                    && b.epoch == epoch
                    && b.firstPosition == firstPosition;
        }

        @Override
        public int hashCode() {
            return Objects.hash(paths, Arrays.hashCode(labels), epoch, firstPosition);
        }

        @Override
        public String toString() {
            return "Batch[epoch " + epoch + ", positions " + firstPosition + ".." + (firstPosition + paths.size() - 1)
                    + ", " + paths.get(0) + ", ...]";
        }
    }

    /**
     * @param transform  the per-image transform
     * @param classNames the class names in label order
     * @param seed       the seed of the shuffle and augmentation (the iterator's)
     * @param decoder    the decoder; must be serializable to travel to executors
     */
    public ImageBatchLoader(ImageTransform transform, List<String> classNames, long seed, ImageDecoder decoder) {
        this.transform = Objects.requireNonNull(transform, "transform");
        this.classNames = List.copyOf(classNames);
        this.seed = seed;
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        if (!(decoder instanceof Serializable)) {
            throw new IllegalArgumentException("decoder " + decoder + " is not Serializable; use ImageIoDecoder");
        }
    }

    /**
     * A loader with the default {@link ImageIoDecoder}.
     *
     * @param transform  the per-image transform
     * @param classNames the class names in label order
     * @param seed       the seed of the shuffle and augmentation
     */
    public ImageBatchLoader(ImageTransform transform, List<String> classNames, long seed) {
        this(transform, classNames, seed, new ImageIoDecoder());
    }

    /**
     * The batches of one epoch of a data set, in the iterator's order: shuffled with {@code (seed, epoch)} when
     * {@code shuffle} is set, the last batch partial.
     *
     * @param folder    the data set (or a split subset)
     * @param batchSize examples per batch
     * @param epoch     the epoch index
     * @param shuffle   shuffle as a training iterator does
     * @return the batch descriptions
     */
    public List<Batch> batches(ImageFolder folder, int batchSize, int epoch, boolean shuffle) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        if (!folder.classNames().equals(classNames)) {
            throw new IllegalArgumentException(
                    "the data set's classes " + folder.classNames() + " differ from the loader's " + classNames);
        }
        int[] order = ImageFolderIterator.epochOrder(folder.size(), shuffle, seed, epoch);
        List<Batch> out = new ArrayList<>();
        for (int start = 0; start < order.length; start += batchSize) {
            int n = Math.min(batchSize, order.length - start);
            List<String> paths = new ArrayList<>(n);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                ImageSample s = folder.samples().get(order[start + i]);
                paths.add(s.file().toString());
                labels[i] = s.label();
            }
            out.add(new Batch(paths, labels, epoch, start));
        }
        return out;
    }

    /**
     * Decodes and transforms a batch.
     *
     * @param batch the batch description
     * @return features {@code [n, 3, S, S]} and one-hot labels
     * @throws ImageFolderException when no file of the batch can be decoded
     */
    public DataSet load(Batch batch) {
        int s = transform.outputSize();
        int per = 3 * s * s;
        int classes = classNames.size();
        int n = batch.paths().size();
        float[] features = new float[n * per];
        float[] labels = new float[n * classes];
        int kept = 0;
        for (int i = 0; i < n; i++) {
            Path file = Path.of(batch.paths().get(i));
            int label = batch.labels()[i];
            if (label < 0 || label >= classes) {
                throw new IllegalArgumentException(
                        "label " + label + " of " + file + " is not a class index 0.." + (classes - 1));
            }
            RgbImage image;
            try {
                image = decoder.decode(file);
            } catch (IOException | RuntimeException e) {
                log.warn("Skipping image {} (decode failed: {})", file, e.getMessage());
                continue;
            }
            SampleTensors.write(transform, image, seed, batch.epoch(), batch.firstPosition() + i, features, kept * per);
            labels[kept * classes + label] = 1f;
            kept++;
        }
        if (kept == 0) {
            throw new ImageFolderException(Path.of(batch.paths().get(0)), "no image of " + batch + " could be decoded");
        }
        if (kept < n) {
            features = Arrays.copyOf(features, kept * per);
            labels = Arrays.copyOf(labels, kept * classes);
        }
        return SampleTensors.dataSet(features, labels, kept, s, classNames);
    }

    /** @return the class names in label order */
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public String toString() {
        return "ImageBatchLoader[" + transform + ", " + classNames.size() + " classes, seed " + seed + ", " + decoder
                + "]";
    }
}
