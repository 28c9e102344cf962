package org.resnext4j.zoo.layers;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.resnext4j.zoo.layers.OneDnn.check;
import static org.resnext4j.zoo.layers.OneDnn.md;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_backward_data;
import static org.bytedeco.dnnl.global.dnnl.dnnl_backward_weights;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_backward_data_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_backward_weights_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_goihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;

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

    private static final int MAX_PLANS_PER_THREAD = 64;

    private static volatile OneDnnGroupedConv instance;

    private final OneDnn dnn;
    private final dnnl_engine engine;
    private final ThreadLocal<Map<ConvGeometry, Plan>> plans = ThreadLocal.withInitial(() ->
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<ConvGeometry, Plan> eldest) {
                    if (size() > MAX_PLANS_PER_THREAD) {
                        eldest.getValue().close();
                        return true;
                    }
                    return false;
                }
            });

    private OneDnnGroupedConv(OneDnn dnn) {
        this.dnn = dnn;
        this.engine = dnn.engine;
    }

    /** The kernel, or null when oneDNN's natives cannot be loaded on this machine. */
    static OneDnnGroupedConv instanceOrNull() {
        OneDnn dnn = OneDnn.instanceOrNull();
        if (dnn == null) {
            return null;
        }
        if (instance == null) {
            synchronized (OneDnnGroupedConv.class) {
                if (instance == null) {
                    instance = new OneDnnGroupedConv(dnn);
                }
            }
        }
        return instance;
    }

    @Override
    public String name() {
        return "onednn";
    }

    private Plan plan(ConvGeometry g) {
        Map<ConvGeometry, Plan> map = plans.get();
        Plan p = map.get(g);
        if (p == null) {
            p = new Plan(g);
            map.put(g, p);
        }
        return p;
    }

    @Override
    public void forward(ConvGeometry g, INDArray x, INDArray w, INDArray y) {
        Plan p = plan(g);
        p.run(p.fwd, new Slot[] {p.fwdSrc, p.fwdWei}, new INDArray[] {x, w}, p.fwdDst, y);
    }

    @Override
    public void backwardData(ConvGeometry g, INDArray dy, INDArray w, INDArray dx) {
        Plan p = plan(g);
        p.run(p.bwdData, new Slot[] {p.bdDiffDst, p.bdWei}, new INDArray[] {dy, w}, p.bdDiffSrc, dx);
    }

    @Override
    public void backwardWeights(ConvGeometry g, INDArray x, INDArray dy, INDArray dw) {
        Plan p = plan(g);
        p.run(p.bwdWeights, new Slot[] {p.bwSrc, p.bwDiffDst}, new INDArray[] {x, dy}, p.bwDiffWei, dw);
    }

    /** One argument of a primitive: the user-side memory, and a blocked copy with reorders when layouts differ. */
    private final class Slot {
        final int arg;
        final dnnl_memory user = new dnnl_memory();
        final dnnl_memory inner;
        final dnnl_primitive toInner;
        final dnnl_primitive toUser;
        final INDArray innerBuffer;
        private final List<Runnable> closers = new ArrayList<>();

        Slot(int arg, dnnl_memory_desc_t userMd, dnnl_memory_desc_t primMd) {
            this.arg = arg;
            check(dnnl_memory_create(user, userMd, engine, (Pointer) null), "memory_create");
            closers.add(() -> dnnl_memory_destroy(user));
            if (dnnl_memory_desc_equal(userMd, primMd) != 0) {
                inner = null;
                toInner = null;
                toUser = null;
                innerBuffer = null;
                return;
            }
            long bytes = dnnl_memory_desc_get_size(primMd);
            innerBuffer = Nd4j.createUninitializedDetached(DataType.FLOAT, (bytes + 3) / 4 + 16);
            inner = new dnnl_memory();
            check(dnnl_memory_create(inner, primMd, engine, innerBuffer.data().addressPointer()), "memory_create");
            closers.add(() -> dnnl_memory_destroy(inner));
            toInner = reorder(userMd, primMd);
            toUser = reorder(primMd, userMd);
        }

        private dnnl_primitive reorder(dnnl_memory_desc_t from, dnnl_memory_desc_t to) {
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(dnnl_reorder_primitive_desc_create(pd, from, engine, to, engine, null), "reorder_pd");
            dnnl_primitive prim = new dnnl_primitive();
            check(dnnl_primitive_create(prim, pd), "reorder");
            check(dnnl_primitive_desc_destroy(pd), "pd_destroy");
            closers.add(() -> dnnl_primitive_destroy(prim));
            return prim;
        }

        /** The memory the primitive reads: the user's, or a blocked copy of it. */
        dnnl_memory bindInput(INDArray a, dnnl_stream s) {
            check(dnnl_memory_set_data_handle(user, OneDnn.pointer(a, "input")), "set_data_handle");
            if (inner == null) {
                return user;
            }
            execute(toInner, s, DNNL_ARG_FROM, user, DNNL_ARG_TO, inner);
            return inner;
        }

        /** The memory the primitive writes. */
        dnnl_memory bindOutput(INDArray a) {
            check(dnnl_memory_set_data_handle(user, OneDnn.pointer(a, "output")), "set_data_handle");
            return inner == null ? user : inner;
        }

        /** Copies a blocked result back into the user's array. */
        void finishOutput(dnnl_stream s) {
            if (inner != null) {
                execute(toUser, s, DNNL_ARG_FROM, inner, DNNL_ARG_TO, user);
            }
        }

        void close() {
            closers.forEach(Runnable::run);
        }
    }

    private static void execute(dnnl_primitive prim, dnnl_stream s, Object... argsAndMemories) {
        int n = argsAndMemories.length / 2;
        try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(n)) {
            for (int i = 0; i < n; i++) {
                args.position(i).arg((Integer) argsAndMemories[2 * i]).memory((dnnl_memory) argsAndMemories[2 * i + 1]);
            }
            args.position(0);
            check(dnnl_primitive_execute(prim, s, n, args), "primitive_execute");
        }
    }

    /** The primitives of one geometry. */
    private final class Plan {
        final dnnl_primitive fwd;
        final dnnl_primitive bwdData;
        final dnnl_primitive bwdWeights;
        final Slot fwdSrc;
        final Slot fwdWei;
        final Slot fwdDst;
        final Slot bdDiffDst;
        final Slot bdWei;
        final Slot bdDiffSrc;
        final Slot bwSrc;
        final Slot bwDiffDst;
        final Slot bwDiffWei;
        final List<dnnl_primitive_desc> pds = new ArrayList<>();

        Plan(ConvGeometry g) {
            long[] src = g.inputShape();
            long[] dst = g.outputShape();
            long[] wei = {g.groups(), g.outChannels() / g.groups(), g.c() / g.groups(), g.kH(), g.kW()};
            long[] strides = {g.sH(), g.sW()};
            long[] pad = {g.pH(), g.pW()};
            dnnl_memory_desc_t srcUser = md(src, dnnl_nchw);
            dnnl_memory_desc_t weiUser = md(wei, dnnl_goihw);
            dnnl_memory_desc_t dstUser = md(dst, dnnl_nchw);
            dnnl_memory_desc_t srcAny = md(src, dnnl_format_tag_any);
            dnnl_memory_desc_t weiAny = md(wei, dnnl_format_tag_any);
            dnnl_memory_desc_t dstAny = md(dst, dnnl_format_tag_any);

            dnnl_convolution_desc_t fd = new dnnl_convolution_desc_t();
            check(dnnl_convolution_forward_desc_init(fd, dnnl_forward_training, dnnl_convolution_direct, srcAny,
                    weiAny, null, dstAny, strides, pad, pad), "convolution_forward_desc_init");
            dnnl_primitive_desc fpd = pd(new const_dnnl_op_desc_t(fd), null);
            dnnl_convolution_desc_t bdd = new dnnl_convolution_desc_t();
            check(dnnl_convolution_backward_data_desc_init(bdd, dnnl_convolution_direct, srcAny, weiAny, dstAny,
                    strides, pad, pad), "convolution_backward_data_desc_init");
            dnnl_primitive_desc bdpd = pd(new const_dnnl_op_desc_t(bdd), fpd);
            dnnl_convolution_desc_t bwd = new dnnl_convolution_desc_t();
            check(dnnl_convolution_backward_weights_desc_init(bwd, dnnl_convolution_direct, srcAny, weiAny, null,
                    dstAny, strides, pad, pad), "convolution_backward_weights_desc_init");
            dnnl_primitive_desc bwpd = pd(new const_dnnl_op_desc_t(bwd), fpd);

            fwd = primitive(fpd);
            bwdData = primitive(bdpd);
            bwdWeights = primitive(bwpd);
            fwdSrc = new Slot(DNNL_ARG_SRC, srcUser, dnnl_primitive_desc_query_md(fpd, dnnl_query_src_md, 0));
            fwdWei = new Slot(DNNL_ARG_WEIGHTS, weiUser, dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0));
            fwdDst = new Slot(DNNL_ARG_DST, dstUser, dnnl_primitive_desc_query_md(fpd, dnnl_query_dst_md, 0));
            bdDiffDst = new Slot(DNNL_ARG_DIFF_DST, dstUser,
                    dnnl_primitive_desc_query_md(bdpd, dnnl_query_diff_dst_md, 0));
            bdWei = new Slot(DNNL_ARG_WEIGHTS, weiUser, dnnl_primitive_desc_query_md(bdpd, dnnl_query_weights_md, 0));
            bdDiffSrc = new Slot(DNNL_ARG_DIFF_SRC, srcUser,
                    dnnl_primitive_desc_query_md(bdpd, dnnl_query_diff_src_md, 0));
            bwSrc = new Slot(DNNL_ARG_SRC, srcUser, dnnl_primitive_desc_query_md(bwpd, dnnl_query_src_md, 0));
            bwDiffDst = new Slot(DNNL_ARG_DIFF_DST, dstUser,
                    dnnl_primitive_desc_query_md(bwpd, dnnl_query_diff_dst_md, 0));
            bwDiffWei = new Slot(DNNL_ARG_DIFF_WEIGHTS, weiUser,
                    dnnl_primitive_desc_query_md(bwpd, dnnl_query_diff_weights_md, 0));
            
        }

        private dnnl_primitive_desc pd(const_dnnl_op_desc_t desc, dnnl_primitive_desc hint) {
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(dnnl_primitive_desc_create(pd, desc, null, engine, hint), "primitive_desc_create");
            pds.add(pd);
            return pd;
        }

        private dnnl_primitive primitive(dnnl_primitive_desc pd) {
            dnnl_primitive p = new dnnl_primitive();
            check(dnnl_primitive_create(p, pd), "primitive_create");
            return p;
        }

        void run(dnnl_primitive prim, Slot[] inputs, INDArray[] inputArrays, Slot output, INDArray outputArray) {
            dnnl_stream s = dnn.stream();
            Object[] args = new Object[2 * (inputs.length + 1)];
            for (int i = 0; i < inputs.length; i++) {
                args[2 * i] = inputs[i].arg;
                args[2 * i + 1] = inputs[i].bindInput(inputArrays[i], s);
            }
            args[2 * inputs.length] = output.arg;
            args[2 * inputs.length + 1] = output.bindOutput(outputArray);
            execute(prim, s, args);
            output.finishOutput(s);
            check(dnnl_stream_wait(s), "stream_wait");
        }

        void close() {
            for (Slot slot : new Slot[] {fwdSrc, fwdWei, fwdDst, bdDiffDst, bdWei, bdDiffSrc, bwSrc, bwDiffDst,
                bwDiffWei}) {
                slot.close();
            }
            dnnl_primitive_destroy(fwd);
            dnnl_primitive_destroy(bwdData);
            dnnl_primitive_destroy(bwdWeights);
            pds.forEach(pd -> dnnl_primitive_desc_destroy(pd));
        }
    }
}
