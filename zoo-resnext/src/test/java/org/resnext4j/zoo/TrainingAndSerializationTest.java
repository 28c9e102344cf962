package org.resnext4j.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.resnext4j.zoo.layers.GroupedConvolution;

class TrainingAndSerializationTest {

    static Stream<ResNeXtSpec> tinySpecs() {
        return Stream.of(TinySpecs.resnext(), TinySpecs.resnextSplit(), TinySpecs.resnet());
    }

    private static DataSet batch(ResNeXtSpec spec, int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(n, spec.inputChannels(), spec.inputHeight(), spec.inputWidth());
        INDArray y = Nd4j.zeros(n, spec.numClasses());
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % spec.numClasses(), 1.0);
        }
        return new DataSet(x, y);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tinySpecs")
    void oneTrainingStepChangesEveryTrainableParameterWithoutNaN(ResNeXtSpec tiny) {
        // 64x64 so that layer4's 3x3 taps all see data (at 32x32 its 2x2 input gives a 1x1 map, and 5 of 9 taps
        // see only padding, hence zero gradient)
        ResNeXtSpec spec = tiny.withInputShape(3, 64, 64);
        ComputationGraph net =
                ResNeXt.builder(spec).updater(new Adam(1e-2)).seed(7).build().init();
        Map<String, INDArray> before = new HashMap<>();
        net.paramTable().forEach((k, v) -> before.put(k, v.dup()));
        long total = 0;
        long changedElements = 0;
        net.fit(batch(spec, 8, 1));
        assertFalse(Double.isNaN(net.score()), "score is NaN");
        int checked = 0;
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            INDArray now = e.getValue();
            assertFalse(now.isNaN().any() || now.isInfinite().any(), e.getKey() + " has NaN/Inf");
            // a tensor changes as a whole; single weights may legitimately keep a zero gradient (a ReLU channel that
            // is zero for the whole batch, or a kernel tap that only ever sees padding on a 1x1 map)
            INDArray changed = now.neq(before.get(e.getKey())).castTo(DataType.FLOAT);
            long n = changed.sumNumber().longValue();
            assertTrue(n > 0, e.getKey() + " did not change after one step");
            total += now.length();
            changedElements += n;
            checked++;
        }
        assertEquals(net.paramTable().size(), checked);
        assertTrue(checked > 20, "parameters checked: " + checked);
        assertTrue(changedElements > 0.95 * total, changedElements + " of " + total + " parameters changed");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tinySpecs")
    void modelSerializerRoundTripGivesBitIdenticalOutputs(ResNeXtSpec spec, @TempDir File dir) throws Exception {
        ComputationGraph net = ResNeXt.builder(spec).seed(3).build().init();
        net.fit(batch(spec, 4, 2)); // non-trivial BatchNorm statistics and updater state
        File file = new File(dir, "model.zip");
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);

        INDArray x = batch(spec, 3, 5).getFeatures();
        assertEquals(net.outputSingle(false, x), restored.outputSingle(false, x));
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(net.getConfiguration(), restored.getConfiguration());
        if (spec.cardinality() > 1 && spec.form() == GraphForm.SPLIT) {
            GraphVertex slice =
                    restored.getConfiguration().getVertices().get(TorchNames.groupSlice("layer1.0.conv2", 1));
            assertInstanceOf(ChannelSliceVertex.class, slice);
        }
        if (spec.cardinality() > 1 && spec.form() == GraphForm.FUSED) {
            LayerVertex conv2 =
                    (LayerVertex) restored.getConfiguration().getVertices().get("layer1.0.conv2");
            GroupedConvolution layer = (GroupedConvolution) conv2.getLayerConf().getLayer();
            assertEquals(spec.cardinality(), layer.getGroups());
        }
    }

    @Test
    void jsonRoundTripKeepsTheSliceVertexFix() {
        ComputationGraphConfiguration conf =
                ResNeXt.builder(TinySpecs.resnextSplit()).build().conf();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        ChannelSliceVertex v = (ChannelSliceVertex) back.getVertices().get("layer2.0.conv2.slice3");
        assertEquals(24, v.getFrom());
        assertEquals(31, v.getTo());
        ComputationGraph net = new ComputationGraph(back);
        net.init(); // would fail with DL4J's SubsetVertex ("had parameters < 0")
        assertEquals(ModelSummary.of(TinySpecs.resnext()).dl4jParams(), net.numParams());
    }

    @Test
    void jsonRoundTripKeepsTheFusedGroupedConvolution() {
        ComputationGraphConfiguration conf =
                ResNeXt.builder(TinySpecs.resnext()).build().conf();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        GroupedConvolution layer =
                (GroupedConvolution) ((LayerVertex) back.getVertices().get("layer2.0.conv2"))
                        .getLayerConf()
                        .getLayer();
        assertEquals(4, layer.getGroups());
        assertArrayEquals(new int[] {2, 2}, layer.getStride());
        assertArrayEquals(new int[] {1, 1}, layer.getPadding());
        ComputationGraph net = new ComputationGraph(back);
        net.init();
        assertEquals(ModelSummary.of(TinySpecs.resnext()).dl4jParams(), net.numParams());
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        INDArray a =
                ResNeXt.builder(TinySpecs.resnext()).seed(11).build().init().params();
        INDArray b =
                ResNeXt.builder(TinySpecs.resnext()).seed(11).build().init().params();
        INDArray c =
                ResNeXt.builder(TinySpecs.resnext()).seed(12).build().init().params();
        assertEquals(a, b);
        assertNotEquals(a, c);
    }
}
