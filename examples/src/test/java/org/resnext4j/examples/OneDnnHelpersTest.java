package org.resnext4j.examples;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.junit.jupiter.api.Test;
import org.resnext4j.zoo.GraphForm;
import org.resnext4j.zoo.ResNeXt;

/**
 * The application's opt-in to DL4J's oneDNN helpers works on this CPU: with {@link OneDnnHelpers} called and the
 * {@code org.nd4j.nativeblas.Nd4jCpu} shim on the class path, DL4J creates its helpers for the SPLIT form's
 * convolutions and batch norms and for the max pool.
 */
class OneDnnHelpersTest {

    @Test
    void helpersAreCreatedOnceTheApplicationEnablesThem() {
        OneDnnHelpers.enableUnlessConfigured();
        ComputationGraph split = ResNeXt.builder(Models.spec("tiny", 4, 32).withForm(GraphForm.SPLIT))
                .build()
                .init();
        assertInstanceOf(MKLDNNConvHelper.class, ((ConvolutionLayer) split.getLayer("conv1")).getHelper());
        assertInstanceOf(MKLDNNBatchNormHelper.class, ((BatchNormalization) split.getLayer("bn1")).getHelper());
        assertInstanceOf(MKLDNNSubsamplingHelper.class, ((SubsamplingLayer) split.getLayer("maxpool")).getHelper());
    }
}
