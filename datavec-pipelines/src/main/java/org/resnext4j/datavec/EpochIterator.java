package org.resnext4j.datavec;

import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A {@link DataSetIterator} whose epoch {@code k} (order and random augmentation) is a function of its seed and
 * {@code k} alone, and which can be positioned at the start of any epoch. This is what an exactly resumable
 * training run needs from its data: after {@code k} finished epochs, {@code setEpoch(k)} makes the next batches the
 * ones the uninterrupted run would have seen. {@link #reset()} after a consumed epoch moves on to the next one.
 */
public interface EpochIterator extends DataSetIterator {

    /** @return the index (from 0) of the epoch being served or about to be served */
    int epoch();

    /**
     * Restarts at the beginning of an epoch.
     *
     * @param epoch the epoch index, at least 0
     */
    void setEpoch(int epoch);

    /**
     * Positions the iterator inside an epoch: the next batch is batch {@code batch} (from 0) of epoch {@code epoch},
     * as the uninterrupted epoch would serve it. A run interrupted mid-epoch resumes with this. The default reads and
     * discards the batches before it; iterators that can jump there directly override it.
     *
     * @param epoch the epoch index, at least 0
     * @param batch batches of that epoch already consumed, at least 0
     */
    default void setPosition(int epoch, int batch) {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        }
        setEpoch(epoch);
        for (int b = 0; b < batch && hasNext(); b++) {
            next();
        }
    }

    /** @return batches per epoch, the last possibly partial */
    int numBatches();
}
