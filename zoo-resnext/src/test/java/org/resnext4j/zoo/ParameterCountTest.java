package org.resnext4j.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Parameter counts against torchvision's: {@code sum(p.numel() for p in m.parameters())} for
 * {@code m = ResNet(Bottleneck, layers, groups=G, width_per_group=W)}, and that plus the BatchNorm running-statistics
 * buffers, which DL4J's {@code numParams()} counts.
 */
class ParameterCountTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "resnet50,         25557032, 25610152",
        "resnext50_32x4d,  25028904, 25097128",
        "resnext50_64x4d,  45192488, 45290920",
        "resnext101_32x8d, 88791336, 88994216",
        "resnext101_64x4d, 83455272, 83658152",
    })
    void trainableParametersEqualTorchvision(String preset, long torchvision, long withRunningStats) {
        ModelSummary summary = ModelSummary.of(ResNeXtSpec.preset(preset));
        assertEquals(torchvision, summary.trainableParams());
        // torchvision's parameters plus its BatchNorm running_mean and running_var buffers
        assertEquals(withRunningStats, summary.dl4jParams());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "resnet50,        FUSED, 25557032, 25610152",
        "resnext50_32x4d, FUSED, 25028904, 25097128",
        "resnext50_32x4d, SPLIT, 25028904, 25097128",
    })
    void initialisedGraphHasTorchvisionTrainableAndDl4jCounts(
            String preset, GraphForm form, long trainable, long dl4j) {
        ComputationGraph net = ResNeXt.builder(ResNeXtSpec.preset(preset).withForm(form))
                .build()
                .init();
        assertEquals(dl4j, net.numParams());
        long counted = 0;
        for (Map.Entry<String, org.nd4j.linalg.api.ndarray.INDArray> e :
                net.paramTable().entrySet()) {
            String key = e.getKey().substring(e.getKey().lastIndexOf('_') + 1);
            if (!key.equals("mean") && !key.equals("var") && !key.equals("log10stdev")) {
                counted += e.getValue().length();
            }
        }
        assertEquals(trainable, counted);
        assertEquals(
                dl4j, ModelSummary.of(ResNeXtSpec.preset(preset).withForm(form)).dl4jParams());
    }

    @Test
    void classifierFollowsNumberOfClasses() {
        ResNeXtSpec spec = ResNeXtSpec.preset("resnext50_32x4d").withNumClasses(4);
        // fc: 2048 x 4 weights + 4 biases instead of 2048 x 1000 + 1000
        assertEquals(25028904L - 2049L * 1000 + 2049L * 4, ModelSummary.of(spec).trainableParams());
    }
}
