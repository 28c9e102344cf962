package org.resnext4j.zoo.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collection;
import java.util.Map;

/**
 * DL4J's {@link BatchNormalization} (same parameters: gamma, beta, running mean, log10 of the running standard
 * deviation; same running-statistics update) computed by oneDNN's batch-normalization primitives with cached
 * primitives, for NCHW FLOAT data on ND4J's CPU backend; anywhere else it is DL4J's own layer. DL4J's helper for this
 * layer rebuilds a oneDNN primitive on every call, which made batch normalization a third of a ResNeXt's time.
 */
public class FusedBatchNormalization extends BatchNormalization {

    private static final long serialVersionUID = 1L;

    public FusedBatchNormalization() {
        super();
    }

    /** Identity activation, log10-std storage, the given epsilon and decay (DL4J's running = d * running + (1-d) * batch). */
    public static FusedBatchNormalization of(double eps, double decay) {
        FusedBatchNormalization bn = new FusedBatchNormalization();
        bn.setEps(eps);
        bn.setDecay(decay);
        bn.setUseLogStd(true);
        bn.setActivationFn(new ActivationIdentity());
        return bn;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners,
                             int layerIndex, INDArray layerParamsView, boolean initializeParams,
                             DataType networkDataType) {
        boolean cpu = "CPU".equalsIgnoreCase(Nd4j.getExecutioner().getEnvironmentInformation()
                .getProperty("backend"));
        if (!cpu || networkDataType != DataType.FLOAT || !isUseLogStd() || isLockGammaBeta()
                || OneDnnBatchNormKernel.instanceOrNull() == null) {
            return super.instantiate(conf, trainingListeners, layerIndex, layerParamsView, initializeParams,
                    networkDataType);
        }
        LayerValidation.assertNOutSet("FusedBatchNormalization", getLayerName(), layerIndex, getNOut());
        FusedBatchNormalizationLayer ret = new FusedBatchNormalizationLayer(conf, networkDataType);
        ret.setListeners(trainingListeners);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        ret.setParamTable(paramTable);
        ret.setConf(conf);
        return ret;
    }

    @Override
    public FusedBatchNormalization clone() {
        return (FusedBatchNormalization) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FusedBatchNormalization && super.equals(o);
    }

    @Override
    public int hashCode() {
        return super.hashCode() * 31 + 3;
    }
}
