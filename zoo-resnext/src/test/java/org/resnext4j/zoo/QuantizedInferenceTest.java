package org.resnext4j.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * BF16 and INT8 inference of a small ResNeXt (grouped convolutions, projection and identity shortcuts) trained on
 * generated images (oriented gratings in noise, 4 classes): the reduced-precision forms agree with FP32 on a 2000-image
 * validation set (top-1 agreement, accuracy within 1 point), and differ from it (so they really ran in their
 * precision).
 */
class QuantizedInferenceTest {

    private static final int CLASSES = 4;
    private static final int SIZE = 32;
    private static final int VALIDATION = 2000;

    private static ResNeXtSpec spec;
    private static ComputationGraph net;
    private static INDArray valX;
    private static int[] valY;
    private static List<INDArray> calibration;

    static ResNeXtSpec spec() {
        return ResNeXtSpec.builder()
                .name("tiny_resnext_q")
                .blocks(2, 2, 1, 1)
                .cardinality(4)
                .baseWidth(32)
                .planes(8, 16, 32, 64)
                .stemWidth(8)
                .numClasses(CLASSES)
                .inputShape(3, SIZE, SIZE)
                .build();
    }

    /** {@code n} gratings: class k at 45k degrees, random frequency, phase, colour and contrast, in Gaussian noise. */
    static DataSet gratings(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 3 * SIZE * SIZE];
        float[] y = new float[n * CLASSES];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(CLASSES);
            y[i * CLASSES + k] = 1;
            double theta = Math.PI * k / CLASSES;
            double f = 0.08 + 0.12 * r.nextDouble();
            double phase = 2 * Math.PI * r.nextDouble();
            double contrast = 0.4 + 0.5 * r.nextDouble();
            double[] colour = {0.5 + 0.5 * r.nextDouble(), 0.5 + 0.5 * r.nextDouble(), 0.5 + 0.5 * r.nextDouble()};
            for (int c = 0; c < 3; c++) {
                for (int py = 0; py < SIZE; py++) {
                    for (int px = 0; px < SIZE; px++) {
                        double g = Math.sin(2 * Math.PI * f * (px * Math.cos(theta) + py * Math.sin(theta)) + phase);
                        x[((i * 3 + c) * SIZE + py) * SIZE + px] =
                                (float) (contrast * colour[c] * g + 0.85 * r.nextGaussian());
                    }
                }
            }
        }
        return new DataSet(
                Nd4j.create(x, new long[] {n, 3, SIZE, SIZE}, 'c'), Nd4j.create(y, new long[] {n, CLASSES}, 'c'));
    }

    @BeforeAll
    static void train() {
        assumeTrue(InferenceModel.available(), "oneDNN loads on this machine");
        spec = spec();
        net = ResNeXt.builder(spec).seed(7).updater(new Adam(3e-3)).build().init();
        DataSet train = gratings(3000, 1);
        for (int epoch = 0; epoch < 3; epoch++) {
            train.shuffle(epoch);
            for (DataSet batch : train.batchBy(50)) {
                net.fit(batch);
            }
        }
        DataSet val = gratings(VALIDATION, 2);
        valX = val.getFeatures();
        valY = val.getLabels().argMax(1).toIntVector();
        calibration = new ArrayList<>();
        for (DataSet b : gratings(256, 3).batchBy(64)) {
            calibration.add(b.getFeatures());
        }
    }

    private static int[] predictions(InferenceModel m) {
        List<int[]> parts = new ArrayList<>();
        int[] all = new int[VALIDATION];
        for (int i = 0; i < VALIDATION; i += 250) {
            INDArray batch = valX.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i, i + 250))
                    .dup();
            int[] p = m.logits(batch).argMax(1).toIntVector();
            System.arraycopy(p, 0, all, i, p.length);
        }
        return all;
    }

    private static double accuracy(int[] predicted) {
        int ok = 0;
        for (int i = 0; i < predicted.length; i++) {
            ok += predicted[i] == valY[i] ? 1 : 0;
        }
        return 100.0 * ok / predicted.length;
    }

    private static double agreement(int[] a, int[] b) {
        int same = 0;
        for (int i = 0; i < a.length; i++) {
            same += a[i] == b[i] ? 1 : 0;
        }
        return 100.0 * same / a.length;
    }

    private static double relErr(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue();
    }

    private static INDArray head() {
        return valX.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 250)).dup();
    }

    @Test
    void int8AgreesWithFp32OnValidationImages() {
        try (InferenceModel fp32 = InferenceModel.of(net, spec)) {
            int[] ref = predictions(fp32);
            double fp32Acc = accuracy(ref);
            System.out.println("fp32 accuracy " + fp32Acc);
            assertTrue(fp32Acc > 80, "the model learned the task: fp32 accuracy " + fp32Acc);
            if (Boolean.getBoolean("resnext4j.calibrationSweep")) {
                sweep(fp32, ref, fp32Acc);
            }
            try (InferenceModel int8 = InferenceModel.quantize(net, spec, calibration)) {
                assertEquals(InferencePrecision.INT8, int8.precision());
                assertEquals(256, int8.calibration().images());
                assertEquals(InferenceModel.DEFAULT_METHOD, int8.calibration().method());
                int[] q = predictions(int8);
                double agreement = agreement(q, ref);
                double err = relErr(int8.logits(head()), fp32.logits(head()));
                assertTrue(agreement >= 98, "top-1 agreement with fp32 " + agreement + "%");
                assertTrue(Math.abs(accuracy(q) - fp32Acc) <= 1, "int8 accuracy " + accuracy(q) + " vs " + fp32Acc);
                assertTrue(err > 1e-4 && err < 0.1, "int8 logits differ from fp32 by quantization only: " + err);
                // the stored ranges rebuild the same model without calibration
                try (InferenceModel again = InferenceModel.of(net, spec, int8.calibration())) {
                    assertEquals(0.0, relErr(again.logits(head()), int8.logits(head())), 0.0);
                }
            }
        }
    }

    /**
     * The measurement behind {@link InferenceModel#DEFAULT_METHOD} (docs/quantization.md), with
     * {@code -Dresnext4j.calibrationSweep=true}: accuracy, agreement and logit error of each calibration method.
     */
    private static void sweep(InferenceModel fp32, int[] ref, double fp32Acc) {
        for (Int8Calibration.Method method : Int8Calibration.Method.values()) {
            for (double pct :
                    method == Int8Calibration.Method.MAX ? new double[] {100} : new double[] {99.9, 99.99, 99.999}) {
                Int8Calibration cal = InferenceModel.calibrate(net, spec, calibration, method, pct);
                try (InferenceModel int8 = InferenceModel.of(net, spec, cal)) {
                    int[] q = predictions(int8);
                    double err = relErr(int8.logits(head()), fp32.logits(head()));
                    System.out.printf(
                            "int8 %s %.3f: accuracy %.2f (fp32 %.2f), agreement %.2f%%, relative logit error %.4f%n",
                            method, pct, accuracy(q), fp32Acc, agreement(q, ref), err);
                }
            }
        }
    }

    @Test
    void bf16AgreesWithFp32WhereTheCpuHasIt() {
        assumeTrue(InferenceModel.refusal(InferencePrecision.BF16) == null, "AVX512-BF16 on this CPU");
        try (InferenceModel fp32 = InferenceModel.of(net, spec);
                InferenceModel bf16 = InferenceModel.of(net, spec, InferencePrecision.BF16)) {
            int[] ref = predictions(fp32);
            int[] b = predictions(bf16);
            double err = relErr(bf16.logits(head()), fp32.logits(head()));
            System.out.printf(
                    "bf16: accuracy %.2f (fp32 %.2f), agreement %.2f%%, relative logit error %.4f%n",
                    accuracy(b), accuracy(ref), agreement(b, ref), err);
            assertTrue(agreement(b, ref) >= 99, "bf16 top-1 agreement " + agreement(b, ref));
            assertTrue(err > 1e-5 && err < 0.03, "bf16 logits differ from fp32 by bf16 rounding only: " + err);
        }
    }

    @Test
    void int8NeedsARangeForEveryConvolution() {
        Int8Calibration partial = new Int8Calibration(Int8Calibration.Method.MAX, 100, 1, Map.of("conv1", 1f));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(net, spec, partial));
        assertTrue(e.getMessage().contains("layer1.0.conv1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(net, spec, InferencePrecision.INT8));
    }
}
