package org.resnext4j.datavec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.image.data.ImageWritable;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.datavec.image.transform.ColorConversionTransform;
import org.datavec.image.transform.ImageTransform;
import org.datavec.image.transform.PipelineImageTransform;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** Our transforms inside a plain DataVec pipeline ({@code ImageRecordReader}) give our tensors. */
class DataVecImageTransformsTest {

    @Test
    void imageRecordReaderWithOurTransformsGivesTheIteratorsTensors(@TempDir Path tmp) throws Exception {
        Path root =
                TestImages.tree(tmp.resolve("data"), new String[] {"a", "b", "c"}, new int[] {3, 4, 2}, 37, 29, "png");
        TestImages.write(TestImages.pattern(20, 41, 7), root.resolve("b/tall.png"));
        ImageFolder folder = ImageFolder.scan(root);
        ImageFolderIterator ours = ImageFolderIterator.builder(folder)
                .transform(new EvalTransform(18, 16, Normalization.IMAGENET))
                .batchSize(4)
                .prefetchBatches(0)
                .build();

        ImageTransform t = new PipelineImageTransform(
                DataVecImageTransforms.resizeCenterCrop(18, 16),
                new ColorConversionTransform(opencv_imgproc.COLOR_BGR2RGB));
        ImageRecordReader reader = new ImageRecordReader(16, 16, 3, new ParentPathLabelGenerator(), t);
        reader.initialize(folder.inputSplit());
        DataSetIterator theirs = new RecordReaderDataSetIterator(reader, 4, 1, 3);
        theirs.setPreProcessor(DataVecImageTransforms.normalizer(Normalization.IMAGENET));
        assertEquals(folder.classNames(), theirs.getLabels());
        int batches = 0;
        while (ours.hasNext()) {
            DataSet a = ours.next();
            DataSet b = theirs.next();
            assertEquals(a.getLabels(), b.getLabels(), "labels of batch " + batches);
            double max = a.getFeatures().sub(b.getFeatures()).amaxNumber().doubleValue();
            assertEquals(0.0, max, 0.0, "max |difference| of batch " + batches);
            batches++;
        }
        assertEquals(3, batches);
    }

    @Test
    void randomResizedCropDrawsFromDataVecsRandom(@TempDir Path tmp) throws Exception {
        Path file = TestImages.write(TestImages.pattern(40, 30, 5), tmp.resolve("x.png"));
        TrainTransform train = TrainTransform.imagenet(16);
        ImageTransform t = DataVecImageTransforms.randomResizedCrop(train);
        NativeImageLoader loader = new NativeImageLoader();
        ImageWritable out = t.transform(loader.asWritable(file.toFile()), new Random(11));
        assertEquals(16, out.getWidth());
        assertEquals(16, out.getHeight());
        // the same pixels as the augmentation of our decoded image with the draw DataVec's Random gives
        RgbImage expected =
                train.augment(new ImageIoDecoder().decode(file), new SplittableRandom(new Random(11).nextLong()));
        float[] viaDataVec = loader.asMatrix(out).data().asFloat(); // [1, 3, 16, 16] in BGR plane order
        List<Float> bgr = new ArrayList<>();
        for (int c = 2; c >= 0; c--) {
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    bgr.add((float) expected.get(x, y, c));
                }
            }
        }
        float[] exp = new float[bgr.size()];
        for (int i = 0; i < exp.length; i++) {
            exp[i] = bgr.get(i);
        }
        assertArrayEquals(exp, viaDataVec, 0f);
    }

    @Test
    void autoAugmentAndColorJitterRunOnDataVecsImages(@TempDir Path tmp) throws Exception {
        Path file = TestImages.write(TestImages.pattern(40, 30, 5), tmp.resolve("x.png"));
        RgbImage decoded = new ImageIoDecoder().decode(file);
        NativeImageLoader loader = new NativeImageLoader();
        AutoAugment policy = AutoAugment.trivialAugmentWide();
        ColorJitter jitter = new ColorJitter(0.4, 0.4, 0.4, 0.1);
        for (long seed = 0; seed < 8; seed++) {
            RgbImage expectedPolicy = policy.augment(decoded, new SplittableRandom(new Random(seed).nextLong()));
            ImageWritable out = DataVecImageTransforms.autoAugment(policy)
                    .transform(loader.asWritable(file.toFile()), new Random(seed));
            assertArrayEquals(
                    bgrPlanes(expectedPolicy), loader.asMatrix(out).data().asFloat(), 0f, "policy " + seed);
            RgbImage expectedJitter = jitter.apply(decoded, new SplittableRandom(new Random(seed).nextLong()));
            out = DataVecImageTransforms.colorJitter(jitter)
                    .transform(loader.asWritable(file.toFile()), new Random(seed));
            assertArrayEquals(
                    bgrPlanes(expectedJitter), loader.asMatrix(out).data().asFloat(), 0f, "jitter " + seed);
        }
    }

    @Test
    void randomErasingPreprocessorErasesOneBoxPerExampleWithTheValue() {
        DataSet ds = new DataSet(
                org.nd4j.linalg.factory.Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 3, 20, 20),
                org.nd4j.linalg.factory.Nd4j.zeros(4, 2));
        DataVecImageTransforms.randomErasing(RandomErasing.of(1.0).withValue(-2f), 5)
                .preProcess(ds);
        for (int i = 0; i < 4; i++) {
            float[] x = ds.getFeatures()
                    .get(org.nd4j.linalg.indexing.NDArrayIndex.point(i))
                    .dup()
                    .data()
                    .asFloat();
            int erased = 0;
            for (float v : x) {
                erased += v == -2f ? 1 : 0;
                assertTrue(v == 1f || v == -2f, "only erased or untouched values");
            }
            // each channel loses the same box, of 2% to 33% of the 400 pixels
            assertEquals(0, erased % 3, "the box is erased in all three channels");
            assertTrue(erased / 3 >= 4 && erased / 3 <= 140, "box area " + erased / 3);
        }
    }

    private static float[] bgrPlanes(RgbImage img) {
        int w = img.width();
        int h = img.height();
        float[] out = new float[3 * w * h];
        int i = 0;
        for (int c = 2; c >= 0; c--) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[i++] = img.get(x, y, c);
                }
            }
        }
        return out;
    }
}
