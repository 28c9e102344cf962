package org.resnext4j.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.resnext4j.zoo.weights.TorchvisionWeights;

/**
 * {@link ResNeXt#freezeUntil}: after a training step, every parameter up to and including the stage (batch-norm
 * running statistics included) is unchanged and every later one has moved; frozen layers run in inference mode.
 */
class FreezeUntilTest {

    private static final ResNeXtSpec SPEC = ResNeXtSpec.builder()
            .name("tiny_freeze")
            .blocks(1, 1, 1, 1)
            .cardinality(2)
            .baseWidth(32)
            .planes(4, 8, 8, 8)
            .stemWidth(8)
            .numClasses(3)
            .inputShape(3, 32, 32)
            .build();

    @ParameterizedTest(name = "{0} until {1}")
    @CsvSource({"FUSED, STEM", "FUSED, LAYER3", "SPLIT, LAYER3", "SPLIT, LAYER2", "FUSED, LAYER4"})
    void parametersUpToTheStageStayAndLaterOnesTrain(GraphForm form, Stage stage) {
        ComputationGraph net = ResNeXt.freezeUntil(
                ResNeXt.builder(SPEC.withForm(form))
                        .updater(new Sgd(0.1))
                        .seed(3)
                        .build()
                        .init(),
                stage);
        Map<String, INDArray> before = new LinkedHashMap<>();
        net.paramTable().forEach((k, v) -> before.put(k, v.dup()));
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(4, 3, 32, 32).subi(0.5);
        INDArray y = Nd4j.eye(3).getRows(0, 1, 2, 0);

        Map<String, INDArray> train = net.feedForward(x, true);
        Map<String, INDArray> infer = net.feedForward(x, false);
        net.fit(new DataSet(x, y));

        int frozen = 0;
        int trained = 0;
        for (Map.Entry<String, INDArray> e : before.entrySet()) {
            String key = e.getKey();
            int position = position(key);
            boolean shouldFreeze = position <= stage.ordinal();
            if (shouldFreeze) {
                assertEquals(e.getValue(), net.getParam(key), key + " is frozen");
                assertTrue(net.getLayer(vertex(key)) instanceof FrozenLayer, key);
                frozen++;
            } else if (!key.endsWith("_mean") && !key.endsWith("_log10stdev") && !key.endsWith("_var")) {
                assertNotEquals(e.getValue(), net.getParam(key), key + " trains");
                trained++;
            } else {
                // a trainable batch norm updates its running statistics in training mode
                assertNotEquals(e.getValue(), net.getParam(key), key + " running statistics move");
            }
        }
        assertTrue(frozen > 0 && trained > 0, frozen + " frozen, " + trained + " trained");
        // frozen layers run in inference mode even in a training pass: running statistics, not the batch's
        String lastFrozen = stage.lastVertex(net.getConfiguration().getVertices());
        assertEquals(infer.get(lastFrozen), train.get(lastFrozen), "frozen " + stage + " output in training");
        if (stage == Stage.LAYER4) {
            assertEquals(infer.get("fc"), train.get("fc"), "the whole backbone runs in inference mode");
        } else {
            assertNotEquals(infer.get("fc"), train.get("fc"), "a trainable batch norm uses batch statistics");
        }
    }

    @Test
    void unknownStagesAreRefusedByName() {
        assertEquals(Stage.LAYER3, Stage.parse("layer3"));
        assertEquals("stem", Stage.STEM.key());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Stage.parse("layer5"));
        assertEquals("expected one of [stem, layer1, layer2, layer3, layer4], got \"layer5\"", e.getMessage());
        ComputationGraph features =
                ResNeXt.builder(SPEC).featuresOnly(1).build().init();
        IllegalArgumentException e2 =
                assertThrows(IllegalArgumentException.class, () -> ResNeXt.freezeUntil(features, Stage.LAYER2));
        assertTrue(e2.getMessage().contains("the graph has no stage layer2"), e2.getMessage());
    }

    @Test
    void aFrozenGraphExportsTheSameTorchvisionStateDict() {
        ComputationGraph net = ResNeXt.builder(SPEC).build().init();
        Map<String, INDArray> expected = TorchvisionWeights.stateDict(net);
        Map<String, INDArray> frozen = TorchvisionWeights.stateDict(ResNeXt.freezeUntil(net, Stage.LAYER3));
        assertEquals(expected.keySet(), frozen.keySet());
        expected.forEach((k, v) -> assertEquals(v, frozen.get(k), k));
    }

    /** 0 for the stem's parameters, s for layer s, 5 for the head. */
    private static int position(String paramKey) {
        String v = vertex(paramKey);
        if (v.startsWith("layer")) {
            return v.charAt(5) - '0';
        }
        return v.equals(TorchNames.FC) ? 5 : 0;
    }

    private static String vertex(String paramKey) {
        return paramKey.substring(0, paramKey.lastIndexOf('_'));
    }
}
