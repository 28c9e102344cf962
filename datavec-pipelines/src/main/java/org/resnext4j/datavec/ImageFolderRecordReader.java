package org.resnext4j.datavec;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.TreeSet;
import org.datavec.api.conf.Configuration;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.io.labels.PathLabelGenerator;
import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.records.metadata.RecordMetaDataURI;
import org.datavec.api.records.reader.BaseRecordReader;
import org.datavec.api.split.InputSplit;
import org.datavec.api.writable.IntWritable;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Writable;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DataVec {@code RecordReader} over image files, a sibling of DataVec's {@code ImageRecordReader} that gives
 * torchvision-exact tensors: the files of an {@link InputSplit} (a {@code FileSplit} of a folder-per-class root, or
 * {@link ImageFolder#inputSplit()} of a seeded split), labels from a {@link PathLabelGenerator} (default
 * {@link ParentPathLabelGenerator}: the parent folder's name) indexed in sorted order, decoded by an
 * {@link ImageDecoder} (RGB, upright) and transformed by one of our {@link ImageTransform}s (the evaluation
 * transform, or RandomResizedCrop and flip), with the same per-epoch shuffle and per-position randomness as
 * {@link ImageFolderIterator}.
 *
 * <p>Each record is {@code [NDArrayWritable features [1, 3, S, S] float32, IntWritable label]}, the layout of
 * DataVec's {@code ImageRecordReader}, so {@code new RecordReaderDataSetIterator(reader, batch, 1, numClasses)}
 * batches it; {@link #iterator(int)} returns that iterator as an {@link EpochIterator}. Files are read in path order
 * (sorted, whatever order the split lists them in), which for the same files is {@link ImageFolder}'s order: the
 * reader then yields the same tensors as {@link ImageFolderIterator} with the same transform and seed.
 *
 * <p>Epochs: {@link #reset()} after a fully read epoch moves to the next one (new shuffle, new augmentation);
 * {@link #setEpoch(int)} positions the reader for an exact resume. Bad files: as {@link ImageFolder} (lenient
 * replacement by another image of the same class, or {@code strict}). Only local files ({@code file:} URIs).
 * Decoding happens on the calling thread; DL4J adds a prefetch thread, as {@code RecordReaderDataSetIterator}
 * supports asynchronous use.
 */
public final class ImageFolderRecordReader extends BaseRecordReader {

    private static final long serialVersionUID = 1L;

    private final ImageTransform transform;
    private final long seed;
    private final boolean shuffle;
    private final PathLabelGenerator labelGenerator;
    private final List<String> fixedLabels;
    private final ImageDecoder decoder;
    private final boolean strict;
    private Configuration conf;

    private transient ImageFolder folder;
    private transient List<URI> uris;
    private int epoch;
    private int[] order;
    private int cursor;

    private ImageFolderRecordReader(Builder b) {
        this.transform = b.transform;
        this.seed = b.options.seed();
        this.shuffle = b.options.shuffle();
        this.labelGenerator = b.labelGenerator;
        this.fixedLabels = b.labels == null ? null : List.copyOf(b.labels);
        this.decoder = b.options.decoder();
        this.strict = b.options.strict();
    }

    /**
     * @param transform the per-image transform ({@link EvalTransform}, {@link TrainTransform})
     * @return a builder
     */
    public static Builder builder(ImageTransform transform) {
        return new Builder(transform);
    }

    @Override
    public void initialize(InputSplit split) throws IOException {
        Objects.requireNonNull(split, "split");
        this.inputSplit = split;
        List<Path> files = new ArrayList<>();
        for (URI u : split.locations()) {
            if (!"file".equalsIgnoreCase(u.getScheme())) {
                throw new IllegalArgumentException("ImageFolderRecordReader reads local files only; got " + u);
            }
            Path p = Paths.get(u).toAbsolutePath().normalize();
            if (ImageFolder.isImageName(p.getFileName().toString())) {
                files.add(p);
            }
        }
        if (files.isEmpty()) {
            throw new ImageFolderException(
                    null,
                    "the input split holds no image files (" + split.length() + " locations; images are "
                            + String.join(", ", new TreeSet<>(ImageFolder.IMAGE_EXTENSIONS)) + ")");
        }
        files.sort(Comparator.comparing(p -> p.toString().replace('\\', '/')));
        List<String> labels = new ArrayList<>();
        for (Path f : files) {
            labels.add(labelGenerator.getLabelForPath(f.toUri()).toString());
        }
        List<String> classNames = fixedLabels != null ? fixedLabels : List.copyOf(new TreeSet<>(labels));
        Path root = commonRoot(files);
        List<ImageSample> samples = new ArrayList<>(files.size());
        List<URI> u = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            int label = classNames.indexOf(labels.get(i));
            if (label < 0) {
                throw new ImageFolderException(
                        files.get(i),
                        "image " + files.get(i) + " has label \"" + labels.get(i)
                                + "\", which is not one of the reader's labels " + classNames);
            }
            samples.add(new ImageSample(
                    files.get(i), root.relativize(files.get(i)).toString().replace('\\', '/'), label));
            u.add(files.get(i).toUri());
        }
        this.folder = ImageFolder.of(root, classNames, samples, decoder, strict);
        this.uris = u;
        setEpoch(0);
    }

    @Override
    public void initialize(Configuration conf, InputSplit split) throws IOException {
        setConf(conf);
        initialize(split);
    }

    private static Path commonRoot(List<Path> files) {
        Path root = files.get(0).getParent();
        for (Path f : files) {
            while (root != null && !f.startsWith(root)) {
                root = root.getParent();
            }
        }
        return root == null ? files.get(0).getRoot() : root;
    }

    /** @return the index (from 0) of the epoch being read */
    public int epoch() {
        return epoch;
    }

    /**
     * Restarts at the beginning of an epoch (its shuffle and augmentation are fixed by the seed and the index).
     *
     * @param e the epoch index, at least 0
     */
    public void setEpoch(int e) {
        if (e < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + e);
        }
        requireInitialized();
        this.epoch = e;
        this.order = ImageFolderIterator.epochOrder(folder.size(), shuffle, seed, e);
        this.cursor = 0;
    }

    /** @return the number of images the reader serves per epoch */
    public int size() {
        requireInitialized();
        return folder.size();
    }

    /** @return the data set behind the reader (after {@code initialize}) */
    public ImageFolder folder() {
        requireInitialized();
        return folder;
    }

    /**
     * The reader as a DL4J iterator: {@code RecordReaderDataSetIterator(this, batchSize, 1, numClasses)}, which is
     * also an {@link EpochIterator} (an exact resume can position it).
     *
     * @param batchSize examples per batch
     * @return the iterator
     */
    public EpochIterator iterator(int batchSize) {
        requireInitialized();
        return new Iterator(this, batchSize);
    }

    @Override
    public boolean hasNext() {
        requireInitialized();
        return cursor < order.length;
    }

    @Override
    public List<Writable> next() {
        return nextRecord().getRecord();
    }

    @Override
    public Record nextRecord() {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " is exhausted; call reset()");
        }
        int position = cursor++;
        ImageFolder.Loaded l = folder.load(order[position]);
        List<Writable> record = toRecord(l.image(), l.label(), epoch, position);
        invokeListeners(record);
        return new org.datavec.api.records.impl.Record(
                record, new RecordMetaDataURI(l.sample().file().toUri(), ImageFolderRecordReader.class));
    }

    private List<Writable> toRecord(RgbImage image, int label, int e, int position) {
        int s = transform.outputSize();
        float[] features = new float[3 * s * s];
        SampleTensors.write(transform, image, seed, e, position, features, 0);
        List<Writable> record = new ArrayList<>(2);
        record.add(new NDArrayWritable(Nd4j.create(features, new long[] {1, 3, s, s}, 'c')));
        record.add(new IntWritable(label));
        return record;
    }

    @Override
    public List<String> getLabels() {
        requireInitialized();
        return folder.classNames();
    }

    /**
     * Starts the next epoch once the current one was read to its end; restarts the current epoch otherwise.
     * (Unlike {@link ImageFolderIterator}, a partly read epoch is restarted, not skipped:
     * {@code RecordReaderDataSetIterator} reads one record to learn the record layout and then resets the reader.)
     */
    @Override
    public void reset() {
        requireInitialized();
        setEpoch(cursor >= order.length ? epoch + 1 : epoch);
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /**
     * Decodes one image from a stream (DataVec's path for binary files, e.g. on Spark), with the label of its URI
     * and the randomness of position 0 of the current epoch.
     */
    @Override
    public List<Writable> record(URI uri, DataInputStream dataInputStream) throws IOException {
        requireInitialized();
        // the stream path needs an in-memory decoder: the configured one when it is ours (its pixel limit applies)
        ImageIoDecoder bytesDecoder = decoder instanceof ImageIoDecoder d ? d : new ImageIoDecoder();
        RgbImage image = bytesDecoder.decode(dataInputStream.readAllBytes());
        String name = labelGenerator.getLabelForPath(uri).toString();
        int label = folder.classNames().indexOf(name);
        if (label < 0) {
            throw new IOException("image " + uri + " has label \"" + name + "\", not one of " + folder.classNames());
        }
        return toRecord(image, label, epoch, 0);
    }

    /**
     * Reloads a record by its file (evaluation error analysis): the transform draws the randomness of the file's
     * position in the current epoch.
     */
    @Override
    public Record loadFromMetaData(RecordMetaData recordMetaData) throws IOException {
        requireInitialized();
        URI uri = recordMetaData.getURI();
        int index = uris.indexOf(Paths.get(uri).toAbsolutePath().normalize().toUri());
        if (index < 0) {
            throw new IOException("record " + uri + " is not one of this reader's files");
        }
        int position = 0;
        while (order[position] != index) {
            position++;
        }
        ImageFolder.Loaded l = folder.load(index);
        return new org.datavec.api.records.impl.Record(
                toRecord(l.image(), l.label(), epoch, position),
                new RecordMetaDataURI(uri, ImageFolderRecordReader.class));
    }

    @Override
    public List<Record> loadFromMetaData(List<RecordMetaData> recordMetaDatas) throws IOException {
        List<Record> out = new ArrayList<>(recordMetaDatas.size());
        for (RecordMetaData m : recordMetaDatas) {
            out.add(loadFromMetaData(m));
        }
        return out;
    }

    @Override
    public void close() {
        // nothing held open between records
    }

    @Override
    public void setConf(Configuration conf) {
        this.conf = conf;
    }

    @Override
    public Configuration getConf() {
        return conf;
    }

    private void requireInitialized() {
        if (folder == null) {
            throw new IllegalStateException("ImageFolderRecordReader is not initialized: call initialize(InputSplit)");
        }
    }

    @Override
    public String toString() {
        return "ImageFolderRecordReader["
                + (folder == null ? "not initialized" : folder.size() + " images, " + folder.classNames()) + ", "
                + transform + ", seed " + seed + ", shuffle " + shuffle + "]";
    }

    /** {@link #iterator(int)}. */
    private static final class Iterator extends org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator
            implements EpochIterator {
        private static final long serialVersionUID = 1L;
        private final ImageFolderRecordReader reader;
        private final int batchSize;

        Iterator(ImageFolderRecordReader reader, int batchSize) {
            super(reader, batchSize, 1, reader.getLabels().size());
            this.reader = reader;
            this.batchSize = batchSize;
        }

        @Override
        public int epoch() {
            return reader.epoch();
        }

        @Override
        public void setEpoch(int e) {
            reader.setEpoch(e);
        }

        @Override
        public int numBatches() {
            return (reader.size() + batchSize - 1) / batchSize;
        }
    }

    /** Options; defaults: no shuffle, seed 0, {@link ParentPathLabelGenerator}, labels from the files, lenient. */
    public static final class Builder {
        private final ImageTransform transform;
        private final LoaderOptions options = new LoaderOptions(0);
        private PathLabelGenerator labelGenerator = new ParentPathLabelGenerator();
        private List<String> labels;

        private Builder(ImageTransform transform) {
            this.transform = Objects.requireNonNull(transform, "transform");
        }

        /**
         * @param seed seed of the shuffle and the augmentation
         * @return this
         */
        public Builder seed(long seed) {
            options.seed(seed);
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
         * @param generator gives each file's label (class name)
         * @return this
         */
        public Builder labelGenerator(PathLabelGenerator generator) {
            this.labelGenerator = Objects.requireNonNull(generator, "generator");
            return this;
        }

        /**
         * @param classNames the labels in index order (e.g. the training reader's, for a validation reader); by
         *                   default the sorted labels of the files
         * @return this
         */
        public Builder labels(List<String> classNames) {
            this.labels = classNames;
            return this;
        }

        /**
         * @param decoder the image decoder (serializable for Spark)
         * @return this
         */
        public Builder decoder(ImageDecoder decoder) {
            options.decoder(decoder);
            return this;
        }

        /**
         * @param strict fail on a bad file (naming it) instead of replacing it
         * @return this
         */
        public Builder strict(boolean strict) {
            options.strict(strict);
            return this;
        }

        /** @return the reader; call {@code initialize(split)} next */
        public ImageFolderRecordReader build() {
            return new ImageFolderRecordReader(this);
        }
    }
}
