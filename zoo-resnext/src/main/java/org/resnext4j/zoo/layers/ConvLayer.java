package org.resnext4j.zoo.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** What the runtime layers of {@link GroupedConvolution} and its subclasses share: NCHW convolution bookkeeping. */
abstract class ConvLayer<C extends GroupedConvolution> extends BaseLayer<C> {

    private static final long serialVersionUID = 1L;

    ConvLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Which implementation computes this layer: {@code onednn} or {@code nd4j}. */
    public abstract String kernelName();

    @Override
    public Type type() {
        return Type.CONVOLUTIONAL;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public boolean hasBias() {
        return layerConf().hasBias();
    }

    @Override
    public void setParams(INDArray params) {
        setParams(params, 'c');
    }

    /** The convolution's geometry for input {@code in}, failing with the layer's name on a bad input. */
    ConvGeometry geometry(INDArray in) {
        return ConvGeometry.of(layerConf(), in, layerId());
    }

    /** {@code a} as a dense C-ordered array of the layer's data type. */
    INDArray contiguous(INDArray a) {
        return ConvGeometry.contiguous(a, dataType);
    }
}
