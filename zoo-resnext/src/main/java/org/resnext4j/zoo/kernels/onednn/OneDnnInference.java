package org.resnext4j.zoo.kernels.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx2_vnni;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_vnni;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_goihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw16c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw8c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nhwc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_oihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_avg_exclude_padding;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_max;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_eltwise;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_sum;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_sum_v2;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_output_scales;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_post_ops;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_s8;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.bytedeco.dnnl.global.dnnl.dnnl_u8;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.check;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.md;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.withDataType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.resnext4j.zoo.kernels.ConvGeometry;
import org.resnext4j.zoo.kernels.DenseArrays;
import org.resnext4j.zoo.kernels.InferenceEngine;

/**
 * A whole ResNet/ResNeXt forward pass for inference on oneDNN, outside DL4J's layers, as ONNX Runtime runs it: batch
 * norm folded into each convolution's weights and bias, ReLU and the residual sum as the convolutions' post-ops
 * ({@code sum} then {@code eltwise_relu} on each block's last convolution, whose output buffer first holds the
 * shortcut), activations kept in the layouts oneDNN picks from one convolution to the next (reordered only where two
 * primitives disagree), weights reordered into the primitives' layouts once per input shape. Only the input is
 * reordered from NCHW; the pooled features come back as {@code [N, C]} (FLOAT).
 *
 * <p>Three {@link Precision}s: FP32; BF16 (weights and activations bf16, accumulation and bias f32; only on a CPU with
 * AVX512-BF16 or AMX, refused elsewhere rather than emulated); INT8, post-training static quantization: weights
 * symmetric s8 per output channel, activations u8 per tensor (s8 for a projection shortcut, whose values are signed),
 * with the activation ranges of a calibration ({@link #features(INDArray, Observer)} of an FP32 engine). The stem
 * convolution and its max pool stay FP32 (the image input is signed and the stem is 3% of ResNeXt-50's work); the
 * max pool's output is quantized to u8 for layer1. Each int8 convolution's output scales requantize its int32
 * accumulator to the next tensor's scale; ReLU and the residual sum (with the shortcut's scale) stay post-ops.
 *
 * <p>Plans are made per input shape and thread-confined to the caller.
 */
final class OneDnnInference implements InferenceEngine {

    private final OneDnn dnn;
    private final Conv stem;
    private final List<Block> blocks;
    private final long features;
    private final Precision precision;
    private final Map<String, Float> ranges;
    private final Map<List<Long>, Plan> plans = new HashMap<>();

    /**
     * @param ranges for INT8: each convolution's calibrated output range by name (the largest magnitude kept; values
     *               beyond saturate), for every convolution of the network; ignored otherwise
     * @throws IllegalStateException for BF16 on a CPU without AVX512-BF16 (see {@link #refusal})
     * @throws IllegalArgumentException for INT8 when a convolution has no range, or a range is not finite or negative
     */
    OneDnnInference(OneDnn dnn, Network network, Precision precision, Map<String, Float> ranges) {
        this.dnn = dnn;
        String refused = refusal(precision, OneDnn.cpuIsa());
        if (refused != null) {
            throw new IllegalStateException(refused);
        }
        this.stem = network.stem();
        this.blocks = network.blocks();
        this.precision = precision;
        this.ranges = Map.copyOf(ranges);
        if (precision == Precision.INT8) {
            for (Conv c : network.convs()) {
                Float r = ranges.get(c.name());
                if (r == null || !Float.isFinite(r) || r < 0) {
                    throw new IllegalArgumentException(
                            "int8 activation ranges: expected a finite range >= 0 for " + c.name() + ", got " + r);
                }
            }
        }
        this.features = network.features();
    }

    /**
     * Why {@code precision} cannot run on a CPU of oneDNN instruction set {@code isa}, naming the missing instruction
     * set, or null when it can. BF16 needs AVX512-BF16 (or AMX): elsewhere oneDNN would emulate it on AVX-512 at a
     * fraction of FP32's speed, which is refused rather than run silently.
     */
    static String refusal(Precision precision, int isa) {
        if (precision == Precision.BF16 && !OneDnn.hasIsa(isa, dnnl_cpu_isa_avx512_core_bf16)) {
            return "bf16 inference needs a CPU with AVX512-BF16 or AMX; this one offers oneDNN "
                    + OneDnn.cpuIsaName(isa)
                    + " (without them oneDNN would emulate bf16 several times slower than fp32)";
        }
        return null;
    }

    @Override
    public synchronized INDArray features(INDArray x, Observer observer) {
        if (observer != null && precision != Precision.FP32) {
            throw new IllegalStateException("calibration observes an FP32 engine, this one is " + precision);
        }
        INDArray in = x.dataType() == DataType.FLOAT && DenseArrays.isContiguousC(x)
                ? x
                : x.castTo(DataType.FLOAT).dup('c');
        long[] s = in.shape();
        Plan p = plans.computeIfAbsent(List.of(s[0], s[1], s[2], s[3]), k -> new Plan(s));
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, s[0], features);
        p.run(OneDnn.pointer(in, "input"), OneDnn.pointer(out, "features"), observer);
        return out;
    }

    @Override
    public synchronized void close() {
        plans.values().forEach(Plan::close);
        plans.clear();
    }

    /** A native float buffer of at least {@code bytes}, held by ND4J (freed with the plan). */
    private static INDArray allocate(long bytes) {
        return Nd4j.createUninitializedDetached(DataType.FLOAT, (bytes + 3) / 4);
    }

    /**
     * The largest |weight| an s8 weight may hold: 127, or 63 on CPUs without VNNI, where oneDNN multiplies u8 by s8
     * with {@code vpmaddubsw}, whose int16 pair sums saturate beyond 7-bit weights (oneDNN's "int8 computation
     * nuances").
     */
    private static float weightLevels() {
        boolean vnni = OneDnn.hasIsa(dnnl_cpu_isa_avx512_core_vnni) || OneDnn.hasIsa(dnnl_cpu_isa_avx2_vnni);
        return vnni ? 127f : 63f;
    }

    /** The scale of an int8 tensor of range {@code range}: stored = real * scale. */
    private static float activationScale(float range, boolean unsigned) {
        return range > 0 ? (unsigned ? 255f : 127f) / range : 1f;
    }

    /**
     * Symmetric per-output-channel weight scales: {@code levels / max |w[o]|} (1 for an all-zero channel), so that
     * {@code round(w * scale)} spans [-levels, levels].
     */
    static float[] weightScales(INDArray weight, float levels) {
        long oc = weight.size(0);
        INDArray max =
                weight.reshape(oc, weight.length() / oc).castTo(DataType.FLOAT).amax(1);
        float[] m = max.toFloatVector();
        float[] scales = new float[(int) oc];
        for (int o = 0; o < oc; o++) {
            scales[o] = m[o] > 0 ? levels / m[o] : 1f;
        }
        return scales;
    }

    /** One step of a plan; the observer is null outside calibration. */
    private interface Step {
        void run(Observer observer);
    }

    /** The primitives, weights and buffers for one input shape. */
    private final class Plan {
        private final List<Step> steps = new ArrayList<>();
        private final List<dnnl_primitive> primitives = new ArrayList<>();
        private final List<dnnl_memory> memories = new ArrayList<>();
        private final List<INDArray> keep = new ArrayList<>();
        private final List<dnnl_primitive_desc> pds = new ArrayList<>();
        private final dnnl_stream stream = dnn.stream();
        private final dnnl_memory input;
        private final List<INDArray> pool = new ArrayList<>();
        private final long poolBytes;
        private int blockInput = -1;
        private dnnl_memory pooled;

        /**
         * An activation: its layout (with its data type), the pool buffer holding it, and for int8 its scale (stored =
         * real * scale; 1 otherwise).
         */
        private record Act(dnnl_memory_desc_t md, int buffer, long[] dims, float scale) {}

        Plan(long[] shape) {
            // the largest activation decides the pool buffers' size: the stem's output or layer1's, 4x the input
            long n = shape[0];
            long h = (shape[2] + 1) / 2;
            long w = (shape[3] + 1) / 2;
            long maxCh = Math.max(
                    stem.weight().size(0), blocks.get(0).conv3().weight().size(0));
            poolBytes = 4L * n * maxCh * h * w + (1 << 16);
            for (int i = 0; i < 4; i++) {
                pool.add(allocate(poolBytes));
            }
            input = memory(md(shape, dnnl_nchw));
            Act x = new Act(md(shape, dnnl_nchw), -1, shape, 1f);
            Act a = conv(stem, x, 0, null);
            a = maxPool(a, 1);
            if (precision == Precision.INT8) {
                // the stem's output (after its max pool, same range) quantized to u8 for layer1
                float scale = activationScale(ranges.get(stem.name()), true);
                a = convert(a, md(a.dims(), dnnl_u8, dnnl_nhwc), scale, 0);
            }
            for (Block b : blocks) {
                int in = a.buffer();
                blockInput = in;
                int[] others = others(in);
                Act c1 = conv(b.conv1(), a, others[0], null);
                Act c2 = conv(b.conv2(), c1, others[1], null);
                Act out;
                if (b.downsample() != null) {
                    Act sc = conv(b.downsample(), a, others[2], null);
                    out = conv(b.conv3(), c2, others[2], sc);
                } else {
                    out = conv(b.conv3(), c2, in, a);
                }
                a = out;
            }
            blockInput = -1;
            if (a.md().data_type() != dnnl_f32) {
                a = convert(a, withDataType(a.md(), dnnl_f32), 1f, others(a.buffer())[0]);
            }
            avgPool(a);
        }

        private int[] others(int used) {
            int[] o = new int[3];
            int k = 0;
            for (int i = 0; i < 4 && k < 3; i++) {
                if (i != used) {
                    o[k++] = i;
                }
            }
            return o;
        }

        private dnnl_memory memory(dnnl_memory_desc_t m) {
            dnnl_memory mem = new dnnl_memory();
            check(dnnl_memory_create(mem, m, dnn.engine, (Pointer) null), "memory_create");
            memories.add(mem);
            return mem;
        }

        private dnnl_memory memoryOn(dnnl_memory_desc_t m, Pointer data) {
            dnnl_memory mem = memory(m);
            check(dnnl_memory_set_data_handle(mem, data), "set_data_handle");
            return mem;
        }

        private Pointer buffer(int i, dnnl_memory_desc_t m) {
            if (dnnl_memory_desc_get_size(m) > poolBytes) {
                throw new IllegalStateException("activation of " + dnnl_memory_desc_get_size(m) + " bytes exceeds the "
                        + "pool buffers of " + poolBytes);
            }
            return OneDnn.pointer(pool.get(i), "pool buffer");
        }

        /** The memory of an activation (the plan's input for buffer -1). */
        private dnnl_memory memoryOf(Act a) {
            return a.buffer() < 0 ? input : memoryOn(a.md(), buffer(a.buffer(), a.md()));
        }

        /** A reorder, with output scales {@code scales} (per tensor: one value; per channel: mask) when non-null. */
        private dnnl_primitive reorderPrimitive(
                dnnl_memory_desc_t from, dnnl_memory_desc_t to, int scaleMask, float[] scales) {
            dnnl_primitive_attr attr = null;
            if (scales != null) {
                attr = new dnnl_primitive_attr();
                check(dnnl_primitive_attr_create(attr), "primitive_attr_create");
                check(
                        dnnl_primitive_attr_set_output_scales(attr, scales.length, scaleMask, scales),
                        "primitive_attr_set_output_scales");
            }
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(dnnl_reorder_primitive_desc_create(pd, from, dnn.engine, to, dnn.engine, attr), "reorder_pd");
            if (attr != null) {
                dnnl_primitive_attr_destroy(attr);
            }
            dnnl_primitive p = OneDnn.primitive(pd);
            pds.add(pd); // its queried memory descriptors stay in use
            primitives.add(p);
            return p;
        }

        /** {@code a} in layout {@code want} (same data type): itself, or a reorder into buffer {@code into}. */
        private Act as(Act a, dnnl_memory_desc_t want, int into) {
            if (dnnl_memory_desc_equal(a.md(), want) != 0) {
                return a;
            }
            if (want.data_type() != a.md().data_type()) {
                throw new IllegalStateException("a layout change cannot convert " + a.md().data_type() + " to "
                        + want.data_type() + " (a conversion step is missing)");
            }
            return convert(a, want, a.scale(), into);
        }

        /** {@code a} as {@code want} (layout and data type) at int8 scale {@code scale}, in buffer {@code into}. */
        private Act convert(Act a, dnnl_memory_desc_t want, float scale, int into) {
            float factor = scale / a.scale();
            dnnl_primitive r = reorderPrimitive(a.md(), want, 0, factor == 1f ? null : new float[] {factor});
            dnnl_memory from = memoryOf(a);
            dnnl_memory to = memoryOn(want, buffer(into, want));
            steps.add(o -> OneDnn.execute(r, stream, DNNL_ARG_FROM, from, DNNL_ARG_TO, to));
            return new Act(want, into, a.dims(), scale);
        }

        /**
         * A convolution with its folded batch norm writing into buffer {@code out}; with {@code shortcut}, the
         * residual sum (the shortcut is first brought into {@code out} in the convolution's output layout) and ReLU.
         */
        private Act conv(Conv c, Act src, int out, Act shortcut) {
            long[] wd = c.weight().shape();
            long oc = wd[0];
            long oh = (src.dims()[2] + 2L * c.pad() - wd[2]) / c.stride() + 1;
            long ow = (src.dims()[3] + 2L * c.pad() - wd[3]) / c.stride() + 1;
            long[] dst = {src.dims()[0], oc, oh, ow};
            long[] in = src.dims();
            boolean int8 = precision == Precision.INT8 && c != stem;
            boolean bf16 = precision == Precision.BF16;
            // 4 channels per group run as 8 on AVX2 in FP32, as in training (OneDnnConvPlan.GroupMerge)
            OneDnnConvPlan.GroupMerge merge = int8 || bf16
                    ? null
                    : OneDnnConvPlan.GroupMerge.of(
                            new ConvGeometry(
                                    in[0],
                                    in[1],
                                    in[2],
                                    in[3],
                                    oc,
                                    c.groups(),
                                    (int) wd[2],
                                    (int) wd[3],
                                    c.stride(),
                                    c.stride(),
                                    c.pad(),
                                    c.pad()),
                            OneDnn.channelBlock());
            long groups = c.groups() / (merge == null ? 1 : merge.factor);
            boolean grouped = groups > 1;
            long[] wei = grouped ? new long[] {groups, oc / groups, in[1] / groups, wd[2], wd[3]} : wd;
            int weiTag = grouped ? dnnl_goihw : dnnl_oihw;
            boolean unsignedOut = c.relu() || shortcut != null;
            int srcType = int8 ? dnnl_u8 : bf16 ? dnnl_bf16 : dnnl_f32;
            int weiType = int8 ? dnnl_s8 : bf16 ? dnnl_bf16 : dnnl_f32;
            int dstType = int8 ? (unsignedOut ? dnnl_u8 : dnnl_s8) : bf16 ? dnnl_bf16 : dnnl_f32;
            dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
            long[] strides = {c.stride(), c.stride()};
            long[] pad = {c.pad(), c.pad()};
            check(
                    dnnl_convolution_forward_desc_init(
                            d,
                            dnnl_forward_inference,
                            dnnl_convolution_direct,
                            md(src.dims(), srcType, dnnl_format_tag_any),
                            md(wei, weiType, dnnl_format_tag_any),
                            md(new long[] {oc}, dnnl_x),
                            shortcut != null
                                    ? withDataType(shortcut.md(), dstType)
                                    : md(dst, dstType, dnnl_format_tag_any),
                            strides,
                            pad,
                            pad),
                    "convolution_forward_desc_init " + c.name());

            // int8: s8 weights per output channel, the int32 accumulator requantized to the output's scale
            float[] weightScales = null;
            float dstScale = 1f;
            float[] outputScales = null;
            if (int8) {
                weightScales = weightScales(c.weight(), weightLevels());
                dstScale = activationScale(ranges.get(c.name()), unsignedOut);
                outputScales = new float[(int) oc];
                for (int o = 0; o < oc; o++) {
                    outputScales[o] = dstScale / (src.scale() * weightScales[o]);
                }
            }
            dnnl_post_ops ops = new dnnl_post_ops();
            check(dnnl_post_ops_create(ops), "post_ops_create");
            if (shortcut != null) {
                float sumScale = dstScale / shortcut.scale();
                int scType = shortcut.md().data_type();
                check(
                        scType == dstType
                                ? dnnl_post_ops_append_sum(ops, sumScale)
                                : dnnl_post_ops_append_sum_v2(ops, sumScale, scType),
                        "post_ops_append_sum");
            }
            if (unsignedOut) {
                check(dnnl_post_ops_append_eltwise(ops, 1f, dnnl_eltwise_relu, 0f, 0f), "post_ops_append_eltwise");
            }
            dnnl_primitive_attr attr = new dnnl_primitive_attr();
            check(dnnl_primitive_attr_create(attr), "primitive_attr_create");
            check(dnnl_primitive_attr_set_post_ops(attr, ops), "primitive_attr_set_post_ops");
            if (outputScales != null) {
                check(
                        dnnl_primitive_attr_set_output_scales(attr, oc, 1 << 1, outputScales),
                        "primitive_attr_set_output_scales " + c.name());
            }
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(
                    dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(d), attr, dnn.engine, null),
                    "convolution_pd " + c.name() + " (" + precision + ")");
            dnnl_primitive_attr_destroy(attr);
            dnnl_post_ops_destroy(ops);
            dnnl_memory_desc_t srcMd = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
            dnnl_memory_desc_t weiMd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
            dnnl_memory_desc_t dstMd = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
            dnnl_primitive prim = OneDnn.primitive(pd);
            primitives.add(prim);

            // weights: folded, reordered once into the primitive's layout and data type (quantized per output
            // channel for int8: goihw's mask covers g and o, whose product is the output channel)
            INDArray wb = allocate(dnnl_memory_desc_get_size(weiMd));
            keep.add(wb);
            INDArray wUser = c.weight().castTo(DataType.FLOAT).dup('c');
            dnnl_primitive wr = reorderPrimitive(md(wei, weiTag), weiMd, grouped ? 0b11 : 0b1, weightScales);
            Pointer wData = OneDnn.pointer(wUser, "weights " + c.name());
            dnnl_memory wFrom = memoryOn(md(wei, weiTag), merge == null ? wData : merge.expand(wData));
            dnnl_memory wMem = memoryOn(weiMd, OneDnn.pointer(wb, "weights"));
            OneDnn.execute(wr, stream, DNNL_ARG_FROM, wFrom, DNNL_ARG_TO, wMem);
            check(dnnl_stream_wait(stream), "stream_wait");
            wUser.close();
            if (merge != null) {
                merge.close();
            }
            // the bias is added to the accumulator before the output scales: for int8 in its units
            INDArray bias = c.bias().castTo(DataType.FLOAT).dup('c');
            if (int8) {
                float[] b = bias.toFloatVector();
                for (int o = 0; o < oc; o++) {
                    b[o] *= src.scale() * weightScales[o];
                }
                bias = Nd4j.createFromArray(b);
            }
            keep.add(bias);
            dnnl_memory biasMem = memoryOn(md(new long[] {oc}, dnnl_x), OneDnn.pointer(bias, "bias"));

            // the source in the primitive's layout (a reorder into a free buffer where it differs); the residual
            // sum accumulates into the shortcut's buffer, whose layout the output was given above
            int free = freeBuffer(src.buffer(), out, shortcut);
            Act ready = src.md().data_type() == srcMd.data_type()
                    ? as(src, srcMd, free)
                    : convert(src, srcMd, src.scale(), free); // the f32 image into the bf16 stem
            dnnl_memory sMem = memoryOf(ready);
            if (shortcut != null && shortcut.buffer() != out) {
                throw new IllegalStateException(c.name() + ": the shortcut is not in the output buffer");
            }
            dnnl_memory dMem = memoryOn(dstMd, buffer(out, dstMd));
            dnnl_memory fs = sMem;
            steps.add(o -> OneDnn.execute(
                    prim,
                    stream,
                    DNNL_ARG_SRC,
                    fs,
                    DNNL_ARG_WEIGHTS,
                    wMem,
                    DNNL_ARG_BIAS,
                    biasMem,
                    DNNL_ARG_DST,
                    dMem));
            pds.add(pd); // its queried memory descriptors stay in use
            if (precision == Precision.FP32) {
                INDArray view = pool.get(out).get(NDArrayIndex.interval(0, dnnl_memory_desc_get_size(dstMd) / 4));
                String name = c.name();
                steps.add(o -> {
                    if (o != null) {
                        check(dnnl_stream_wait(stream), "stream_wait");
                        o.observe(name, view);
                    }
                });
            }
            return new Act(dstMd, out, dst, dstScale);
        }

        /** A pool buffer that is neither {@code a}, {@code b} nor the shortcut's. */
        private int freeBuffer(int a, int b, Act shortcut) {
            for (int i = 0; i < pool.size(); i++) {
                if (i != a && i != b && i != blockInput && (shortcut == null || i != shortcut.buffer())) {
                    return i;
                }
            }
            throw new IllegalStateException("no free buffer");
        }

        private Act maxPool(Act src, int out) {
            long[] d = src.dims();
            long[] dst = {d[0], d[1], (d[2] + 2 - 3) / 2 + 1, (d[3] + 2 - 3) / 2 + 1};
            dnnl_pooling_desc_t pdsc = new dnnl_pooling_desc_t();
            check(
                    dnnl_pooling_forward_desc_init(
                            pdsc,
                            dnnl_forward_inference,
                            dnnl_pooling_max,
                            src.md(),
                            md(dst, src.md().data_type(), dnnl_format_tag_any),
                            new long[] {2, 2},
                            new long[] {3, 3},
                            new long[] {1, 1},
                            new long[] {1, 1}),
                    "max pool desc");
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(pdsc), null, dnn.engine, null), "pool_pd");
            dnnl_memory_desc_t dstMd = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
            dnnl_primitive prim = OneDnn.primitive(pd);
            primitives.add(prim);
            dnnl_memory s = memoryOf(src);
            dnnl_memory t = memoryOn(dstMd, buffer(out, dstMd));
            steps.add(o -> OneDnn.execute(prim, stream, DNNL_ARG_SRC, s, DNNL_ARG_DST, t));
            pds.add(pd); // its queried memory descriptors stay in use
            return new Act(dstMd, out, dst, src.scale());
        }

        private void avgPool(Act src) {
            long[] d = src.dims();
            long[] dst = {d[0], d[1], 1, 1};
            // the pooled [N, C, 1, 1] in the source's channel-blocked or nhwc (int8) layout has nchw's bytes, and
            // oneDNN's vectorised
            // pooling needs equal source and destination layouts (else its reference loop: 3.3 ms at 32 @ 64, AVX2)
            int dstTag = dnnl_nchw;
            for (int tag : new int[] {dnnl_nChw16c, dnnl_nChw8c, dnnl_nhwc}) {
                if (dnnl_memory_desc_equal(src.md(), md(d, tag)) != 0) {
                    dstTag = tag;
                }
            }
            dnnl_pooling_desc_t pdsc = new dnnl_pooling_desc_t();
            check(
                    dnnl_pooling_forward_desc_init(
                            pdsc,
                            dnnl_forward_inference,
                            dnnl_pooling_avg_exclude_padding,
                            src.md(),
                            md(dst, dstTag),
                            new long[] {1, 1},
                            new long[] {d[2], d[3]},
                            new long[] {0, 0},
                            new long[] {0, 0}),
                    "avg pool desc");
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(pdsc), null, dnn.engine, null), "pool_pd");
            dnnl_primitive prim = OneDnn.primitive(pd);
            primitives.add(prim);
            dnnl_memory s = memoryOf(src);
            dnnl_memory o = memory(md(dst, dstTag));
            steps.add(ob -> OneDnn.execute(prim, stream, DNNL_ARG_SRC, s, DNNL_ARG_DST, o));
            pds.add(pd); // its queried memory descriptors stay in use
            this.pooled = o;
        }

        void run(Pointer in, Pointer features, Observer observer) {
            check(dnnl_memory_set_data_handle(input, in), "set_data_handle input");
            check(dnnl_memory_set_data_handle(pooled, features), "set_data_handle features");
            for (Step s : steps) {
                s.run(observer);
            }
            check(dnnl_stream_wait(stream), "stream_wait");
        }

        void close() {
            primitives.forEach(p -> dnnl_primitive_destroy(p));
            memories.forEach(m -> dnnl_memory_destroy(m));
            pds.forEach(pd -> dnnl_primitive_desc_destroy(pd));
            keep.forEach(INDArray::close);
            pool.forEach(INDArray::close);
        }
    }
}
