package org.resnext4j.zoo.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The oneDNN runtime of {@link FusedBatchNormalization}; semantics and parameter updates as DL4J's layer. */
public class FusedBatchNormalizationLayer extends BaseLayer<BatchNormalization> {

    private static final long serialVersionUID = 1L;

    private final transient OneDnnBatchNormKernel kernel = OneDnnBatchNormKernel.instanceOrNull();
    private transient INDArray batchMean;
    private transient INDArray batchVar;

    public FusedBatchNormalizationLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Type type() {
        return Type.NORMALIZATION;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    /** As DL4J's BatchNormalization: the running-statistics "gradients" are complete updates, not sums. */
    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        return !(BatchNormalizationParamInitializer.GLOBAL_MEAN.equals(paramName)
                || BatchNormalizationParamInitializer.GLOBAL_VAR.equals(paramName)
                || BatchNormalizationParamInitializer.GLOBAL_LOG_STD.equals(paramName));
    }

    private INDArray contiguous(INDArray a) {
        return ConvGeometry.contiguous(a, dataType);
    }

    private INDArray scaleShift() {
        INDArray ss = Nd4j.createUninitialized(DataType.FLOAT, 2, layerConf().getNOut());
        ss.getRow(0).assign(getParam(BatchNormalizationParamInitializer.GAMMA).reshape(layerConf().getNOut()));
        ss.getRow(1).assign(getParam(BatchNormalizationParamInitializer.BETA).reshape(layerConf().getNOut()));
        return ss;
    }

    private INDArray runningVariance() {
        return BatchNormRunningStats.variance(getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD));
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray x = contiguous(input);
        if (x.rank() != 4 || x.size(1) != layerConf().getNOut()) {
            throw new IllegalStateException("FusedBatchNormalization " + layerId() + ": expected NCHW input with "
                    + layerConf().getNOut() + " channels, got " + java.util.Arrays.toString(x.shape()));
        }
        float eps = (float) layerConf().getEps();
        INDArray y = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
        int c = (int) layerConf().getNOut();
        if (training) {
            batchMean = Nd4j.createUninitializedDetached(DataType.FLOAT, c);
            batchVar = Nd4j.createUninitializedDetached(DataType.FLOAT, c);
            kernel.forwardTraining(x, scaleShift(), eps, y, batchMean, batchVar);
        } else {
            INDArray mean = contiguous(getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN)).reshape(c);
            kernel.forwardInference(x, scaleShift(), eps, mean.dup(), runningVariance(), y);
        }
        return y;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (batchMean == null) {
            throw new IllegalStateException("FusedBatchNormalization " + layerId()
                    + ": backprop without a training-mode forward pass");
        }
        INDArray x = contiguous(input);
        INDArray dy = contiguous(epsilon);
        int c = (int) layerConf().getNOut();
        float eps = (float) layerConf().getEps();
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        INDArray dss = Nd4j.createUninitialized(DataType.FLOAT, 2, c);
        kernel.backward(x, batchMean, batchVar, dy, scaleShift(), eps, dx, dss);

        INDArray dGamma = gradientViews.get(BatchNormalizationParamInitializer.GAMMA);
        INDArray dBeta = gradientViews.get(BatchNormalizationParamInitializer.BETA);
        INDArray dMean = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_MEAN);
        INDArray dLog10Std = gradientViews.get(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
        dGamma.assign(dss.getRow(0).reshape(dGamma.shape()));
        dBeta.assign(dss.getRow(1).reshape(dBeta.shape()));

        BatchNormRunningStats.updates(getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN),
                getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD), batchMean, batchVar,
                layerConf().getDecay(), dMean, dLog10Std);

        Gradient g = new DefaultGradient();
        g.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGamma);
        g.setGradientFor(BatchNormalizationParamInitializer.BETA, dBeta);
        g.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_MEAN, dMean);
        g.setGradientFor(BatchNormalizationParamInitializer.GLOBAL_LOG_STD, dLog10Std);
        batchMean = null;
        batchVar = null;
        return new Pair<>(g, backpropDropOutIfPresent(dx));
    }
}
