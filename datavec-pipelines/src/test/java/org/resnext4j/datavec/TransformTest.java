package org.resnext4j.datavec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

class TransformTest {

    @TempDir
    Path tmp;

    private static RgbImage image(int w, int h, long seed) {
        return ImageIoDecoder.toRgb(TestImages.pattern(w, h, seed));
    }

    @Test
    void evalTransformResizesShorterSideAndCentersTheCrop() {
        EvalTransform t = new EvalTransform(40, 32, Normalization.NONE);
        RgbImage landscape = t.resizeAndCrop(image(100, 50, 1));
        assertEquals(32, landscape.width());
        assertEquals(32, landscape.height());
        // identity resize: a crop of a 40x40 image is its centre window (offset round(8 / 2) = 4)
        RgbImage src = image(40, 40, 2);
        RgbImage crop = t.resizeAndCrop(src);
        for (int c = 0; c < 3; c++) {
            assertEquals(src.get(4, 4, c), crop.get(0, 0, c));
            assertEquals(src.get(35, 35, c), crop.get(31, 31, c));
        }
    }

    @Test
    void smallImagesArePaddedWithZerosLikeTorchvision() {
        EvalTransform t = new EvalTransform(10, 13, Normalization.NONE);
        RgbImage out = t.resizeAndCrop(ImageIoDecoder.toRgb(TestImages.solid(10, 10, 0xFFFFFF)));
        // torchvision pads (13 - 10) // 2 = 1 column left and 2 right
        assertEquals(0, out.get(0, 5, 0));
        assertEquals(255, out.get(1, 5, 0));
        assertEquals(255, out.get(10, 5, 0));
        assertEquals(0, out.get(11, 5, 0));
    }

    @Test
    void valuesAreInRangeForBothNormalisations() {
        RgbImage img = image(64, 48, 3);
        float[] raw = new float[3 * 32 * 32];
        new EvalTransform(36, 32, Normalization.NONE).apply(img, null, raw, 0);
        float[] norm = new float[raw.length];
        EvalTransform.imagenet(32).apply(img, null, norm, 0);
        float lo = (0 - 0.485f) / 0.229f;
        float hi = (1 - 0.406f) / 0.225f;
        for (int i = 0; i < raw.length; i++) {
            assertTrue(raw[i] >= 0f && raw[i] <= 1f, "raw " + raw[i]);
            assertTrue(norm[i] >= lo - 1e-6f && norm[i] <= hi + 1e-6f, "normalised " + norm[i]);
        }
    }

    @Test
    void randomResizedCropWindowsRespectScaleRatioAndBounds() {
        TrainTransform t = TrainTransform.imagenet(32);
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 500; i++) {
            int w = 20 + r.nextInt(300);
            int h = 20 + r.nextInt(300);
            int[] box = t.cropWindow(w, h, r);
            assertTrue(
                    box[0] >= 0 && box[1] >= 0 && box[0] + box[2] <= w && box[1] + box[3] <= h, Arrays.toString(box));
            double area = (double) box[2] * box[3] / ((double) w * h);
            // rounding of the side lengths moves area and ratio a little off the nominal range
            assertTrue(area > 0.05 && area <= 1.0, "area " + area);
            double ratio = (double) box[2] / box[3];
            assertTrue(ratio > 0.6 && ratio < 1.6, "ratio " + ratio);
        }
    }

    @Test
    void impossibleCropsFallBackToACentreCropWithClampedRatio() {
        TrainTransform t = new TrainTransform(16, 0.9, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5, Normalization.NONE);
        int[] box = t.cropWindow(1000, 10, new SplittableRandom(3));
        assertArrayEquals(new int[] {(1000 - 13) / 2, 0, 13, 10}, box);
        int[] tall = t.cropWindow(10, 1000, new SplittableRandom(3));
        assertArrayEquals(new int[] {0, (1000 - 13) / 2, 10, 13}, tall);
    }

    @Test
    void flipIsHorizontalOnly() {
        RgbImage img = image(30, 30, 4);
        // scale 1 and ratio 1: the crop is the whole image, so only the flip differs
        TrainTransform always = new TrainTransform(30, 1.0, 1.0, 1.0, 1.0, 1.0, Normalization.NONE);
        TrainTransform never = always.withFlipProbability(0.0);
        float[] a = new float[3 * 30 * 30];
        float[] b = new float[a.length];
        always.apply(img, new SplittableRandom(1), a, 0);
        never.apply(img, new SplittableRandom(1), b, 0);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 30; y++) {
                for (int x = 0; x < 30; x++) {
                    assertEquals(b[c * 900 + y * 30 + (29 - x)], a[c * 900 + y * 30 + x], 0f);
                    assertEquals(img.get(x, y, c) / 255f, b[c * 900 + y * 30 + x], 0f);
                }
            }
        }
    }

    @Test
    void augmentationIsSeededAndChangesPixelsButNotLabels() {
        Path root = TestImages.tree(tmp.resolve("d"), new String[] {"a", "b", "c"}, new int[] {4, 3, 3}, 48, 40, "png");
        ImageFolder folder = ImageFolder.scan(root);
        TrainTransform train = TrainTransform.imagenet(32);
        EvalTransform eval = EvalTransform.imagenet(32);
        try (ImageFolderIterator aug = ImageFolderIterator.builder(folder)
                        .transform(train)
                        .batchSize(10)
                        .seed(9)
                        .build();
                ImageFolderIterator aug2 = ImageFolderIterator.builder(folder)
                        .transform(train)
                        .batchSize(10)
                        .seed(9)
                        .prefetchBatches(0)
                        .build();
                ImageFolderIterator plain = ImageFolderIterator.builder(folder)
                        .transform(eval)
                        .batchSize(10)
                        .build()) {
            DataSet x = aug.next();
            DataSet y = plain.next();
            assertEquals(y.getLabels(), x.getLabels());
            assertFalse(x.getFeatures().equalsWithEps(y.getFeatures(), 1e-3), "augmentation changed nothing");
            for (int i = 0; i < 10; i++) {
                assertFalse(
                        x.getFeatures().slice(i).equalsWithEps(y.getFeatures().slice(i), 1e-3), "sample " + i);
            }
            assertEquals(x.getFeatures(), aug2.next().getFeatures(), "same seed, same augmentation");
            aug.reset();
            DataSet nextEpoch = aug.next();
            assertFalse(nextEpoch.getFeatures().equalsWithEps(x.getFeatures(), 1e-3), "new epoch, new augmentation");
        }
    }
}
