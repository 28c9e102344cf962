package org.resnext4j.zoo.layers;

import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The convolution part of a fused layer's configuration ({@link Conv2dNormActivation}): a grouped 2D convolution,
 * {@code torch.nn.Conv2d(..., groups=G)}. Input and output channels are split into {@code groups} groups, and output
 * group {@code g} sees only input group {@code g}; the weight has PyTorch's shape {@code [nOut, nIn / groups, kH, kW]},
 * so torchvision weights load unchanged. NCHW activations, explicit symmetric padding
 * ({@code ConvolutionMode.Truncate}), no dilation, identity activation. Its {@link Builder} configures the convolution
 * that {@code Conv2dNormActivation.Builder} wraps; the class is not a layer of its own.
 */
public abstract class GroupedConvolution extends ConvolutionLayer {

    private static final long serialVersionUID = 1L;

    private int groups = 1;

    /** For JSON deserialisation. */
    protected GroupedConvolution() {
        super();
    }

    protected GroupedConvolution(Builder b) {
        super(b);
        this.groups = b.groups;
    }

    public int getGroups() {
        return groups;
    }

    public void setGroups(int groups) {
        this.groups = groups;
    }

    @Override
    public Layer instantiate(
            NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners,
            int layerIndex,
            INDArray layerParamsView,
            boolean initializeParams,
            DataType networkDataType) {
        validate();
        BaseLayer<?> ret = runtimeLayer(conf, networkDataType);
        ret.setListeners(trainingListeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    /** The runtime layer this configuration instantiates. */
    protected abstract BaseLayer<?> runtimeLayer(NeuralNetConfiguration conf, DataType networkDataType);

    /** Fails naming the layer when the channels do not divide into the groups. */
    void validate() {
        if (groups < 1 || nIn % groups != 0 || nOut % groups != 0) {
            throw new IllegalStateException("GroupedConvolution \"" + getLayerName() + "\": groups " + groups
                    + " must be positive and divide nIn (" + nIn + ") and nOut (" + nOut + ")");
        }
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        super.setNIn(inputType, override);
        if (nIn % groups != 0) {
            throw new IllegalStateException("GroupedConvolution \"" + getLayerName() + "\": " + nIn
                    + " input channels do not divide into " + groups + " groups");
        }
    }

    @Override
    public ParamInitializer initializer() {
        return GroupedConvolutionParamInitializer.INSTANCE;
    }

    @Override
    public GroupedConvolution clone() {
        return (GroupedConvolution) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupedConvolution && super.equals(o) && ((GroupedConvolution) o).groups == groups;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), groups);
    }

    /**
     * Builder of the convolution: kernel size, then {@link #groups(int)}, stride, padding, nOut as for DL4J's
     * convolution; given to {@code Conv2dNormActivation.Builder}, which builds the layer.
     */
    public static final class Builder extends ConvolutionLayer.BaseConvBuilder<Builder> {
        private int groups = 1;

        public Builder(int kH, int kW) {
            super(new int[] {kH, kW}, new int[] {1, 1}, new int[] {0, 0});
            activation(Activation.IDENTITY);
        }

        public Builder groups(int groups) {
            if (groups < 1) {
                throw new IllegalArgumentException("groups: expected a positive integer, got " + groups);
            }
            this.groups = groups;
            return this;
        }

        public Builder stride(int sH, int sW) {
            this.stride = new int[] {sH, sW};
            return this;
        }

        public Builder padding(int pH, int pW) {
            this.padding = new int[] {pH, pW};
            return this;
        }

        @Override
        protected boolean allowCausal() {
            return false;
        }

        /** Not a layer of its own: build a {@link Conv2dNormActivation} with this builder. */
        @Override
        @SuppressWarnings("unchecked")
        public GroupedConvolution build() {
            throw new UnsupportedOperationException("GroupedConvolution is the convolution of a fused layer: pass "
                    + "this builder to new Conv2dNormActivation.Builder(...) and build that");
        }

        /** Fails naming the option when the configuration is not one this layer computes. */
        void check() {
            if (activationFn != null && !(activationFn instanceof ActivationIdentity)) {
                throw new IllegalArgumentException("activation: GroupedConvolution supports only the identity "
                        + "activation (put the activation in a layer of its own), got " + activationFn);
            }
            for (int d : dilation) {
                if (d != 1) {
                    throw new IllegalArgumentException("dilation: GroupedConvolution supports only dilation 1");
                }
            }
            if (nOut > 0 && nOut % groups != 0) {
                throw new IllegalArgumentException("nOut: expected a multiple of groups (" + groups + "), got " + nOut);
            }
        }
    }
}
