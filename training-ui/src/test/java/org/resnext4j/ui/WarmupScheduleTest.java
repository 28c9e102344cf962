package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/**
 * Linear warm-up composed with the CLI's schedules, against torchvision's {@code SequentialLR([LinearLR(0.01,
 * total_iters=5), main], milestones=[5])} computed by hand (and checked once against PyTorch 1.13's schedulers:
 * 0.001, 0.0208, 0.0406, 0.0604, 0.0802, 0.1, 0.0904508..., for lr 0.1 and a cosine of T_max 5).
 */
class WarmupScheduleTest {

    @Test
    void linearWarmupThenTheMainScheduleFromItsStart() {
        WarmupSchedule fixed = new WarmupSchedule(new FixedSchedule(0.1), 5, 0.01);
        double[] expected = {0.001, 0.0208, 0.0406, 0.0604, 0.0802, 0.1, 0.1};
        for (int e = 0; e < expected.length; e++) {
            assertEquals(expected[e], fixed.valueAt(123, e), 1e-12, "epoch " + e);
        }
    }

    @Test
    void composedWithCosineOverTheEpochsAfterWarmup() {
        // the CLI's cosine over epochs - warmup = 5 epochs: lr (1 + cos(pi e / 5)) / 2
        Map<Integer, Double> cosine = new LinkedHashMap<>();
        for (int e = 0; e < 5; e++) {
            cosine.put(e, 0.1 * (1 + Math.cos(Math.PI * e / 5)) / 2);
        }
        WarmupSchedule s = new WarmupSchedule(new MapSchedule(ScheduleType.EPOCH, cosine), 5, 0.01);
        double[] expected = {
            0.001,
            0.0208,
            0.0406,
            0.0604,
            0.0802,
            0.1,
            0.09045084971874738,
            0.06545084971874737,
            0.03454915028125263,
            0.009549150281252633
        };
        for (int e = 0; e < expected.length; e++) {
            assertEquals(expected[e], s.valueAt(0, e), 1e-12, "epoch " + e);
        }
    }

    @Test
    void composedWithAStepSchedule() {
        // StepLR(step 2, gamma 0.5) after 3 warm-up epochs from 0.1 of lr 0.2
        WarmupSchedule s = new WarmupSchedule(new StepSchedule(ScheduleType.EPOCH, 0.2, 0.5, 2), 3, 0.1);
        double[] expected = {0.02, 0.2 * (0.1 + 0.9 / 3), 0.2 * (0.1 + 0.9 * 2 / 3), 0.2, 0.2, 0.1, 0.1, 0.05};
        for (int e = 0; e < expected.length; e++) {
            assertEquals(expected[e], s.valueAt(7, e), 1e-12, "epoch " + e);
        }
    }

    @Test
    void survivesTheConfigurationJsonOfACheckpointAndAPlateauScale() {
        ISchedule s =
                ScaledSchedule.of(new WarmupSchedule(new StepSchedule(ScheduleType.EPOCH, 0.2, 0.5, 2), 3, 0.1), 0.5);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .updater(new Adam(s))
                .list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(2)
                        .nOut(2)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        assertTrue(conf.toJson().contains("\"warmupEpochs\""), "property names are the format");
        ISchedule restored = ((Adam) ((org.deeplearning4j.nn.conf.layers.BaseLayer)
                                back.getConf(0).getLayer())
                        .getIUpdater())
                .getLearningRateSchedule();
        assertEquals(0.5 * 0.02, restored.valueAt(0, 0), 1e-12);
        assertEquals(0.5 * 0.1, restored.valueAt(0, 5), 1e-12);
    }

    @Test
    void rejectsBadSettings() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new WarmupSchedule(new FixedSchedule(0.1), 0, 0.01));
        assertTrue(e.getMessage().contains("warm-up epochs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new WarmupSchedule(new FixedSchedule(0.1), 5, 0));
        assertTrue(e.getMessage().contains("(0, 1]"), e.getMessage());
    }
}
