package org.resnext4j.datavec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
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

    private ImageFolder(
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
        return new Builder(root);
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
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in (0, 1), got " + validationFraction);
        }
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
        private boolean strict;
        private Verification verification = Verification.HEADER;
        private ImageDecoder decoder = new ImageIoDecoder();

        private Builder(Path root) {
            this.root = Objects.requireNonNull(root, "root");
        }

        /**
         * @param strict fail on the first bad file (naming it) instead of skipping it
         * @return this
         */
        public Builder strict(boolean strict) {
            this.strict = strict;
            return this;
        }

        /**
         * @param verification how much to check each file while scanning
         * @return this
         */
        public Builder verification(Verification verification) {
            this.verification = Objects.requireNonNull(verification, "verification");
            return this;
        }

        /**
         * @param decoder the decoder for probing and decoding
         * @return this
         */
        public Builder decoder(ImageDecoder decoder) {
            this.decoder = Objects.requireNonNull(decoder, "decoder");
            return this;
        }

        /**
         * Scans the folder.
         *
         * @return the data set
         * @throws ImageFolderException if it is not a usable data set, or (strict) on a bad file
         */
        public ImageFolder build() {
            try {
                return doScan();
            } catch (IOException e) {
                throw new ImageFolderException(root, "cannot scan " + root + ": " + e, e);
            } catch (UncheckedIOException e) {
                throw new ImageFolderException(root, "cannot scan " + root + ": " + e.getCause(), e.getCause());
            }
        }

        private ImageFolder doScan() throws IOException {
            Path absRoot = root.toAbsolutePath().normalize();
            if (!Files.exists(absRoot)) {
                throw new ImageFolderException(absRoot, "data set root does not exist: " + absRoot);
            }
            if (!Files.isDirectory(absRoot)) {
                throw new ImageFolderException(absRoot, "data set root is not a directory: " + absRoot);
            }
            int[] ignored = new int[3]; // hidden, non-image, outside class folders
            List<String> classNames = new ArrayList<>();
            for (Path p : sortedChildren(absRoot)) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    ignored[0]++;
                } else if (Files.isDirectory(p)) {
                    classNames.add(name);
                } else {
                    ignored[2]++;
                }
            }
            if (classNames.isEmpty()) {
                throw new ImageFolderException(
                        absRoot,
                        "no class folders in " + absRoot
                                + ": expected root/<class>/<image> (" + ignored[2] + " files directly in the root, "
                                + ignored[0] + " hidden entries)");
            }
            List<Path> candidates = new ArrayList<>();
            List<Integer> candidateLabels = new ArrayList<>();
            for (int c = 0; c < classNames.size(); c++) {
                List<Path> found = new ArrayList<>();
                collect(absRoot.resolve(classNames.get(c)), found, ignored, new java.util.HashSet<>());
                for (Path f : found) {
                    candidates.add(f);
                    candidateLabels.add(c);
                }
            }
            String[] problems = new String[candidates.size()];
            if (verification != Verification.NONE) {
                java.util.stream.IntStream range = java.util.stream.IntStream.range(0, candidates.size());
                (strict ? range : range.parallel()).forEach(i -> problems[i] = check(candidates.get(i)));
            }
            List<ImageSample> samples = new ArrayList<>();
            List<ImageFolderReport.SkippedFile> skipped = new ArrayList<>();
            int[] counts = new int[classNames.size()];
            for (int i = 0; i < candidates.size(); i++) {
                Path f = candidates.get(i);
                if (problems[i] != null) {
                    if (strict) {
                        throw new ImageFolderException(f, "bad image file " + f + ": " + problems[i]);
                    }
                    log.warn("Skipping image {}: {}", f, problems[i]);
                    skipped.add(new ImageFolderReport.SkippedFile(f, problems[i], ImageFolderReport.Stage.SCAN));
                    continue;
                }
                int label = candidateLabels.get(i);
                counts[label]++;
                samples.add(new ImageSample(f, relative(absRoot, f), label));
            }
            for (int c = 0; c < classNames.size(); c++) {
                if (counts[c] == 0) {
                    Path dir = absRoot.resolve(classNames.get(c));
                    throw new ImageFolderException(
                            dir,
                            "class folder " + dir + " has no usable images ("
                                    + skipped.stream()
                                            .filter(s -> s.file().startsWith(dir))
                                            .count() + " bad files; images are "
                                    + String.join(", ", new java.util.TreeSet<>(IMAGE_EXTENSIONS)) + ")");
                }
            }
            if (classNames.size() < 2) {
                throw new ImageFolderException(
                        absRoot,
                        "only one class folder (" + classNames.get(0) + ") in " + absRoot
                                + ": a classifier needs at least 2 classes");
            }
            samples.sort(Comparator.comparing(ImageSample::relativePath));
            Map<String, Integer> countMap = new LinkedHashMap<>();
            for (int c = 0; c < classNames.size(); c++) {
                countMap.put(classNames.get(c), counts[c]);
            }
            ImageFolderReport report =
                    new ImageFolderReport(absRoot, classNames, countMap, ignored[0], ignored[1], ignored[2], skipped);
            log.info(
                    "Scanned {}: {} images in {} classes {}, {} ignored, {} skipped",
                    absRoot,
                    samples.size(),
                    classNames.size(),
                    countMap,
                    report.ignoredCount(),
                    skipped.size());
            return new ImageFolder(absRoot, classNames, samples, report, decoder, strict);
        }

        private String check(Path f) {
            try {
                String access = accessProblem(f);
                if (access != null) {
                    return access;
                }
                if (verification == Verification.DECODE) {
                    decoder.decode(f);
                } else {
                    decoder.probe(f);
                }
                return null;
            } catch (IOException | RuntimeException e) {
                return e.getMessage() == null ? e.toString() : e.getMessage();
            }
        }

        private static List<Path> sortedChildren(Path dir) throws IOException {
            try (Stream<Path> s = Files.list(dir)) {
                List<Path> list = new ArrayList<>(s.toList());
                list.sort(Comparator.comparing(p -> p.getFileName().toString()));
                return Collections.unmodifiableList(list);
            }
        }

        private static String relative(Path root, Path f) {
            Path rel = root.relativize(f);
            StringBuilder sb = new StringBuilder();
            for (Path part : rel) {
                if (sb.length() > 0) {
                    sb.append('/');
                }
                sb.append(part);
            }
            return sb.toString();
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
        Path abs = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new ImageFolderException(
                    abs, (Files.exists(abs) ? "not a directory: " : "folder does not exist: ") + abs);
        }
        int[] ignored = new int[3];
        List<Path> files = new ArrayList<>();
        try {
            collect(abs, files, ignored, new java.util.HashSet<>());
        } catch (IOException | UncheckedIOException e) {
            throw new ImageFolderException(abs, "cannot list " + abs + ": " + e.getMessage(), e);
        }
        files.sort(Comparator.comparing(f -> Builder.relative(abs, f)));
        return new Listing(abs, files, ignored[0], ignored[1]);
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
     * The one walk of a scan and of {@link #list}: hidden entries counted in {@code ignored[0]}, non-image files in
     * {@code ignored[1]}, sub-folders searched; {@code onPath} holds the real paths of the folders being searched, so
     * a symbolic link back to one of them is skipped (with a warning) instead of searched forever.
     */
    private static void collect(Path dir, List<Path> out, int[] ignored, Set<Path> onPath) throws IOException {
        Path real = dir.toRealPath();
        if (!onPath.add(real)) {
            log.warn("Skipping {}: a link back to the folder {} already being searched", dir, real);
            return;
        }
        for (Path p : Builder.sortedChildren(dir)) {
            String name = p.getFileName().toString();
            if (name.startsWith(".")) {
                ignored[0]++;
            } else if (Files.isDirectory(p)) {
                collect(p, out, ignored, onPath);
            } else if (isImageName(name)) {
                out.add(p);
            } else {
                ignored[1]++;
            }
        }
        onPath.remove(real);
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
