package org.resnext4j.datavec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * More real images: TIFF, WebP, CMYK JPEG, EXIF orientation, and the decompression-bomb guard. Fixtures from
 * {@code tools/make_format_fixtures.py} (Pillow 9.4): a 40x30 test card with a red square at the top left
 * ({@code x 4..13, y 4..11}) and a blue one at the bottom right ({@code x 26..35, y 18..25}).
 */
class FormatsTest {

    private static final ImageIoDecoder DECODER = new ImageIoDecoder();

    private static Path fixture(String name) {
        try {
            return Path.of(FormatsTest.class.getResource("/formats/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RgbImage decode(String name) throws IOException {
        return DECODER.decode(fixture(name));
    }

    private static double meanAbsDiff(RgbImage a, RgbImage b) {
        assertEquals(a.width(), b.width());
        assertEquals(a.height(), b.height());
        long sum = 0;
        for (int i = 0; i < a.pixels().length; i++) {
            sum += Math.abs((a.pixels()[i] & 0xFF) - (b.pixels()[i] & 0xFF));
        }
        return (double) sum / a.pixels().length;
    }

    /** The red and blue squares are where the card has them, so the image is upright and in RGB order. */
    private static void assertCardUpright(RgbImage img) {
        assertEquals(40, img.width());
        assertEquals(30, img.height());
        assertTrue(img.get(8, 8, 0) > 180 && img.get(8, 8, 1) < 90 && img.get(8, 8, 2) < 90, "red square at (8, 8)");
        assertTrue(
                img.get(30, 22, 2) > 180 && img.get(30, 22, 0) < 90 && img.get(30, 22, 1) < 90,
                "blue square at (30, 22)");
    }

    @Test
    void losslessWebpAndTiffDecodeToTheSourcePixels() throws IOException {
        RgbImage source = decode("source.png");
        assertCardUpright(source);
        assertArrayEquals(source.pixels(), decode("lossless.webp").pixels(), "WebP lossless");
        assertArrayEquals(source.pixels(), decode("image.tif").pixels(), "TIFF LZW");
    }

    @Test
    void cmykJpegDecodes() throws IOException {
        RgbImage cmyk = decode("cmyk.jpg");
        assertCardUpright(cmyk);
        // no ICC profile in the file: TwelveMonkeys converts as Pillow does (measured: identical)
        double d = meanAbsDiff(cmyk, decode("cmyk_pillow.png"));
        System.out.println("CMYK JPEG: mean |difference| to Pillow's conversion " + d + " levels");
        assertTrue(d < 0.5, "mean |difference| to Pillow " + d);
    }

    @Test
    void exifOrientationIsAppliedAsPillowsExifTranspose() throws IOException {
        assertEquals(6, ImageIoDecoder.exifOrientation(fixture("exif_rotated.jpg")));
        RgbImage upright = decode("exif_rotated.jpg");
        assertCardUpright(upright);
        double d = meanAbsDiff(upright, decode("exif_pillow.png"));
        System.out.println("EXIF-rotated JPEG: mean |difference| to Pillow's exif_transpose " + d + " levels");
        assertTrue(d < 0.5, "the pixels Pillow shows (measured: identical): " + d);
        assertEquals(1, ImageIoDecoder.exifOrientation(fixture("cmyk.jpg")), "no EXIF: orientation 1");
    }

    @Test
    void everyExifOrientationMatchesItsDefinition() {
        // 2x3 image with distinct pixels: value = 10 * y + x in the red channel
        byte[] px = new byte[2 * 3 * 3];
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 2; x++) {
                px[(y * 2 + x) * 3] = (byte) (10 * y + x);
            }
        }
        RgbImage img = new RgbImage(2, 3, px);
        // top row of the displayed image, per orientation (Pillow: exif_transpose of the stored image)
        int[][] topRow = {null, {0, 1}, {1, 0}, {21, 20}, {20, 21}, {0, 10, 20}, {20, 10, 0}, {21, 11, 1}, {1, 11, 21}};
        for (int o = 1; o <= 8; o++) {
            RgbImage t = img.exifTransposed(o);
            assertEquals(topRow[o].length, t.width(), "width for orientation " + o);
            for (int x = 0; x < t.width(); x++) {
                assertEquals(topRow[o][x], t.get(x, 0, 0), "orientation " + o + " top row x " + x);
            }
        }
        assertTrue(img.exifTransposed(0) == img && img.exifTransposed(9) == img, "out of range: unchanged");
    }

    @Test
    void newFormatsAreFoundByTheirExtensions(@TempDir Path tmp) throws IOException {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Files.copy(fixture("lossless.webp"), a.resolve("1.webp"));
        Files.copy(fixture("image.tif"), a.resolve("2.TIFF"));
        Files.copy(fixture("image.tif"), a.resolve("3.tif"));
        Files.copy(fixture("cmyk.jpg"), b.resolve("1.jpg"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(fixture("exif_rotated.jpg"), b.resolve("2.jpeg"));
        ImageFolder f = ImageFolder.builder(tmp)
                .verification(ImageFolder.Verification.DECODE)
                .build();
        assertEquals(5, f.size(), f.report().summary());
        assertEquals(0, f.report().skippedCount(), f.report().summary());
    }

    @Test
    void decompressionBombIsSkippedWithItsReasonBeforeDecoding(@TempDir Path tmp) throws IOException {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Files.copy(fixture("source.png"), a.resolve("ok.png"));
        Files.copy(fixture("source.png"), b.resolve("ok.png"));
        Path bomb = writeBlankGrayPng(a.resolve("bomb.png"), 20000, 20000);
        assertTrue(Files.size(bomb) < 2_000_000, "a small file: " + Files.size(bomb));
        IOException e = assertThrows(IOException.class, () -> DECODER.decode(bomb));
        assertTrue(
                e.getMessage().contains("20000x20000 = 400,000,000 pixels exceeds the limit of 89,478,485"),
                e.getMessage());
        ImageFolder f = ImageFolder.scan(tmp);
        assertEquals(2, f.size());
        String summary = f.report().summary();
        assertTrue(summary.contains("bomb.png") && summary.contains("exceeds the limit"), summary);
        // lenient decoding without a scan check: the bomb is replaced in its batch, the heap never sees it
        ImageFolder unchecked = ImageFolder.builder(tmp)
                .verification(ImageFolder.Verification.NONE)
                .build();
        int bombIndex =
                unchecked.samples().stream().map(ImageSample::file).toList().indexOf(bomb);
        ImageFolder.Loaded loaded = unchecked.load(bombIndex);
        assertEquals("a/ok.png", loaded.sample().relativePath());
        assertThrows(IllegalArgumentException.class, () -> new ImageIoDecoder(0));
    }

    /** A real PNG of w x h 8-bit gray zeros, streamed through deflate (400 MB of pixels in about 400 KB). */
    private static Path writeBlankGrayPng(Path file, int w, int h) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
            java.io.ByteArrayOutputStream ihdr = new java.io.ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(ihdr);
            d.writeInt(w);
            d.writeInt(h);
            d.write(new byte[] {8, 0, 0, 0, 0});
            chunk(out, "IHDR", ihdr.toByteArray());
            java.io.ByteArrayOutputStream idat = new java.io.ByteArrayOutputStream();
            try (OutputStream z = new DeflaterOutputStream(idat, new Deflater(9))) {
                byte[] row = new byte[w + 1];
                for (int y = 0; y < h; y++) {
                    z.write(row);
                }
            }
            chunk(out, "IDAT", idat.toByteArray());
            chunk(out, "IEND", new byte[0]);
        }
        return file;
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
