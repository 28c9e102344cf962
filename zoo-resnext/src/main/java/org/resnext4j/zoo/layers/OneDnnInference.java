package org.resnext4j.zoo.layers;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
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
import static org.bytedeco.dnnl.global.dnnl.dnnl_oihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_avg_exclude_padding;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_max;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_eltwise;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_sum;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_post_ops;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;
import static org.resnext4j.zoo.layers.OneDnn.check;
import static org.resnext4j.zoo.layers.OneDnn.md;

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

/**
 * A whole ResNet/ResNeXt forward pass for inference on oneDNN, outside DL4J's layers, as ONNX Runtime runs it: batch
 * norm folded into each convolution's weights and bias, ReLU and the residual sum as the convolutions' post-ops
 * ({@code sum} then {@code eltwise_relu} on each block's last convolution, whose output buffer first holds the
 * shortcut), activations kept in the layouts oneDNN picks from one convolution to the next (reordered only where two
 * primitives disagree), weights reordered into the primitives' layouts once per input shape. Only the input is
 * reordered from NCHW; the pooled features come back as {@code [N, C]}.
 *
 * <p>The network is described by {@link Conv} steps built by the caller from torchvision-named tensors (see
 * {@code org.resnext4j.zoo.InferenceModel}). Plans are made per input shape and thread-confined to the caller.
 */
public final class OneDnnInference implements AutoCloseable {

    /** One convolution with its folded batch norm: weight {@code [OC, C / G, kH, kW]}, bias {@code [OC]}. */
    public record Conv(String name, INDArray weight, INDArray bias, int groups, int stride, int pad, boolean relu) {}

    /** A bottleneck block: conv1, conv2, conv3 (with the sum and ReLU) and an optional projection shortcut. */
    public record Block(Conv conv1, Conv conv2, Conv conv3, Conv downsample) {}

    private final OneDnn dnn;
    private final Conv stem;
    private final List<Block> blocks;
    private final long features;
    private final Map<List<Long>, Plan> plans = new HashMap<>();

    /**
     * @throws IllegalStateException when oneDNN's natives cannot be loaded
     */
    public OneDnnInference(Conv stem, List<Block> blocks) {
        this.dnn = OneDnn.instanceOrNull();
        if (dnn == null) {
            throw new IllegalStateException("oneDNN (org.bytedeco:dnnl) is not available on this machine");
        }
        this.stem = stem;
        this.blocks = List.copyOf(blocks);
        Block last = blocks.get(blocks.size() - 1);
        this.features = last.conv3().weight().size(0);
    }

    /** Whether oneDNN can run here. */
    public static boolean available() {
        return OneDnn.instanceOrNull() != null;
    }

    /**
     * The globally average-pooled features {@code [N, C]} of a batch of images {@code [N, 3, H, W]} (FLOAT).
     */
    public synchronized INDArray features(INDArray x) {
        INDArray in = x.dataType() == DataType.FLOAT && ConvGeometry.isContiguousC(x)
                ? x
                : x.castTo(DataType.FLOAT).dup('c');
        long[] s = in.shape();
        Plan p = plans.computeIfAbsent(List.of(s[0], s[1], s[2], s[3]), k -> new Plan(s));
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, s[0], features);
        p.run(OneDnn.pointer(in, "input"), OneDnn.pointer(out, "features"));
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

    /** The primitives, weights and buffers for one input shape. */
    private final class Plan {
        private final List<Runnable> steps = new ArrayList<>();
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

        /** An activation: its layout and the pool buffer holding it. */
        private record Act(dnnl_memory_desc_t md, int buffer, long[] dims) {}

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
            Act x = new Act(md(shape, dnnl_nchw), -1, shape);
            Act a = conv(stem, x, 0, null);
            a = maxPool(a, 1);
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

        private dnnl_primitive reorderPrimitive(dnnl_memory_desc_t from, dnnl_memory_desc_t to) {
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(dnnl_reorder_primitive_desc_create(pd, from, dnn.engine, to, dnn.engine, null), "reorder_pd");
            dnnl_primitive p = OneDnn.primitive(pd);
            pds.add(pd); // its queried memory descriptors stay in use
            primitives.add(p);
            return p;
        }

        /** {@code a} in layout {@code want}: itself, or a reorder into buffer {@code into}. */
        private Act as(Act a, dnnl_memory_desc_t want, int into) {
            if (dnnl_memory_desc_equal(a.md(), want) != 0) {
                return a;
            }
            dnnl_primitive r = reorderPrimitive(a.md(), want);
            dnnl_memory from = memoryOf(a);
            dnnl_memory to = memoryOn(want, buffer(into, want));
            steps.add(() -> OneDnn.execute(r, stream, DNNL_ARG_FROM, from, DNNL_ARG_TO, to));
            return new Act(want, into, a.dims());
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
            // 4 channels per group run as 8 on AVX2, as in training (OneDnnConvPlan.GroupMerge)
            OneDnnConvPlan.GroupMerge merge = OneDnnConvPlan.GroupMerge.of(
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
            dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
            long[] strides = {c.stride(), c.stride()};
            long[] pad = {c.pad(), c.pad()};
            check(
                    dnnl_convolution_forward_desc_init(
                            d,
                            dnnl_forward_inference,
                            dnnl_convolution_direct,
                            md(src.dims(), dnnl_format_tag_any),
                            md(wei, dnnl_format_tag_any),
                            md(new long[] {oc}, dnnl_x),
                            shortcut != null ? shortcut.md() : md(dst, dnnl_format_tag_any),
                            strides,
                            pad,
                            pad),
                    "convolution_forward_desc_init " + c.name());
            dnnl_post_ops ops = new dnnl_post_ops();
            check(dnnl_post_ops_create(ops), "post_ops_create");
            if (shortcut != null) {
                check(dnnl_post_ops_append_sum(ops, 1f), "post_ops_append_sum");
            }
            if (c.relu() || shortcut != null) {
                check(dnnl_post_ops_append_eltwise(ops, 1f, dnnl_eltwise_relu, 0f, 0f), "post_ops_append_eltwise");
            }
            dnnl_primitive_attr attr = new dnnl_primitive_attr();
            check(dnnl_primitive_attr_create(attr), "primitive_attr_create");
            check(dnnl_primitive_attr_set_post_ops(attr, ops), "primitive_attr_set_post_ops");
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(
                    dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(d), attr, dnn.engine, null),
                    "convolution_pd " + c.name());
            dnnl_primitive_attr_destroy(attr);
            dnnl_post_ops_destroy(ops);
            dnnl_memory_desc_t srcMd = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
            dnnl_memory_desc_t weiMd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
            dnnl_memory_desc_t dstMd = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
            dnnl_primitive prim = OneDnn.primitive(pd);
            primitives.add(prim);

            // weights: folded, reordered once into the primitive's layout
            INDArray wb = allocate(dnnl_memory_desc_get_size(weiMd));
            keep.add(wb);
            INDArray wUser = c.weight().castTo(DataType.FLOAT).dup('c');
            dnnl_primitive wr = reorderPrimitive(md(wei, weiTag), weiMd);
            Pointer wData = OneDnn.pointer(wUser, "weights " + c.name());
            dnnl_memory wFrom = memoryOn(md(wei, weiTag), merge == null ? wData : merge.expand(wData));
            dnnl_memory wMem = memoryOn(weiMd, OneDnn.pointer(wb, "weights"));
            OneDnn.execute(wr, stream, DNNL_ARG_FROM, wFrom, DNNL_ARG_TO, wMem);
            check(dnnl_stream_wait(stream), "stream_wait");
            if (merge != null) {
                merge.close();
            }
            INDArray bias = c.bias().castTo(DataType.FLOAT).dup('c');
            keep.add(bias);
            dnnl_memory biasMem = memoryOn(md(new long[] {oc}, dnnl_x), OneDnn.pointer(bias, "bias"));

            // the source in the primitive's layout (a reorder into a free buffer where it differs); the residual
            // sum accumulates into the shortcut's buffer, whose layout the output was given above
            dnnl_memory sMem = memoryOf(as(src, srcMd, freeBuffer(src.buffer(), out, shortcut)));
            if (shortcut != null && shortcut.buffer() != out) {
                throw new IllegalStateException(c.name() + ": the shortcut is not in the output buffer");
            }
            dnnl_memory dMem = memoryOn(dstMd, buffer(out, dstMd));
            dnnl_memory fs = sMem;
            steps.add(() -> OneDnn.execute(
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
            return new Act(dstMd, out, dst);
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
                            md(dst, dnnl_format_tag_any),
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
            steps.add(() -> OneDnn.execute(prim, stream, DNNL_ARG_SRC, s, DNNL_ARG_DST, t));
            pds.add(pd); // its queried memory descriptors stay in use
            return new Act(dstMd, out, dst);
        }

        private void avgPool(Act src) {
            long[] d = src.dims();
            long[] dst = {d[0], d[1], 1, 1};
            // the pooled [N, C, 1, 1] in the source's channel-blocked layout has nchw's bytes, and oneDNN's vectorised
            // pooling needs equal source and destination layouts (else its reference loop: 3.3 ms at 32 @ 64, AVX2)
            int dstTag = dnnl_nchw;
            for (int tag : new int[] {dnnl_nChw16c, dnnl_nChw8c}) {
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
            steps.add(() -> OneDnn.execute(prim, stream, DNNL_ARG_SRC, s, DNNL_ARG_DST, o));
            pds.add(pd); // its queried memory descriptors stay in use
            this.pooled = o;
        }

        void run(Pointer in, Pointer features) {
            check(dnnl_memory_set_data_handle(input, in), "set_data_handle input");
            check(dnnl_memory_set_data_handle(pooled, features), "set_data_handle features");
            for (Runnable r : steps) {
                r.run();
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
