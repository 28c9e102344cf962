package org.resnext4j.ui;

import java.util.List;
import java.util.function.BooleanSupplier;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A view of a training iterator that reports no further batch once {@code stop} says so, which makes DL4J's
 * {@code fit(iterator)} end the epoch after the batch in progress (DL4J gives listeners no way to end it). Everything
 * else is the underlying iterator's.
 */
final class InterruptibleIterator implements DataSetIterator {

    private static final long serialVersionUID = 1L;

    private final DataSetIterator base;
    private final transient BooleanSupplier stop;

    InterruptibleIterator(DataSetIterator base, BooleanSupplier stop) {
        this.base = base;
        this.stop = stop;
    }

    @Override
    public boolean hasNext() {
        return !stop.getAsBoolean() && base.hasNext();
    }

    @Override
    public DataSet next() {
        return base.next();
    }

    @Override
    public DataSet next(int num) {
        return base.next(num);
    }

    @Override
    public int inputColumns() {
        return base.inputColumns();
    }

    @Override
    public int totalOutcomes() {
        return base.totalOutcomes();
    }

    @Override
    public boolean resetSupported() {
        return base.resetSupported();
    }

    @Override
    public boolean asyncSupported() {
        return base.asyncSupported();
    }

    @Override
    public void reset() {
        if (!stop.getAsBoolean()) {
            base.reset();
        }
    }

    @Override
    public int batch() {
        return base.batch();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        base.setPreProcessor(preProcessor);
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return base.getPreProcessor();
    }

    @Override
    public List<String> getLabels() {
        return base.getLabels();
    }
}
