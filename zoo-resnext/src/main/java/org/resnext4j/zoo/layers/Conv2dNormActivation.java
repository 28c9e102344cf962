package org.resnext4j.zoo.layers;

import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * A (grouped) convolution, batch normalization and an optional ReLU as one DL4J layer, torchvision's
 * {@code Conv2dNormActivation}: {@code y = relu(BN(conv(x)))}. The convolution has no bias (BN's beta takes its place).
 * Parameters: the convolution's {@code W} {@code [nOut, nIn / groups, kH, kW]}, then BN's {@code gamma}, {@code beta},
 * running {@code mean} and {@code log10stdev} (DL4J's BatchNormalization keys and running-statistics update, NoOp
 * updater and no regularization for the BN parameters, as DL4J's layer).
 *
 * <p>Why one layer: on oneDNN the convolution output stays in oneDNN's blocked layout for
 * the batch norm, ReLU is fused into it, and only the result is reordered to DL4J's NCHW (or, between two of our
 * layers, not reordered at all: {@link ActivationLayout#BLOCKED}); on other backends and data
 * types ND4J operations compute the same (the engine is chosen by {@link org.resnext4j.zoo.kernels.Kernels}). In inference mode (and when frozen) the running
 * statistics are used, in training mode the batch statistics.
 */
public class Conv2dNormActivation extends GroupedConvolution {

    private static final long serialVersionUID = 1L;

    private double eps = 1e-5;
    private double decay = 0.9;
    private boolean relu;
    private ActivationLayout inputLayout = ActivationLayout.NCHW;
    private ActivationLayout outputLayout = ActivationLayout.NCHW;
    private boolean inputGradient = true;

    /** For JSON deserialisation. */
    protected Conv2dNormActivation() {
        super();
    }

    private Conv2dNormActivation(Builder b) {
        super(b.conv);
        setHasBias(false);
        this.eps = b.eps;
        this.decay = b.decay;
        this.relu = b.relu;
        this.inputLayout = b.inputLayout;
        this.outputLayout = b.outputLayout;
        this.inputGradient = b.inputGradient;
    }

    public double getEps() {
        return eps;
    }

    public void setEps(double eps) {
        this.eps = eps;
    }

    /** DL4J's convention: running = decay * running + (1 - decay) * batch (PyTorch's momentum 0.1 is decay 0.9). */
    public double getDecay() {
        return decay;
    }

    public void setDecay(double decay) {
        this.decay = decay;
    }

    public boolean isRelu() {
        return relu;
    }

    public void setRelu(boolean relu) {
        this.relu = relu;
    }

    /** The layout of the input and its gradient (configurations saved before layouts existed read as NCHW). */
    public ActivationLayout getInputLayout() {
        return inputLayout;
    }

    public void setInputLayout(ActivationLayout inputLayout) {
        this.inputLayout = inputLayout == null ? ActivationLayout.NCHW : inputLayout;
    }

    /** The layout of the output and its gradient. */
    public ActivationLayout getOutputLayout() {
        return outputLayout;
    }

    public void setOutputLayout(ActivationLayout outputLayout) {
        this.outputLayout = outputLayout == null ? ActivationLayout.NCHW : outputLayout;
    }

    /**
     * Whether the backward pass computes the gradient with respect to the input (true, the default). False for a
     * layer fed by the network's input, whose gradient DL4J's ComputationGraph discards: the stem of the FUSED graphs
     * (the largest backward-data convolution of ResNeXt-50 at 224 px, 27 ms of a 2 s training step). The layer then
     * returns no input gradient, as DL4J's EmbeddingLayer does.
     */
    public boolean isInputGradient() {
        return inputGradient;
    }

    public void setInputGradient(boolean inputGradient) {
        this.inputGradient = inputGradient;
    }

    @Override
    protected BaseLayer<?> runtimeLayer(NeuralNetConfiguration conf, DataType networkDataType) {
        return new Conv2dNormActivationLayer(conf, networkDataType);
    }

    @Override
    public ParamInitializer initializer() {
        return Conv2dNormActivationParamInitializer.INSTANCE;
    }

    /** The running statistics are updated by their "gradients" as they are, as in DL4J's BatchNormalization. */
    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (BatchNormalizationParamInitializer.GLOBAL_MEAN.equals(paramName)
                || BatchNormalizationParamInitializer.GLOBAL_LOG_STD.equals(paramName)) {
            return new NoOp();
        }
        return super.getUpdaterByParam(paramName);
    }

    @Override
    public Conv2dNormActivation clone() {
        return (Conv2dNormActivation) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Conv2dNormActivation) || !super.equals(o)) {
            return false;
        }
        Conv2dNormActivation c = (Conv2dNormActivation) o;
        return c.eps == eps
                && c.decay == decay
                && c.relu == relu
                && c.inputLayout == inputLayout
                && c.outputLayout == outputLayout
                && c.inputGradient == inputGradient;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), eps, decay, relu, inputLayout, outputLayout, inputGradient);
    }

    @Override
    public String toString() {
        return "Conv2dNormActivation(" + getLayerName() + ", " + getNIn() + " -> " + getNOut() + ", kernel "
                + getKernelSize()[0] + "x" + getKernelSize()[1] + ", stride " + getStride()[0] + ", groups "
                + getGroups() + ", eps " + eps + ", decay " + decay + (relu ? ", relu" : "")
                + (inputLayout == ActivationLayout.NCHW ? "" : ", input " + inputLayout)
                + (outputLayout == ActivationLayout.NCHW ? "" : ", output " + outputLayout)
                + (inputGradient ? "" : ", no input gradient") + ")";
    }

    /** The convolution as a {@link GroupedConvolution.Builder} (its bias setting is ignored), then BN and ReLU options. */
    public static final class Builder {
        private final GroupedConvolution.Builder conv;
        private double eps = 1e-5;
        private double decay = 0.9;
        private boolean relu;
        private ActivationLayout inputLayout = ActivationLayout.NCHW;
        private ActivationLayout outputLayout = ActivationLayout.NCHW;
        private boolean inputGradient = true;

        public Builder(GroupedConvolution.Builder conv) {
            this.conv = Objects.requireNonNull(conv, "conv");
        }

        /** BN's epsilon, added to the variance (PyTorch's default 1e-5). */
        public Builder eps(double eps) {
            if (!(eps > 0) || Double.isInfinite(eps)) {
                throw new IllegalArgumentException("eps: expected a positive finite number, got " + eps);
            }
            this.eps = eps;
            return this;
        }

        /** Running-statistics decay in [0, 1] (DL4J's convention; PyTorch's momentum m is decay 1 - m). */
        public Builder decay(double decay) {
            if (!(decay >= 0 && decay <= 1)) {
                throw new IllegalArgumentException("decay: expected a number in [0, 1], got " + decay);
            }
            this.decay = decay;
            return this;
        }

        /** Whether a ReLU follows the batch norm. */
        public Builder relu(boolean relu) {
            this.relu = relu;
            return this;
        }

        /**
         * The layouts of the input and of the output (and their gradients); {@code NCHW} (the default) for anything
         * read or written by a layer other than ours. See {@link ActivationLayout}.
         */
        public Builder layouts(ActivationLayout input, ActivationLayout output) {
            this.inputLayout = Objects.requireNonNull(input, "input layout");
            this.outputLayout = Objects.requireNonNull(output, "output layout");
            return this;
        }

        /** Whether backpropagation computes the input's gradient (see {@link #isInputGradient()}). */
        public Builder inputGradient(boolean inputGradient) {
            this.inputGradient = inputGradient;
            return this;
        }

        public Conv2dNormActivation build() {
            conv.check();
            return new Conv2dNormActivation(this);
        }
    }
}
