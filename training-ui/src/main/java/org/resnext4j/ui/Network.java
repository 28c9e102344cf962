package org.resnext4j.ui;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * One view of the two DL4J network types ({@link ComputationGraph} with one input and one output,
 * and {@link MultiLayerNetwork}), so that the trainer and the evaluation code are written once.
 *
 * <p>What the two types share through DL4J's interfaces ({@link Model}, {@link NeuralNetwork}) is done here once; the
 * subclasses hold what each type has only as a method of its own class. Several of those have the same name in both
 * ({@code score(DataSet, boolean)}, {@code getListeners()}, {@code getLayers()}, the configuration's counters) but
 * no interface declares them, so each subclass calls them on its own type.
 */
abstract class Network {

    private final Model model;
    private final NeuralNetwork trainable;

    <N extends Model & NeuralNetwork> Network(N net) {
        this.model = net;
        this.trainable = net;
    }

    static Network of(Model model) {
        if (model instanceof ComputationGraph cg) {
            return new Graph(cg);
        }
        if (model instanceof MultiLayerNetwork mln) {
            return new Multi(mln);
        }
        throw new IllegalArgumentException("Expected a ComputationGraph or MultiLayerNetwork, got "
                + (model == null ? "null" : model.getClass().getName()));
    }

    final Model model() {
        return model;
    }

    /** One epoch of DL4J's own {@code fit(iterator)} (listeners get the epoch callbacks). */
    final void fit(DataSetIterator data) {
        trainable.fit(data);
    }

    abstract INDArray output(INDArray features);

    abstract double score(DataSet batch);

    abstract double regularizationScore();

    /** The score of the last minibatch fitted. */
    double score() {
        return model().score();
    }

    abstract int iterationCount();

    abstract int epochCount();

    /**
     * Sets the epoch count that epoch-based schedules read, on the configuration (saved with the model) and on
     * every layer (which DL4J keeps in step with it).
     */
    void setEpochCount(int count) {
        setConfEpochCount(count);
        for (Layer l : layers()) {
            l.setEpochCount(count);
        }
    }

    abstract void setConfEpochCount(int count);

    /** Sets the iteration count stored in the configuration. */
    abstract void setConfIterationCount(int count);

    /**
     * A new network of the same configuration holding a copy of {@code params} (no listeners, no updater state):
     * the moving average of the weights, for validation and {@code best.zip}.
     */
    abstract Network copyWithParams(INDArray params);

    /** Sets the learning-rate schedule of the main updater of layer {@code index} of {@link #layers()}. */
    abstract void setLearningRate(int index, ISchedule schedule);

    /** Sets the learning-rate schedule of the main updater of every layer that has a rate. */
    void setLearningRate(ISchedule schedule) {
        if (model() instanceof ComputationGraph cg) {
            cg.setLearningRate(schedule);
        } else {
            ((MultiLayerNetwork) model()).setLearningRate(schedule);
        }
    }

    abstract Layer outputLayer();

    abstract List<Layer> layers();

    abstract Collection<TrainingListener> listeners();

    void setListeners(Collection<TrainingListener> listeners) {
        model().setListeners(listeners);
    }

    /**
     * @return the learning rate of the last trainable layer with an updater that has one (for a ComputationGraph: in
     *         layer order from the output; the head's rate when the backbone has a lower one), or NaN
     */
    abstract double learningRate();

    String typeName() {
        return model().getClass().getSimpleName();
    }

    void addListeners(TrainingListener... extra) {
        List<TrainingListener> all = new ArrayList<>(listeners());
        all.addAll(List.of(extra));
        setListeners(all);
    }

    private static final class Graph extends Network {
        private final ComputationGraph net;

        Graph(ComputationGraph net) {
            super(net);
            if (net.getNumInputArrays() != 1 || net.getNumOutputArrays() != 1) {
                throw new IllegalArgumentException("The trainer needs a ComputationGraph with one input and one "
                        + "output; this one has " + net.getNumInputArrays() + " inputs and "
                        + net.getNumOutputArrays() + " outputs");
            }
            this.net = net;
        }

        @Override
        INDArray output(INDArray features) {
            return net.outputSingle(false, features);
        }

        @Override
        double score(DataSet batch) {
            return net.score(batch, false);
        }

        @Override
        double regularizationScore() {
            return net.calcRegularizationScore(true);
        }

        @Override
        int iterationCount() {
            return net.getConfiguration().getIterationCount();
        }

        @Override
        int epochCount() {
            return net.getConfiguration().getEpochCount();
        }

        @Override
        void setConfEpochCount(int count) {
            net.getConfiguration().setEpochCount(count);
        }

        @Override
        void setConfIterationCount(int count) {
            net.getConfiguration().setIterationCount(count);
        }

        @Override
        Network copyWithParams(INDArray params) {
            ComputationGraph copy = new ComputationGraph(net.getConfiguration().clone());
            copy.init(params.dup(), false);
            return new Graph(copy);
        }

        @Override
        void setLearningRate(int index, ISchedule schedule) {
            net.setLearningRate(net.getLayers()[index].conf().getLayer().getLayerName(), schedule);
        }

        @Override
        Layer outputLayer() {
            return net.getOutputLayer(0);
        }

        @Override
        List<Layer> layers() {
            return List.of(net.getLayers());
        }

        @Override
        Collection<TrainingListener> listeners() {
            return new ArrayList<>(net.getListeners());
        }

        @Override
        double learningRate() {
            // from the output end: the head's rate, which a lower backbone rate (FineTuning) leaves as the run's own
            Layer[] layers = net.getLayers();
            for (int i = layers.length - 1; i >= 0; i--) {
                Layer l = layers[i];
                if (l.numParams() > 0 && !(l instanceof FrozenLayer)) {
                    Double lr = net.getLearningRate(l.conf().getLayer().getLayerName());
                    if (lr != null) {
                        return lr;
                    }
                }
            }
            return Double.NaN;
        }
    }

    private static final class Multi extends Network {
        private final MultiLayerNetwork net;

        Multi(MultiLayerNetwork net) {
            super(net);
            this.net = net;
        }

        @Override
        INDArray output(INDArray features) {
            return net.output(features, false);
        }

        @Override
        double score(DataSet batch) {
            return net.score(batch, false);
        }

        @Override
        double regularizationScore() {
            return net.calcRegularizationScore(true);
        }

        @Override
        int iterationCount() {
            return net.getLayerWiseConfigurations().getIterationCount();
        }

        @Override
        int epochCount() {
            return net.getLayerWiseConfigurations().getEpochCount();
        }

        @Override
        void setConfEpochCount(int count) {
            net.getLayerWiseConfigurations().setEpochCount(count);
        }

        @Override
        void setConfIterationCount(int count) {
            net.getLayerWiseConfigurations().setIterationCount(count);
        }

        @Override
        Network copyWithParams(INDArray params) {
            MultiLayerNetwork copy =
                    new MultiLayerNetwork(net.getLayerWiseConfigurations().clone());
            copy.init(params.dup(), false);
            return new Multi(copy);
        }

        @Override
        void setLearningRate(int index, ISchedule schedule) {
            net.setLearningRate(index, schedule);
        }

        @Override
        Layer outputLayer() {
            return net.getOutputLayer();
        }

        @Override
        List<Layer> layers() {
            return List.of(net.getLayers());
        }

        @Override
        Collection<TrainingListener> listeners() {
            return new ArrayList<>(net.getListeners());
        }

        @Override
        double learningRate() {
            for (int i = 0; i < net.getnLayers(); i++) {
                if (net.getLayer(i).numParams() > 0) {
                    Double lr = net.getLearningRate(i);
                    if (lr != null) {
                        return lr;
                    }
                }
            }
            return Double.NaN;
        }
    }
}
