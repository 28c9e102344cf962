package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.ui.Checkpoints;
import org.resnext4j.ui.ModelCard;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.weights.TorchvisionWeights;

/**
 * {@code train --pretrained FILE --freeze-until STAGE --backbone-lr-scale F}: the frozen stages keep the file's
 * weights, the rest trains, the backbone's rate is F times the classifier's under the run's step schedule; the
 * settings are in the model card, and {@code --resume} continues with all of it (and refuses to change it).
 */
class CliFineTuneTest {

    @TempDir
    static Path tmp;

    static Path data;
    static Path weights;

    @BeforeAll
    static void setUp() throws IOException {
        data = ShapesDataset.write(tmp.resolve("shapes"), 8, ShapesDataset.DEFAULT_SIZE, 3);
        weights = tmp.resolve("pretrained.safetensors");
        TorchvisionWeights.save(
                ResNeXt.builder(Models.spec(Models.TINY, 10, 32))
                        .seed(77)
                        .build()
                        .init(),
                weights,
                Map.of());
    }

    @Test
    void frozenStagesStayScaledBackboneRateAndResumeKeepsBoth() throws IOException {
        Path run = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run(train(run, "--freeze-until", "layer2", "--backbone-lr-scale", "0.1"));
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("frozen up to layer2, backbone learning rate x0.1"), r.out());
        // the file as a graph holds it (running variances round-trip through DL4J's log10 std)
        ComputationGraph loaded =
                ResNeXt.builder(Models.spec(Models.TINY, 10, 32)).build().init();
        TorchvisionWeights.load(loaded, weights);
        Map<String, INDArray> file = TorchvisionWeights.stateDict(loaded);
        check(run.resolve("checkpoints/last.zip"), file, 0);

        CliRunner.Result changed = CliRunner.run(
                "train", "--resume", "--out", run.toString(), "--epochs", "2", "--freeze-until", "layer3");
        assertEquals(2, changed.code(), changed.toString());
        assertTrue(changed.err().contains("--freeze-until cannot be changed with --resume"), changed.err());

        CliRunner.Result resumed =
                CliRunner.run("train", "--resume", "--out", run.toString(), "--epochs", "2", "--no-ui");
        assertEquals(0, resumed.code(), resumed.toString());
        check(run.resolve("checkpoints/last.zip"), file, 1);
    }

    /** The checkpoint after epoch {@code epoch + 1}: frozen weights, rates, and stored settings. */
    private static void check(Path checkpoint, Map<String, INDArray> file, int epoch) {
        Map<String, Object> settings =
                ModelCard.fromMetadata(Checkpoints.readMetadata(checkpoint)).training();
        assertEquals("layer2", settings.get("freeze_until"));
        assertEquals(0.1, ((Number) settings.get("backbone_lr_scale")).doubleValue());
        assertEquals(false, settings.get("freeze_backbone"));

        ComputationGraph net = (ComputationGraph) Checkpoints.load(checkpoint).model();
        Map<String, INDArray> now = TorchvisionWeights.stateDict(net);
        for (String k : List.of(
                "conv1.weight",
                "bn1.running_var",
                "layer1.0.conv2.weight",
                "layer2.0.bn3.bias",
                "layer2.0.downsample.1.running_mean")) {
            assertEquals(file.get(k), now.get(k), k + " frozen");
        }
        for (String k : List.of("layer3.0.conv2.weight", "layer4.0.conv1.weight")) {
            assertNotEquals(file.get(k), now.get(k), k + " trains");
        }
        assertTrue(net.getLayer("layer2.0.conv1") instanceof FrozenLayer);
        // --lr 0.02, step schedule halving every epoch: the rate of the epoch that follows
        double head = 0.02 * Math.pow(0.5, epoch + 1);
        assertEquals(head, rate(net, "fc", epoch + 1), 1e-12);
        assertEquals(0.1 * head, rate(net, "layer3.0.conv2", epoch + 1), 1e-12);
    }

    @Test
    void badTransferOptionsAreRefusedByName() {
        fails(
                train(tmp.resolve("e1"), "--freeze-until", "layer5"),
                "--freeze-until: expected one of [stem, layer1, " + "layer2, layer3, layer4], got \"layer5\"");
        fails(trainScratch("--freeze-until", "layer1"), "--freeze-until needs --pretrained");
        fails(trainScratch("--backbone-lr-scale", "0.1"), "--backbone-lr-scale needs --pretrained");
        fails(
                train(tmp.resolve("e2"), "--backbone-lr-scale", "0"),
                "--backbone-lr-scale: expected a finite number > 0, " + "got 0.0");
        fails(
                train(tmp.resolve("e3"), "--freeze-backbone", "--backbone-lr-scale", "0.5"),
                "--backbone-lr-scale: the whole backbone is frozen");
        fails(
                train(tmp.resolve("e4"), "--freeze-backbone", "--freeze-until", "layer3"),
                "--freeze-backbone is --freeze-until layer4, but --freeze-until is layer3");
    }

    private static void fails(String[] args, String message) {
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(message), r.err());
    }

    private static double rate(ComputationGraph net, String layer, int epoch) {
        return ((BaseLayer) net.getLayer(layer).conf().getLayer()).getIUpdater().getLearningRate(0, epoch);
    }

    private static String[] trainScratch(String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "train", "--data", data.toString(), "--model", "tiny", "--size", "32", "--no-ui", "--epochs", "1"));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    private static String[] train(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "train",
                "--data",
                data.toString(),
                "--model",
                "tiny",
                "--size",
                "32",
                "--batch",
                "8",
                "--epochs",
                "1",
                "--optimizer",
                "sgd",
                "--lr",
                "0.02",
                "--schedule",
                "step",
                "--lr-step",
                "1",
                "--lr-gamma",
                "0.5",
                "--augment",
                "none",
                "--no-ui",
                "--out",
                out.toString(),
                "--pretrained",
                weights.toString()));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }
}
