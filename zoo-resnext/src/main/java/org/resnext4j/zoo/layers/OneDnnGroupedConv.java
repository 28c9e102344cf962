package org.resnext4j.zoo.layers;

import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_stream;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.resnext4j.zoo.layers.OneDnn.check;

/**
 * Grouped convolution by oneDNN's own grouped convolution primitives (forward, backward data, backward weights)
 * through the JavaCPP presets {@code org.bytedeco:dnnl}, on ND4J's CPU buffers.
 *
 * <p>Tensors cross the boundary in DL4J's layouts ({@code nchw} activations, {@code goihw} weights, which is PyTorch's
 * {@code [OC, C/G, kH, kW]}); each primitive is created with format {@code any}, so oneDNN picks its fastest
 * (blocked) layouts, and reorders convert at the boundary where the layouts differ. Primitives, reorders and the
 * blocked scratch buffers are created once per {@link ConvGeometry} and thread, and reused.
 */
final class OneDnnGroupedConv implements GroupedConvKernel {

    private static final OneDnn.Lazy<OneDnnGroupedConv> INSTANCE = new OneDnn.Lazy<>(OneDnnGroupedConv::new);

    private final OneDnn dnn;
    private final dnnl_engine engine;
    private final ThreadLocal<Map<ConvGeometry, OneDnnConvPlan>> plans = OneDnn.planCache(OneDnnConvPlan::close);

    private OneDnnGroupedConv(OneDnn dnn) {
        this.dnn = dnn;
        this.engine = dnn.engine;
    }

    /** The kernel, or null when oneDNN's natives cannot be loaded on this machine. */
    static OneDnnGroupedConv instanceOrNull() {
        return INSTANCE.get();
    }

    @Override
    public String name() {
        return "onednn";
    }

    private OneDnnConvPlan plan(ConvGeometry g) {
        Map<ConvGeometry, OneDnnConvPlan> map = plans.get();
        OneDnnConvPlan p = map.get(g);
        if (p == null) {
            p = new OneDnnConvPlan(dnn, g, prim -> OneDnn.md(g.outputShape(), dnnl_nchw));
            map.put(g, p);
        }
        return p;
    }

    @Override
    public void forward(ConvGeometry g, INDArray x, INDArray w, INDArray y) {
        dnnl_stream s = dnn.stream();
        plan(g).forward(OneDnn.pointer(x, "x"), OneDnn.pointer(w, "w"), OneDnn.pointer(y, "y"), s);
        check(dnnl_stream_wait(s), "stream_wait");
    }

    @Override
    public void backwardData(ConvGeometry g, INDArray dy, INDArray w, INDArray dx) {
        dnnl_stream s = dnn.stream();
        plan(g).backwardData(OneDnn.pointer(dy, "dy"), OneDnn.pointer(w, "w"), OneDnn.pointer(dx, "dx"), s);
        check(dnnl_stream_wait(s), "stream_wait");
    }

    @Override
    public void backwardWeights(ConvGeometry g, INDArray x, INDArray dy, INDArray dw) {
        dnnl_stream s = dnn.stream();
        plan(g).backwardWeights(OneDnn.pointer(x, "x"), OneDnn.pointer(dy, "dy"), OneDnn.pointer(dw, "dw"), s);
        check(dnnl_stream_wait(s), "stream_wait");
    }
}
