package org.resnext4j.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Feature-map shapes of real forward passes against torchvision's. */
class ModelShapesTest {

    @Test
    void resnext50FeatureMapsAt224MatchTorchvision() {
        ResNeXtSpec spec = ResNeXtSpec.preset("resnext50_32x4d");
        ComputationGraph net = ResNeXt.builder(spec).build().init();
        Map<String, INDArray> acts = net.feedForward(Nd4j.rand(1, 3, 224, 224), false);
        assertArrayEquals(new long[] {1, 64, 56, 56}, acts.get("maxpool").shape());
        assertArrayEquals(
                new long[] {1, 256, 56, 56},
                acts.get(TorchNames.stageOutput(spec, 1)).shape());
        assertArrayEquals(
                new long[] {1, 512, 28, 28},
                acts.get(TorchNames.stageOutput(spec, 2)).shape());
        assertArrayEquals(
                new long[] {1, 1024, 14, 14},
                acts.get(TorchNames.stageOutput(spec, 3)).shape());
        assertArrayEquals(
                new long[] {1, 2048, 7, 7},
                acts.get(TorchNames.stageOutput(spec, 4)).shape());
        assertArrayEquals(new long[] {1, 1000}, acts.get(TorchNames.FC).shape());
        INDArray probs = acts.get(TorchNames.OUTPUT);
        assertEquals(1.0, probs.sumNumber().doubleValue(), 1e-4);
    }

    /** torchvision, layer1..layer4 spatial sizes: 64 -> 16, 8, 4, 2; 160 -> 40, 20, 10, 5; 97 -> 25, 13, 7, 4. */
    @ParameterizedTest
    @ValueSource(ints = {64, 160, 97})
    void otherInputSizesGiveTorchvisionShapes(int size) {
        int[] expected =
                switch (size) {
                    case 64 -> new int[] {16, 8, 4, 2};
                    case 160 -> new int[] {40, 20, 10, 5};
                    default -> new int[] {25, 13, 7, 4};
                };
        ResNeXtSpec spec = TinySpecs.resnext().withInputShape(3, size, size);
        ComputationGraph net = ResNeXt.builder(spec).build().init();
        Map<String, INDArray> acts = net.feedForward(Nd4j.rand(2, 3, size, size), false);
        for (int stage = 1; stage <= 4; stage++) {
            assertArrayEquals(
                    new long[] {2, spec.outChannels(stage), expected[stage - 1], expected[stage - 1]},
                    acts.get(TorchNames.stageOutput(spec, stage)).shape(),
                    "layer" + stage + " at " + size);
        }
        assertArrayEquals(
                new long[] {2, spec.numClasses()}, acts.get(TorchNames.OUTPUT).shape());
    }

    @Test
    void nonSquareAndSingleChannelInput() {
        ResNeXtSpec spec = TinySpecs.resnet().withInputShape(1, 48, 80);
        ComputationGraph net = ResNeXt.builder(spec).build().init();
        INDArray out = net.feedForward(Nd4j.rand(1, 1, 48, 80), false).get(TorchNames.stageOutput(spec, 4));
        // 48 -> 24 -> 12 | 12, 6, 3, 2 ; 80 -> 40 -> 20 | 20, 10, 5, 3
        assertArrayEquals(new long[] {1, spec.outChannels(4), 2, 3}, out.shape());
    }
}
