package org.resnext4j.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.ZooType;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;

/** {@link ResNeXt} behaves as a DL4J {@link ZooModel}. */
class ZooIntegrationTest {

    @Test
    @SuppressWarnings("deprecation")
    void zooModelContract() {
        ZooModel<ResNeXt> zoo = ResNeXt.builder("resnext50_32x4d").numClasses(4).build();
        assertEquals("resnext50_32x4d", zoo.modelName());
        assertEquals(ComputationGraph.class, zoo.modelType());
        ModelMetaData meta = zoo.metaData();
        assertEquals(4, meta.getNumOutputs());
        assertEquals(ZooType.CNN, meta.getZooType());
        assertArrayEquals(new int[][] {{3, 224, 224}}, meta.getInputShape());
        // the catalog has ImageNet weights for the architecture (whatever the head), as DL4J's own zoo models answer
        assertTrue(zoo.pretrainedAvailable(org.deeplearning4j.zoo.PretrainedType.IMAGENET));
        assertEquals(
                "https://download.pytorch.org/models/resnext50_32x4d-1a0047aa.pth",
                zoo.pretrainedUrl(org.deeplearning4j.zoo.PretrainedType.IMAGENET));
        assertTrue(!zoo.pretrainedAvailable(org.deeplearning4j.zoo.PretrainedType.CIFAR10));
        assertTrue(!ResNeXt.builder(TinySpecs.resnext())
                .build()
                .pretrainedAvailable(org.deeplearning4j.zoo.PretrainedType.IMAGENET));
    }

    @Test
    void setInputShapeChangesLaterInits() {
        ResNeXt zoo = ResNeXt.builder(TinySpecs.resnext()).build();
        zoo.setInputShape(new int[][] {{1, 40, 48}});
        ComputationGraph net = zoo.init();
        assertArrayEquals(
                new long[] {2, 5}, net.outputSingle(Nd4j.rand(2, 1, 40, 48)).shape());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> zoo.setInputShape(new int[][] {{3, 224}}));
        assertTrue(
                e.getMessage().startsWith("inputShape: expected one shape {{channels, height, width}}"),
                e.getMessage());
        IllegalArgumentException neg =
                assertThrows(IllegalArgumentException.class, () -> zoo.setInputShape(new int[][] {{3, -5, 224}}));
        assertEquals("inputShape height: expected a positive integer, got -5", neg.getMessage());
    }

    @Test
    void trainingSettingsReachTheConfiguration() {
        ComputationGraphConfiguration conf = ResNeXt.builder(TinySpecs.resnet())
                .seed(99)
                .updater(new Nesterovs(0.05, 0.9))
                .workspaceMode(WorkspaceMode.NONE)
                .cacheMode(CacheMode.HOST)
                .build()
                .conf();
        assertEquals(WorkspaceMode.NONE, conf.getTrainingWorkspaceMode());
        assertEquals(WorkspaceMode.NONE, conf.getInferenceWorkspaceMode());
        assertEquals(CacheMode.HOST, conf.getCacheMode());
        LayerVertex conv1 = (LayerVertex) conf.getVertices().get(TorchNames.STEM_CONV);
        assertEquals(99, conv1.getLayerConf().getSeed());
        BaseLayer layer = (BaseLayer) conv1.getLayerConf().getLayer();
        assertInstanceOf(Nesterovs.class, layer.getIUpdater());
        assertEquals(0.05, ((Nesterovs) layer.getIUpdater()).getLearningRate(), 0);
        assertEquals(new KaimingNormalFanOut(1), layer.getWeightInitFn());
    }

    @Test
    void unknownPresetIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResNeXt.builder("resnet18"));
        assertTrue(
                e.getMessage().contains("\"resnet18\"") && e.getMessage().contains("resnext101_64x4d"), e.getMessage());
    }
}
