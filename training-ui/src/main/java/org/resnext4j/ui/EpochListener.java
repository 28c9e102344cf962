package org.resnext4j.ui;

import java.util.Locale;
import java.util.function.Consumer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.resnext4j.datavec.EpochIterator;

/**
 * A {@link TrainingRun}'s DL4J listener ({@link TrainingRun#listener()}): it sums each epoch's training batches and,
 * at the epoch's end, has the epoch validated and recorded ({@link EpochAccounting}), saved ({@link RunCheckpoints})
 * and reported ({@link RunOutputs}); inside an interrupted epoch it saves the epoch's state instead.
 *
 * <p>Training loss is each iteration's score weighted by its batch size; training accuracy is counted in
 * {@code onBackwardPass}, where the output layer still holds its input and labels and the parameters are not yet
 * updated, so its activations are the predictions the loss was computed on (as Keras reports training accuracy).
 * Iteration callbacks may come from several threads (ParallelWrapper); everything runs under the run's lock.
 */
final class EpochListener extends BaseTrainingListener {

    private final TrainingRun run;
    private final RunConfiguration settings;
    private final RunLog log;
    private final RunEma ema;
    private final EpochAccounting accounting;
    private final RunCheckpoints checkpoints;
    private final RunOutputs outputs;

    private final ThreadLocal<long[]> batchSize = ThreadLocal.withInitial(() -> new long[1]);
    private EpochTotals totals = new EpochTotals();
    /** Sums of the epoch a resumed checkpoint was interrupted in, adopted by the next {@code onEpochStart}. */
    private EpochTotals resumedPartial;
    /** The training data's mixing (set by {@link #prepare}), whose original labels training accuracy counts. */
    private volatile BatchMixing mixing;

    private volatile String interruptReason;
    private int batchesPerEpoch = -1;

    EpochListener(
            TrainingRun run,
            RunConfiguration settings,
            RunLog log,
            RunEma ema,
            EpochAccounting accounting,
            RunCheckpoints checkpoints,
            RunOutputs outputs) {
        this.run = run;
        this.settings = settings;
        this.log = log;
        this.ema = ema;
        this.accounting = accounting;
        this.checkpoints = checkpoints;
        this.outputs = outputs;
    }

    /** @param partial the sums of the epoch the resumed checkpoint was interrupted in, or {@code null} */
    void resumeInside(EpochTotals partial) {
        resumedPartial = partial;
    }

    /** {@link TrainingRun#prepare}. */
    void prepare(DataSetIterator train) {
        int done = accounting.epochsDone();
        int startBatch = resumedPartial == null ? 0 : resumedPartial.batches;
        mixing = train instanceof BatchMixing m ? m : null;
        if (train instanceof EpochIterator e) {
            e.setPosition(done, startBatch);
            batchesPerEpoch = e.numBatches();
        } else if (done > 0 || startBatch > 0) {
            log.say("Note: the training iterator (" + train.getClass().getSimpleName() + ") cannot be positioned at "
                    + "epoch " + (done + 1) + "; the resumed run reads it from where it starts (implement "
                    + EpochIterator.class.getSimpleName() + " for an exact resume)");
        }
    }

    /** {@link TrainingRun#interrupt}: the next {@code onEpochEnd} saves the epoch's state unless it is complete. */
    void interrupt(String reason) {
        interruptReason = reason;
    }

    /** @return why the run was interrupted, or {@code null} */
    String interruptReason() {
        return interruptReason;
    }

    @Override
    public void onEpochStart(Model model) {
        synchronized (run) {
            run.requireStarted();
            totals = resumedPartial != null ? resumedPartial : new EpochTotals();
            resumedPartial = null;
            totals.startNanos = System.nanoTime();
            totals.lastReport = totals.startNanos;
        }
    }

    @Override
    public void onBackwardPass(Model model) {
        long[] counted = BatchAccuracy.count(model, mixing);
        batchSize.get()[0] = counted == null ? 0 : counted[1];
        synchronized (run) {
            if (counted == null) {
                totals.accuracyUnsupported = true;
            } else {
                totals.correct += counted[0];
                totals.total += counted[1];
            }
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        long n = Math.max(1, batchSize.get()[0]);
        double score = model.score();
        synchronized (run) {
            run.requireStarted();
            EpochTotals t = totals;
            // after the update of batch t.batches of this epoch, as torchvision's loop
            ema.afterBatch(model, accounting.epochsDone(), t.batches);
            t.batches++;
            t.lossSum += score * n;
            t.examples += n;
            long now = System.nanoTime();
            double interval = settings.progressIntervalSeconds();
            if (interval > 0 && (now - t.lastReport) / 1e9 >= interval) {
                t.lastReport = now;
                log.say(String.format(
                        Locale.ROOT,
                        "  epoch %d  batch %d/%s  loss %.4f  %.1f examples/s",
                        accounting.epochsDone() + 1,
                        t.batches,
                        batchesOfEpoch(),
                        t.lossSum / t.examples,
                        t.examples / ((now - t.startNanos) / 1e9)));
            }
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        synchronized (run) {
            run.requireStarted();
            EpochTotals t = totals;
            totals = new EpochTotals();
            if (interruptReason != null && (batchesPerEpoch <= 0 || t.batches < batchesPerEpoch)) {
                savePartialEpoch(Network.of(model), t);
                return;
            }
            if (batchesPerEpoch <= 0 && t.batches > 0) {
                batchesPerEpoch = t.batches;
            }
            endEpoch(Network.of(model), t);
        }
    }

    /** {@link TrainingRun#recordEpoch}, under the run's lock. */
    void recordEpoch(Model model, double trainLoss, double trainAccuracy, long examples) {
        EpochTotals t = totals;
        totals = new EpochTotals();
        t.measuredElsewhere(trainLoss, trainAccuracy, examples);
        endEpoch(Network.of(model), t);
    }

    /** Saves the state inside an interrupted epoch to {@code last.zip}; the epoch stays unfinished. */
    private void savePartialEpoch(Network n, EpochTotals t) {
        t.seconds = t.secondsSoFar();
        checkpoints.savePartialEpoch(n, t, interruptReason);
        log.say(String.format(
                Locale.ROOT,
                "Interrupted (%s) in epoch %d after batch %d of %s: state saved to %s; "
                        + "resume continues from the next batch",
                interruptReason,
                accounting.epochsDone() + 1,
                t.batches,
                batchesOfEpoch(),
                checkpoints.last()));
    }

    /** Validates and records a finished epoch, then saves its checkpoints and files (see {@link TrainingRun}). */
    private void endEpoch(Network n, EpochTotals t) {
        if (t.batches == 0) {
            log.say("An epoch ended without training batches; nothing recorded");
            return;
        }
        double training = t.secondsSoFar();
        long validating = System.nanoTime();
        EpochAccounting.Finished epoch = accounting.finish(n, t);
        long saving = System.nanoTime();
        MetricsHistory written = new MetricsHistory(accounting.history().epochs());
        checkpoints.saveEpoch(n, epoch.improved(), interruptReason, () -> outputs.write(written, epoch.evaluation()));
        long saved = System.nanoTime();
        EpochMetrics m = epoch.metrics();
        log.say(m.toLogLine(Math.max(settings.epochs(), m.epoch())));
        log.say(timeLine(m.epoch(), training, (saving - validating) / 1e9, (saved - saving) / 1e9));
        String stopReason = accounting.stopReason();
        if (stopReason != null) {
            log.say("Stop requested after epoch " + m.epoch() + ": " + stopReason);
        }
        for (Consumer<EpochMetrics> c : settings.epochCallbacks()) {
            c.accept(m);
        }
    }

    /**
     * The line after each epoch's that says where its time went: {@code   epoch 3 time: training 16.1s  validation
     * 1.4s  checkpoint 0.2s}. Training runs from the epoch's start to its last batch (data loading and the
     * listeners included); validation is the evaluation of the weights and of the moving average, if any, on the
     * validation data; checkpoint is what saving takes on the training thread (the snapshot; the file is written in
     * the background). {@code bench-train} reads it to tell the epoch's training from its validation.
     */
    static String timeLine(int epoch, double training, double validation, double checkpoint) {
        return String.format(
                Locale.ROOT,
                "  epoch %d time: training %.1fs  validation %.1fs  checkpoint %.1fs",
                epoch,
                training,
                validation,
                checkpoint);
    }

    private String batchesOfEpoch() {
        return batchesPerEpoch > 0 ? Integer.toString(batchesPerEpoch) : "?";
    }
}
