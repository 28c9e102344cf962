package org.resnext4j.zoo.kernels.nd4j;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.resnext4j.zoo.kernels.ConvGeometry;

/**
 * Grouped convolution with ND4J's own {@code conv2d} and {@code conv2d_bp} operations, one group at a time. Runs on
 * every ND4J backend (CPU or CUDA); used where oneDNN is not available.
 */
final class Nd4jGroupedConv {

    static final Nd4jGroupedConv INSTANCE = new Nd4jGroupedConv();

    private Nd4jGroupedConv() {}

    private static INDArray channels(INDArray a, long from, long to) {
        return a.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all());
    }

    private static INDArray rows(INDArray a, long from, long to) {
        INDArrayIndex all = NDArrayIndex.all();
        return a.get(NDArrayIndex.interval(from, to), all, all, all);
    }

    void forward(ConvGeometry g, INDArray x, INDArray w, INDArray y) {
        long ci = g.c() / g.groups();
        long co = g.outChannels() / g.groups();
        w = w.dup('c'); // ND4J 1.0.0-M2.1 slices views with a non-zero offset wrongly: slice a fresh copy
        for (int k = 0; k < g.groups(); k++) {
            INDArray xg = channels(x, k * ci, (k + 1) * ci).dup('c');
            INDArray wg = rows(w, k * co, (k + 1) * co).dup('c');
            INDArray out = Nd4j.create(y.dataType(), g.n(), co, g.outH(), g.outW());
            Nd4j.exec(op("conv2d", g, new INDArray[] {xg, wg}, new INDArray[] {out}));
            channels(y, k * co, (k + 1) * co).assign(out);
        }
    }

    void backwardData(ConvGeometry g, INDArray dy, INDArray w, INDArray dx) {
        backward(g, null, dy, w, dx, null);
    }

    void backwardWeights(ConvGeometry g, INDArray x, INDArray dy, INDArray dw) {
        backward(g, x, dy, null, null, dw);
    }

    private void backward(ConvGeometry g, INDArray x, INDArray dy, INDArray w, INDArray dx, INDArray dw) {
        long ci = g.c() / g.groups();
        long co = g.outChannels() / g.groups();
        w = w == null ? null : w.dup('c'); // see forward
        INDArray dwAll = dw == null ? null : Nd4j.create(dw.dataType(), dw.shape());
        for (int k = 0; k < g.groups(); k++) {
            INDArray xg = x == null
                    ? Nd4j.zeros(dy.dataType(), g.n(), ci, g.h(), g.w())
                    : channels(x, k * ci, (k + 1) * ci).dup('c');
            INDArray wg = w == null
                    ? Nd4j.zeros(dy.dataType(), co, ci, g.kH(), g.kW())
                    : rows(w, k * co, (k + 1) * co).dup('c');
            INDArray dyg = channels(dy, k * co, (k + 1) * co).dup('c');
            INDArray dxg = Nd4j.create(dy.dataType(), g.n(), ci, g.h(), g.w());
            INDArray dwg = Nd4j.create(dy.dataType(), co, ci, g.kH(), g.kW());
            Nd4j.exec(op("conv2d_bp", g, new INDArray[] {xg, wg, dyg}, new INDArray[] {dxg, dwg}));
            if (dx != null) {
                channels(dx, k * ci, (k + 1) * ci).assign(dxg);
            }
            if (dwAll != null) {
                rows(dwAll, k * co, (k + 1) * co).assign(dwg);
            }
        }
        if (dw != null) {
            dw.assign(dwAll);
        }
    }

    private static DynamicCustomOp op(String name, ConvGeometry g, INDArray[] in, INDArray[] out) {
        // libnd4j conv2d / conv2d_bp integer arguments: kernel, stride, padding, dilation, padding mode
        // (0 = explicit), data format (0 = NCHW), weight format (1 = [oC, iC, kH, kW])
        return DynamicCustomOp.builder(name)
                .addInputs(in)
                .addOutputs(out)
                .addIntegerArguments(g.kH(), g.kW(), g.sH(), g.sW(), g.pH(), g.pW(), 1, 1, 0, 0, 1)
                .build();
    }
}
