package org.resnext4j.ui;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Classification quality of a model on a data set: loss, accuracy, per-class precision, recall and
 * F1, and the confusion matrix (as a text table and a PNG). The counting is DL4J's
 * {@link Evaluation}; this class adds the loss, class names and the presentation.
 *
 * <p>The loss is the model's own score in inference mode (data loss averaged over examples, plus
 * the regularisation term, as {@code score(DataSet, false)}). For the usual softmax output with
 * (negative log-likelihood / multi-class) cross-entropy it is computed from the same forward pass as
 * the predictions; for other output layers one extra {@code score} pass per batch is made.
 */
public final class EvaluationReport {

    private static final double SOFTMAX_CLIP_EPS = 1e-10;

    private final List<String> classNames;
    private final Evaluation evaluation;
    private final double loss;

    private EvaluationReport(List<String> classNames, Evaluation evaluation, double loss) {
        this.classNames = classNames;
        this.evaluation = evaluation;
        this.loss = loss;
    }

    /**
     * Evaluates a {@code ComputationGraph} (one input, one output) or {@code MultiLayerNetwork}.
     * The iterator is reset first when it supports resetting.
     *
     * @param model      the network
     * @param data       the labelled data, one-hot labels
     * @param classNames names of the classes in label-index order, or {@code null} for "0", "1", ...
     * @return the report
     * @throws IllegalArgumentException when the data is empty or the class count does not match
     */
    public static EvaluationReport evaluate(Model model, DataSetIterator data, List<String> classNames) {
        return evaluate(Network.of(model), data, classNames);
    }

    /**
     * As {@link #evaluate(Model, DataSetIterator, List)}, with the class probabilities computed by {@code predict}
     * (e.g. a {@code SavedModel}'s inference form) instead of the network's own forward pass; the network still
     * defines the loss.
     */
    public static EvaluationReport evaluate(
            Model model, UnaryOperator<INDArray> predict, DataSetIterator data, List<String> classNames) {
        return evaluate(Network.of(model), predict, data, classNames);
    }

    static EvaluationReport evaluate(Network net, DataSetIterator data, List<String> classNames) {
        return evaluate(net, net::output, data, classNames);
    }

    private static EvaluationReport evaluate(
            Network net, UnaryOperator<INDArray> predict, DataSetIterator data, List<String> classNames) {
        if (data.resetSupported()) {
            data.reset();
        }
        Evaluation eval = null;
        boolean fastLoss = isSoftmaxCrossEntropy(net);
        double lossSum = 0;
        long examples = 0;
        int k = 0;
        while (data.hasNext()) {
            DataSet batch = data.next();
            INDArray labels = batch.getLabels();
            INDArray out = predict.apply(batch.getFeatures());
            int numClasses = (int) labels.size(1);
            if (eval == null) {
                if (classNames != null && classNames.size() != numClasses) {
                    throw new IllegalArgumentException("The data has " + numClasses + " classes but "
                            + classNames.size() + " class names were given: " + classNames);
                }
                eval = classNames != null ? new Evaluation(classNames) : new Evaluation(numClasses);
                k = numClasses;
            }
            eval.eval(labels, out);
            long n = labels.size(0);
            if (fastLoss) {
                INDArray logP = Transforms.log(Transforms.max(out, SOFTMAX_CLIP_EPS, true), false);
                lossSum += -logP.muli(labels).sumNumber().doubleValue();
            } else {
                lossSum += net.score(batch) * n;
            }
            examples += n;
        }
        if (eval == null || examples == 0) {
            throw new IllegalArgumentException("The evaluation data set is empty");
        }
        double loss = lossSum / examples + (fastLoss ? net.regularizationScore() : 0);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            names.add(classNames != null ? classNames.get(i) : Integer.toString(i));
        }
        return new EvaluationReport(Collections.unmodifiableList(names), eval, loss);
    }

    private static boolean isSoftmaxCrossEntropy(Network net) {
        org.deeplearning4j.nn.conf.layers.Layer conf = net.outputLayer().conf().getLayer();
        ILossFunction lossFn;
        IActivation activation;
        if (conf instanceof BaseOutputLayer out) {
            lossFn = out.getLossFn();
            activation = out.getActivationFn();
        } else if (conf instanceof LossLayer out) {
            lossFn = out.getLossFn();
            activation = out.getActivationFn();
        } else {
            return false;
        }
        return activation instanceof ActivationSoftmax && lossFn instanceof LossMCXENT mc && mc.getWeights() == null;
    }

    /** @return the class names in label-index order */
    public List<String> classNames() {
        return classNames;
    }

    /** @return the number of classes */
    public int numClasses() {
        return classNames.size();
    }

    /** @return DL4J's evaluation, for anything not exposed here */
    public Evaluation evaluation() {
        return evaluation;
    }

    /** @return the mean loss per example (see the class comment) */
    public double loss() {
        return loss;
    }

    /** @return the fraction of correctly classified examples */
    public double accuracy() {
        return evaluation.accuracy();
    }

    /**
     * @param cls class index
     * @return precision of the class (0 when the class was never predicted)
     */
    public double precision(int cls) {
        return evaluation.precision(cls);
    }

    /**
     * @param cls class index
     * @return recall of the class (0 when the class never occurs)
     */
    public double recall(int cls) {
        return evaluation.recall(cls);
    }

    /**
     * @param cls class index
     * @return F1 score of the class
     */
    public double f1(int cls) {
        return evaluation.f1(cls);
    }

    /**
     * @param cls class index
     * @return number of examples whose true class is {@code cls}
     */
    public long support(int cls) {
        long s = 0;
        for (int p = 0; p < numClasses(); p++) {
            s += evaluation.getConfusionMatrix().getCount(cls, p);
        }
        return s;
    }

    /** @return counts indexed {@code [actual][predicted]} */
    public long[][] confusionMatrix() {
        int k = numClasses();
        long[][] m = new long[k][k];
        for (int a = 0; a < k; a++) {
            for (int p = 0; p < k; p++) {
                m[a][p] = evaluation.getConfusionMatrix().getCount(a, p);
            }
        }
        return m;
    }

    /** @return the total number of evaluated examples */
    public long examples() {
        long n = 0;
        for (long[] row : confusionMatrix()) {
            for (long c : row) {
                n += c;
            }
        }
        return n;
    }

    /**
     * A plain-text report: overall loss and accuracy, a per-class precision/recall/F1 table and the
     * confusion matrix (rows: actual class, columns: predicted class).
     *
     * @return the text, several lines
     */
    public String toText() {
        int nameWidth =
                Math.max(5, classNames.stream().mapToInt(String::length).max().orElse(5));
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(
                Locale.ROOT, "examples %d  loss %.4f  accuracy %.2f%%%n", examples(), loss, 100 * accuracy()));
        sb.append(String.format(
                Locale.ROOT,
                "%-" + nameWidth + "s  %9s  %9s  %9s  %7s%n",
                "class",
                "precision",
                "recall",
                "f1",
                "support"));
        for (int c = 0; c < numClasses(); c++) {
            sb.append(String.format(
                    Locale.ROOT,
                    "%-" + nameWidth + "s  %9.4f  %9.4f  %9.4f  %7d%n",
                    classNames.get(c),
                    precision(c),
                    recall(c),
                    f1(c),
                    support(c)));
        }
        sb.append("confusion matrix (rows: actual, columns: predicted)").append(System.lineSeparator());
        long[][] m = confusionMatrix();
        int cell = Math.max(6, Long.toString(examples()).length() + 1);
        sb.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", ""));
        for (int p = 0; p < numClasses(); p++) {
            sb.append(String.format(Locale.ROOT, " %" + cell + "s", abbreviate(classNames.get(p), cell)));
        }
        sb.append(System.lineSeparator());
        for (int a = 0; a < numClasses(); a++) {
            sb.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", classNames.get(a)));
            for (int p = 0; p < numClasses(); p++) {
                sb.append(String.format(Locale.ROOT, " %" + cell + "d", m[a][p]));
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }

    /**
     * Draws the confusion matrix as a PNG heat map (written atomically).
     *
     * @param file the PNG file
     * @throws IOException when writing fails
     */
    public void writeConfusionMatrixPng(Path file) throws IOException {
        Charts.writeConfusionMatrix(this, file);
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
