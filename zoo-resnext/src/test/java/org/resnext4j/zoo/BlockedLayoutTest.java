package org.resnext4j.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.resnext4j.zoo.layers.ActivationLayout;
import org.resnext4j.zoo.layers.Conv2dNormActivation;
import org.resnext4j.zoo.layers.MaxPool2d;

/**
 * The FUSED graph hands activations between its own layers in oneDNN's channel-blocked layout: the same numbers as the
 * graph with every layer on NCHW, in training (also with frozen layers, which run in inference mode inside a training
 * pass), inference and serialisation, and configurations saved before layouts existed read as NCHW.
 */
class BlockedLayoutTest {

    /** Two blocks in layers 1 and 2, so that identity shortcuts are exercised too. */
    private static final ResNeXtSpec SPEC =
            TinySpecs.resnext().toBuilder().blocks(2, 2, 1, 1).build().withInputShape(3, 48, 48);

    private static ComputationGraphConfiguration allNchw(ComputationGraphConfiguration conf) {
        ComputationGraphConfiguration copy = conf.clone();
        for (Conv2dNormActivation c : convNorms(copy).values()) {
            c.setInputLayout(ActivationLayout.NCHW);
            c.setOutputLayout(ActivationLayout.NCHW);
        }
        copy.getVertices()
                .computeIfPresent("maxpool", (k, v) -> ((MaxPool2d) v).withInputLayout(ActivationLayout.NCHW));
        return copy;
    }

    private static Map<String, Conv2dNormActivation> convNorms(ComputationGraphConfiguration conf) {
        Map<String, Conv2dNormActivation> m = new java.util.TreeMap<>();
        conf.getVertices().forEach((name, v) -> {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof Conv2dNormActivation c) {
                m.put(name, c);
            }
        });
        return m;
    }

    private static ComputationGraph pair(ComputationGraphConfiguration conf, ComputationGraph like) {
        ComputationGraph net = new ComputationGraph(conf);
        net.init(like.params().dup(), true);
        return net;
    }

    private static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, 6, 3, 48, 48);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, SPEC.numClasses());
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, (i + seed) % SPEC.numClasses(), 1f);
        }
        return new DataSet(x, y);
    }

    private static double relErr(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue()
                / Math.max(1e-12, b.norm2Number().doubleValue());
    }

    @Test
    void fusedGraphsUseBlockedInsideBlocksAndNchwAtTheirEdges() {
        Map<String, Conv2dNormActivation> c = convNorms(
                ResNeXt.builder(SPEC).updater(new Nesterovs(0.05, 0.9)).build().conf());
        ComputationGraphConfiguration conf =
                ResNeXt.builder(SPEC).updater(new Nesterovs(0.05, 0.9)).build().conf();
        // the stem hands its output to the max pool in oneDNN's layout and computes no input gradient
        assertEquals(ActivationLayout.NCHW, c.get("conv1").getInputLayout());
        assertEquals(ActivationLayout.BLOCKED, c.get("conv1").getOutputLayout());
        assertFalse(c.get("conv1").isInputGradient());
        assertTrue(c.get("layer1.0.conv1").isInputGradient());
        assertEquals(ActivationLayout.BLOCKED, ((MaxPool2d) conf.getVertices().get("maxpool")).getInputLayout());
        for (String block : new String[] {"layer1.0", "layer1.1", "layer2.1", "layer4.0"}) {
            assertEquals(ActivationLayout.NCHW, c.get(block + ".conv1").getInputLayout(), block);
            assertEquals(ActivationLayout.BLOCKED, c.get(block + ".conv1").getOutputLayout(), block);
            assertEquals(ActivationLayout.BLOCKED, c.get(block + ".conv2").getInputLayout(), block);
            assertEquals(ActivationLayout.BLOCKED, c.get(block + ".conv2").getOutputLayout(), block);
            assertEquals(ActivationLayout.BLOCKED, c.get(block + ".conv3").getInputLayout(), block);
            assertEquals(ActivationLayout.NCHW, c.get(block + ".conv3").getOutputLayout(), block);
        }
        assertEquals(ActivationLayout.NCHW, c.get("layer2.0.downsample.0").getInputLayout());
        assertEquals(ActivationLayout.NCHW, c.get("layer2.0.downsample.0").getOutputLayout());
        // the layout is a runtime property of the oneDNN kernel, which the test backend (onednn build) provides
        assertTrue(ActivationLayout.channelBlock(DataType.FLOAT) >= 8, "no oneDNN kernel: the test proves nothing");
        assertEquals(0, ActivationLayout.channelBlock(DataType.DOUBLE));
    }

    @Test
    void trainingInferenceAndInteriorActivationsEqualTheNchwGraph() {
        ComputationGraph blocked = ResNeXt.builder(SPEC)
                .updater(new Nesterovs(0.05, 0.9))
                .seed(5)
                .build()
                .init();
        ComputationGraph nchw = pair(allNchw(blocked.getConfiguration()), blocked);
        for (int step = 0; step < 3; step++) {
            DataSet d = batch(step);
            blocked.fit(d);
            nchw.fit(d);
            assertEquals(nchw.score(), blocked.score(), 1e-5 * Math.abs(nchw.score()), "score at step " + step);
        }
        double paramErr = relErr(blocked.params(), nchw.params());
        assertTrue(paramErr < 1e-5, "parameters after 3 steps, relative error " + paramErr);
        INDArray x = batch(9).getFeatures();
        assertTrue(relErr(blocked.outputSingle(x), nchw.outputSingle(x)) < 1e-5, "inference outputs");

        int block = ActivationLayout.channelBlock(DataType.FLOAT);
        Map<String, INDArray> a = blocked.feedForward(x, false);
        Map<String, INDArray> b = nchw.feedForward(x, false);
        INDArray interior = ActivationLayout.toNchw(a.get("layer2.0.conv2"), block);
        assertTrue(relErr(interior, b.get("layer2.0.conv2")) < 1e-5, "an activation inside a block, back in NCHW");
        for (String name : new String[] {"layer1.1", "layer2.0", "layer3.0", "layer4.0"}) {
            assertTrue(relErr(a.get(name), b.get(name)) < 1e-5, name + "'s output is NCHW");
        }
    }

    @Test
    void frozenLayersRunInInferenceModeInsideATrainingPassAndStillAgree() {
        ComputationGraph base = ResNeXt.builder(SPEC)
                .updater(new Nesterovs(0.05, 0.9))
                .seed(6)
                .build()
                .init();
        base.fit(batch(1)); // move the running statistics off their initial values
        ComputationGraph nchwBase = pair(allNchw(base.getConfiguration()), base);
        ComputationGraph blocked = new TransferLearning.GraphBuilder(base)
                .setFeatureExtractor("layer1.1")
                .build();
        ComputationGraph nchw = new TransferLearning.GraphBuilder(nchwBase)
                .setFeatureExtractor("layer1.1")
                .build();
        INDArray frozenBefore = blocked.getParam("layer1.1.conv2_W").dup();
        for (int step = 0; step < 2; step++) {
            DataSet d = batch(10 + step);
            blocked.fit(d);
            nchw.fit(d);
        }
        assertEquals(frozenBefore, blocked.getParam("layer1.1.conv2_W"), "a frozen layer changed");
        double paramErr = relErr(blocked.params(), nchw.params());
        assertTrue(paramErr < 1e-5, "parameters after 2 steps with layer1 frozen, relative error " + paramErr);
    }

    @Test
    void layoutsSurviveJsonAndConfigurationsWithoutThemReadAsNchw() {
        ComputationGraphConfiguration conf = ResNeXt.builder(SPEC).build().conf();
        String json = conf.toJson();
        assertTrue(json.contains("\"BLOCKED\""), "layouts are saved");
        assertEquals(conf, ComputationGraphConfiguration.fromJson(json));
        // a configuration saved by the previous release has no layout fields
        String old = json.replaceAll("\"(input|output)Layout\" : \"[A-Z]+\",?", "")
                .replaceAll("\"inputGradient\" : (true|false),?", "");
        assertTrue(!old.contains("Layout\""), "the fields were stripped");
        ComputationGraphConfiguration legacy = ComputationGraphConfiguration.fromJson(old);
        for (Conv2dNormActivation c : convNorms(legacy).values()) {
            assertEquals(ActivationLayout.NCHW, c.getInputLayout());
            assertEquals(ActivationLayout.NCHW, c.getOutputLayout());
        }
        assertEquals(ActivationLayout.NCHW, ((MaxPool2d) legacy.getVertices().get("maxpool")).getInputLayout());
        ComputationGraphConfiguration expected = allNchw(conf);
        convNorms(expected).values().forEach(c -> c.setInputGradient(true));
        assertEquals(expected, legacy);
    }
}
