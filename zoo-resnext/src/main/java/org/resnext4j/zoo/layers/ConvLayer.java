package org.resnext4j.zoo.layers;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.resnext4j.zoo.kernels.ConvGeometry;
import org.resnext4j.zoo.kernels.DenseArrays;

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

    /**
     * The convolution's geometry for input {@code in}; fails naming the layer when the input is not NCHW with the
     * configured number of channels.
     */
    ConvGeometry geometry(INDArray in) {
        C conf = layerConf();
        String what = conf.getClass().getSimpleName() + " " + layerId();
        if (in.rank() != 4) {
            throw new IllegalStateException(what + ": expected rank 4 NCHW input, got " + in.shapeInfoToString());
        }
        if (conf.getCnn2dDataFormat() != null && conf.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            throw new IllegalStateException(what + ": only NCHW data is supported");
        }
        if (in.size(1) != conf.getNIn()) {
            throw new IllegalStateException(what + ": expected " + conf.getNIn()
                    + " input channels, got input of shape " + Arrays.toString(in.shape()));
        }
        int[] k = conf.getKernelSize();
        int[] s = conf.getStride();
        int[] p = conf.getPadding();
        return new ConvGeometry(
                in.size(0),
                in.size(1),
                in.size(2),
                in.size(3),
                conf.getNOut(),
                conf.getGroups(),
                k[0],
                k[1],
                s[0],
                s[1],
                p[0],
                p[1]);
    }

    /** {@code a} as a dense C-ordered array of the layer's data type. */
    INDArray contiguous(INDArray a) {
        return DenseArrays.contiguous(a, dataType);
    }
}
