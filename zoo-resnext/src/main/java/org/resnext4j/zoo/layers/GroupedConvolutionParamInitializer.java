package org.resnext4j.zoo.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Parameters of a {@link GroupedConvolution}: {@code W} of shape {@code [nOut, nIn / groups, kH, kW]} (C order) and,
 * with a bias, {@code b} of shape {@code [1, nOut]}, under DL4J's usual keys.
 */
public final class GroupedConvolutionParamInitializer implements ParamInitializer {

    public static final GroupedConvolutionParamInitializer INSTANCE = new GroupedConvolutionParamInitializer();
    public static final String WEIGHT_KEY = ConvolutionParamInitializer.WEIGHT_KEY;
    public static final String BIAS_KEY = ConvolutionParamInitializer.BIAS_KEY;

    private GroupedConvolutionParamInitializer() {}

    private static long[] weightShape(GroupedConvolution l) {
        int[] k = l.getKernelSize();
        return new long[] {l.getNOut(), l.getNIn() / l.getGroups(), k[0], k[1]};
    }

    private static long weights(GroupedConvolution l) {
        long[] s = weightShape(l);
        return s[0] * s[1] * s[2] * s[3];
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        GroupedConvolution l = (GroupedConvolution) layer;
        return weights(l) + (l.hasBias() ? l.getNOut() : 0);
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        List<String> keys = new ArrayList<>(weightKeys(layer));
        keys.addAll(biasKeys(layer));
        return keys;
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return Collections.singletonList(WEIGHT_KEY);
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return ((GroupedConvolution) layer).hasBias() ? Collections.singletonList(BIAS_KEY) : Collections.emptyList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return WEIGHT_KEY.equals(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return BIAS_KEY.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        GroupedConvolution l = (GroupedConvolution) conf.getLayer();
        Map<String, INDArray> params = Collections.synchronizedMap(new LinkedHashMap<>());
        INDArray flat = paramsView.reshape(paramsView.length());
        long nW = weights(l);
        INDArray wView = flat.get(NDArrayIndex.interval(0, nW));
        long[] shape = weightShape(l);
        if (initializeParams) {
            int[] k = l.getKernelSize();
            double fanIn = (double) shape[1] * k[0] * k[1];
            double fanOut = (double) shape[0] * k[0] * k[1];
            params.put(WEIGHT_KEY, l.getWeightInitFn().init(fanIn, fanOut, shape, 'c', wView));
        } else {
            params.put(WEIGHT_KEY, wView.reshape('c', shape));
        }
        conf.addVariable(WEIGHT_KEY);
        if (l.hasBias()) {
            INDArray bView =
                    flat.get(NDArrayIndex.interval(nW, nW + l.getNOut())).reshape(1, l.getNOut());
            if (initializeParams) {
                bView.assign(l.getBiasInit());
            }
            params.put(BIAS_KEY, bView);
            conf.addVariable(BIAS_KEY);
        }
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        GroupedConvolution l = (GroupedConvolution) conf.getLayer();
        INDArray flat = gradientView.reshape(gradientView.length());
        long nW = weights(l);
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put(WEIGHT_KEY, flat.get(NDArrayIndex.interval(0, nW)).reshape('c', weightShape(l)));
        if (l.hasBias()) {
            out.put(
                    BIAS_KEY,
                    flat.get(NDArrayIndex.interval(nW, nW + l.getNOut())).reshape(1, l.getNOut()));
        }
        return out;
    }
}
