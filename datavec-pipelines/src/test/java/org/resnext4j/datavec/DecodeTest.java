package org.resnext4j.datavec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

class DecodeTest {

    @TempDir
    Path tmp;

    private static void assertAllPixels(RgbImage img, int r, int g, int b, int tolerance, String what) {
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                int[] got = {img.get(x, y, 0), img.get(x, y, 1), img.get(x, y, 2)};
                for (int c = 0; c < 3; c++) {
                    int want = c == 0 ? r : c == 1 ? g : b;
                    if (Math.abs(got[c] - want) > tolerance) {
                        assertArrayEquals(new int[] {r, g, b}, got, what + " at " + x + "," + y);
                    }
                }
            }
        }
    }

    @Test
    void pureRedStaysInChannelZeroWithBothDecoders() throws Exception {
        for (String ext : new String[] {"png", "bmp", "jpg"}) {
            Path f = TestImages.write(TestImages.solid(16, 12, 0xFF0000), tmp.resolve("red." + ext));
            int tol = ext.equals("jpg") ? 3 : 0;
            assertAllPixels(new ImageIoDecoder().decode(f), 255, 0, 0, tol, "ImageIO " + ext);
            assertAllPixels(new DataVecImageDecoder().decode(f), 255, 0, 0, tol, "DataVec " + ext);
        }
    }

    @Test
    void pureRedIsChannelZeroOfTheBatch() {
        Path root = tmp.resolve("rgb");
        TestImages.write(TestImages.solid(16, 16, 0xFF0000), root.resolve("red/r.png"));
        TestImages.write(TestImages.solid(16, 16, 0x0000FF), root.resolve("blue/b.png"));
        ImageFolder folder = ImageFolder.scan(root);
        try (ImageFolderIterator it = ImageFolderIterator.builder(folder)
                .batchSize(2)
                .prefetchBatches(0)
                .transform(new EvalTransform(16, 16, Normalization.NONE))
                .build()) {
            DataSet ds = it.next();
            INDArray f = ds.getFeatures();
            // classes sorted: blue = 0, red = 1; samples sorted by path: blue/b.png first
            assertEquals(1.0, f.get(point(1), point(0)).minNumber().doubleValue(), 0.0);
            assertEquals(0.0, f.get(point(1), interval(1, 3)).maxNumber().doubleValue(), 0.0);
            assertEquals(1.0, f.get(point(0), point(2)).minNumber().doubleValue(), 0.0);
            assertEquals(0.0, f.get(point(0), interval(0, 2)).maxNumber().doubleValue(), 0.0);
        }
    }

    @Test
    void grayscaleBecomesThreeEqualChannelsWithoutGammaShift() throws Exception {
        BufferedImage gray = new BufferedImage(10, 8, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = gray.getRaster();
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 10; x++) {
                raster.setSample(x, y, 0, 100);
            }
        }
        Path f = TestImages.write(gray, tmp.resolve("gray.png"));
        assertAllPixels(new ImageIoDecoder().decode(f), 100, 100, 100, 0, "ImageIO gray");
        assertAllPixels(new DataVecImageDecoder().decode(f), 100, 100, 100, 0, "DataVec gray");
    }

    @Test
    void sixteenBitGrayscaleIsScaledToEightBits() throws Exception {
        BufferedImage gray = new BufferedImage(6, 5, BufferedImage.TYPE_USHORT_GRAY);
        WritableRaster raster = gray.getRaster();
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 6; x++) {
                raster.setSample(x, y, 0, 200 * 256 + 17);
            }
        }
        Path f = TestImages.write(gray, tmp.resolve("gray16.png"));
        assertAllPixels(new ImageIoDecoder().decode(f), 200, 200, 200, 0, "16-bit gray");
    }

    @Test
    void alphaIsDroppedNotComposited() throws Exception {
        BufferedImage argb = new BufferedImage(9, 7, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 7; y++) {
            for (int x = 0; x < 9; x++) {
                argb.setRGB(x, y, (50 << 24) | (10 << 16) | (200 << 8) | 30);
            }
        }
        Path f = TestImages.write(argb, tmp.resolve("alpha.png"));
        assertAllPixels(new ImageIoDecoder().decode(f), 10, 200, 30, 0, "ImageIO alpha");
    }

    @Test
    void paletteGifDecodesToItsColours() throws Exception {
        Path f = TestImages.write(TestImages.solid(12, 12, 0x00FF00), tmp.resolve("green.gif"));
        assertAllPixels(new ImageIoDecoder().decode(f), 0, 255, 0, 0, "gif");
    }
}
