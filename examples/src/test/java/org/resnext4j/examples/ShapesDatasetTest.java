package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.datavec.ImageFolder;

class ShapesDatasetTest {

    @TempDir
    Path tmp;

    @Test
    void sameSeedGivesByteIdenticalFilesWithTheDeclaredClassesAndCounts() throws IOException {
        Path a = ShapesDataset.write(tmp.resolve("a"), 12, 64, 7);
        Path b = ShapesDataset.write(tmp.resolve("b"), 12, 64, 7);
        List<Path> filesA = files(a);
        assertEquals(4 * 12 + 1, filesA.size(), "12 PNGs per class plus dataset.txt");
        assertEquals(
                filesA.stream().map(a::relativize).toList(),
                files(b).stream().map(b::relativize).toList());
        for (Path f : filesA) {
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(b.resolve(a.relativize(f))), f.toString());
        }
        ImageFolder folder = ImageFolder.scan(a);
        assertEquals(List.of("circle", "cross", "square", "triangle"), folder.classNames());
        assertEquals(ShapesDataset.CLASSES, folder.classNames());
        folder.classCounts().values().forEach(n -> assertEquals(12, n));
        BufferedImage image =
                ImageIO.read(a.resolve("triangle/triangle_0011.png").toFile());
        assertEquals(64, image.getWidth());
        assertEquals(64, image.getHeight());
    }

    @Test
    void anotherSeedGivesOtherImagesAndImagesDifferWithinAClass() throws IOException {
        Path a = ShapesDataset.write(tmp.resolve("a"), 3, 48, 1);
        Path b = ShapesDataset.write(tmp.resolve("b"), 3, 48, 2);
        Path f = Path.of("circle", "circle_0000.png");
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f))));
        assertFalse(java.util.Arrays.equals(
                Files.readAllBytes(a.resolve(f)), Files.readAllBytes(a.resolve("circle/circle_0001.png"))));
    }

    @Test
    void anExistingCopyIsReusedAndAFolderWithOtherContentIsRefused() throws IOException {
        Path a = ShapesDataset.write(tmp.resolve("a"), 2, 32, 5);
        Path marker = a.resolve("circle/circle_0000.png");
        long modified = Files.getLastModifiedTime(marker).toMillis();
        Files.setLastModifiedTime(marker, java.nio.file.attribute.FileTime.fromMillis(modified - 100_000));
        ShapesDataset.write(a, 2, 32, 5);
        assertEquals(modified - 100_000, Files.getLastModifiedTime(marker).toMillis(), "not rewritten");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ShapesDataset.write(a, 3, 32, 5));
        assertTrue(e.getMessage().contains("does not hold this generated data set"), e.getMessage());
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return new ArrayList<>(s.filter(Files::isRegularFile).sorted().toList());
        }
    }
}
