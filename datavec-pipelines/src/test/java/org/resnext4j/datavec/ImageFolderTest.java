package org.resnext4j.datavec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {

    @TempDir
    Path tmp;

    @Test
    void labelsAreSortedFolderNamesAndIgnoredFilesAreCounted() throws Exception {
        Path root = tmp.resolve("data");
        TestImages.tree(root, new String[] {"zebra", "ant", "mole"}, new int[] {3, 2, 1}, 20, 16, "png");
        TestImages.write(TestImages.pattern(20, 16, 7), root.resolve("mole/nested/deep.JPG"));
        TestImages.write(TestImages.pattern(20, 16, 8), root.resolve("mole/upper.Png"));
        TestImages.bytes(root.resolve("ant/.DS_Store"), new byte[] {1, 2, 3});
        TestImages.write(TestImages.pattern(20, 16, 9), root.resolve("ant/.cache/hidden.jpg"));
        TestImages.bytes(root.resolve("zebra/notes.txt"), "hello".getBytes(StandardCharsets.UTF_8));
        TestImages.bytes(root.resolve("README.md"), "x".getBytes(StandardCharsets.UTF_8));
        Files.createDirectories(root.resolve(".git"));

        ImageFolder folder = ImageFolder.scan(root);

        assertEquals(List.of("ant", "mole", "zebra"), folder.classNames());
        assertEquals(3, folder.numClasses());
        assertEquals(Map.of("ant", 2, "mole", 3, "zebra", 3), folder.classCounts());
        assertEquals(8, folder.size());
        for (ImageSample s : folder.samples()) {
            String classFolder = s.relativePath().substring(0, s.relativePath().indexOf('/'));
            assertEquals(folder.classNames().indexOf(classFolder), s.label(), s.relativePath());
        }
        assertTrue(folder.samples().stream().anyMatch(s -> s.relativePath().equals("mole/nested/deep.JPG")));
        ImageFolderReport r = folder.report();
        assertEquals(3, r.ignoredHidden(), r.summary()); // .git, .DS_Store, .cache
        assertEquals(1, r.ignoredNonImage());
        assertEquals(1, r.ignoredOutsideClassFolders());
        assertEquals(0, r.skippedCount());
        assertEquals(8, r.imageCount());
    }

    @Test
    void everyExtensionInAnyCaseIsDecoded() {
        Path root = tmp.resolve("formats");
        String[] names = {"a.jpg", "b.JPEG", "c.png", "d.BMP", "e.gif", "f.Jpg"};
        for (int i = 0; i < names.length; i++) {
            TestImages.write(TestImages.pattern(24, 18, i), root.resolve("one").resolve(names[i]));
            TestImages.write(TestImages.pattern(24, 18, i), root.resolve("two").resolve(names[i]));
        }
        ImageFolder folder = ImageFolder.builder(root)
                .strict(true)
                .verification(ImageFolder.Verification.DECODE)
                .build();
        assertEquals(12, folder.size());
        for (int i = 0; i < folder.size(); i++) {
            ImageFolder.Loaded l = folder.load(i);
            assertEquals(24, l.image().width());
            assertEquals(18, l.image().height());
            assertEquals(folder.samples().get(i), l.sample());
        }
    }

    @Test
    void missingRootFailsNamingIt() {
        Path missing = tmp.resolve("nope");
        ImageFolderException e = assertThrows(ImageFolderException.class, () -> ImageFolder.scan(missing));
        assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void rootThatIsAFileFails() {
        Path file = tmp.resolve("file.txt");
        TestImages.bytes(file, new byte[] {1});
        ImageFolderException e = assertThrows(ImageFolderException.class, () -> ImageFolder.scan(file));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void emptyRootFails() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("empty"));
        ImageFolderException e = assertThrows(ImageFolderException.class, () -> ImageFolder.scan(root));
        assertTrue(e.getMessage().contains("no class folders"), e.getMessage());
    }

    @Test
    void rootWithImagesButNoClassFoldersFails() {
        Path root = tmp.resolve("flat");
        TestImages.write(TestImages.pattern(10, 10, 1), root.resolve("a.png"));
        ImageFolderException e = assertThrows(ImageFolderException.class, () -> ImageFolder.scan(root));
        assertTrue(e.getMessage().contains("1 files directly in the root"), e.getMessage());
    }

    @Test
    void classFolderWithoutImagesFailsNamingIt() throws Exception {
        Path root = TestImages.tree(tmp.resolve("d"), new String[] {"cat", "dog"}, new int[] {2, 2}, 10, 10, "png");
        TestImages.bytes(root.resolve("emu/readme.txt"), new byte[] {65});
        ImageFolderException e = assertThrows(ImageFolderException.class, () -> ImageFolder.scan(root));
        assertTrue(e.getMessage().contains("emu") && e.getMessage().contains("no usable images"), e.getMessage());
        assertEquals(root.toAbsolutePath().normalize().resolve("emu"), e.file());
    }

    @Test
    void singleClassFails() {
        Path root = TestImages.tree(tmp.resolve("s"), new String[] {"only"}, new int[] {3}, 10, 10, "png");
        ImageFolderException e = assertThrows(ImageFolderException.class, () -> ImageFolder.scan(root));
        assertTrue(e.getMessage().contains("only one class folder (only)"), e.getMessage());
    }

    @Test
    void separateRootsMustHaveTheSameClasses() {
        Path a = TestImages.tree(tmp.resolve("a"), new String[] {"x", "y"}, new int[] {1, 1}, 10, 10, "png");
        Path b = TestImages.tree(tmp.resolve("b"), new String[] {"x", "z"}, new int[] {1, 1}, 10, 10, "png");
        ImageFolderException e = assertThrows(
                ImageFolderException.class, () -> DatasetSplit.ofRoots(ImageFolder.scan(a), ImageFolder.scan(b)));
        assertTrue(e.getMessage().contains("[x, y]") && e.getMessage().contains("[x, z]"), e.getMessage());
    }
}
