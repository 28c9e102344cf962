package org.resnext4j.datavec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What a scan of an image folder found, and which files were skipped, at scan time and later
 * while decoding. Shared by a folder and the subsets split from it; thread-safe (the iterator's
 * workers record decode failures here).
 *
 * <p>Counts kept apart:
 * <ul>
 *   <li><b>ignored</b>: hidden entries (name starting with {@code .}), files without an image
 *       extension, and files directly in the root (not in a class folder). Not errors;</li>
 *   <li><b>skipped</b>: files with an image extension that could not be used (empty, not an
 *       image, corrupt, truncated, unreadable), each with its reason and the stage that found it.</li>
 * </ul>
 */
public final class ImageFolderReport {

    /** When a bad file was found. */
    public enum Stage {
        /** While scanning the folder (header probe or full decode, see {@link ImageFolder.Verification}). */
        SCAN,
        /** While decoding a batch; the sample was replaced by another of the same class. */
        DECODE
    }

    /**
     * One skipped file.
     *
     * @param file   the file
     * @param reason why it was skipped
     * @param stage  when it was found
     */
    public record SkippedFile(Path file, String reason, Stage stage) {}

    private final Path root;
    private final List<String> classNames;
    private final Map<String, Integer> classCounts;
    private final int ignoredHidden;
    private final int ignoredNonImage;
    private final int ignoredOutsideClassFolders;
    private final List<SkippedFile> skipped = new CopyOnWriteArrayList<>();
    private final Map<Path, Boolean> decodeFailures = new ConcurrentHashMap<>();

    ImageFolderReport(
            Path root,
            List<String> classNames,
            Map<String, Integer> classCounts,
            int ignoredHidden,
            int ignoredNonImage,
            int ignoredOutsideClassFolders,
            List<SkippedFile> scanSkipped) {
        this.root = root;
        this.classNames = List.copyOf(classNames);
        this.classCounts = Collections.unmodifiableMap(new LinkedHashMap<>(classCounts));
        this.ignoredHidden = ignoredHidden;
        this.ignoredNonImage = ignoredNonImage;
        this.ignoredOutsideClassFolders = ignoredOutsideClassFolders;
        this.skipped.addAll(scanSkipped);
    }

    /** @return the scanned root folder */
    public Path root() {
        return root;
    }

    /** @return usable images per class, in class order, as found by the scan */
    public Map<String, Integer> classCounts() {
        return classCounts;
    }

    /** @return usable images found by the scan */
    public int imageCount() {
        return classCounts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** @return hidden files and folders ignored */
    public int ignoredHidden() {
        return ignoredHidden;
    }

    /** @return files without an image extension ignored */
    public int ignoredNonImage() {
        return ignoredNonImage;
    }

    /** @return files directly in the root, outside any class folder, ignored */
    public int ignoredOutsideClassFolders() {
        return ignoredOutsideClassFolders;
    }

    /** @return all ignored entries */
    public int ignoredCount() {
        return ignoredHidden + ignoredNonImage + ignoredOutsideClassFolders;
    }

    /** @return the skipped files so far, scan-time first */
    public List<SkippedFile> skippedFiles() {
        return List.copyOf(skipped);
    }

    /** @return how many files were skipped so far (scan and decode) */
    public int skippedCount() {
        return skipped.size();
    }

    /**
     * @param stage a stage
     * @return how many files that stage skipped
     */
    public int skippedCount(Stage stage) {
        return (int) skipped.stream().filter(s -> s.stage() == stage).count();
    }

    /** Records a decode-time failure once per file; returns true the first time. */
    boolean recordDecodeFailure(Path file, String reason) {
        if (decodeFailures.putIfAbsent(file, Boolean.TRUE) == null) {
            skipped.add(new SkippedFile(file, reason, Stage.DECODE));
            return true;
        }
        return false;
    }

    /** Whether decoding this file already failed. */
    boolean isKnownBad(Path file) {
        return decodeFailures.containsKey(file);
    }

    /** @return a multi-line human-readable summary */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append("Image folder ")
                .append(root)
                .append(": ")
                .append(imageCount())
                .append(" images in ")
                .append(classNames.size())
                .append(" classes\n");
        classCounts.forEach(
                (k, v) -> sb.append("  ").append(k).append(": ").append(v).append('\n'));
        sb.append("  ignored: ")
                .append(ignoredHidden)
                .append(" hidden, ")
                .append(ignoredNonImage)
                .append(" non-image, ")
                .append(ignoredOutsideClassFolders)
                .append(" outside class folders\n");
        List<SkippedFile> list = new ArrayList<>(skipped);
        sb.append("  skipped: ").append(list.size()).append(" bad files\n");
        for (SkippedFile s : list) {
            sb.append("    ")
                    .append(s.stage())
                    .append(' ')
                    .append(s.file())
                    .append(": ")
                    .append(s.reason())
                    .append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return summary();
    }
}
