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

    @Test
    void extraAugmentationsFollowTheCropAndFlipInTorchvisionsOrder() {
        RgbImage img = image(60, 45, 9);
        TrainTransform base = TrainTransform.imagenet(32);
        ColorJitter jitter = new ColorJitter(0.4, 0.4, 0.4, 0.1);
        AutoAugment policy = AutoAugment.randAugment();
        RandomErasing erasing = RandomErasing.of(1.0);
        TrainTransform full =
                base.withColorJitter(jitter).withAutoAugment(policy).withRandomErasing(erasing);
        int n = 3 * 32 * 32;
        int erasedSamples = 0;
        for (long seed = 0; seed < 20; seed++) {
            // one generator, drawn in order: crop, flip, jitter, policy, then the erasing of the tensor
            SplittableRandom r = new SplittableRandom(seed);
            RgbImage expectedImage = policy.augment(jitter.apply(base.augment(img, r), r), r);
            float[] expected = new float[n + 5];
            ImageTransform.toTensor(expectedImage, Normalization.IMAGENET, false, expected, 5);
            erasing.apply(expected, 5, 3, 32, 32, r);

            assertArrayEquals(
                    expectedImage.pixels(),
                    full.augment(img, new SplittableRandom(seed)).pixels());
            float[] actual = new float[n + 5];
            full.apply(img, new SplittableRandom(seed), actual, 5);
            assertArrayEquals(expected, actual, 0f, "seed " + seed);
            int zeros = 0;
            for (float v : actual) {
                zeros += v == 0f ? 1 : 0;
            }
            erasedSamples += zeros > 5 ? 1 : 0;
        }
        assertTrue(erasedSamples >= 18, "erasing with p = 1 erased " + erasedSamples + " of 20 samples");
        // the plain transform is unchanged by the new options (exact resume of older runs)
        assertArrayEquals(
                base.augment(img, new SplittableRandom(3)).pixels(),
                base.withAutoAugment(null)
                        .withColorJitter(null)
                        .augment(img, new SplittableRandom(3))
                        .pixels());
    }

    @Test
    void trainTransformDescribesItsAugmentations() throws Exception {
        TrainTransform t = TrainTransform.imagenet(224)
                .withAutoAugment(AutoAugment.trivialAugmentWide())
                .withColorJitter(new ColorJitter(0.4, 0.3, 0.2, 0.1))
                .withRandomErasing(RandomErasing.of(0.25));
        assertEquals(
                "TrainTransform[size=224, scale=(0.08, 1.0), ratio=(0.75, 1.3333333333333333), flip=0.5, "
                        + "ColorJitter(brightness=0.4, contrast=0.3, saturation=0.2, hue=0.1), "
                        + "TrivialAugmentWide(bins=31), " + Normalization.IMAGENET + ", "
                        + "RandomErasing(p=0.25, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0.0)]",
                t.toString());
        assertEquals(
                "RandAugment(ops=2, magnitude=9, bins=31)",
                AutoAugment.of("randaugment").toString());
        // serializable with its augmentations (Spark ships transforms to executors)
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(t);
        }
        try (java.io.ObjectInputStream in =
                new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            TrainTransform back = (TrainTransform) in.readObject();
            assertEquals(t.toString(), back.toString());
            RgbImage img = image(50, 40, 2);
            assertArrayEquals(
                    t.augment(img, new SplittableRandom(4)).pixels(),
                    back.augment(img, new SplittableRandom(4)).pixels());
        }
    }

    @Test
    void badAugmentationSettingsAreRejectedWithTheirName() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> new ColorJitter(0.4, -1, 0, 0));
        assertEquals("color jitter contrast must be a number >= 0, got -1.0", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> new ColorJitter(0, 0, 0, 0.6));
        assertEquals("color jitter hue must be in [0, 0.5], got 0.6", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> RandomErasing.of(1.5));
        assertEquals("random erasing probability must be in [0, 1], got 1.5", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> AutoAugment.of("auto"));
        assertEquals("unknown auto-augment policy \"auto\", expected trivialaugment or randaugment", e.getMessage());
    }

    @Test
    void randomErasingBoxesFollowScaleAndRatio() {
        RandomErasing erasing = RandomErasing.of(1.0);
        int boxes = 0;
        for (long seed = 0; seed < 500; seed++) {
            int[] b = erasing.box(224, 224, new SplittableRandom(seed));
            if (b == null) {
                continue;
            }
            boxes++;
            double area = (double) b[2] * b[3] / (224 * 224);
            double ratio = (double) b[2] / b[3]; // torchvision's ratio is height / width here
            assertTrue(area > 0.015 && area < 0.34, "area fraction " + area);
            assertTrue(ratio > 0.25 && ratio < 3.6, "ratio " + ratio);
            assertTrue(b[0] >= 0 && b[0] + b[2] <= 224 && b[1] >= 0 && b[1] + b[3] <= 224, "inside the image");
        }
        assertTrue(boxes > 480, "most draws fit at the first attempts: " + boxes);
    }

    @Test
    void randomErasingWithRandomValuesWritesStandardNormalNoise() {
        RandomErasing erasing = RandomErasing.of(1.0).randomValues();
        assertTrue(erasing.toString().endsWith("value=random)"), erasing.toString());
        float sentinel = 1234f;
        double sum = 0;
        double sumSq = 0;
        long count = 0;
        for (long seed = 0; seed < 50; seed++) {
            float[] x = new float[3 * 64 * 64];
            Arrays.fill(x, sentinel);
            erasing.apply(x, 0, 3, 64, 64, new SplittableRandom(seed));
            for (float v : x) {
                if (v != sentinel) {
                    sum += v;
                    sumSq += (double) v * v;
                    count++;
                }
            }
        }
        double mean = sum / count;
        double variance = sumSq / count - mean * mean;
        assertTrue(count > 50 * 3 * 64 * 64 * 0.02, "erased values: " + count);
        assertEquals(0.0, mean, 0.02, "mean of the noise");
        assertEquals(1.0, variance, 0.03, "variance of the noise");
    }
}
