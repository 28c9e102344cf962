package org.resnext4j.zoo.kernels.onednn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.kernels.ConvGeometry;
import org.resnext4j.zoo.kernels.nd4j.GroupedConvReference;

/** {@link OneDnnConvPlan.GroupMerge}, the AVX2 form of a grouped conv with 4 channels per group. */
class GroupMergeTest {

    private static double relErr(INDArray a, INDArray b) {
        INDArray ad = a.castTo(DataType.DOUBLE).reshape(a.length());
        INDArray bd = b.castTo(DataType.DOUBLE).reshape(b.length());
        double n = bd.norm2Number().doubleValue();
        return n == 0
                ? ad.norm2Number().doubleValue()
                : ad.sub(bd).norm2Number().doubleValue() / n;
    }

    /**
     * The AVX2 form of a grouped conv with 4 channels per group: two groups merged into one of 8 with block-diagonal
     * weights computes the same convolution (checked with the ND4J reference, so on any CPU), and the weight gradient
     * comes back from the diagonal blocks. Applied only where the native block is 8 with 4 channels per group.
     */
    @Test
    void mergedGroupsComputeTheSameConvolution() {
        ConvGeometry g = new ConvGeometry(2, 16, 7, 6, 16, 4, 3, 3, 2, 2, 1, 1);
        ConvGeometry merged = new ConvGeometry(2, 16, 7, 6, 16, 2, 3, 3, 2, 2, 1, 1);
        OneDnnConvPlan.GroupMerge m = OneDnnConvPlan.GroupMerge.of(g, 8);
        assertEquals(2, m.factor);
        assertEquals(null, OneDnnConvPlan.GroupMerge.of(g, 16));
        assertEquals(null, OneDnnConvPlan.GroupMerge.of(merged, 8));
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.randn(DataType.FLOAT, g.inputShape());
        INDArray w = Nd4j.randn(DataType.FLOAT, g.weightShape());
        INDArray expanded = Nd4j.create(DataType.FLOAT, merged.weightShape());
        OneDnn.pointer(expanded, "expanded")
                .put(m.expand(OneDnn.pointer(w, "w")).limit(expanded.length()));
        assertEquals(
                w.length(), expanded.neq(0).castTo(DataType.INT).sumNumber().longValue(), "only the real weights");
        INDArray y = Nd4j.create(DataType.FLOAT, g.outputShape());
        INDArray yMerged = Nd4j.create(DataType.FLOAT, g.outputShape());
        GroupedConvReference.forward(g, x, w, y);
        GroupedConvReference.forward(merged, x, expanded, yMerged);
        assertTrue(relErr(yMerged, y) < 1e-6, "merged output, relative error " + relErr(yMerged, y));

        INDArray dy = Nd4j.randn(DataType.FLOAT, g.outputShape());
        INDArray dw = Nd4j.create(DataType.FLOAT, g.weightShape());
        INDArray dwMerged = Nd4j.create(DataType.FLOAT, merged.weightShape());
        GroupedConvReference.backwardWeights(g, x, dy, dw);
        GroupedConvReference.backwardWeights(merged, x, dy, dwMerged);
        new org.bytedeco.javacpp.FloatPointer(m.expandedGradient())
                .put(dwMerged.data().asFloat());
        INDArray extracted = Nd4j.create(DataType.FLOAT, g.weightShape());
        m.extractGradient(OneDnn.pointer(extracted, "dw"));
        assertTrue(relErr(extracted, dw) < 1e-6, "weight gradient from the diagonal blocks " + relErr(extracted, dw));
        m.close();
    }
}
