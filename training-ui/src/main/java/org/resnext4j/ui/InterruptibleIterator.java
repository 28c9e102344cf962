package org.resnext4j.ui;

import java.util.function.BooleanSupplier;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.resnext4j.datavec.ForwardingDataSetIterator;

/**
 * A view of a training iterator that reports no further batch once {@code stop} says so, which makes DL4J's
 * {@code fit(iterator)} end the epoch after the batch in progress (DL4J gives listeners no way to end it). Everything
 * else is the underlying iterator's.
 */
final class InterruptibleIterator extends ForwardingDataSetIterator {

    private static final long serialVersionUID = 1L;

    private final transient BooleanSupplier stop;

    InterruptibleIterator(DataSetIterator base, BooleanSupplier stop) {
        super(base);
        this.stop = stop;
    }

    @Override
    public boolean hasNext() {
        return !stop.getAsBoolean() && base.hasNext();
    }

    @Override
    public void reset() {
        if (!stop.getAsBoolean()) {
            base.reset();
        }
    }
}
