package org.resnext4j.ui;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training accuracy of the batch a network is fitting, read in a listener's {@code onBackwardPass}: there the
 * output layer still holds its input and labels and the parameters are not yet updated (DL4J M2.1 calls it before
 * the updater), so its activations are the predictions the loss was computed on, as Keras counts training
 * accuracy.
 */
public final class BatchAccuracy {

    private BatchAccuracy() {}

    /**
     * @param model a {@code ComputationGraph} (one output) or {@code MultiLayerNetwork} inside {@code onBackwardPass}
     * @return {@code {correct, examples}}, or {@code null} when the output is not a classifier with 2-d labels
     */
    public static long[] count(Model model) {
        return count(model, null);
    }

    /**
     * @param model  a {@code ComputationGraph} (one output) or {@code MultiLayerNetwork} inside
     *               {@code onBackwardPass}
     * @param mixing the {@link BatchMixing} that served the batch, whose original labels the predictions are counted
     *               against (the argmax of mixed labels is not the image's class), or {@code null}
     * @return {@code {correct, examples}}, or {@code null} when the output is not a classifier with 2-d labels
     */
    public static long[] count(Model model, BatchMixing mixing) {
        Layer out = Network.of(model).outputLayer();
        if (!(out instanceof IOutputLayer ol)
                || ol.getLabels() == null
                || ol.getLabels().rank() != 2) {
            return null;
        }
        INDArray labels = ol.getLabels();
        if (mixing != null) {
            INDArray hard = mixing.hardLabels(labels);
            labels = hard != null ? hard : labels;
        }
        INDArray predictions = out.activate(false, LayerWorkspaceMgr.noWorkspaces());
        long correct = predictions
                .argMax(1)
                .eq(labels.argMax(1))
                .castTo(DataType.INT)
                .sumNumber()
                .longValue();
        return new long[] {correct, labels.size(0)};
    }
}
