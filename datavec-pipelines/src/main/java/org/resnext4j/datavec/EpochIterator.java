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

    /** @return batches per epoch, the last possibly partial */
    int numBatches();
}
