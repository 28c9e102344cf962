package org.resnext4j.datavec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.datavec.api.records.Record;
import org.datavec.api.split.FileSplit;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * The DataVec record-reader path, {@link ImageFolderRecordReader} + {@code RecordReaderDataSetIterator}, and the
 * executor-side {@link ImageBatchLoader} give the same tensors and labels as {@link ImageFolderIterator}, bit for
 * bit (the same decoder, transform and seeded randomness; the bound is 0), and the same seed gives the same split.
 */
class RecordReaderTest {

    static Path root;

    @BeforeAll
    static void data(@TempDir Path tmp) {
        // three classes, images of several sizes and aspect ratios, so resizing and random crops differ per image
        root = tmp.resolve("data");
        TestImages.tree(root, new String[] {"cat", "dog", "owl"}, new int[] {7, 6, 8}, 40, 30, "png");
        TestImages.write(TestImages.pattern(23, 51, 99), root.resolve("dog/tall.png"));
        TestImages.write(TestImages.pattern(64, 20, 98), root.resolve("owl/wide.jpg"));
    }

    private static ImageFolderPipeline pipeline() {
        return ImageFolderPipeline.fromDirectory(root)
                .validationSplit(0.3)
                .seed(5)
                .imageSize(16)
                .batchSize(4)
                .augment(true)
                .build();
    }

    private static List<DataSet> epoch(DataSetIterator it) {
        List<DataSet> out = new ArrayList<>();
        while (it.hasNext()) {
            out.add(it.next());
        }
        return out;
    }

    private static void assertSameBatches(List<DataSet> expected, List<DataSet> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": batches");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).getFeatures(), actual.get(i).getFeatures(), what + ": features of batch " + i);
            assertEquals(expected.get(i).getLabels(), actual.get(i).getLabels(), what + ": labels of batch " + i);
        }
    }

    @Test
    void recordReaderGivesTheIteratorsAugmentedBatchesEpochAfterEpoch() throws Exception {
        try (ImageFolderPipeline p = pipeline()) {
            ImageFolderRecordReader reader = ImageFolderRecordReader.builder(
                            p.train().transform())
                    .seed(5)
                    .shuffle(true)
                    .build();
            reader.initialize(p.split().train().inputSplit());
            assertEquals(p.classNames(), reader.getLabels());
            EpochIterator rr = reader.iterator(4);
            assertTrue(rr instanceof RecordReaderDataSetIterator, "a DataVec RecordReaderDataSetIterator");
            for (int e = 0; e < 3; e++) {
                List<DataSet> expected = epoch(p.train());
                List<DataSet> actual = epoch(rr);
                assertSameBatches(expected, actual, "epoch " + e);
                assertEquals(e, rr.epoch());
                p.train().reset();
                rr.reset();
            }
            // positioned for a resume: epoch 7 directly
            p.train().setEpoch(7);
            rr.setEpoch(7);
            assertSameBatches(epoch(p.train()), epoch(rr), "epoch 7 after setEpoch");
            assertEquals(p.train().numBatches(), rr.numBatches());
        }
    }

    @Test
    void dataVecFileSplitOfTheRootGivesTheEvaluationIteratorsTensors() throws Exception {
        ImageFolder all = ImageFolder.scan(root);
        EvalTransform eval = new EvalTransform(18, 16, Normalization.IMAGENET);
        ImageFolderIterator it = ImageFolderIterator.builder(all)
                .transform(eval)
                .batchSize(5)
                .prefetchBatches(0)
                .build();
        ImageFolderRecordReader reader = ImageFolderRecordReader.builder(eval).build();
        // DataVec's own FileSplit lists the files in file-system order; the reader reads them sorted
        reader.initialize(new FileSplit(root.toFile()));
        assertSameBatches(epoch(it), epoch(new RecordReaderDataSetIterator(reader, 5, 1, 3)), "FileSplit");
        // records carry their file
        reader.reset();
        Record r = reader.nextRecord();
        assertEquals(all.samples().get(0).file().toUri(), r.getMetaData().getURI());
        Record again = reader.loadFromMetaData(r.getMetaData());
        assertEquals(r.getRecord(), again.getRecord());
        // DataVec's stream path decodes the same pixels
        byte[] bytes = Files.readAllBytes(all.samples().get(0).file());
        assertEquals(
                r.getRecord(),
                reader.record(
                        all.samples().get(0).file().toUri(),
                        new java.io.DataInputStream(new ByteArrayInputStream(bytes))));
    }

    @Test
    void sameSeedSameSplitThroughBothPaths() {
        try (ImageFolderPipeline p = pipeline()) {
            List<URI> expectedTrain = p.split().train().samples().stream()
                    .map(s -> s.file().toUri())
                    .toList();
            List<URI> expectedVal = p.split().validation().samples().stream()
                    .map(s -> s.file().toUri())
                    .toList();
            DatasetSplit again = ImageFolder.scan(root).split(0.3, 5);
            assertEquals(expectedTrain, Arrays.asList(again.train().inputSplit().locations()));
            assertEquals(
                    expectedVal, Arrays.asList(again.validation().inputSplit().locations()));
            DatasetSplit other = ImageFolder.scan(root).split(0.3, 6);
            assertFalse(
                    expectedVal.equals(
                            Arrays.asList(other.validation().inputSplit().locations())),
                    "another seed, another split");
        }
    }

    @Test
    void batchLoaderSerializedToAnExecutorGivesTheIteratorsBatches() throws Exception {
        try (ImageFolderPipeline p = pipeline()) {
            ImageBatchLoader loader = new ImageBatchLoader(p.train().transform(), p.classNames(), 5);
            p.train().setEpoch(2);
            List<DataSet> expected = epoch(p.train());
            List<ImageBatchLoader.Batch> batches = loader.batches(p.split().train(), 4, 2, true);
            ImageBatchLoader remote = roundTrip(loader);
            List<DataSet> actual = new ArrayList<>();
            for (ImageBatchLoader.Batch b : batches) {
                actual.add(remote.load(roundTrip(b)));
            }
            assertSameBatches(expected, actual, "batch loader, epoch 2");
            assertEquals(p.classNames(), actual.get(0).getLabelNamesList());
        }
    }

    @Test
    void batchLoaderLeavesOutAFileThatDoesNotDecodeAndNamesIt(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.png");
        Files.writeString(bad, "not an image");
        ImageBatchLoader loader = new ImageBatchLoader(EvalTransform.imagenet(16), List.of("a", "b"), 1);
        Path good = ImageFolder.scan(root).samples().get(0).file();
        DataSet ds = loader.load(
                new ImageBatchLoader.Batch(List.of(bad.toString(), good.toString()), new int[] {0, 1}, 0, 0));
        assertEquals(1, ds.numExamples());
        assertEquals(1, ds.getLabels().getFloat(0, 1), 0);
        ImageFolderException e = assertThrows(
                ImageFolderException.class,
                () -> loader.load(new ImageBatchLoader.Batch(List.of(bad.toString()), new int[] {0}, 0, 0)));
        assertTrue(e.getMessage().contains("bad.png"), e.getMessage());
    }

    @Test
    void aFileWhoseLabelIsNotOneOfTheReadersIsNamed() throws Exception {
        ImageFolderRecordReader reader = ImageFolderRecordReader.builder(EvalTransform.imagenet(16))
                .labels(List.of("cat", "dog"))
                .build();
        ImageFolderException e =
                assertThrows(ImageFolderException.class, () -> reader.initialize(new FileSplit(root.toFile())));
        assertTrue(e.getMessage().contains("owl") && e.getMessage().contains("[cat, dog]"), e.getMessage());
        IllegalStateException notInit = assertThrows(
                IllegalStateException.class,
                () -> ImageFolderRecordReader.builder(EvalTransform.imagenet(16))
                        .build()
                        .next());
        assertTrue(notInit.getMessage().contains("initialize"), notInit.getMessage());
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
