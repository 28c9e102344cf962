package org.resnext4j.zoo.layers;

import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.BETA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GAMMA;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_LOG_STD;
import static org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_MEAN;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Parameters of a {@link Conv2dNormActivation}, in this order: the convolution's {@code W} (as
 * {@link GroupedConvolutionParamInitializer}), then {@code gamma} (initially 1), {@code beta} (0), the running
 * {@code mean} (0) and {@code log10stdev} (0, i.e. variance 1), each a vector of {@code nOut} values as in DL4J's
 * BatchNormalization.
 */
public final class Conv2dNormActivationParamInitializer implements ParamInitializer {

    public static final Conv2dNormActivationParamInitializer INSTANCE = new Conv2dNormActivationParamInitializer();
    public static final String WEIGHT_KEY = GroupedConvolutionParamInitializer.WEIGHT_KEY;
    private static final List<String> KEYS = List.of(WEIGHT_KEY, GAMMA, BETA, GLOBAL_MEAN, GLOBAL_LOG_STD);
    private static final double[] INITIAL = {1, 0, 0, 0};

    private Conv2dNormActivationParamInitializer() {}

    private static long convParams(Layer layer) {
        return GroupedConvolutionParamInitializer.INSTANCE.numParams(layer);
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return convParams(layer) + 4 * ((Conv2dNormActivation) layer).getNOut();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return KEYS;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return Collections.singletonList(WEIGHT_KEY);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return Collections.emptyList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return WEIGHT_KEY.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return false;
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        return split(conf, paramsView, initializeParams, true);
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return split(conf, gradientView, false, false);
    }

    private static Map<String, INDArray> split(
            NeuralNetConfiguration conf, INDArray view, boolean initialize, boolean params) {
        Layer layer = conf.getLayer();
        long nW = convParams(layer);
        long c = ((Conv2dNormActivation) layer).getNOut();
        INDArray flat = view.reshape(view.length());
        INDArray convView = flat.get(NDArrayIndex.interval(0, nW));
        Map<String, INDArray> out = Collections.synchronizedMap(new LinkedHashMap<>(
                params
                        ? GroupedConvolutionParamInitializer.INSTANCE.init(conf, convView, initialize)
                        : GroupedConvolutionParamInitializer.INSTANCE.getGradientsFromFlattened(conf, convView)));
        for (int i = 0; i < 4; i++) {
            String key = KEYS.get(i + 1);
            INDArray v = flat.get(NDArrayIndex.interval(nW + i * c, nW + (i + 1) * c));
            if (initialize) {
                v.assign(INITIAL[i]);
            }
            out.put(key, v);
            if (params) {
                conf.addVariable(key);
            }
        }
        return out;
    }
}
