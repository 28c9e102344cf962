package org.resnext4j.examples.tutorial;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.ui.SavedModel;
import org.resnext4j.ui.TrainingResult;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;

/**
 * {@link FineTuneOnFolder} from a tiny "pretrained" model served by a loopback user catalog, on a generated 3-class
 * folder, backbone frozen, 2 epochs: the new head beats chance (33%) by far, and the run folder's best checkpoint loads as a model of the folder's classes whose
 * every backbone weight is the served file's (frozen), with a new 3-class {@code fc}, and it predicts.
 */
class FineTuneOnFolderTest {

    @TempDir
    Path dir;

    @Test
    void fineTunesANewHeadOnTheFrozenPretrainedBackboneAndKeepsTheBestCheckpoint() throws Exception {
        ResNeXtSpec spec = ResNeXtSpec.tiny().withInputShape(3, 32, 32);
        ComputationGraph pretrained = ResNeXt.builder(spec).seed(3).build().init();
        Map<String, INDArray> served = new java.util.HashMap<>();
        pretrained.paramTable().forEach((k, v) -> served.put(k, v.dup()));
        Path data = ColourFolders.write(dir.resolve("colours"), 30, 32, 4);
        TrainingResult result;
        try (LoopbackCatalog catalog = new LoopbackCatalog(dir, "tiny.in1k_test", spec, pretrained)) {
            result = FineTuneOnFolder.run(new FineTuneOnFolder.Settings(
                    data, "tiny.in1k_test", dir.resolve("run"), 2, 32, 16, 1e-2, true, false));
            assertEquals(1, catalog.requests());
        }
        assertEquals(2, result.history().epochs().size());
        assertTrue(Files.isRegularFile(result.bestCheckpoint()), "best checkpoint " + result.bestCheckpoint());
        double bestAccuracy = result.history().best().orElseThrow().valAccuracy();
        assertTrue(bestAccuracy >= 0.8, "best validation accuracy " + bestAccuracy + ", chance 0.33");
        try (SavedModel best = SavedModel.load(result.bestCheckpoint())) {
            assertEquals(ColourFolders.CLASSES, best.classNames());
            Map<String, INDArray> tuned = best.graph().paramTable(); // DL4J's names: conv1_W, fc_W...
            assertEquals(served.keySet(), tuned.keySet());
            int frozen = 0;
            for (Map.Entry<String, INDArray> e : served.entrySet()) {
                if (!e.getKey().startsWith("fc_")) {
                    assertEquals(e.getValue(), tuned.get(e.getKey()), e.getKey() + " is frozen");
                    frozen++;
                }
            }
            assertTrue(frozen > 20, frozen + " frozen parameters");
            assertArrayEquals(
                    new long[] {spec.outChannels(4), 3}, tuned.get("fc_W").shape());
            assertEquals(
                    3, best.predict(data.resolve("red").resolve("000.png"), 3).size());
        }
    }
}
