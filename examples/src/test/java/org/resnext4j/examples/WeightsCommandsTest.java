package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.SavedModel;
import org.resnext4j.zoo.ImageNetClasses;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.weights.TorchvisionWeights;

/** {@code export-weights} and {@code import-weights} round trip, and ImageNet names for a 1000-class import. */
class WeightsCommandsTest {

    @TempDir
    Path tmp;

    @Test
    void exportThenImportGivesTheSameWeightsAndPredictUsesImageNetNames() throws IOException {
        ComputationGraph net =
                ResNeXt.builder(Models.spec("tiny", 1000, 32)).seed(5).build().init();
        Path zip = tmp.resolve("tiny.zip");
        Checkpoints.save(net, zip, Map.of());
        Path st = tmp.resolve("tiny.safetensors");
        CliRunner.Result export = CliRunner.run("export-weights", zip.toString(), st.toString());
        assertEquals(0, export.code(), export.toString());
        Map<String, INDArray> expected = TorchvisionWeights.stateDict(net);
        assertTrue(
                export.out().contains("Wrote " + expected.size() + " torchvision tensors (1000 classes)"),
                export.out());

        Path imported = tmp.resolve("imported.zip");
        CliRunner.Result imp =
                CliRunner.run("import-weights", st.toString(), imported.toString(), "--model", "tiny", "--size", "32");
        assertEquals(0, imp.code(), imp.toString());
        assertTrue(imp.out().contains(expected.size() + " torchvision tensors loaded strictly"), imp.out());
        SavedModel back = SavedModel.load(imported);
        Map<String, INDArray> actual = TorchvisionWeights.stateDict(back.graph());
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((k, v) -> assertEquals(v, actual.get(k), k));
        assertEquals(32, back.preprocessing().imageSize());

        Path image = ShapesDataset.write(tmp.resolve("shapes"), 1, 32, 3).resolve("circle/circle_0000.png");
        CliRunner.Result predict = CliRunner.run("predict", imported.toString(), image.toString(), "--top", "5");
        assertEquals(0, predict.code(), predict.toString());
        INDArray p = back.graph()
                .outputSingle(
                        false, new org.resnext4j.datavec.ImagePreprocessor(back.preprocessing()).preprocess(image));
        String top1 = ImageNetClasses.name(p.argMax(1).getInt(0));
        assertTrue(predict.out().startsWith(image + "  " + top1 + " "), "top-1 " + top1 + " in " + predict.out());
        assertEquals(6, predict.out().trim().split("  ").length, "image and 5 classes: " + predict.out());
    }
}
