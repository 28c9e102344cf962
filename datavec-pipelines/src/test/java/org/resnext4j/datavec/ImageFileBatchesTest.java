package org.resnext4j.datavec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link ImageFolder#list}: the scan's rules on a folder without classes; {@link ImageFileBatches}: order, rows. */
class ImageFileBatchesTest {

    @TempDir
    Path tmp;

    @Test
    void listingIgnoresWhatAScanIgnoresAndSurvivesALinkLoop() throws Exception {
        Path root = tmp.resolve("photos");
        TestImages.write(TestImages.pattern(20, 10, 1), root.resolve("b.png"));
        TestImages.write(TestImages.pattern(20, 10, 2), root.resolve("a/z.JPG"));
        TestImages.write(TestImages.pattern(20, 10, 3), root.resolve(".hidden.jpg"));
        TestImages.write(TestImages.pattern(20, 10, 4), root.resolve(".thumbs/x.png"));
        TestImages.bytes(root.resolve("notes.txt"), "hi".getBytes(StandardCharsets.UTF_8));
        TestImages.bytes(root.resolve("empty.jpg"), new byte[0]);
        Files.createSymbolicLink(root.resolve("a/loop"), root); // a link back up: not searched twice
        Files.createSymbolicLink(root.resolve("broken.jpg"), root.resolve("gone.jpg"));

        ImageFolder.Listing l = ImageFolder.list(root);
        Path abs = root.toAbsolutePath().normalize();
        assertEquals(
                List.of(
                        abs.resolve("a/z.JPG"),
                        abs.resolve("b.png"),
                        abs.resolve("broken.jpg"),
                        abs.resolve("empty.jpg")),
                l.files());
        assertEquals(2, l.ignoredHidden());
        assertEquals(1, l.ignoredNonImage());
        assertEquals(
                "cannot be read (missing target or broken link)",
                ImageFolder.accessProblem(l.files().get(2)));
        assertNull(ImageFolder.accessProblem(l.files().get(0)));
        assertThrows(ImageFolderException.class, () -> ImageFolder.list(root.resolve("b.png")));
        assertThrows(ImageFolderException.class, () -> ImageFolder.list(root.resolve("missing")));
    }

    @Test
    void batchesKeepTheOrderGiveBadFilesTheirReasonAndHoldThePreprocessorsTensors() throws Exception {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            files.add(TestImages.write(TestImages.pattern(30 + i, 20, i), tmp.resolve("img" + i + ".png")));
        }
        Path text = tmp.resolve("text.jpg");
        TestImages.bytes(
                text, "not an image at all, just some text\n".repeat(10).getBytes(StandardCharsets.UTF_8));
        files.add(2, text);
        Path empty = tmp.resolve("empty.png");
        TestImages.bytes(empty, new byte[0]);
        files.add(empty); // the last batch: 9 files in batches of 4 -> 4, 4, 1 with nothing decoded in the last
        PreprocessingConfig config = PreprocessingConfig.imagenet(16);
        ImagePreprocessor pre = new ImagePreprocessor(config);

        List<ImageFileBatches.Entry> seen = new ArrayList<>();
        try (ImageFileBatches batches = new ImageFileBatches(files, config, 4, 3)) {
            int count = 0;
            while (batches.hasNext()) {
                ImageFileBatches.Batch b = batches.next();
                count++;
                List<ImageFileBatches.Entry> ok = b.decoded();
                if (ok.isEmpty()) {
                    assertNull(b.features());
                } else {
                    assertArrayEquals(
                            new long[] {ok.size(), 3, 16, 16}, b.features().shape());
                }
                for (ImageFileBatches.Entry e : ok) {
                    INDArray one = pre.preprocess(e.file());
                    assertEquals(one.slice(0), b.features().slice(e.row()));
                }
                seen.addAll(b.entries());
            }
            assertEquals(3, count);
        }
        assertEquals(files, seen.stream().map(ImageFileBatches.Entry::file).toList());
        assertEquals("not a recognised image format", seen.get(2).problem());
        assertEquals(-1, seen.get(2).row());
        assertTrue(seen.get(8).problem().startsWith("empty file"), seen.get(8).problem());
        assertEquals(7, seen.stream().filter(ImageFileBatches.Entry::decoded).count());
    }
}
