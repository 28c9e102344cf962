package org.resnext4j.examples;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.resnext4j.datavec.EpochIterator;
import org.resnext4j.datavec.ForwardingDataSetIterator;

/** A data iterator that draws a progress bar over its batches (validation, evaluate); otherwise the iterator's. */
final class ProgressIterator extends ForwardingDataSetIterator {

    private static final long serialVersionUID = 1L;

    private final boolean enabled;
    private final String task;
    private transient Progress.Bar bar;

    ProgressIterator(DataSetIterator base, boolean enabled, String task) {
        super(base);
        this.enabled = enabled;
        this.task = task;
    }

    @Override
    public boolean hasNext() {
        boolean more = base.hasNext();
        if (!more) {
            closeBar();
        }
        return more;
    }

    @Override
    public DataSet next() {
        return stepped(base.next());
    }

    @Override
    public DataSet next(int num) {
        return stepped(base.next(num));
    }

    private DataSet stepped(DataSet ds) {
        if (bar == null) {
            bar = Progress.start(enabled, task, base instanceof EpochIterator e ? e.numBatches() : -1);
        }
        bar.step();
        return ds;
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    @Override
    public void reset() {
        closeBar();
        base.reset();
    }

    /** No prefetching thread: the bar steps as the batches are consumed. */
    @Override
    public boolean asyncSupported() {
        return false;
    }
}
