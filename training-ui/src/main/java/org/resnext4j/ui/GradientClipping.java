package org.resnext4j.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Clips the gradient by its global L2 norm before the updater sees it, as PyTorch's
 * {@code torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)} in torchvision's {@code --clip-grad-norm}:
 * {@code total = sqrt(sum of every parameter gradient's squared L2 norm)} (of the gradient of the batch's mean
 * loss, as PyTorch's); when {@code max_norm / (total + 1e-6)}
 * is below 1, every gradient is multiplied by it.
 *
 * <p>A DL4J {@code TrainingListener}: DL4J M2.1's {@code BaseOptimizer.gradientAndScore} calls
 * {@code onGradientCalculation} after the backward pass and before {@code updateGradientAccordingToParams} (the
 * updater, with L2 regularisation and momentum), so the clipped gradient is what the updater receives, as after
 * PyTorch's {@code loss.backward(); clip_grad_norm_(...); optimizer.step()}. DL4J's own
 * {@code GradientNormalization.ClipL2PerLayer} clips each layer separately, not the global norm, which is why this
 * listener exists. Parameters that the optimizer does not train (the batch norms' running statistics, whose
 * "gradients" DL4J uses to update them, with a {@link NoOp} updater) are neither counted nor scaled.
 */
public final class GradientClipping extends BaseTrainingListener {

    /** PyTorch's epsilon in {@code max_norm / (total_norm + 1e-6)}. */
    static final double EPS = 1e-6;

    private final double maxNorm;

    /**
     * @param maxNorm the largest global L2 norm, positive
     * @throws IllegalArgumentException when not a positive finite number
     */
    public GradientClipping(double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("clip-grad-norm: expected a positive finite number, got " + maxNorm);
        }
        this.maxNorm = maxNorm;
    }

    /** @return the largest global norm */
    public double maxNorm() {
        return maxNorm;
    }

    @Override
    public void onGradientCalculation(Model model) {
        clip(model, maxNorm);
    }

    /**
     * Clips the gradient the network just computed.
     *
     * @param model   a {@code ComputationGraph} or {@code MultiLayerNetwork} after its backward pass
     * @param maxNorm the largest global norm
     * @return the global norm before clipping
     */
    public static double clip(Model model, double maxNorm) {
        List<INDArray> gradients = trainableGradients(model);
        double sumOfSquares = 0;
        for (INDArray g : gradients) {
            double n = g.norm2Number().doubleValue();
            sumOfSquares += n * n;
        }
        // here the gradient is still the sum over the batch: DL4J's updater divides it by the batch size first
        // (miniBatch, the default), so the norm of the gradient of the mean loss, PyTorch's, is this one over it
        double total = Math.sqrt(sumOfSquares) / miniBatchDivisor(model);
        double coefficient = maxNorm / (total + EPS);
        if (coefficient < 1) {
            for (INDArray g : gradients) {
                g.muli(coefficient);
            }
        }
        return total;
    }

    /** What the updater divides the gradient by: the batch size, unless the configuration turned miniBatch off. */
    private static double miniBatchDivisor(Model model) {
        for (Layer l : Network.of(model).layers()) {
            if (l.numParams() > 0) {
                return l.conf().isMiniBatch() ? Math.max(1, model.batchSize()) : 1;
            }
        }
        return 1;
    }

    /** Views of the gradients of every parameter the updater trains (not those with a NoOp updater). */
    private static List<INDArray> trainableGradients(Model model) {
        List<INDArray> out = new ArrayList<>();
        for (Layer l : Network.of(model).layers()) {
            INDArray view = l.getGradientsViewArray();
            if (view == null || view.length() == 0) {
                continue;
            }
            org.deeplearning4j.nn.conf.layers.Layer conf = l.conf().getLayer();
            Map<String, INDArray> byParam = conf.initializer().getGradientsFromFlattened(l.conf(), view);
            for (Map.Entry<String, INDArray> e : byParam.entrySet()) {
                if (!(conf.getUpdaterByParam(e.getKey()) instanceof NoOp)) {
                    out.add(e.getValue());
                }
            }
        }
        return out;
    }
}
