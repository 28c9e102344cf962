package org.resnext4j.zoo.layers;

import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.BETA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GAMMA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_LOG_STD;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_MEAN;
import static org.resnext4j.zoo.layers.Conv2dNormActivationParamInitializer.WEIGHT_KEY;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.kernels.ConvGeometry;
import org.resnext4j.zoo.kernels.ConvNormKernel;
import org.resnext4j.zoo.kernels.ConvNormOp;
import org.resnext4j.zoo.kernels.Kernels;

/**
 * The runtime layer of {@link Conv2dNormActivation}. The arithmetic is a {@link ConvNormKernel}: oneDNN on ND4J's
 * CPU backend with FLOAT data, ND4J operations otherwise ({@link #kernelName()} says which). A training forward pass
 * keeps the convolution output (and the ReLU mask) in DL4J's activation workspace for the backward pass.
 */
public class Conv2dNormActivationLayer extends ConvLayer<Conv2dNormActivation> {

    private static final long serialVersionUID = 1L;

    private final transient ConvNormKernel kernel;
    /** What the last training forward pass left for the backward pass; null outside training. */
    private transient ConvNormKernel.Saved saved;

    public Conv2dNormActivationLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        this.kernel = Kernels.engine(dataType).convNorm();
    }

    @Override
    public String kernelName() {
        return kernel.name();
    }

    /** As DL4J's BatchNormalization: the running-statistics "gradients" are complete updates, not sums. */
    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        return !(GLOBAL_MEAN.equals(paramName) || GLOBAL_LOG_STD.equals(paramName));
    }

    private INDArray vector(String key) {
        INDArray p = contiguous(getParam(key));
        return p.reshape(p.length());
    }

    /** The kernel call for input {@code x}: geometry, options, and each side's layout as resolved on this kernel. */
    private ConvNormOp op(INDArray x) {
        ConvGeometry g = geometry(x);
        Conv2dNormActivation conf = layerConf();
        int block = kernel.channelBlock();
        boolean in = conf.getInputLayout() == ActivationLayout.BLOCKED && block > 0 && g.c() % block == 0;
        boolean out = conf.getOutputLayout() == ActivationLayout.BLOCKED && block > 0 && g.outChannels() % block == 0;
        return new ConvNormOp(g, conf.isRelu(), (float) conf.getEps(), in, out);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray x = contiguous(input);
        ConvNormOp op = op(x);
        ConvGeometry g = op.g();
        INDArray w = contiguous(getParamWithNoise(WEIGHT_KEY, training, workspaceMgr));
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, g.outputShape(), 'c');
        ConvNormKernel.Inputs in = new ConvNormKernel.Inputs(x, w, vector(GAMMA), vector(BETA));
        if (training) {
            long c = g.outChannels();
            saved = new ConvNormKernel.Saved(
                    workspaceMgr.createUninitialized(
                            ArrayType.ACTIVATIONS, dataType, new long[] {kernel.savedLength(op)}, 'c'),
                    Nd4j.createUninitializedDetached(dataType, c),
                    Nd4j.createUninitializedDetached(dataType, c));
            kernel.forwardTraining(op, in, y, saved);
        } else {
            saved = null;
            INDArray var = contiguous(BatchNormRunningStats.variance(getParam(GLOBAL_LOG_STD)));
            kernel.forwardInference(op, in, vector(GLOBAL_MEAN), var, y);
        }
        return y;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (saved == null) {
            throw new IllegalStateException("Conv2dNormActivation " + layerId() + ": backprop without a training-mode "
                    + "forward pass (batch norm back-propagates through batch statistics; to freeze this layer use "
                    + "FrozenLayer, e.g. TransferLearning's setFeatureExtractor, not FrozenLayerWithBackprop)");
        }
        INDArray x = contiguous(input);
        ConvNormOp op = op(x);
        ConvGeometry g = op.g();
        INDArray w = contiguous(getParamWithNoise(WEIGHT_KEY, true, workspaceMgr));
        INDArray dx = layerConf().isInputGradient()
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, g.inputShape(), 'c')
                : null;
        INDArray dW = gradientViews.get(WEIGHT_KEY);
        INDArray dGamma = gradientViews.get(GAMMA);
        INDArray dBeta = gradientViews.get(BETA);
        kernel.backward(
                op,
                new ConvNormKernel.Inputs(x, w, vector(GAMMA), vector(BETA)),
                saved,
                contiguous(epsilon),
                new ConvNormKernel.Gradients(dx, dW, dGamma, dBeta));
        INDArray dMean = gradientViews.get(GLOBAL_MEAN);
        INDArray dLog10Std = gradientViews.get(GLOBAL_LOG_STD);
        BatchNormRunningStats.updates(
                getParam(GLOBAL_MEAN),
                getParam(GLOBAL_LOG_STD),
                saved.batchMean(),
                saved.batchVar(),
                layerConf().getDecay(),
                dMean,
                dLog10Std);

        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(WEIGHT_KEY, dW, 'c');
        gradient.setGradientFor(GAMMA, dGamma);
        gradient.setGradientFor(BETA, dBeta);
        gradient.setGradientFor(GLOBAL_MEAN, dMean);
        gradient.setGradientFor(GLOBAL_LOG_STD, dLog10Std);
        weightNoiseParams.clear();
        saved = null;
        return new Pair<>(gradient, dx == null ? null : backpropDropOutIfPresent(dx));
    }

    @Override
    public void clear() {
        super.clear();
        saved = null;
    }
}
