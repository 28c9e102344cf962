package org.resnext4j.examples.tutorial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.TorchNames;

/**
 * {@link ExportForPyTorch}: the safetensors file it writes holds every tensor of the model exactly (its own check),
 * loads back strictly into a new graph that gives the same logits, and the Python lines name torchvision's model.
 */
class ExportForPyTorchTest {

    @TempDir
    Path dir;

    @Test
    void theExportedFileLoadsBackIntoTheSameModel() throws Exception {
        ResNeXtSpec spec = ResNeXtSpec.tiny().withNumClasses(5).withInputShape(3, 32, 32);
        ComputationGraph net = ResNeXt.builder(spec).seed(9).build().init();
        Path out = dir.resolve("sub").resolve("tiny.safetensors");
        ExportForPyTorch.Export e = ExportForPyTorch.run(net, spec, out);
        assertEquals(0.0, e.maxDifference(), 0.0);
        assertTrue(e.tensors() > 20, "tensors: " + e.tensors());

        ComputationGraph back = ResNeXt.builder(spec).seed(1).build().initPretrained(out); // strict: every key
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32);
        INDArray a = net.feedForward(x, false).get(TorchNames.FC);
        INDArray b = back.feedForward(x, false).get(TorchNames.FC);
        assertEquals(0.0, a.sub(b).amaxNumber().doubleValue(), 1e-6);
        assertTrue(
                e.python().get(2).contains(out.toAbsolutePath().toString()),
                e.python().toString());
    }

    @Test
    void pythonLinesBuildTorchvisionsModel() {
        ResNeXtSpec spec = ResNeXtSpec.preset("resnext50_32x4d").withNumClasses(10);
        List<String> py = ExportForPyTorch.python(spec, Path.of("/m/birds.safetensors"));
        assertEquals(
                List.of(
                        "from safetensors.torch import load_file; import torchvision",
                        "model = torchvision.models.resnext50_32x4d(num_classes=10)",
                        "model.load_state_dict(load_file(\"/m/birds.safetensors\")); model.eval()"),
                py);
    }
}
