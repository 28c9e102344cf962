package org.resnext4j.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.layers.ActivationLayout;
import org.resnext4j.zoo.layers.Conv2dNormActivation;

/**
 * A checkpoint written by the previous release (commit d986aa9: a tiny FUSED ResNeXt after two Nesterov steps, with
 * its updater state, and its inference output on a stored probe) loads with this one: the same outputs, its own
 * configuration (DL4J's max pool, every layer NCHW, input gradients on), and training continues. The fixture is written
 * by {@code tools/compat/MakeCompatCheckpoint.java} run on that release.
 */
class CheckpointCompatibilityTest {

    private static File fixture(String name) throws Exception {
        return new File(CheckpointCompatibilityTest.class
                .getResource("/compat/fused-tiny-d986aa9" + name)
                .toURI());
    }

    @Test
    void previousReleaseCheckpointLoadsPredictsAndTrains(@TempDir Path tmp) throws Exception {
        ComputationGraph net = ModelSerializer.restoreComputationGraph(fixture(".zip"), true);
        INDArray probe = Nd4j.readBinary(fixture(".input.bin"));
        INDArray expected = Nd4j.readBinary(fixture(".output.bin"));
        INDArray out = net.outputSingle(probe);
        double err = out.sub(expected).norm2Number().doubleValue()
                / expected.norm2Number().doubleValue();
        assertTrue(err < 1e-5, "outputs of the old checkpoint, relative error " + err);

        assertInstanceOf(
                SubsamplingLayer.class,
                ((LayerVertex) net.getConfiguration().getVertices().get("maxpool"))
                        .getLayerConf()
                        .getLayer());
        int convNorms = 0;
        for (var v : net.getConfiguration().getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof Conv2dNormActivation c) {
                assertEquals(ActivationLayout.NCHW, c.getInputLayout());
                assertEquals(ActivationLayout.NCHW, c.getOutputLayout());
                assertTrue(c.isInputGradient());
                convNorms++;
            }
        }
        assertEquals(20, convNorms, "the stem, 5 blocks of 3, 4 projections");

        INDArray before = net.params().dup();
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 3, 32, 32);
        INDArray y = Nd4j.eye(5).castTo(DataType.FLOAT).getRows(0, 1, 2, 3);
        net.fit(new DataSet(x, y));
        assertFalse(Double.isNaN(net.score()), "training continues");
        assertTrue(net.params().neq(before).castTo(DataType.INT).sumNumber().longValue() > 0, "parameters moved");

        File again = tmp.resolve("again.zip").toFile();
        ModelSerializer.writeModel(net, again, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(again, true);
        assertEquals(net.outputSingle(probe), back.outputSingle(probe), "written by this release, read back");
    }
}
