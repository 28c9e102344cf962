package org.resnext4j.datavec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file-system side of {@link ImageFolder}: the scan behind {@link ImageFolder.Builder#build()} (class folders,
 * candidates, verification, the report) and the walk it shares with {@link ImageFolder#list(Path)}. The rules are
 * documented on {@link ImageFolder}; this class only applies them. It logs under {@link ImageFolder}'s name.
 */
final class FolderScan {

    private static final Logger log = LoggerFactory.getLogger(ImageFolder.class);

    private final Path root;
    private final LoaderOptions options;

    private FolderScan(Path root, LoaderOptions options) {
        this.root = root;
        this.options = options;
    }

    /**
     * Scans a data set root.
     *
     * @param root    the root as the user gave it
     * @param options strict, verification and decoder
     * @return the data set
     * @throws ImageFolderException if it is not a usable data set, or (strict) on a bad file
     */
    static ImageFolder scan(Path root, LoaderOptions options) {
        try {
            return new FolderScan(root, options).scan();
        } catch (IOException e) {
            throw new ImageFolderException(root, "cannot scan " + root + ": " + e, e);
        } catch (UncheckedIOException e) {
            throw new ImageFolderException(root, "cannot scan " + root + ": " + e.getCause(), e.getCause());
        }
    }

    /** {@link ImageFolder#list(Path)}. */
    static ImageFolder.Listing list(Path folder) {
        Path abs = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new ImageFolderException(
                    abs, (Files.exists(abs) ? "not a directory: " : "folder does not exist: ") + abs);
        }
        int[] ignored = new int[3];
        List<Path> files = new ArrayList<>();
        try {
            collect(abs, files, ignored, new HashSet<>());
        } catch (IOException | UncheckedIOException e) {
            throw new ImageFolderException(abs, "cannot list " + abs + ": " + e.getMessage(), e);
        }
        files.sort(Comparator.comparing(f -> relative(abs, f)));
        return new ImageFolder.Listing(abs, files, ignored[0], ignored[1]);
    }

    private ImageFolder scan() throws IOException {
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
            collect(absRoot.resolve(classNames.get(c)), found, ignored, new HashSet<>());
            for (Path f : found) {
                candidates.add(f);
                candidateLabels.add(c);
            }
        }
        String[] problems = new String[candidates.size()];
        if (options.verification() != ImageFolder.Verification.NONE) {
            IntStream range = IntStream.range(0, candidates.size());
            (options.strict() ? range : range.parallel()).forEach(i -> problems[i] = check(candidates.get(i)));
        }
        List<ImageSample> samples = new ArrayList<>();
        List<ImageFolderReport.SkippedFile> skipped = new ArrayList<>();
        int[] counts = new int[classNames.size()];
        for (int i = 0; i < candidates.size(); i++) {
            Path f = candidates.get(i);
            if (problems[i] != null) {
                if (options.strict()) {
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
                                + String.join(", ", new TreeSet<>(ImageFolder.IMAGE_EXTENSIONS)) + ")");
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
        return new ImageFolder(absRoot, classNames, samples, report, options.decoder(), options.strict());
    }

    private String check(Path f) {
        try {
            String access = ImageFolder.accessProblem(f);
            if (access != null) {
                return access;
            }
            if (options.verification() == ImageFolder.Verification.DECODE) {
                options.decoder().decode(f);
            } else {
                options.decoder().probe(f);
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return e.getMessage() == null ? e.toString() : e.getMessage();
        }
    }

    static List<Path> sortedChildren(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> list = new ArrayList<>(s.toList());
            list.sort(Comparator.comparing(p -> p.getFileName().toString()));
            return Collections.unmodifiableList(list);
        }
    }

    static String relative(Path root, Path f) {
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

    /**
     * The one walk of a scan and of {@link ImageFolder#list}: hidden entries counted in {@code ignored[0]}, non-image files in
     * {@code ignored[1]}, sub-folders searched; {@code onPath} holds the real paths of the folders being searched, so
     * a symbolic link back to one of them is skipped (with a warning) instead of searched forever.
     */
    static void collect(Path dir, List<Path> out, int[] ignored, Set<Path> onPath) throws IOException {
        Path real = dir.toRealPath();
        if (!onPath.add(real)) {
            log.warn("Skipping {}: a link back to the folder {} already being searched", dir, real);
            return;
        }
        for (Path p : sortedChildren(dir)) {
            String name = p.getFileName().toString();
            if (name.startsWith(".")) {
                ignored[0]++;
            } else if (Files.isDirectory(p)) {
                collect(p, out, ignored, onPath);
            } else if (ImageFolder.isImageName(name)) {
                out.add(p);
            } else {
                ignored[1]++;
            }
        }
        onPath.remove(real);
    }
}
