package org.resnext4j.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The inference form (batch norm folded, add and ReLU as post-ops, oneDNN layouts between layers) computes what the
 * graph computes in inference mode: logits within 1e-5 relative (Frobenius norms), for both graph forms, square and
 * non-square inputs, ResNeXt and ResNet blocks, with batch-norm statistics and affine parameters moved away from their
 * initial values by training steps (so folding is exercised).
 */
class InferenceModelTest {

    private static double relErr(INDArray a, INDArray b) {
        INDArray ad = a.castTo(DataType.DOUBLE);
        INDArray bd = b.castTo(DataType.DOUBLE);
        return ad.sub(bd).norm2Number().doubleValue() / bd.norm2Number().doubleValue();
    }

    /** Graph logits: the output layer's input ({@code fc}'s activations) in inference mode. */
    private static INDArray graphLogits(ComputationGraph net, INDArray x) {
        return net.feedForward(x, false).get(TorchNames.FC);
    }

    private static ComputationGraph trained(ResNeXtSpec spec, long seed) {
        ComputationGraph net = ResNeXt.builder(spec).seed(seed).build().init();
        Nd4j.getRandom().setSeed(seed);
        for (int i = 0; i < 3; i++) {
            INDArray x = Nd4j.randn(DataType.FLOAT, 4, 3, spec.inputHeight(), spec.inputWidth())
                    .muli(2)
                    .addi(0.5);
            INDArray y = Nd4j.eye(spec.numClasses())
                    .getRows(
                            i % spec.numClasses(),
                            (i + 1) % spec.numClasses(),
                            (i + 2) % spec.numClasses(),
                            (i + 3) % spec.numClasses());
            net.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
        }
        return net;
    }

    @Test
    void matchesTheGraphInInferenceModeForBothFormsAndShapes() {
        assertTrue(InferenceModel.available(), "oneDNN loads on this machine");
        for (ResNeXtSpec spec : new ResNeXtSpec[] {
            TinySpecs.resnext(),
            TinySpecs.resnext().withForm(GraphForm.SPLIT),
            TinySpecs.resnext().toBuilder().cardinality(1).baseWidth(64).build(),
            TinySpecs.resnext().withInputShape(3, 40, 56)
        }) {
            ComputationGraph net = trained(spec, 11);
            Nd4j.getRandom().setSeed(5);
            INDArray x = Nd4j.randn(DataType.FLOAT, 3, 3, spec.inputHeight(), spec.inputWidth());
            try (InferenceModel fast = InferenceModel.of(net, spec)) {
                INDArray expected = graphLogits(net, x);
                INDArray actual = fast.logits(x);
                assertArrayEquals(expected.shape(), actual.shape());
                double err = relErr(actual, expected);
                System.out.println(spec + ": relative logit error " + err);
                assertTrue(err < 1e-5, spec + ": relative logit error " + err);
                assertTrue(relErr(fast.output(x), net.outputSingle(false, x)) < 1e-5, "probabilities");
                // a second batch size reuses nothing wrongly
                INDArray one = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1))
                        .dup();
                assertTrue(relErr(fast.logits(one), graphLogits(net, one)) < 1e-5, "batch of one");
            }
        }
    }

    @Test
    void fullSizeResnext50At64Pixels() {
        ResNeXtSpec spec =
                ResNeXtSpec.preset("resnext50_32x4d").withNumClasses(10).withInputShape(3, 64, 64);
        ComputationGraph net = trained(spec, 3);
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 64, 64);
        try (InferenceModel fast = InferenceModel.of(net, spec)) {
            double err = relErr(fast.logits(x), graphLogits(net, x));
            System.out.println("resnext50_32x4d @ 64: relative logit error " + err);
            assertTrue(err < 1e-5, "relative logit error " + err);
        }
    }

    @Test
    void fullSizeResnext50At64PixelsInBf16AndInt8() {
        ResNeXtSpec spec =
                ResNeXtSpec.preset("resnext50_32x4d").withNumClasses(10).withInputShape(3, 64, 64);
        ComputationGraph net = trained(spec, 3);
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 3, 64, 64);
        java.util.List<INDArray> calibration = java.util.List.of(Nd4j.randn(DataType.FLOAT, 8, 3, 64, 64));
        try (InferenceModel fp32 = InferenceModel.of(net, spec);
                InferenceModel int8 = InferenceModel.quantize(net, spec, calibration)) {
            INDArray reference = fp32.logits(x);
            double err = relErr(int8.logits(x), reference);
            System.out.println("resnext50_32x4d @ 64 int8: relative logit error " + err);
            assertTrue(err > 1e-4 && err < 0.1, "int8 relative logit error " + err);
            if (InferenceModel.refusal(InferencePrecision.BF16) == null) {
                try (InferenceModel bf16 = InferenceModel.of(net, spec, InferencePrecision.BF16)) {
                    double e = relErr(bf16.logits(x), reference);
                    System.out.println("resnext50_32x4d @ 64 bf16: relative logit error " + e);
                    assertTrue(e > 1e-5 && e < 0.03, "bf16 relative logit error " + e);
                }
            }
        }
    }
}
