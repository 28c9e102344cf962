package org.resnext4j.zoo.kernels.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_backward_data_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_backward_weights_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_direct;
import static org.bytedeco.dnnl.global.dnnl.dnnl_convolution_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_goihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_oihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.bytedeco.dnnl.global.dnnl.dnnl_x;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.check;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.md;
import static org.resnext4j.zoo.kernels.onednn.OneDnnNatives.query;

import java.util.function.UnaryOperator;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.resnext4j.zoo.kernels.ConvGeometry;

/**
 * oneDNN's convolution primitives for one {@link ConvGeometry}, the one place they are made, created with format
 * {@code any} so that oneDNN picks its fastest (blocked) layouts, with {@link OneDnnPort}s converting from and to the
 * caller's layouts. Two {@link Form}s:
 *
 * <ul>
 *   <li>{@link Form#TRAINING} ({@link OneDnnConvNorm}): FP32, no bias; forward, backward data and backward weights.
 *       The input and its gradient in {@code nchw} or a channel-blocked layout (the caller's choice), {@code goihw}
 *       weights ({@code oihw} when ungrouped; PyTorch's {@code [OC, C / G, kH, kW]}) reordered on every call, and the
 *       output and its gradient in {@code nchw} or, for a consumer that reads a blocked layout directly, a layout of
 *       its choosing ({@link #dstMd()}).</li>
 *   <li>{@link Form#inference} ({@link OneDnnInference}): forward only, in FP32, BF16 or INT8 data types, with a bias,
 *       post-ops and output scales ({@link OneDnnNatives.Attr}); the source in whatever layout the previous primitive
 *       wrote, the weights reordered (and quantized) once into a buffer of the caller's ({@link #loadWeights}), the
 *       destination in the primitive's layout or one given (the residual sum's shortcut).</li>
 * </ul>
 *
 * On AVX2 a grouped conv of 4 channels per group runs as one of 8 in FP32 ({@link GroupMerge}). Calls do not wait for
 * the stream, except where a merged weight gradient is read back.
 */
final class OneDnnConvPlan {

    /**
     * What a plan computes besides {@code conv(x, w)}: forward only (inference: with a bias) or also the backward
     * passes (training), and the oneDNN data types of source, weights and destination ({@code dnnl_f32},
     * {@code dnnl_bf16}, {@code dnnl_u8}, {@code dnnl_s8}).
     */
    record Form(boolean training, int srcType, int weiType, int dstType) {

        /** FP32, no bias, forward and both backward passes. */
        static final Form TRAINING = new Form(true, dnnl_f32, dnnl_f32, dnnl_f32);

        /** Forward only, with an f32 bias. */
        static Form inference(int srcType, int weiType, int dstType) {
            return new Form(false, srcType, weiType, dstType);
        }

        boolean fp32() {
            return srcType == dnnl_f32 && weiType == dnnl_f32 && dstType == dnnl_f32;
        }
    }

    private final OneDnnNatives natives;
    private final dnnl_primitive fwd;
    private final dnnl_memory_desc_t dstMd;
    private final OneDnnPort fwdSrc;
    private final OneDnnPort fwdDst;
    /** The weights as the caller holds them ({@code goihw} or {@code oihw}, f32), and as the forward pass reads them. */
    private final dnnl_memory_desc_t weiUser;

    private final dnnl_memory_desc_t weiPrim;
    private final boolean grouped;
    /** Training only: the weights reordered per call, and the backward passes. */
    private final OneDnnPort fwdWei;

    private final Backward backward;
    /** Inference only: the weights as {@link #loadWeights} left them, and the bias. */
    private dnnl_memory heldWeights;

    private final dnnl_memory bias;
    /** Non-null when the primitives run on merged groups ({@link GroupMerge}). */
    private final GroupMerge merge;

    /**
     * A training plan.
     *
     * @param inputTag the layout tag of the input and its gradient ({@code nchw} or a channel-blocked one)
     * @param outputLayout the layout in which the output and its gradient cross, given the forward primitive's own
     *                     output layout: {@code nchw} for DL4J, or a layout another primitive reads directly
     */
    static OneDnnConvPlan training(
            OneDnnNatives natives, ConvGeometry g, int inputTag, UnaryOperator<dnnl_memory_desc_t> outputLayout) {
        return new OneDnnConvPlan(
                natives, g, Form.TRAINING, md(g.inputShape(), inputTag), null, null, outputLayout, "training");
    }

    /**
     * An inference plan.
     *
     * @param srcUser the source's layout and data type as the previous primitive wrote it (reordered into the
     *                primitive's where they differ, in the thread's scratch buffer)
     * @param dstDesc the destination the primitive must write (the residual sum's shortcut, with the output's data
     *                type), or null for the primitive's own choice ({@link #dstMd()})
     * @param attr post-ops and output scales
     * @param name what failures name (the convolution and its precision)
     */
    static OneDnnConvPlan inference(
            OneDnnNatives natives,
            ConvGeometry g,
            Form form,
            dnnl_memory_desc_t srcUser,
            dnnl_memory_desc_t dstDesc,
            OneDnnNatives.Attr attr,
            String name) {
        return new OneDnnConvPlan(natives, g, form, srcUser, dstDesc, attr, UnaryOperator.identity(), name);
    }

    private OneDnnConvPlan(
            OneDnnNatives natives,
            ConvGeometry g,
            Form form,
            dnnl_memory_desc_t srcUser,
            dnnl_memory_desc_t dstDesc,
            OneDnnNatives.Attr attr,
            UnaryOperator<dnnl_memory_desc_t> outputLayout,
            String name) {
        this.natives = natives;
        OneDnn dnn = natives.dnn;
        long[] src = g.inputShape();
        long[] dst = g.outputShape();
        merge = form.fp32() ? GroupMerge.of(g, OneDnn.channelBlock()) : null;
        if (merge != null) {
            natives.onClose(merge::close);
        }
        long groups = g.groups() / (merge == null ? 1 : merge.factor);
        // Ungrouped convolutions get 4-D weights: with a 5-D (grouped) descriptor of one group, oneDNN 2.5 on AVX2
        // skips its 1x1 backward-data kernel for the generic one (measured 2.1x slower on ResNeXt-50's 1x1 convs).
        grouped = groups > 1;
        long[] wei = grouped
                ? new long[] {groups, g.outChannels() / groups, g.c() / groups, g.kH(), g.kW()}
                : new long[] {g.outChannels(), g.c(), g.kH(), g.kW()};
        long[] strides = {g.sH(), g.sW()};
        long[] pad = {g.pH(), g.pW()};
        weiUser = md(wei, grouped ? dnnl_goihw : dnnl_oihw);
        dnnl_memory_desc_t srcAny = md(src, form.srcType(), dnnl_format_tag_any);
        dnnl_memory_desc_t weiAny = md(wei, form.weiType(), dnnl_format_tag_any);
        dnnl_memory_desc_t dstAny = dstDesc != null ? dstDesc : md(dst, form.dstType(), dnnl_format_tag_any);
        dnnl_memory_desc_t biasMd = form.training() ? null : md(new long[] {g.outChannels()}, dnnl_x);

        dnnl_convolution_desc_t fd = new dnnl_convolution_desc_t();
        check(
                dnnl_convolution_forward_desc_init(
                        fd,
                        form.training() ? dnnl_forward_training : dnnl_forward_inference,
                        dnnl_convolution_direct,
                        srcAny,
                        weiAny,
                        biasMd,
                        dstAny,
                        strides,
                        pad,
                        pad),
                "convolution_forward_desc_init " + name);
        dnnl_primitive_desc fpd = natives.pd(fd, attr, null, "convolution_pd " + name);
        fwd = natives.primitive(fpd);
        weiPrim = query(fpd, dnnl_query_weights_md);
        dnnl_memory_desc_t primDst = query(fpd, dnnl_query_dst_md);
        dstMd = outputLayout.apply(primDst);
        fwdSrc = new OneDnnPort(natives, OneDnn.Scratch.CONV_SRC, DNNL_ARG_SRC, srcUser, query(fpd, dnnl_query_src_md));
        fwdDst = new OneDnnPort(natives, OneDnn.Scratch.CONV_DST, DNNL_ARG_DST, dstMd, primDst);
        if (form.training()) {
            fwdWei = new OneDnnPort(natives, OneDnn.Scratch.CONV_WEIGHTS, DNNL_ARG_WEIGHTS, weiUser, weiPrim);
            backward = new Backward(natives, fpd, srcAny, weiAny, dstAny, strides, pad, srcUser, weiUser, dstMd);
            bias = null;
        } else {
            fwdWei = null;
            backward = null;
            bias = natives.memory(biasMd);
        }
    }

    /** The layout in which the output and its gradient cross (see {@link #training} and {@link #inference}). */
    dnnl_memory_desc_t dstMd() {
        return dstMd;
    }

    /** Training: {@code y = conv(x, w)}. */
    void forward(Pointer x, Pointer w, Pointer y, dnnl_stream s) {
        run(fwd, s, fwdDst, y, fwdSrc, x, fwdWei, merge == null ? w : merge.expand(w));
    }

    /** Training: {@code dx} from {@code dy} and {@code w}. */
    void backwardData(Pointer dy, Pointer w, Pointer dx, dnnl_stream s) {
        Backward b = backward;
        run(b.data, s, b.dataDiffSrc, dx, b.dataDiffDst, dy, b.dataWei, merge == null ? w : merge.expand(w));
    }

    /** Training: {@code dw} from {@code x} and {@code dy}. */
    void backwardWeights(Pointer x, Pointer dy, Pointer dw, dnnl_stream s) {
        Backward b = backward;
        if (merge == null) {
            run(b.weights, s, b.weightsDiffWei, dw, b.weightsSrc, x, b.weightsDiffDst, dy);
            return;
        }
        run(b.weights, s, b.weightsDiffWei, merge.expandedGradient(), b.weightsSrc, x, b.weightsDiffDst, dy);
        check(dnnl_stream_wait(s), "stream_wait");
        merge.extractGradient(dw);
    }

    /** Inference: bytes of the buffer {@link #loadWeights} fills. */
    long weightBytes() {
        return dnnl_memory_desc_get_size(weiPrim);
    }

    /**
     * Inference: the weights {@code w} ({@code [OC, C / G, kH, kW]}, f32) and the bias {@code b} ({@code [OC]}, f32,
     * kept by the caller), the weights reordered once into {@code into} ({@link #weightBytes()}), quantized with the
     * per-output-channel {@code scales} where given (int8). Waits for the stream.
     */
    void loadWeights(Pointer w, float[] scales, Pointer into, Pointer b, dnnl_stream s) {
        // goihw's mask covers g and o, whose product is the output channel
        OneDnnNatives.Attr quantize = new OneDnnNatives.Attr().outputScales(grouped ? 0b11 : 0b1, scales);
        OneDnnPort weights = OneDnnPort.into(natives, into, DNNL_ARG_WEIGHTS, weiUser, weiPrim, quantize);
        heldWeights = weights.bindInput(merge == null ? w : merge.expand(w), s);
        check(dnnl_stream_wait(s), "stream_wait");
        OneDnnNatives.bind(bias, b);
    }

    /** Inference: {@code y = post-ops(conv(x, w) + b)}, into the destination's buffer {@code y}. */
    void infer(Pointer x, Pointer y, dnnl_stream s) {
        dnnl_memory src = fwdSrc.bindInput(x, s);
        OneDnn.execute(
                fwd,
                s,
                DNNL_ARG_SRC,
                src,
                DNNL_ARG_WEIGHTS,
                heldWeights,
                DNNL_ARG_BIAS,
                bias,
                DNNL_ARG_DST,
                fwdDst.bindOutput(y));
        fwdDst.finishOutput(s);
    }

    /** Runs {@code prim} writing {@code out} (from {@code o}) and reading two inputs. */
    private static void run(
            dnnl_primitive prim,
            dnnl_stream s,
            OneDnnPort out,
            Pointer o,
            OneDnnPort in0,
            Pointer a0,
            OneDnnPort in1,
            Pointer a1) {
        OneDnn.execute(
                prim, s, in0.arg, in0.bindInput(a0, s), in1.arg, in1.bindInput(a1, s), out.arg, out.bindOutput(o));
        out.finishOutput(s);
    }

    /** The training plan's backward passes, with their ports. */
    private static final class Backward {
        final dnnl_primitive data;
        final dnnl_primitive weights;
        final OneDnnPort dataDiffDst;
        final OneDnnPort dataWei;
        final OneDnnPort dataDiffSrc;
        final OneDnnPort weightsSrc;
        final OneDnnPort weightsDiffDst;
        final OneDnnPort weightsDiffWei;

        Backward(
                OneDnnNatives natives,
                dnnl_primitive_desc fpd,
                dnnl_memory_desc_t srcAny,
                dnnl_memory_desc_t weiAny,
                dnnl_memory_desc_t dstAny,
                long[] strides,
                long[] pad,
                dnnl_memory_desc_t srcUser,
                dnnl_memory_desc_t weiUser,
                dnnl_memory_desc_t dstUser) {
            dnnl_convolution_desc_t bdd = new dnnl_convolution_desc_t();
            check(
                    dnnl_convolution_backward_data_desc_init(
                            bdd, dnnl_convolution_direct, srcAny, weiAny, dstAny, strides, pad, pad),
                    "convolution_backward_data_desc_init");
            dnnl_primitive_desc bdpd = natives.pd(bdd, null, fpd, "convolution_backward_data_pd");
            dnnl_convolution_desc_t bwd = new dnnl_convolution_desc_t();
            check(
                    dnnl_convolution_backward_weights_desc_init(
                            bwd, dnnl_convolution_direct, srcAny, weiAny, null, dstAny, strides, pad, pad),
                    "convolution_backward_weights_desc_init");
            dnnl_primitive_desc bwpd = natives.pd(bwd, null, fpd, "convolution_backward_weights_pd");
            data = natives.primitive(bdpd);
            weights = natives.primitive(bwpd);
            dataDiffDst = new OneDnnPort(
                    natives,
                    OneDnn.Scratch.CONV_BWD_DATA_DIFF_DST,
                    DNNL_ARG_DIFF_DST,
                    dstUser,
                    query(bdpd, dnnl_query_diff_dst_md));
            dataWei = new OneDnnPort(
                    natives,
                    OneDnn.Scratch.CONV_BWD_DATA_WEIGHTS,
                    DNNL_ARG_WEIGHTS,
                    weiUser,
                    query(bdpd, dnnl_query_weights_md));
            dataDiffSrc = new OneDnnPort(
                    natives,
                    OneDnn.Scratch.CONV_BWD_DATA_DIFF_SRC,
                    DNNL_ARG_DIFF_SRC,
                    srcUser,
                    query(bdpd, dnnl_query_diff_src_md));
            weightsSrc = new OneDnnPort(
                    natives,
                    OneDnn.Scratch.CONV_BWD_WEIGHTS_SRC,
                    DNNL_ARG_SRC,
                    srcUser,
                    query(bwpd, dnnl_query_src_md));
            weightsDiffDst = new OneDnnPort(
                    natives,
                    OneDnn.Scratch.CONV_BWD_WEIGHTS_DIFF_DST,
                    DNNL_ARG_DIFF_DST,
                    dstUser,
                    query(bwpd, dnnl_query_diff_dst_md));
            weightsDiffWei = new OneDnnPort(
                    natives,
                    OneDnn.Scratch.CONV_BWD_WEIGHTS_DIFF_WEIGHTS,
                    DNNL_ARG_DIFF_WEIGHTS,
                    weiUser,
                    query(bwpd, dnnl_query_diff_weights_md));
        }
    }

    /**
     * A grouped convolution with 4 channels per group run as one with 8 (two groups merged, the weights block-diagonal
     * within each merged group, the off-diagonal blocks zero) on AVX2: oneDNN 2.5 has no direct kernel for 4 channels
     * per group there and falls back to im2col and GEMM, which for ResNeXt-50's stage-1 grouped conv was 5x slower
     * per operation than its direct kernel at 8 channels per group; the merged form does twice the arithmetic at
     * that speed, and reads and writes the channel-blocked layout its neighbours use. The weight gradient keeps only
     * the diagonal blocks, which are the real weights' gradients; the zero blocks never reach the output. Not applied
     * on AVX-512 (not measured there).
     */
    static final class GroupMerge {
        final int factor;
        private final int groups;
        private final int outPerGroup;
        private final int inPerGroup;
        private final int taps;
        private final float[] real;
        private final float[] expanded;
        private final FloatPointer expandedBuffer;
        private final FloatPointer gradientBuffer;

        private GroupMerge(ConvGeometry g, int factor) {
            this.factor = factor;
            groups = g.groups();
            outPerGroup = (int) (g.outChannels() / groups);
            inPerGroup = (int) (g.c() / groups);
            taps = g.kH() * g.kW();
            real = new float[(int) (g.outChannels() * inPerGroup * taps)];
            expanded = new float[real.length * factor];
            expandedBuffer = new FloatPointer(expanded.length);
            gradientBuffer = new FloatPointer(expanded.length);
        }

        /** The merge for {@code g} on a CPU whose native channel block is {@code block}, or null for none. */
        static GroupMerge of(ConvGeometry g, int block) {
            boolean fourPerGroup = g.groups() > 1 && g.c() / g.groups() == 4 && g.outChannels() / g.groups() == 4;
            return block == 8 && fourPerGroup && g.groups() % 2 == 0 ? new GroupMerge(g, 2) : null;
        }

        /** Offset of weight (group, out, in, tap) in the merged {@code goihw} array. */
        private int mergedOffset(int group, int o, int i, int t) {
            int sub = group % factor;
            int oo = sub * outPerGroup + o;
            int ii = sub * inPerGroup + i;
            return (((group / factor) * outPerGroup * factor + oo) * inPerGroup * factor + ii) * taps + t;
        }

        /** The merged weights for the real ones ({@code goihw}). */
        Pointer expand(Pointer w) {
            new FloatPointer(w).get(real);
            java.util.Arrays.fill(expanded, 0f);
            int r = 0;
            for (int group = 0; group < groups; group++) {
                for (int o = 0; o < outPerGroup; o++) {
                    for (int i = 0; i < inPerGroup; i++) {
                        for (int t = 0; t < taps; t++) {
                            expanded[mergedOffset(group, o, i, t)] = real[r++];
                        }
                    }
                }
            }
            return expandedBuffer.put(expanded);
        }

        Pointer expandedGradient() {
            return gradientBuffer;
        }

        /** The real weights' gradient: the diagonal blocks of the merged one. */
        void extractGradient(Pointer dw) {
            gradientBuffer.get(expanded);
            int r = 0;
            for (int group = 0; group < groups; group++) {
                for (int o = 0; o < outPerGroup; o++) {
                    for (int i = 0; i < inPerGroup; i++) {
                        for (int t = 0; t < taps; t++) {
                            real[r++] = expanded[mergedOffset(group, o, i, t)];
                        }
                    }
                }
            }
            new FloatPointer(dw).put(real);
        }

        void close() {
            expandedBuffer.close();
            gradientBuffer.close();
        }
    }
}
