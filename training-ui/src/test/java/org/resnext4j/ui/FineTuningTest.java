package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.resnext4j.zoo.GraphForm;
import org.resnext4j.zoo.ResNeXt;
import org.resnext4j.zoo.ResNeXtSpec;
import org.resnext4j.zoo.Stage;

/**
 * {@link FineTuning#scaleBackboneLearningRate}: one plain-SGD step moves each backbone parameter by exactly
 * {@code F * lr * gradient} and the head by {@code lr * gradient}, with the gradient computed beforehand on the same
 * batch; the scale composes with the run's schedule, with reduce-on-plateau, with frozen stages, and survives
 * serialisation (checkpoints, resume).
 */
class FineTuningTest {

    private static final double LR = 0.05;
    private static final double F = 0.3;

    private static ResNeXtSpec spec(GraphForm form) {
        return ResNeXtSpec.builder()
                .name("tiny_finetune")
                .blocks(1, 1, 1, 1)
                .cardinality(2)
                .baseWidth(32)
                .planes(4, 8, 8, 8)
                .stemWidth(8)
                .numClasses(3)
                .inputShape(3, 32, 32)
                .form(form)
                .build();
    }

    @ParameterizedTest
    @CsvSource({"FUSED", "SPLIT"})
    void oneSgdStepMovesTheBackboneByFTimesTheHeadsRate(GraphForm form) {
        ComputationGraph net =
                ResNeXt.builder(spec(form)).updater(new Sgd(LR)).seed(5).build().init();
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(4, 3, 32, 32).subi(0.5);
        INDArray y = Nd4j.eye(3).getRows(0, 1, 2, 1);
        List<String> keys = List.of("conv1_W", "layer1.0.conv1_W", "layer3.0.downsample.0_W", "layer4.0.conv3_W");
        List<String> head = List.of("fc_W", "fc_b");

        // the gradient at the starting point, on the same batch, before any update
        ComputationGraph probe = net.clone();
        probe.setInputs(x);
        probe.setLabels(y);
        probe.computeGradientAndScore();
        Map<String, INDArray> grad = new java.util.HashMap<>();
        for (String k : concat(keys, head)) {
            grad.put(k, probe.gradient().getGradientFor(k).dup());
        }
        Map<String, INDArray> before = new java.util.HashMap<>();
        for (String k : concat(keys, head)) {
            before.put(k, net.getParam(k).dup());
        }

        List<String> changed = FineTuning.scaleBackboneLearningRate(net, F);
        assertTrue(changed.contains("conv1") && changed.contains("layer4.0.conv3") && !changed.contains("fc"));
        net.fit(new DataSet(x, y));

        // DL4J's gradient sums over the batch; the updater divides it by the minibatch size before SGD's step
        double batch = x.size(0);
        for (String k : keys) {
            assertStep(before.get(k), net.getParam(k), grad.get(k).mul(F * LR / batch), k);
        }
        for (String k : head) {
            assertStep(before.get(k), net.getParam(k), grad.get(k).mul(LR / batch), k);
        }
    }

    @Test
    void theScaleComposesWithSchedulesReductionsFreezingAndSerialisation() throws Exception {
        MapSchedule schedule = new MapSchedule(ScheduleType.EPOCH, Map.of(0, 0.1, 1, 0.04, 2, 0.01));
        ComputationGraph net = ResNeXt.freezeUntil(
                ResNeXt.builder(spec(GraphForm.FUSED))
                        .updater(new Sgd(schedule))
                        .build()
                        .init(),
                Stage.LAYER2);
        List<String> changed = FineTuning.scaleBackboneLearningRate(net, F);
        assertEquals(
                List.of(
                        "layer3.0.conv1",
                        "layer3.0.conv2",
                        "layer3.0.conv3",
                        "layer3.0.downsample.0",
                        "layer4.0.conv1",
                        "layer4.0.conv2",
                        "layer4.0.conv3",
                        "layer4.0.downsample.0"),
                changed.stream().sorted().toList(),
                "only the trainable backbone");
        for (int epoch = 0; epoch < 3; epoch++) {
            assertEquals(F * schedule.valueAt(0, epoch), rate(net, "layer3.0.conv2", epoch), 1e-15);
            assertEquals(schedule.valueAt(0, epoch), rate(net, "fc", epoch), 1e-15);
        }
        assertEquals(0.1, Network.of(net).learningRate(), 1e-15, "the run's reported rate is the head's");
        ReduceLrOnPlateau.scale(Network.of(net), 0.5);
        assertEquals(0.5 * F * 0.04, rate(net, "layer4.0.conv1", 1), 1e-15);
        assertEquals(0.5 * 0.04, rate(net, "fc", 1), 1e-15);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        ComputationGraph back =
                ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertEquals(0.5 * F * 0.01, rate(back, "layer4.0.conv1", 2), 1e-15);
        assertEquals(0.5 * 0.01, rate(back, "fc", 2), 1e-15);

        assertThrows(IllegalArgumentException.class, () -> FineTuning.scaleBackboneLearningRate(net, 0));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> FineTuning.scaleBackboneLearningRate(net, Double.NaN));
        assertEquals("backbone learning-rate scale: expected a finite number > 0, got NaN", e.getMessage());
    }

    private static double rate(ComputationGraph net, String layer, int epoch) {
        return ((BaseLayer) net.getLayer(layer).conf().getLayer()).getIUpdater().getLearningRate(0, epoch);
    }

    private static void assertStep(INDArray before, INDArray after, INDArray expectedStep, String what) {
        INDArray step = before.sub(after);
        double scale = expectedStep.amaxNumber().doubleValue();
        assertTrue(scale > 0, what + " has a gradient");
        double diff = step.sub(expectedStep).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-4 * scale, what + ": |step - expected| " + diff + " at step scale " + scale);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
