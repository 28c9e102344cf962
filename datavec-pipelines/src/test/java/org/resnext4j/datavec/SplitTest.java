package org.resnext4j.datavec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitTest {

    private static final String[] CLASSES = {"alpha", "beta", "gamma", "delta"};
    private static final int[] COUNTS = {20, 7, 2, 1};

    @TempDir
    Path tmp;

    private static List<String> paths(ImageFolder f) {
        return f.samples().stream().map(ImageSample::relativePath).toList();
    }

    @Test
    void sizesAreStratifiedAndDisjoint() {
        ImageFolder folder = ImageFolder.scan(TestImages.tree(tmp.resolve("d"), CLASSES, COUNTS, 8, 8, "png"));
        DatasetSplit split = folder.split(0.2, 123);
        // per class: round(n * 0.2) clamped to [1, n - 1]; a single image stays in training
        Map<String, Integer> val = split.validation().classCounts();
        Map<String, Integer> train = split.train().classCounts();
        assertEquals(Map.of("alpha", 4, "beta", 1, "gamma", 1, "delta", 0), val);
        assertEquals(Map.of("alpha", 16, "beta", 6, "gamma", 1, "delta", 1), train);
        assertEquals(folder.size(), split.train().size() + split.validation().size());
        Set<String> t = new HashSet<>(paths(split.train()));
        Set<String> v = new HashSet<>(paths(split.validation()));
        assertTrue(t.stream().noneMatch(v::contains), "no file in both splits");
        Set<String> all = new HashSet<>(t);
        all.addAll(v);
        assertEquals(new HashSet<>(paths(folder)), all);
        for (ImageSample s : split.validation().samples()) {
            assertEquals(s.relativePath().split("/")[0], folder.classNames().get(s.label()));
        }
        assertEquals(folder.classNames(), split.validation().classNames());
    }

    @Test
    void everyClassWithTwoImagesIsOnBothSides() {
        ImageFolder folder = ImageFolder.scan(TestImages.tree(tmp.resolve("d"), CLASSES, COUNTS, 8, 8, "png"));
        for (double fraction : new double[] {0.01, 0.2, 0.5, 0.99}) {
            DatasetSplit split = folder.split(fraction, 7);
            for (String c : List.of("alpha", "beta", "gamma")) {
                assertTrue(split.train().classCounts().get(c) >= 1, c + " in train at " + fraction);
                assertTrue(split.validation().classCounts().get(c) >= 1, c + " in validation at " + fraction);
            }
        }
    }

    @Test
    void sameSeedSameSplitIndependentOfLocationAndCreationOrder() {
        ImageFolder a = ImageFolder.scan(TestImages.tree(tmp.resolve("first"), CLASSES, COUNTS, 8, 8, "png"));
        // same relative paths, created in reverse order under another absolute path
        Path other = tmp.resolve("somewhere/else/second");
        for (int c = CLASSES.length - 1; c >= 0; c--) {
            for (int i = COUNTS[c] - 1; i >= 0; i--) {
                TestImages.write(
                        TestImages.pattern(8, 8, c * 1000L + i),
                        other.resolve(CLASSES[c]).resolve(String.format("img%03d.png", i)));
            }
        }
        ImageFolder b = ImageFolder.scan(other);
        assertEquals(
                paths(a.split(0.2, 123).validation()), paths(b.split(0.2, 123).validation()));
        assertEquals(paths(a.split(0.2, 123).train()), paths(b.split(0.2, 123).train()));
        assertEquals(
                paths(a.split(0.3, 99).validation()), paths(a.split(0.3, 99).validation()));
    }

    @Test
    void differentSeedsGiveDifferentSplits() {
        ImageFolder folder = ImageFolder.scan(TestImages.tree(tmp.resolve("d"), CLASSES, COUNTS, 8, 8, "png"));
        Set<List<String>> distinct = java.util.stream.LongStream.range(0, 5)
                .mapToObj(seed -> paths(folder.split(0.2, seed).validation()))
                .collect(Collectors.toSet());
        assertTrue(distinct.size() > 1, "5 seeds gave one split");
        assertNotEquals(
                paths(folder.split(0.2, 1).validation()),
                paths(folder.split(0.2, 2).validation()));
    }

    @Test
    void fractionOutsideTheOpenIntervalFails() {
        ImageFolder folder = ImageFolder.scan(TestImages.tree(tmp.resolve("d"), CLASSES, COUNTS, 8, 8, "png"));
        assertThrows(IllegalArgumentException.class, () -> folder.split(0.0, 1));
        assertThrows(IllegalArgumentException.class, () -> folder.split(1.0, 1));
        assertThrows(IllegalArgumentException.class, () -> folder.split(Double.NaN, 1));
    }
}
