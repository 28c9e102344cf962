package org.resnext4j.datavec;

import java.util.List;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A {@link DataSetIterator} that forwards every call to another one; subclasses override what they change (a view that
 * stops early, one that reports progress). DL4J has no such base class for its iterator interface.
 */
public abstract class ForwardingDataSetIterator implements DataSetIterator {

    private static final long serialVersionUID = 1L;

    /** The iterator calls go to. */
    protected final DataSetIterator base;

    protected ForwardingDataSetIterator(DataSetIterator base) {
        this.base = base;
    }

    @Override
    public boolean hasNext() {
        return base.hasNext();
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
        base.reset();
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
