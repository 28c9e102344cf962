package org.resnext4j.zoo.kernels.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.dnnl_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx2_vnni;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_vnni;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw16c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw8c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nhwc;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_avg_exclude_padding;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_max;
import static org.bytedeco.dnnl.global.dnnl.dnnl_s8;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.bytedeco.dnnl.global.dnnl.dnnl_u8;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.check;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.md;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.withDataType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.resnext4j.zoo.kernels.ConvGeometry;
import org.resnext4j.zoo.kernels.DenseArrays;
import org.resnext4j.zoo.kernels.InferenceEngine;
import org.resnext4j.zoo.kernels.PoolGeometry;

/**
 * A whole ResNet/ResNeXt forward pass for inference on oneDNN, outside DL4J's layers, as ONNX Runtime runs it: batch
 * norm folded into each convolution's weights and bias, ReLU and the residual sum as the convolutions' post-ops
 * ({@code sum} then {@code eltwise_relu} on each block's last convolution, whose output buffer first holds the
 * shortcut), activations kept in the layouts oneDNN picks from one convolution to the next (reordered only where two
 * primitives disagree), weights reordered into the primitives' layouts once per input shape. Only the input is
 * reordered from NCHW; the pooled features come back as {@code [N, C]} (FLOAT). Its primitives are made as the
 * training kernels' are: each convolution is an inference {@link OneDnnConvPlan} (its source and weights behind
 * {@link OneDnnPort}s), the pools are {@link OneDnnPool}s, conversions between data types {@link OneDnnNatives}
 * reorders.
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
        private final OneDnnNatives natives = new OneDnnNatives(dnn);
        private final List<INDArray> keep = new ArrayList<>();
        private final dnnl_stream stream = dnn.stream();
        private final List<INDArray> pool = new ArrayList<>();
        private final long poolBytes;
        /** The image batch of the current run: the stem's source. */
        private Pointer input;

        private dnnl_memory pooled;

        /**
         * An activation: its layout (with its data type), the pool buffer holding it (-1: the input), and for int8 its
         * scale (stored = real * scale; 1 otherwise).
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
            Act a = conv(stem, new Act(md(shape, dnnl_nchw), -1, shape, 1f), 0, null);
            a = maxPool(a, 1);
            if (precision == Precision.INT8) {
                // the stem's output (after its max pool, same range) quantized to u8 for layer1
                float scale = activationScale(ranges.get(stem.name()), true);
                a = convert(a, md(a.dims(), dnnl_u8, dnnl_nhwc), scale, 0);
            }
            for (Block b : blocks) {
                int in = a.buffer();
                int[] others = others(in);
                Act c1 = conv(b.conv1(), a, others[0], null);
                Act c2 = conv(b.conv2(), c1, others[1], null);
                if (b.downsample() != null) {
                    Act sc = conv(b.downsample(), a, others[2], null);
                    a = conv(b.conv3(), c2, others[2], sc);
                } else {
                    a = conv(b.conv3(), c2, in, a);
                }
            }
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

        /** Pool buffer {@code i}, checked to hold an activation of layout {@code m}. */
        private Pointer buffer(int i, dnnl_memory_desc_t m) {
            if (dnnl_memory_desc_get_size(m) > poolBytes) {
                throw new IllegalStateException("activation of " + dnnl_memory_desc_get_size(m) + " bytes exceeds the "
                        + "pool buffers of " + poolBytes);
            }
            return OneDnn.pointer(pool.get(i), "pool buffer");
        }

        /** The memory of an activation in a pool buffer. */
        private dnnl_memory memoryOf(Act a) {
            return natives.memory(a.md(), buffer(a.buffer(), a.md()));
        }

        /** {@code a} as {@code want} (layout and data type) at int8 scale {@code scale}, in buffer {@code into}. */
        private Act convert(Act a, dnnl_memory_desc_t want, float scale, int into) {
            float factor = scale / a.scale();
            dnnl_primitive r = natives.reorder(
                    a.md(), want, new OneDnnNatives.Attr().outputScales(0, factor == 1f ? null : new float[] {factor}));
            dnnl_memory from = memoryOf(a);
            dnnl_memory to = natives.memory(want, buffer(into, want));
            steps.add(o -> OneDnn.execute(r, stream, DNNL_ARG_FROM, from, DNNL_ARG_TO, to));
            return new Act(want, into, a.dims(), scale);
        }

        /**
         * A convolution with its folded batch norm writing into buffer {@code out}; with {@code shortcut}, the
         * residual sum (the shortcut already in {@code out}, in the layout the convolution is made to write) and ReLU.
         */
        private Act conv(Conv c, Act src, int out, Act shortcut) {
            long[] wd = c.weight().shape();
            long[] in = src.dims();
            long oc = wd[0];
            ConvGeometry g = new ConvGeometry(
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
                    c.pad());
            boolean int8 = precision == Precision.INT8 && c != stem;
            boolean bf16 = precision == Precision.BF16;
            boolean unsignedOut = c.relu() || shortcut != null;
            int srcType = int8 ? dnnl_u8 : bf16 ? dnnl_bf16 : dnnl_f32;
            int weiType = int8 ? dnnl_s8 : bf16 ? dnnl_bf16 : dnnl_f32;
            int dstType = int8 ? (unsignedOut ? dnnl_u8 : dnnl_s8) : bf16 ? dnnl_bf16 : dnnl_f32;

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
            OneDnnNatives.Attr attr = new OneDnnNatives.Attr().outputScales(1 << 1, outputScales);
            if (shortcut != null) {
                float sumScale = dstScale / shortcut.scale();
                int scType = shortcut.md().data_type();
                attr = scType == dstType ? attr.sum(sumScale) : attr.sum(sumScale, scType);
            }
            if (unsignedOut) {
                attr.relu();
            }
            if (shortcut != null && shortcut.buffer() != out) {
                throw new IllegalStateException(c.name() + ": the shortcut is not in the output buffer");
            }
            OneDnnConvPlan plan = OneDnnConvPlan.inference(
                    natives,
                    g,
                    OneDnnConvPlan.Form.inference(srcType, weiType, dstType),
                    src.md(),
                    shortcut == null ? null : withDataType(shortcut.md(), dstType),
                    attr,
                    c.name() + " (" + precision + ")");

            // weights: folded, reordered once into the primitive's layout and data type (quantized for int8); the bias
            // is added to the accumulator before the output scales: for int8 in its units
            INDArray held = allocate(plan.weightBytes());
            INDArray bias = c.bias().castTo(DataType.FLOAT).dup('c');
            if (int8) {
                float[] b = bias.toFloatVector();
                for (int o = 0; o < oc; o++) {
                    b[o] *= src.scale() * weightScales[o];
                }
                bias = Nd4j.createFromArray(b);
            }
            keep.add(held);
            keep.add(bias);
            INDArray w = c.weight().castTo(DataType.FLOAT).dup('c');
            plan.loadWeights(
                    OneDnn.pointer(w, "weights " + c.name()),
                    weightScales,
                    OneDnn.pointer(held, "weights"),
                    OneDnn.pointer(bias, "bias"),
                    stream);
            w.close();

            Pointer x = src.buffer() < 0 ? null : buffer(src.buffer(), src.md());
            Pointer y = buffer(out, plan.dstMd());
            steps.add(o -> plan.infer(x == null ? input : x, y, stream));
            if (precision == Precision.FP32) {
                INDArray view =
                        pool.get(out).get(NDArrayIndex.interval(0, dnnl_memory_desc_get_size(plan.dstMd()) / 4));
                String name = c.name();
                steps.add(o -> {
                    if (o != null) {
                        check(dnnl_stream_wait(stream), "stream_wait");
                        o.observe(name, view);
                    }
                });
            }
            return new Act(plan.dstMd(), out, g.outputShape(), dstScale);
        }

        /** The stem's 3x3, stride 2, padding 1 max pool into buffer {@code out}, in the layout oneDNN picks. */
        private Act maxPool(Act src, int out) {
            long[] d = src.dims();
            PoolGeometry g = new PoolGeometry(d[0], d[1], d[2], d[3], 3, 3, 2, 2, 1, 1);
            OneDnnPool p = new OneDnnPool(
                    natives,
                    g,
                    dnnl_pooling_max,
                    src.md(),
                    md(g.outputShape(), src.md().data_type(), dnnl_format_tag_any),
                    false);
            dnnl_memory s = memoryOf(src);
            dnnl_memory t = natives.memory(p.dstMd, buffer(out, p.dstMd));
            steps.add(o -> OneDnn.execute(p.infer, stream, DNNL_ARG_SRC, s, DNNL_ARG_DST, t));
            return new Act(p.dstMd, out, g.outputShape(), src.scale());
        }

        private void avgPool(Act src) {
            long[] d = src.dims();
            // the pooled [N, C, 1, 1] in the source's channel-blocked or nhwc (int8) layout has nchw's bytes, and
            // oneDNN's vectorised pooling needs equal source and destination layouts (else its reference loop: 3.3 ms
            // at 32 @ 64, AVX2)
            PoolGeometry g = new PoolGeometry(d[0], d[1], d[2], d[3], (int) d[2], (int) d[3], 1, 1, 0, 0);
            int dstTag = dnnl_nchw;
            for (int tag : new int[] {dnnl_nChw16c, dnnl_nChw8c, dnnl_nhwc}) {
                if (dnnl_memory_desc_equal(src.md(), md(d, tag)) != 0) {
                    dstTag = tag;
                }
            }
            OneDnnPool p = new OneDnnPool(
                    natives, g, dnnl_pooling_avg_exclude_padding, src.md(), md(g.outputShape(), dstTag), false);
            dnnl_memory s = memoryOf(src);
            dnnl_memory features = natives.memory(p.dstMd);
            steps.add(o -> OneDnn.execute(p.infer, stream, DNNL_ARG_SRC, s, DNNL_ARG_DST, features));
            pooled = features;
        }

        void run(Pointer in, Pointer features, Observer observer) {
            input = in;
            OneDnnNatives.bind(pooled, features);
            for (Step s : steps) {
                s.run(observer);
            }
            check(dnnl_stream_wait(stream), "stream_wait");
        }

        void close() {
            natives.close();
            keep.forEach(INDArray::close);
            pool.forEach(INDArray::close);
        }
    }
}
