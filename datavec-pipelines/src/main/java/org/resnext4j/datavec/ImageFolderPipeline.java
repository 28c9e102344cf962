package org.resnext4j.datavec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one-call entry point: an image folder, its train/validation split, its transforms and its
 * two iterators, the Java counterpart of Keras'
 * {@code image_dataset_from_directory(dir, validation_split=0.2, subset=..., seed=123,
 * image_size=(224, 224), batch_size=8)}.
 *
 * <pre>
 * bird_photos/            (one folder per class; labels are the sorted folder names)
 * ├── cardinal/*.jpg
 * ├── jay/*.jpg
 * ├── robin/*.jpg
 * └── sparrow/*.jpg
 *
 * try (ImageFolderPipeline data = ImageFolderPipeline.fromDirectory(Path.of("bird_photos"))
 *         .validationSplit(0.2).seed(123).imageSize(224).batchSize(8).build()) {
 *     model.fit(data.train(), 10);
 *     Evaluation eval = model.evaluate(data.validation());
 *     String preprocessingJson = data.preprocessing().toJson();   // store with the model
 * }
 * </pre>
 *
 * <p>Defaults: image size 224 (resize 256 for evaluation), ImageNet normalisation, training
 * augmentation {@link TrainTransform#imagenet(int)} (random resized crop and horizontal flip),
 * batch 32, validation fraction 0.2, seed 123, lenient handling of bad files with header
 * verification, internal prefetch of 2 batches. The training iterator reshuffles each epoch;
 * the validation iterator keeps path order and uses the evaluation transform.
 */
public final class ImageFolderPipeline implements AutoCloseable {

    private final DatasetSplit split;
    private final PreprocessingConfig preprocessing;
    private final ImageFolderIterator train;
    private final ImageFolderIterator validation;

    private ImageFolderPipeline(Builder b) {
        LoaderOptions o = b.options;
        ImageFolder first = ImageFolder.scan(b.root, o);
        this.split = b.validationRoot != null
                ? DatasetSplit.ofRoots(first, ImageFolder.scan(b.validationRoot, o))
                : first.split(b.validationFraction, o.seed());
        int resize = b.resizeSize > 0 ? b.resizeSize : PreprocessingConfig.defaultResize(b.imageSize);
        EvalTransform eval = new EvalTransform(resize, b.imageSize, b.normalization);
        this.preprocessing = PreprocessingConfig.of(eval);
        ImageTransform trainTransform = b.trainTransform != null
                ? b.trainTransform
                : b.augment ? TrainTransform.imagenet(b.imageSize).withNormalization(b.normalization) : eval;
        if (trainTransform.outputSize() != b.imageSize) {
            throw new IllegalArgumentException("training transform outputs " + trainTransform.outputSize()
                    + " pixels but imageSize is " + b.imageSize);
        }
        this.train = ImageFolderIterator.of(split.train(), trainTransform, true, o);
        this.validation = ImageFolderIterator.of(split.validation(), eval, false, o);
    }

    /**
     * One root, split into training and validation by {@link Builder#validationSplit(double)}.
     *
     * @param root the data set root ({@code root/<class>/<image>})
     * @return a builder
     */
    public static Builder fromDirectory(Path root) {
        return new Builder(root, null);
    }

    /**
     * Separate training and validation roots with the same class folders.
     *
     * @param trainRoot      training root
     * @param validationRoot validation root
     * @return a builder
     */
    public static Builder fromDirectories(Path trainRoot, Path validationRoot) {
        return new Builder(trainRoot, Objects.requireNonNull(validationRoot, "validationRoot"));
    }

    /** @return class names in label order */
    public List<String> classNames() {
        return split.train().classNames();
    }

    /** @return the number of classes */
    public int numClasses() {
        return split.train().numClasses();
    }

    /** @return training images */
    public int trainSize() {
        return split.train().size();
    }

    /** @return validation images */
    public int validationSize() {
        return split.validation().size();
    }

    /** @return training images per class */
    public Map<String, Integer> trainClassCounts() {
        return split.train().classCounts();
    }

    /** @return validation images per class */
    public Map<String, Integer> validationClassCounts() {
        return split.validation().classCounts();
    }

    /** @return the training iterator (shuffled, augmented); the same instance on every call */
    public ImageFolderIterator train() {
        return train;
    }

    /** @return the validation iterator (path order, evaluation transform); the same instance on every call */
    public ImageFolderIterator validation() {
        return validation;
    }

    /** @return the split folders */
    public DatasetSplit split() {
        return split;
    }

    /** @return the evaluation preprocessing, to be stored with a trained model */
    public PreprocessingConfig preprocessing() {
        return preprocessing;
    }

    /** @return what was scanned, ignored and skipped (training root, and validation root if separate) */
    public String report() {
        ImageFolderReport t = split.train().report();
        ImageFolderReport v = split.validation().report();
        String s = t.summary() + "  split: " + trainSize() + " train " + trainClassCounts() + ", " + validationSize()
                + " validation " + validationClassCounts() + "\n";
        return t == v ? s : s + v.summary();
    }

    /** Stops the iterators' worker threads. */
    @Override
    public void close() {
        train.close();
        validation.close();
    }

    /** Pipeline options; see the class documentation for defaults. */
    public static final class Builder {
        private final Path root;
        private final Path validationRoot;
        private final LoaderOptions options = new LoaderOptions(123);
        private double validationFraction = 0.2;
        private int imageSize = 224;
        private int resizeSize;
        private Normalization normalization = Normalization.IMAGENET;
        private boolean augment = true;
        private ImageTransform trainTransform;

        private Builder(Path root, Path validationRoot) {
            this.root = Objects.requireNonNull(root, "root");
            this.validationRoot = validationRoot;
        }

        /**
         * @param fraction validation fraction per class, in (0, 1); ignored with two roots
         * @return this
         */
        public Builder validationSplit(double fraction) {
            this.validationFraction = LoaderOptions.validationFraction(fraction);
            return this;
        }

        /**
         * @param seed seed for the split, the shuffles and the augmentation
         * @return this
         */
        public Builder seed(long seed) {
            options.seed(seed);
            return this;
        }

        /**
         * @param imageSize side of the square model input
         * @return this
         */
        public Builder imageSize(int imageSize) {
            if (imageSize < 1) {
                throw new IllegalArgumentException("imageSize must be positive, got " + imageSize);
            }
            this.imageSize = imageSize;
            return this;
        }

        /**
         * @param resizeSize shorter side before the evaluation center crop; default {@code round(imageSize / 0.875)}
         * @return this
         */
        public Builder resizeSize(int resizeSize) {
            if (resizeSize < 1) {
                throw new IllegalArgumentException("resizeSize must be positive, got " + resizeSize);
            }
            this.resizeSize = resizeSize;
            return this;
        }

        /**
         * @param batchSize examples per batch
         * @return this
         */
        public Builder batchSize(int batchSize) {
            options.batchSize(batchSize);
            return this;
        }

        /**
         * @param normalization {@link Normalization#IMAGENET} (default) or {@link Normalization#NONE}
         * @return this
         */
        public Builder normalization(Normalization normalization) {
            this.normalization = Objects.requireNonNull(normalization, "normalization");
            return this;
        }

        /**
         * @param augment use {@link TrainTransform#imagenet(int)} for training (default) or the evaluation transform
         * @return this
         */
        public Builder augment(boolean augment) {
            this.augment = augment;
            return this;
        }

        /**
         * @param transform a custom training transform (its output size must equal the image size)
         * @return this
         */
        public Builder trainTransform(ImageTransform transform) {
            this.trainTransform = Objects.requireNonNull(transform, "transform");
            return this;
        }

        /**
         * @param strict fail naming the first bad file instead of skipping it
         * @return this
         */
        public Builder strict(boolean strict) {
            options.strict(strict);
            return this;
        }

        /**
         * @param verification how much to check files while scanning
         * @return this
         */
        public Builder verification(ImageFolder.Verification verification) {
            options.verification(verification);
            return this;
        }

        /**
         * @param decoder the image decoder
         * @return this
         */
        public Builder decoder(ImageDecoder decoder) {
            options.decoder(decoder);
            return this;
        }

        /**
         * @param prefetchBatches batches decoded ahead on worker threads; 0 lets DL4J prefetch
         * @return this
         */
        public Builder prefetchBatches(int prefetchBatches) {
            options.prefetchBatches(prefetchBatches);
            return this;
        }

        /**
         * @param workers decoding threads when prefetching
         * @return this
         */
        public Builder workers(int workers) {
            options.workers(workers);
            return this;
        }

        /**
         * Scans, splits and builds the iterators.
         *
         * @return the pipeline
         * @throws ImageFolderException if a root is not a usable data set
         */
        public ImageFolderPipeline build() {
            return new ImageFolderPipeline(this);
        }
    }
}
