package org.resnext4j.examples;

import java.util.Locale;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * A progress bar per training epoch ({@code epoch 3/12}, batches with ETA and the running loss), as a DL4J listener.
 * Added to the network before the run's own listeners, so the bar is closed before the run validates and prints
 * the epoch's line.
 */
final class ProgressListener extends BaseTrainingListener {

    private final boolean enabled;
    private final int batchesPerEpoch;
    private final int epochs;
    private Progress.Bar bar;
    private double lossSum;
    private long batches;

    /**
     * @param enabled         whether bars are drawn
     * @param batchesPerEpoch batches of a full epoch
     * @param epochs          planned epochs
     */
    ProgressListener(boolean enabled, int batchesPerEpoch, int epochs) {
        this.enabled = enabled;
        this.batchesPerEpoch = batchesPerEpoch;
        this.epochs = epochs;
    }

    @Override
    public void onEpochStart(Model model) {
        ComputationGraph g = (ComputationGraph) model;
        int epoch = g.getConfiguration().getEpochCount();
        bar = Progress.start(enabled, "epoch " + (epoch + 1) + "/" + epochs, batchesPerEpoch);
        // a run resumed inside an epoch starts at the batch it was interrupted after
        long done = g.getConfiguration().getIterationCount() - (long) epoch * batchesPerEpoch;
        bar.stepTo(Math.max(0, Math.min(batchesPerEpoch, done)));
        lossSum = 0;
        batches = 0;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (bar != null) {
            lossSum += model.score();
            batches++;
            bar.step();
            bar.extra(String.format(Locale.ROOT, "loss %.4f", lossSum / batches));
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
