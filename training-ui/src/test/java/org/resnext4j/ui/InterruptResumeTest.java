package org.resnext4j.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnext4j.datavec.ImageFolderPipeline;

/**
 * {@link Trainer#interrupt()} (what the CLI does on Ctrl-C) ends the run after the current batch, mid-epoch, with the
 * state inside the epoch in {@code last.zip}; {@link Trainer#resume} continues from the next batch and reproduces the
 * uninterrupted run: the same per-epoch metrics (the interrupted epoch's training loss and accuracy included) and the
 * same final parameters. Same program as {@link ExactResumeTest} (augmentation, shuffle, dropout, Adam on a step
 * schedule), in-process.
 */
class InterruptResumeTest {

    private static final int EPOCHS = 3;
    private static final double TOL = 1e-6;

    @Test
    void interruptedMidEpochAndResumedRunEqualsTheUninterruptedRun(@TempDir Path tmp) throws IOException {
        Path data = ResumeChild.writeImages(tmp.resolve("data"), 40, 3);
        TrainingResult reference = train(tmp.resolve("reference"), data, -1);
        int perEpoch = (int) reference.history().epochs().get(0).iterations();
        assertEquals(12, perEpoch);

        Path run = tmp.resolve("run");
        int stopAfter = perEpoch + 5;
        TrainingResult interrupted = train(run, data, stopAfter);
        assertEquals(1, interrupted.history().size(), "epoch 2 is not finished");
        Map<String, Object> meta = Checkpoints.readMetadata(RunFolder.last(run));
        assertEquals(1, ((Number) meta.get(CheckpointEnvelope.EPOCH_KEY)).intValue());
        Map<?, ?> partial = (Map<?, ?>) meta.get(CheckpointEnvelope.PARTIAL_EPOCH_KEY);
        assertEquals(
                5, ((Number) partial.get(CheckpointEnvelope.PARTIAL_BATCHES_KEY)).intValue(), String.valueOf(partial));
        assertEquals("interrupted", partial.get(CheckpointEnvelope.PARTIAL_REASON_KEY));
        assertFalse(meta.containsKey(CheckpointEnvelope.STOP_REASON_KEY), "an interrupt does not end the run for good");
        assertEquals(
                stopAfter,
                ((ComputationGraph) Checkpoints.load(RunFolder.last(run)).model())
                        .getConfiguration()
                        .getIterationCount());

        TrainingResult resumed = resume(run, data);
        List<EpochMetrics> a = reference.history().epochs();
        List<EpochMetrics> b = resumed.history().epochs();
        assertEquals(EPOCHS, b.size());
        ResumeChild.assertSameEpochs(a, b, EPOCHS, TOL);
        ResumeChild.assertSameEma(tmp.resolve("reference"), run, TOL);
        ResumeChild.assertSameParams((ComputationGraph) reference.model(), (ComputationGraph) resumed.model(), TOL);
        Map<String, Object> done = Checkpoints.readMetadata(RunFolder.last(run));
        assertFalse(done.containsKey(CheckpointEnvelope.PARTIAL_EPOCH_KEY), "a finished epoch's checkpoint is whole");
    }

    /** Trains a new run; with {@code interruptAfter > 0}, calls {@link Trainer#interrupt()} after that update. */
    private static TrainingResult train(Path runDir, Path data, int interruptAfter) {
        AtomicReference<Trainer> trainer = new AtomicReference<>();
        try (ImageFolderPipeline pipeline = ResumeChild.pipeline(data)) {
            trainer.set(trainer(runDir, pipeline));
            ComputationGraph net = ResumeChild.network();
            net.addListeners(new BaseTrainingListener() {
                @Override
                public void iterationDone(Model model, int iteration, int epoch) {
                    if (iteration + 1 == interruptAfter) {
                        trainer.get().interrupt();
                    }
                }
            });
            return trainer.get().fit(net, ResumeChild.mixed(pipeline.train()), pipeline.validation());
        }
    }

    private static TrainingResult resume(Path runDir, Path data) {
        try (ImageFolderPipeline pipeline = ResumeChild.pipeline(data)) {
            return trainer(runDir, pipeline).resume(ResumeChild.mixed(pipeline.train()), pipeline.validation());
        }
    }

    private static Trainer trainer(Path runDir, ImageFolderPipeline pipeline) {
        return TestModels.quietTrainer(runDir, EPOCHS)
                .classNames(pipeline.classNames())
                .ema(ResumeChild.ema(EPOCHS))
                .bestCheckpointFromEma(true)
                .clipGradientNorm(ResumeChild.clipping().maxNorm())
                .build();
    }
}
