package org.resnext4j.datavec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class IteratorTest {

    private static final int SIZE = 24;

    @TempDir
    Path tmp;

    private ImageFolder folder;

    @BeforeEach
    void setUp() {
        Path root =
                TestImages.tree(tmp.resolve("d"), new String[] {"c0", "c1", "c2"}, new int[] {4, 4, 3}, 40, 30, "jpg");
        folder = ImageFolder.scan(root);
    }

    private ImageFolderIterator.Builder builder() {
        return ImageFolderIterator.builder(folder)
                .transform(EvalTransform.imagenet(SIZE))
                .batchSize(4);
    }

    @Test
    void batchesHaveDeclaredShapesOneHotLabelsAndKeepTheLastPartialBatch() {
        try (ImageFolderIterator it = builder().build()) {
            assertEquals(3 * SIZE * SIZE, it.inputColumns());
            assertEquals(3, it.totalOutcomes());
            assertEquals(folder.classNames(), it.getLabels());
            assertEquals(3, it.numBatches());
            List<Integer> sizes = new ArrayList<>();
            int seen = 0;
            while (it.hasNext()) {
                DataSet ds = it.next();
                int n = ds.numExamples();
                sizes.add(n);
                assertArrayEquals(
                        new long[] {n, 3, SIZE, SIZE}, ds.getFeatures().shape());
                assertEquals(DataType.FLOAT, ds.getFeatures().dataType());
                assertArrayEquals(new long[] {n, 3}, ds.getLabels().shape());
                for (int i = 0; i < n; i++) {
                    assertEquals(1.0, ds.getLabels().getRow(i).sumNumber().doubleValue(), 0.0);
                    assertEquals(
                            1.0,
                            ds.getLabels()
                                    .getDouble(i, folder.samples().get(seen + i).label()),
                            0.0);
                }
                seen += n;
            }
            assertEquals(List.of(4, 4, 3), sizes);
            assertThrows(NoSuchElementException.class, it::next);
        }
    }

    @Test
    void resetStartsTheNextEpochWithAReproducibleShuffle() {
        try (ImageFolderIterator a = builder().shuffle(true).seed(42).build();
                ImageFolderIterator b =
                        builder().shuffle(true).seed(42).prefetchBatches(0).build()) {
            int[] e0 = a.epochOrder();
            int[] sorted = e0.clone();
            Arrays.sort(sorted);
            assertArrayEquals(java.util.stream.IntStream.range(0, 11).toArray(), sorted, "a permutation");
            a.reset(); // nothing consumed yet: still epoch 0
            assertEquals(0, a.epoch());
            assertArrayEquals(e0, a.epochOrder());
            while (a.hasNext()) {
                a.next();
            }
            assertFalse(a.hasNext());
            a.reset();
            assertEquals(1, a.epoch());
            assertTrue(a.hasNext());
            assertFalse(Arrays.equals(e0, a.epochOrder()), "reshuffled");
            b.setEpoch(1);
            assertArrayEquals(a.epochOrder(), b.epochOrder());
            assertEquals(a.next().getFeatures(), b.next().getFeatures(), "prefetch and synchronous agree");
        }
    }

    @Test
    void prefetchAndSynchronousIterationGiveIdenticalBatches() {
        try (ImageFolderIterator a = builder()
                        .shuffle(true)
                        .seed(3)
                        .transform(TrainTransform.imagenet(SIZE))
                        .prefetchBatches(3)
                        .workers(2)
                        .build();
                ImageFolderIterator b = builder()
                        .shuffle(true)
                        .seed(3)
                        .transform(TrainTransform.imagenet(SIZE))
                        .prefetchBatches(0)
                        .build()) {
            for (int epoch = 0; epoch < 2; epoch++) {
                while (a.hasNext()) {
                    DataSet x = a.next();
                    DataSet y = b.next();
                    assertEquals(y.getFeatures(), x.getFeatures());
                    assertEquals(y.getLabels(), x.getLabels());
                }
                assertFalse(b.hasNext());
                a.reset();
                b.reset();
            }
        }
    }

    @Test
    void nextWithACountAndAMidEpochResetStayConsistent() {
        try (ImageFolderIterator it = builder().build()) {
            it.next();
            DataSet two = it.next(2);
            assertEquals(2, two.numExamples());
            assertEquals(
                    1.0, two.getLabels().getDouble(0, folder.samples().get(4).label()), 0.0);
            DataSet rest = it.next();
            assertEquals(4, rest.numExamples());
            assertEquals(1, it.next().numExamples());
            assertFalse(it.hasNext());
        }
    }

    @Test
    void asyncSupportedIsFalseOnlyWhenTheIteratorPrefetchesItself() {
        try (ImageFolderIterator prefetching = builder().build();
                ImageFolderIterator plain = builder().prefetchBatches(0).build()) {
            assertFalse(prefetching.asyncSupported());
            assertTrue(plain.asyncSupported());
            assertTrue(prefetching.resetSupported());
            assertEquals(4, prefetching.batch());
        }
    }

    @Test
    void preProcessorIsApplied() {
        try (ImageFolderIterator it = builder().build()) {
            it.setPreProcessor(ds -> ds.getFeatures().assign(7));
            assertEquals(7.0, it.next().getFeatures().minNumber().doubleValue(), 0.0);
            assertTrue(it.getPreProcessor() != null);
        }
    }

    @Test
    void dl4jFitsAndEvaluatesOverSeveralEpochs() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(1)
                .updater(new Adam(1e-3))
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .nOut(4)
                        .stride(2, 2)
                        .activation(Activation.RELU)
                        .build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutional(SIZE, SIZE, 3))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        for (int prefetch : new int[] {0, 2}) {
            try (ImageFolderIterator train = builder()
                            .shuffle(true)
                            .seed(1)
                            .prefetchBatches(prefetch)
                            .transform(TrainTransform.imagenet(SIZE))
                            .build();
                    ImageFolderIterator val =
                            builder().prefetchBatches(prefetch).build()) {
                int before = net.getIterationCount();
                net.fit(train, 3);
                assertEquals(before + 3 * 3, net.getIterationCount(), "3 epochs of 3 batches, prefetch " + prefetch);
                assertEquals(2, train.epoch());
                Evaluation eval = net.evaluate(val);
                assertEquals(11, eval.getNumRowCounter(), "every validation image evaluated once");
                assertNotEquals(0, net.score());
            }
        }
    }
}
