package org.resnext4j.datavec;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.datavec.api.split.CollectionInputSplit;
import org.datavec.api.split.InputSplit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An image-classification data set stored as one folder per class, the layout of torchvision's
 * {@code ImageFolder} and Keras' {@code image_dataset_from_directory}:
 *
 * <pre>
 * root/
 * ├── bird/                 label 0
 * │   ├── 0001.jpg
 * │   ├── 0002.png
 * │   └── nested/0003.JPEG  (sub-folders are searched too)
 * ├── cat/                  label 1
 * │   └── ...
 * └── dog/                  label 2
 *     └── ...
 * </pre>
 *
 * <p>Labels are the positions of the class folder names in sorted order ({@code String} order,
 * the same as Python's {@code sorted}). Images are the files ending in {@code .jpg .jpeg .png
 * .bmp .gif} (any case); hidden entries (starting with {@code .}), other files and files directly
 * in the root are ignored and counted in the {@link ImageFolderReport}. Samples are sorted by
 * relative path, so nothing depends on the order in which the file system lists files.
 *
 * <p>Bad files: every candidate is checked when the folder is scanned, by default with a header
 * probe ({@link Verification#HEADER}: format recognised from content, dimensions readable);
 * {@link Verification#DECODE} decodes every file up front (slower, catches truncated files
 * before training). A file that fails is skipped with a warning naming it, and counted; in
 * {@linkplain Builder#strict(boolean) strict} mode the scan throws an
 * {@link ImageFolderException} naming it instead. A file that passes the scan but fails to
 * decode later is, in lenient mode, replaced in its batch by the next image of the same class
 * (so batch sizes and the epoch length stay the same) and recorded with stage
 * {@link ImageFolderReport.Stage#DECODE}; in strict mode the iterator throws naming it.
 *
 * <p>The scan fails early, with the path in the message, for a missing root, a root with no
 * class folders, a class folder without usable images, and a single class.
 *
 * <p>Instances are immutable. {@link #split(double, long)} makes a seeded, stratified
 * train/validation split; {@link ImageFolderIterator} turns a folder into batches.
 */
public final class ImageFolder {

    private static final Logger log = LoggerFactory.getLogger(ImageFolder.class);

    /** Extensions recognised as images, lower case. */
    public static final Set<String> IMAGE_EXTENSIONS =
            Set.of("jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "webp");

    /** How much each candidate file is checked during the scan. */
    public enum Verification {
        /** No check: bad files are only found when decoded. */
        NONE,
        /** Read the header (format and dimensions). Cheap. The default. */
        HEADER,
        /** Decode every image completely. Catches truncated and corrupt data before training. */
        DECODE
    }

    private final Path root;
    private final List<String> classNames;
    private final List<ImageSample> samples;
    private final int[][] byClass;
    private final ImageFolderReport report;
    private final ImageDecoder decoder;
    private final boolean strict;

    ImageFolder(
            Path root,
            List<String> classNames,
            List<ImageSample> samples,
            ImageFolderReport report,
            ImageDecoder decoder,
            boolean strict) {
        this.root = root;
        this.classNames = List.copyOf(classNames);
        this.samples = List.copyOf(samples);
        this.report = report;
        this.decoder = decoder;
        this.strict = strict;
        int[] counts = new int[classNames.size()];
        for (ImageSample s : samples) {
            counts[s.label()]++;
        }
        this.byClass = new int[classNames.size()][];
        for (int c = 0; c < counts.length; c++) {
            byClass[c] = new int[counts[c]];
        }
        int[] fill = new int[counts.length];
        for (int i = 0; i < samples.size(); i++) {
            int c = samples.get(i).label();
            byClass[c][fill[c]++] = i;
        }
    }

    /**
     * A data set from files already listed (a DataVec {@code InputSplit}, say), without scanning or verification:
     * bad files are found when decoded.
     *
     * @param root       the common folder of the files (for relative paths)
     * @param classNames class names in label order
     * @param samples    the samples, in the order to keep
     * @param decoder    the decoder
     * @param strict     fail on a bad file instead of replacing it
     * @return the data set
     */
    static ImageFolder of(
            Path root, List<String> classNames, List<ImageSample> samples, ImageDecoder decoder, boolean strict) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        classNames.forEach(c -> counts.put(c, 0));
        samples.forEach(s -> counts.merge(classNames.get(s.label()), 1, Integer::sum));
        ImageFolderReport report = new ImageFolderReport(root, classNames, counts, 0, 0, 0, List.of());
        return new ImageFolder(root, classNames, samples, report, decoder, strict);
    }

    /**
     * This data set as a DataVec {@code InputSplit}: the files' URIs in sample order. With
     * {@link #split(double, long)} it gives DataVec readers the same seeded, stratified split as
     * {@link ImageFolderPipeline}: {@code folder.split(0.2, seed).train().inputSplit()}.
     *
     * @return a {@code CollectionInputSplit}
     */
    public InputSplit inputSplit() {
        List<URI> uris = new ArrayList<>(samples.size());
        samples.forEach(s -> uris.add(s.file().toUri()));
        return new CollectionInputSplit(uris);
    }

    /**
     * Scans a folder with the defaults (lenient, header verification, {@link ImageIoDecoder}).
     *
     * @param root the data set root
     * @return the data set
     * @throws ImageFolderException if the folder is not a usable data set
     */
    public static ImageFolder scan(Path root) {
        return builder(root).build();
    }

    /**
     * Starts configuring a scan.
     *
     * @param root the data set root
     * @return a builder
     */
    public static Builder builder(Path root) {
        return new Builder(root, new LoaderOptions(0));
    }

    /** A scan with the strict mode, verification and decoder of {@code options} (the pipeline's). */
    static ImageFolder scan(Path root, LoaderOptions options) {
        return new Builder(root, options).build();
    }

    /** @return the root folder */
    public Path root() {
        return root;
    }

    /** @return class names in label order (sorted folder names) */
    public List<String> classNames() {
        return classNames;
    }

    /** @return the number of classes */
    public int numClasses() {
        return classNames.size();
    }

    /** @return the number of images */
    public int size() {
        return samples.size();
    }

    /** @return the images, sorted by relative path */
    public List<ImageSample> samples() {
        return samples;
    }

    /** @return images per class in this folder (or subset), in class order */
    public Map<String, Integer> classCounts() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int c = 0; c < classNames.size(); c++) {
            m.put(classNames.get(c), byClass[c].length);
        }
        return m;
    }

    /** @return the scan report, shared with subsets split from this folder */
    public ImageFolderReport report() {
        return report;
    }

    /** @return the decoder used for this folder */
    public ImageDecoder decoder() {
        return decoder;
    }

    /** @return whether a bad file is an error rather than skipped */
    public boolean isStrict() {
        return strict;
    }

    /**
     * A seeded, stratified train/validation split, like Keras'
     * {@code validation_split=..., seed=...}. Within each class, the samples (sorted by relative
     * path) are shuffled with {@code java.util.Random} seeded from ({@code seed}, class index),
     * and the first {@code max(1, min(n - 1, round(n * fraction)))} go to validation. A class with
     * at least 2 images is present on both sides; a class with one image goes to training only
     * (logged). The result depends only on the relative paths, the fraction and the seed, not
     * on the machine, the root's absolute path or the file system's listing order.
     *
     * @param validationFraction fraction of each class for validation, in (0, 1)
     * @param seed               the split seed
     * @return train and validation subsets, each sorted by relative path
     */
    public DatasetSplit split(double validationFraction, long seed) {
        LoaderOptions.validationFraction(validationFraction);
        List<ImageSample> train = new ArrayList<>();
        List<ImageSample> val = new ArrayList<>();
        for (int c = 0; c < byClass.length; c++) {
            int[] idx = byClass[c].clone();
            int n = idx.length;
            int nVal;
            if (n < 2) {
                nVal = 0;
                log.warn("Class '{}' has {} image(s): it goes to the training split only", classNames.get(c), n);
            } else {
                nVal = (int) Math.max(1, Math.min(n - 1, Math.round(n * validationFraction)));
            }
            Seeds.shuffle(idx, Seeds.derive(seed, c));
            for (int i = 0; i < n; i++) {
                (i < nVal ? val : train).add(samples.get(idx[i]));
            }
        }
        Comparator<ImageSample> byPath = Comparator.comparing(ImageSample::relativePath);
        train.sort(byPath);
        val.sort(byPath);
        return new DatasetSplit(subset(train), subset(val), validationFraction, seed);
    }

    /**
     * A subset of this folder with the same class names, report, decoder and mode.
     *
     * @param subsetSamples samples of this folder
     * @return the subset
     */
    public ImageFolder subset(List<ImageSample> subsetSamples) {
        return new ImageFolder(root, classNames, subsetSamples, report, decoder, strict);
    }

    /**
     * Checks that another folder (for example a separate validation root) has the same classes
     * in the same order.
     *
     * @param other the other folder
     * @throws ImageFolderException naming both roots and both class lists otherwise
     */
    public void requireSameClasses(ImageFolder other) {
        if (!classNames.equals(other.classNames)) {
            throw new ImageFolderException(
                    other.root,
                    "class folders differ: " + root + " has " + classNames + " but " + other.root + " has "
                            + other.classNames);
        }
    }

    /**
     * A decoded image and the label that goes with it.
     *
     * @param image  the pixels
     * @param label  the class index (that of the replacement if the sample was replaced)
     * @param sample the sample actually decoded
     */
    public record Loaded(RgbImage image, int label, ImageSample sample) {}

    /**
     * Decodes sample {@code index}. In lenient mode a file that fails is logged, recorded in the
     * report and replaced by the next decodable image of the same class (then of any class).
     *
     * @param index position in {@link #samples()}
     * @return the decoded image and its label
     * @throws ImageFolderException in strict mode when the file fails, naming it; in lenient
     *                              mode only if no image of the folder can be decoded
     */
    public Loaded load(int index) {
        ImageSample first = samples.get(index);
        Loaded l = tryLoad(first);
        if (l != null) {
            return l;
        }
        int[] same = byClass[first.label()];
        int pos = java.util.Arrays.binarySearch(same, index);
        for (int k = 1; k < same.length; k++) {
            Loaded r = tryLoad(samples.get(same[(pos + k) % same.length]));
            if (r != null) {
                return r;
            }
        }
        for (int k = 1; k < samples.size(); k++) {
            Loaded r = tryLoad(samples.get((index + k) % samples.size()));
            if (r != null) {
                return r;
            }
        }
        throw new ImageFolderException(
                root, "no image under " + root + " could be decoded; see the report:\n" + report.summary());
    }

    private Loaded tryLoad(ImageSample s) {
        if (report.isKnownBad(s.file())) {
            return null;
        }
        try {
            return new Loaded(decoder.decode(s.file()), s.label(), s);
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            if (strict) {
                throw new ImageFolderException(s.file(), "cannot decode image " + s.file() + ": " + reason, e);
            }
            if (report.recordDecodeFailure(s.file(), reason)) {
                log.warn(
                        "Skipping image {} (decode failed: {}); replaced by another image of class '{}'",
                        s.file(),
                        reason,
                        classNames.get(s.label()));
            }
            return null;
        }
    }

    @Override
    public String toString() {
        return "ImageFolder[" + root + ", " + size() + " images, classes " + classCounts() + "]";
    }

    /** Scan options. Defaults: lenient, {@link Verification#HEADER}, {@link ImageIoDecoder}. */
    public static final class Builder {
        private final Path root;
        private final LoaderOptions options;

        private Builder(Path root, LoaderOptions options) {
            this.root = Objects.requireNonNull(root, "root");
            this.options = options;
        }

        /**
         * @param strict fail on the first bad file (naming it) instead of skipping it
         * @return this
         */
        public Builder strict(boolean strict) {
            options.strict(strict);
            return this;
        }

        /**
         * @param verification how much to check each file while scanning
         * @return this
         */
        public Builder verification(Verification verification) {
            options.verification(verification);
            return this;
        }

        /**
         * @param decoder the decoder for probing and decoding
         * @return this
         */
        public Builder decoder(ImageDecoder decoder) {
            options.decoder(decoder);
            return this;
        }

        /**
         * Scans the folder.
         *
         * @return the data set
         * @throws ImageFolderException if it is not a usable data set, or (strict) on a bad file
         */
        public ImageFolder build() {
            return FolderScan.scan(root, options);
        }
    }

    /**
     * The image files under a folder, found with the rules of a scan: sub-folders searched (symbolic links followed,
     * a link back to a folder already on the way skipped), hidden entries (name starting with {@code .}) and files
     * without an image extension ({@link #IMAGE_EXTENSIONS}) ignored and counted, the rest sorted by relative path.
     * Nothing is opened: a candidate may still be a broken link, unreadable, empty or corrupt ({@link
     * #accessProblem(Path)} and the decoder tell). For prediction, where a folder has no class layout.
     *
     * @param folder the folder to search, recursively
     * @return the candidates and what was ignored
     * @throws ImageFolderException when the folder does not exist, is not a directory or cannot be listed
     */
    public static Listing list(Path folder) {
        return FolderScan.list(folder);
    }

    /**
     * What {@link #list(Path)} found.
     *
     * @param folder          the absolute folder searched
     * @param files           the image candidates, sorted by relative path
     * @param ignoredHidden   hidden files and folders left out
     * @param ignoredNonImage files without an image extension left out
     */
    public record Listing(Path folder, List<Path> files, int ignoredHidden, int ignoredNonImage) {
        /** Copies the list. */
        public Listing {
            files = List.copyOf(files);
        }
    }

    /**
     * Why a candidate file cannot be opened, in the words of a scan's report, or {@code null} when it can.
     *
     * @param file a candidate
     * @return {@code "cannot be read (missing target or broken link)"}, {@code "not a regular file"},
     *     {@code "cannot be read (permission denied)"} or {@code null}
     */
    public static String accessProblem(Path file) {
        if (!Files.isRegularFile(file)) {
            return Files.exists(file) ? "not a regular file" : "cannot be read (missing target or broken link)";
        }
        if (!Files.isReadable(file)) {
            return "cannot be read (permission denied)";
        }
        return null;
    }

    /**
     * Whether a file name has an image extension ({@link #IMAGE_EXTENSIONS}, any case).
     *
     * @param fileName the name
     * @return true for an image name
     */
    public static boolean isImageName(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(fileName.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
