package org.resnext4j.datavec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

class BadInputTest {

    @TempDir
    Path tmp;

    /** A healthy two-class tree with 3 images per class. */
    private Path healthy(String name) {
        return TestImages.tree(tmp.resolve(name), new String[] {"cat", "dog"}, new int[] {3, 3}, 40, 30, "jpg");
    }

    private static byte[] jpegBytes(int w, int h) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(TestImages.pattern(w, h, 42), "jpeg", out);
        return out.toByteArray();
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(1).nextBytes(b);
        return b;
    }

    private static void assertSkippedOnce(ImageFolder folder, Path bad, ImageFolderReport.Stage stage) {
        ImageFolderReport r = folder.report();
        assertEquals(1, r.skippedCount(), r.summary());
        assertEquals(1, r.skippedCount(stage), r.summary());
        assertEquals(bad.toAbsolutePath().normalize(), r.skippedFiles().get(0).file());
        assertTrue(r.summary().contains(bad.getFileName().toString()), r.summary());
        boolean listed = folder.samples().stream()
                .anyMatch(s -> s.file().equals(bad.toAbsolutePath().normalize()));
        // found at scan time: not a sample; found while decoding: still a sample, replaced when loaded
        assertEquals(stage == ImageFolderReport.Stage.DECODE, listed);
    }

    /** Writes a bad file at a path. */
    private interface BadFile {
        void writeTo(Path f) throws Exception;
    }

    private void lenientAndStrict(String name, BadFile makeBad, String reasonPart) throws Exception {
        Path root = healthy(name);
        Path bad = root.resolve("dog/bad.jpg");
        makeBad.writeTo(bad);
        ImageFolder folder = ImageFolder.scan(root);
        assertEquals(6, folder.size());
        assertSkippedOnce(folder, bad, ImageFolderReport.Stage.SCAN);
        assertTrue(
                folder.report().skippedFiles().get(0).reason().contains(reasonPart),
                folder.report().skippedFiles().get(0).reason());
        ImageFolderException e = assertThrows(
                ImageFolderException.class,
                () -> ImageFolder.builder(root).strict(true).build());
        assertTrue(e.getMessage().contains(bad.getFileName().toString()), e.getMessage());
        assertTrue(e.getMessage().contains(reasonPart), e.getMessage());
        assertEquals(bad.toAbsolutePath().normalize(), e.file());
    }

    @Test
    void corruptFileIsSkippedOrRejected() throws Exception {
        // a JPEG header followed by garbage: recognised as JPEG, fails on the header
        lenientAndStrict(
                "corrupt",
                f -> {
                    byte[] b = randomBytes(2000);
                    b[0] = (byte) 0xFF;
                    b[1] = (byte) 0xD8;
                    b[2] = (byte) 0xFF;
                    b[3] = (byte) 0xC0;
                    TestImages.bytes(f, b);
                },
                "");
    }

    @Test
    void zeroByteFileIsSkippedOrRejected() throws Exception {
        lenientAndStrict("zero", f -> TestImages.bytes(f, new byte[0]), "empty file");
    }

    @Test
    void textWithImageExtensionIsSkippedOrRejected() throws Exception {
        lenientAndStrict(
                "text",
                f -> TestImages.bytes(f, "this is not an image\n".repeat(20).getBytes(StandardCharsets.UTF_8)),
                "not a recognised image format");
    }

    @Test
    void brokenLinkIsSkippedOrRejected() throws Exception {
        lenientAndStrict(
                "link", f -> Files.createSymbolicLink(f, f.resolveSibling("missing-target.jpg")), "cannot be read");
    }

    @Test
    void fileWithoutReadPermissionIsSkippedOrRejected() throws Exception {
        Path probe = tmp.resolve("perm-probe");
        Files.write(probe, new byte[] {1});
        Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(probe), "running as root: permissions do not stop reads");
        lenientAndStrict(
                "perm",
                f -> {
                    Files.write(f, jpegBytes(40, 30));
                    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
                },
                "permission denied");
    }

    @Test
    void truncatedJpegIsCaughtByFullVerification() throws Exception {
        Path root = healthy("trunc-scan");
        Path bad = root.resolve("cat/truncated.jpg");
        byte[] full = jpegBytes(64, 48);
        TestImages.bytes(bad, Arrays.copyOf(full, full.length / 2));
        ImageFolder folder = ImageFolder.builder(root)
                .verification(ImageFolder.Verification.DECODE)
                .build();
        assertEquals(6, folder.size());
        assertSkippedOnce(folder, bad, ImageFolderReport.Stage.SCAN);
        ImageFolderException e = assertThrows(
                ImageFolderException.class,
                () -> ImageFolder.builder(root)
                        .strict(true)
                        .verification(ImageFolder.Verification.DECODE)
                        .build());
        assertTrue(e.getMessage().contains("truncated.jpg"), e.getMessage());
    }

    @Test
    void truncatedPngIsCaughtByFullVerification() throws Exception {
        Path root = healthy("trunc-png");
        Path bad = root.resolve("cat/truncated.png");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(TestImages.pattern(64, 48, 3), "png", out);
        byte[] full = out.toByteArray();
        TestImages.bytes(bad, Arrays.copyOf(full, full.length / 2));
        ImageFolder folder = ImageFolder.builder(root)
                .verification(ImageFolder.Verification.DECODE)
                .build();
        assertSkippedOnce(folder, bad, ImageFolderReport.Stage.SCAN);
    }

    @Test
    void truncatedFileFoundWhileDecodingIsReplacedAndTheEpochCompletes() throws Exception {
        Path root = healthy("trunc-decode");
        Path bad = root.resolve("cat/truncated.jpg");
        byte[] full = jpegBytes(64, 48);
        TestImages.bytes(bad, Arrays.copyOf(full, full.length / 2));
        ImageFolder folder = ImageFolder.scan(root); // header probe passes: 7 samples
        assertEquals(7, folder.size());
        assertEquals(0, folder.report().skippedCount());
        int badIndex = -1;
        for (int i = 0; i < folder.size(); i++) {
            if (folder.samples().get(i).file().getFileName().toString().equals("truncated.jpg")) {
                badIndex = i;
            }
        }
        int catLabel = folder.classNames().indexOf("cat");
        try (ImageFolderIterator it = ImageFolderIterator.builder(folder)
                .batchSize(3)
                .shuffle(true)
                .seed(5)
                .transform(new EvalTransform(32, 32, Normalization.NONE))
                .build()) {
            int seen = 0;
            int[] order = it.epochOrder();
            while (it.hasNext()) {
                DataSet ds = it.next();
                for (int i = 0; i < ds.numExamples(); i++) {
                    int expected = folder.samples().get(order[seen + i]).label();
                    assertEquals(1.0, ds.getLabels().getDouble(i, expected), 0.0, "label of replaced sample kept");
                }
                seen += ds.numExamples();
            }
            assertEquals(7, seen);
        }
        assertSkippedOnce(folder, bad, ImageFolderReport.Stage.DECODE);
        assertEquals(catLabel, folder.load(badIndex).label());
        org.junit.jupiter.api.Assertions.assertFalse(
                folder.load(badIndex).sample().file().getFileName().toString().equals("truncated.jpg"));

        ImageFolder strict = ImageFolder.builder(root).strict(true).build();
        try (ImageFolderIterator it = ImageFolderIterator.builder(strict)
                .batchSize(7)
                .transform(new EvalTransform(32, 32, Normalization.NONE))
                .build()) {
            ImageFolderException e = assertThrows(ImageFolderException.class, it::next);
            assertTrue(e.getMessage().contains("truncated.jpg"), e.getMessage());
        }
    }
}
