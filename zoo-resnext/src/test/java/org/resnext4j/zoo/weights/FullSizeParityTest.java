package org.resnext4j.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.resnext4j.zoo.GraphForm;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * Full-size parity with torchvision at 224x224: {@code mvn -B -pl zoo-resnext -Pparity test}, which first writes
 * the fixtures with {@code tools/make_reference_fixtures.py --full} (Debian's python3-torch and
 * python3-torchvision) into {@code target/parity}. Skipped in the default build.
 */
@EnabledIfSystemProperty(named = "resnext4j.parity.dir", matches = ".+")
class FullSizeParityTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"resnext50_32x4d, FUSED", "resnext50_32x4d, SPLIT", "resnet50, FUSED"})
    void fullSizeLogitsMatchTorchvision(String preset, GraphForm form) throws Exception {
        Path dir = Paths.get(System.getProperty("resnext4j.parity.dir"));
        Path weights = dir.resolve(preset + ".weights.safetensors");
        ResNeXtSpec spec = Fixtures.spec(weights);
        assertEquals(ResNeXtSpec.preset(preset), spec.toBuilder().name(preset).build());
        ComputationGraph net = ResNeXt.builder(spec.withForm(form)).build().initPretrained(weights);
        double diff = TorchvisionParityTest.assertParity(net, spec, dir.resolve(preset + ".io.safetensors"));
        System.out.println(preset + " " + form + " at 224x224: max |logit diff| vs torchvision = " + diff);
    }

    /** {@code featuresOnly()} at full size: torchvision's stem map (first sample) and stage outputs, 1e-5 x scale. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"resnext50_32x4d, FUSED", "resnext50_32x4d, SPLIT", "resnet50, FUSED"})
    void fullSizeFeaturesMatchTorchvision(String preset, GraphForm form) throws Exception {
        Path dir = Paths.get(System.getProperty("resnext4j.parity.dir"));
        Path weights = dir.resolve(preset + ".weights.safetensors");
        ResNeXtSpec spec = Fixtures.spec(weights).withForm(form);
        ComputationGraph net = ResNeXt.builder(spec).featuresOnly().build().initPretrained(weights);
        try (SafeTensorsReader io = SafeTensorsReader.open(dir.resolve(preset + ".io.safetensors"));
                SafeTensorsReader stem = SafeTensorsReader.open(dir.resolve(preset + ".features.safetensors"))) {
            INDArray[] features = net.output(false, io.getFloat("input"));
            String[] names = {"relu", "layer1", "layer2", "layer3", "layer4"};
            for (int i = 0; i < names.length; i++) {
                INDArray expected = i == 0 ? stem.getFloat("relu") : io.getFloat(names[i]);
                INDArray actual = i == 0
                        ? features[0].get(
                                NDArrayIndex.interval(0, 1), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all())
                        : features[i];
                assertArrayEquals(expected.shape(), actual.shape(), names[i]);
                double scale = Math.max(1.0, expected.amaxNumber().doubleValue());
                double d = actual.sub(expected).amaxNumber().doubleValue();
                assertTrue(d <= 1e-5 * scale, names[i] + ": max |difference| " + d + " at scale " + scale);
                System.out.println(preset + " " + form + " " + names[i] + ": max |diff| " + d + " at scale " + scale);
            }
        }
    }
}
