package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.datavec.PreprocessingConfig;
import org.resnext4j.zoo.InferenceModel;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.kernels.Kernels;

/**
 * A saved model runs its predictions where the kernel seam says: on the inference form where oneDNN is chosen, on the
 * graph with {@code -Dresnext4j.kernel=nd4j} (the same probabilities).
 */
class SavedModelEngineTest {

    private static final ResNeXtSpec SPEC =
            ResNeXtSpec.tiny().toBuilder().numClasses(3).inputShape(3, 32, 32).build();
    private static final PreprocessingConfig PRE =
            new PreprocessingConfig(32, 40, new float[] {0.5f, 0.4f, 0.3f}, new float[] {0.2f, 0.25f, 0.3f});

    private static double relErr(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue();
    }

    @Test
    void theNd4jKernelPropertyTurnsTheInferenceFormOff(@TempDir Path tmp) {
        ComputationGraph net = ResNeXt.builder(SPEC).seed(1).build().init();
        Path file = tmp.resolve("model.zip");
        Checkpoints.save(
                net, file, Map.of(ModelCard.KEY, ModelCard.of(SPEC, PRE).toMap()));
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 32, 32);
        INDArray expected = net.outputSingle(false, x);

        String before = System.getProperty(Kernels.KERNEL_PROPERTY);
        System.setProperty(Kernels.KERNEL_PROPERTY, "nd4j");
        try (SavedModel model = SavedModel.load(file)) {
            assertFalse(model.usesInferenceForm(), "resnext4j.kernel=nd4j: predictions on the graph");
            double err = relErr(model.probabilities(x), expected);
            assertTrue(err < 1e-5, "graph (ND4J kernels) against the oneDNN graph, relative error " + err);
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> model.withPrecision(org.resnext4j.zoo.InferencePrecision.BF16));
            assertTrue(
                    e.getMessage().contains("model.zip")
                            && e.getMessage().contains("does not run here")
                            && e.getMessage().contains("nd4j"),
                    "names the file and the seam's refusal, not 'this model has none': " + e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(Kernels.KERNEL_PROPERTY);
            } else {
                System.setProperty(Kernels.KERNEL_PROPERTY, before);
            }
        }

        assumeTrue(InferenceModel.available(), "oneDNN loads on this machine");
        try (SavedModel model = SavedModel.load(file)) {
            assertTrue(model.usesInferenceForm(), "by default on the inference form");
            double err = relErr(model.probabilities(x), expected);
            assertTrue(err < 1e-5, "inference form against the graph, relative error " + err);
        }
    }
}
