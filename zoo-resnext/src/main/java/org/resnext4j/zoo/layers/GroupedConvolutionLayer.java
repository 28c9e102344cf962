package org.resnext4j.zoo.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of {@link GroupedConvolution}. The arithmetic is a {@link GroupedConvKernel}: oneDNN on ND4J's
 * CPU backend when its natives load, ND4J operations otherwise ({@link #kernelName()} says which).
 */
public class GroupedConvolutionLayer extends ConvLayer<GroupedConvolution> {

    private static final long serialVersionUID = 1L;

    private final transient GroupedConvKernel kernel;

    public GroupedConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        this.kernel = GroupedConvKernels.best(dataType);
    }

    @Override
    public String kernelName() {
        return kernel.name();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray in = contiguous(input);
        ConvGeometry g = geometry(in);
        INDArray w = contiguous(getParamWithNoise(GroupedConvolutionParamInitializer.WEIGHT_KEY, training,
                workspaceMgr));
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, g.outputShape(), 'c');
        kernel.forward(g, in, w, out);
        if (layerConf().hasBias()) {
            INDArray b = getParamWithNoise(GroupedConvolutionParamInitializer.BIAS_KEY, training, workspaceMgr);
            Nd4j.getExecutioner().exec(new BroadcastAddOp(out, b.reshape(b.length()), out, 1));
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray in = contiguous(input);
        INDArray eps = contiguous(epsilon);
        ConvGeometry g = geometry(in);
        INDArray w = contiguous(getParamWithNoise(GroupedConvolutionParamInitializer.WEIGHT_KEY, true, workspaceMgr));

        INDArray dW = gradientViews.get(GroupedConvolutionParamInitializer.WEIGHT_KEY);
        kernel.backwardWeights(g, in, eps, dW);
        Gradient gradient = new DefaultGradient();
        if (layerConf().hasBias()) {
            INDArray dB = gradientViews.get(GroupedConvolutionParamInitializer.BIAS_KEY);
            dB.assign(eps.sum(0, 2, 3).reshape(dB.shape()));
            gradient.setGradientFor(GroupedConvolutionParamInitializer.BIAS_KEY, dB);
        }
        gradient.setGradientFor(GroupedConvolutionParamInitializer.WEIGHT_KEY, dW, 'c');

        INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, g.inputShape(), 'c');
        kernel.backwardData(g, eps, w, epsNext);
        weightNoiseParams.clear();
        epsNext = backpropDropOutIfPresent(epsNext);
        return new Pair<>(gradient, epsNext);
    }
}
