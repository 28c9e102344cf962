package org.resnext4j.zoo.layers;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;

import static org.bytedeco.dnnl.global.dnnl.*;
import static org.resnext4j.zoo.layers.OneDnn.check;
import static org.resnext4j.zoo.layers.OneDnn.md;

/**
 * Batch normalization (NCHW, FLOAT) by oneDNN's primitives, created once per shape, mode and thread: forward training
 * (batch statistics out), forward inference (running statistics in) and backward (data and scale/shift).
 */
final class OneDnnBatchNormKernel {

    private static final OneDnn.Lazy<OneDnnBatchNormKernel> INSTANCE = new OneDnn.Lazy<>(OneDnnBatchNormKernel::new);

    private final OneDnn dnn;
    private final dnnl_engine engine;
    private final ThreadLocal<Map<String, Prim>> prims = ThreadLocal.withInitial(HashMap::new);

    private OneDnnBatchNormKernel(OneDnn dnn) {
        this.dnn = dnn;
        this.engine = dnn.engine;
    }

    /** The kernel, or null when oneDNN's natives cannot be loaded on this machine. */
    static OneDnnBatchNormKernel instanceOrNull() {
        return INSTANCE.get();
    }

    /** One primitive with its memories (handles set per call). */
    private final class Prim {
        final dnnl_primitive prim = new dnnl_primitive();
        final dnnl_primitive_desc pd;
        final Map<Integer, dnnl_memory> mems = new HashMap<>();

        Prim(dnnl_primitive_desc pd, dnnl_memory_desc_t data, dnnl_memory_desc_t stat, dnnl_memory_desc_t ss,
             int... args) {
            this.pd = pd;
            check(dnnl_primitive_create(prim, pd), "primitive_create");
            for (int arg : args) {
                dnnl_memory_desc_t md = arg == DNNL_ARG_MEAN || arg == DNNL_ARG_VARIANCE ? stat
                        : arg == DNNL_ARG_SCALE_SHIFT || arg == DNNL_ARG_DIFF_SCALE_SHIFT ? ss : data;
                dnnl_memory m = new dnnl_memory();
                check(dnnl_memory_create(m, md, engine, (Pointer) null), "memory_create");
                mems.put(arg, m);
            }
        }

        void run(Map<Integer, INDArray> arrays) {
            try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(arrays.size())) {
                int i = 0;
                for (Map.Entry<Integer, INDArray> e : arrays.entrySet()) {
                    dnnl_memory m = mems.get(e.getKey());
                    check(dnnl_memory_set_data_handle(m, OneDnn.pointer(e.getValue(), "batch norm argument " + e.getKey())),
                            "set_data_handle");
                    args.position(i++).arg(e.getKey()).memory(m);
                }
                args.position(0);
                dnnl_stream s = dnn.stream();
                check(dnnl_primitive_execute(prim, s, arrays.size(), args), "primitive_execute");
                check(dnnl_stream_wait(s), "stream_wait");
            }
        }
    }

    private dnnl_primitive_desc fwdPd(long[] shape, float eps, int prop, int flags) {
        dnnl_batch_normalization_desc_t d = new dnnl_batch_normalization_desc_t();
        check(dnnl_batch_normalization_forward_desc_init(d, prop, md(shape, dnnl_nchw), eps, flags), "bn_fwd_desc");
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(d), null, engine, null), "bn_fwd_pd");
        return pd;
    }

    private Prim prim(String kind, long[] shape, float eps) {
        String key = kind + java.util.Arrays.toString(shape) + eps;
        return prims.get().computeIfAbsent(key, k -> {
            dnnl_memory_desc_t data = md(shape, dnnl_nchw);
            dnnl_memory_desc_t stat = md(new long[] {shape[1]}, dnnl_x);
            dnnl_memory_desc_t ss = md(new long[] {2, shape[1]}, dnnl_nc);
            switch (kind) {
                case "train":
                    return new Prim(fwdPd(shape, eps, dnnl_forward_training, dnnl_use_scaleshift), data, stat, ss,
                            DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_SCALE_SHIFT, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE);
                case "infer":
                    return new Prim(fwdPd(shape, eps, dnnl_forward_inference, dnnl_use_scaleshift | dnnl_use_global_stats),
                            data, stat, ss, DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_SCALE_SHIFT, DNNL_ARG_MEAN,
                            DNNL_ARG_VARIANCE);
                default: {
                    dnnl_primitive_desc hint = fwdPd(shape, eps, dnnl_forward_training, dnnl_use_scaleshift);
                    dnnl_batch_normalization_desc_t d = new dnnl_batch_normalization_desc_t();
                    check(dnnl_batch_normalization_backward_desc_init(d, dnnl_backward, data, data, eps,
                            dnnl_use_scaleshift), "bn_bwd_desc");
                    dnnl_primitive_desc pd = new dnnl_primitive_desc();
                    check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(d), null, engine, hint), "bn_bwd_pd");
                    return new Prim(pd, data, stat, ss, DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE,
                            DNNL_ARG_DIFF_DST, DNNL_ARG_SCALE_SHIFT, DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE_SHIFT);
                }
            }
        });
    }

    /** Training forward: y, and the batch mean and (biased) variance. */
    void forwardTraining(INDArray x, INDArray scaleShift, float eps, INDArray y, INDArray mean, INDArray var) {
        Map<Integer, INDArray> a = new java.util.LinkedHashMap<>();
        a.put(DNNL_ARG_SRC, x);
        a.put(DNNL_ARG_SCALE_SHIFT, scaleShift);
        a.put(DNNL_ARG_DST, y);
        a.put(DNNL_ARG_MEAN, mean);
        a.put(DNNL_ARG_VARIANCE, var);
        prim("train", x.shape(), eps).run(a);
    }

    /** Inference forward with the given (running) mean and variance. */
    void forwardInference(INDArray x, INDArray scaleShift, float eps, INDArray mean, INDArray var, INDArray y) {
        Map<Integer, INDArray> a = new java.util.LinkedHashMap<>();
        a.put(DNNL_ARG_SRC, x);
        a.put(DNNL_ARG_SCALE_SHIFT, scaleShift);
        a.put(DNNL_ARG_MEAN, mean);
        a.put(DNNL_ARG_VARIANCE, var);
        a.put(DNNL_ARG_DST, y);
        prim("infer", x.shape(), eps).run(a);
    }

    /** Backward: dx and d(scale, shift) from x, the batch statistics and dy. */
    void backward(INDArray x, INDArray mean, INDArray var, INDArray dy, INDArray scaleShift, float eps, INDArray dx,
                  INDArray dScaleShift) {
        Map<Integer, INDArray> a = new java.util.LinkedHashMap<>();
        a.put(DNNL_ARG_SRC, x);
        a.put(DNNL_ARG_MEAN, mean);
        a.put(DNNL_ARG_VARIANCE, var);
        a.put(DNNL_ARG_DIFF_DST, dy);
        a.put(DNNL_ARG_SCALE_SHIFT, scaleShift);
        a.put(DNNL_ARG_DIFF_SRC, dx);
        a.put(DNNL_ARG_DIFF_SCALE_SHIFT, dScaleShift);
        prim("bwd", x.shape(), eps).run(a);
    }
}
