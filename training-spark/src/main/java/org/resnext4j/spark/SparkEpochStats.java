package org.resnext4j.spark;

import java.io.Serializable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.resnext4j.ui.BatchAccuracy;

/**
 * The training loss and accuracy of an epoch that runs on Spark executors. DL4J's Spark training masters run the
 * network's listeners on the executors, as Java-serialized copies; this listener adds each minibatch's score
 * (weighted by its size) and its correct predictions to Spark accumulators, which Spark merges back into the
 * driver's copies when the tasks finish. The driver reads the epoch's totals and hands them to the run
 * ({@code TrainingRun.recordEpoch}).
 */
final class SparkEpochStats extends BaseTrainingListener implements Serializable {

    private static final long serialVersionUID = 1L;

    private final DoubleAccumulator lossSum;
    private final LongAccumulator examples;
    private final LongAccumulator correct;
    private final LongAccumulator counted;
    private transient long lastBatch;

    SparkEpochStats(JavaSparkContext sc) {
        this.lossSum = sc.sc().doubleAccumulator("resnext4j.train.lossSum");
        this.examples = sc.sc().longAccumulator("resnext4j.train.examples");
        this.correct = sc.sc().longAccumulator("resnext4j.train.correct");
        this.counted = sc.sc().longAccumulator("resnext4j.train.counted");
    }

    /** Zeroes the totals (driver, before an epoch). */
    void reset() {
        lossSum.reset();
        examples.reset();
        correct.reset();
        counted.reset();
    }

    @Override
    public void onBackwardPass(Model model) {
        long[] c = BatchAccuracy.count(model);
        lastBatch = c == null ? 0 : c[1];
        if (c != null) {
            correct.add(c[0]);
            counted.add(c[1]);
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        long n = Math.max(1, lastBatch);
        lossSum.add(model.score() * n);
        examples.add(n);
    }

    /** @return examples trained this epoch */
    long examples() {
        return examples.value();
    }

    /** @return mean training score of the epoch, NaN without examples */
    double meanLoss() {
        long n = examples.value();
        return n == 0 ? Double.NaN : lossSum.value() / n;
    }

    /** @return training accuracy of the epoch, NaN when not counted */
    double accuracy() {
        long n = counted.value();
        return n == 0 ? Double.NaN : (double) correct.value() / n;
    }
}
