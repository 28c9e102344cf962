package org.resnext4j.zoo.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
}
