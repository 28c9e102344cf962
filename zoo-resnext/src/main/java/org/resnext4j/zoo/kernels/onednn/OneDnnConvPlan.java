package org.resnext4j.zoo.kernels.onednn;

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
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_goihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_oihw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_diff_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_src_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_weights_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.check;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.md;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.resnext4j.zoo.kernels.ConvGeometry;

/**
 * oneDNN's convolution primitives for one {@link ConvGeometry} (forward, backward data, backward weights), created
 * with format {@code any} so that oneDNN picks its fastest (blocked) layouts, with {@link OneDnnPort}s converting from
 * and to the caller's layouts: the input and its gradient in {@code nchw} or a channel-blocked layout (the caller's
 * choice), {@code goihw} weights ({@code oihw} when ungrouped; PyTorch's {@code [OC, C / G, kH, kW]}), and for the
 * output and its gradient either {@code nchw} or, for a consumer that reads a blocked layout directly
 * ({@link OneDnnConvNorm}), a layout of its choosing ({@link #dstMd()}).
 * Calls do not wait for the stream.
 */
final class OneDnnConvPlan {

    private final dnnl_primitive fwd;
    private final dnnl_primitive bwdData;
    private final dnnl_primitive bwdWeights;
    private final dnnl_memory_desc_t dstMd;
    private final OneDnnPort fwdSrc;
    private final OneDnnPort fwdWei;
    private final OneDnnPort fwdDst;
    private final OneDnnPort bdDiffDst;
    private final OneDnnPort bdWei;
    private final OneDnnPort bdDiffSrc;
    private final OneDnnPort bwSrc;
    private final OneDnnPort bwDiffDst;
    private final OneDnnPort bwDiffWei;
    private final List<dnnl_primitive_desc> pds = new ArrayList<>();
    /** Non-null when the primitives run on merged groups ({@link GroupMerge}). */
    private final GroupMerge merge;

    /**
     * @param inputTag the layout tag of the input and its gradient ({@code nchw} or a channel-blocked one)
     * @param outputLayout the layout in which the output and its gradient cross, given the forward primitive's own
     *                     output layout: {@code nchw} for DL4J, or a layout another primitive reads directly
     */
    OneDnnConvPlan(OneDnn dnn, ConvGeometry g, int inputTag, UnaryOperator<dnnl_memory_desc_t> outputLayout) {
        dnnl_engine engine = dnn.engine;
        long[] src = g.inputShape();
        long[] dst = g.outputShape();
        merge = GroupMerge.of(g, OneDnn.channelBlock());
        long groups = g.groups() / (merge == null ? 1 : merge.factor);
        // Ungrouped convolutions get 4-D weights: with a 5-D (grouped) descriptor of one group, oneDNN 2.5 on AVX2
        // skips its 1x1 backward-data kernel for the generic one (measured 2.1x slower on ResNeXt-50's 1x1 convs).
        boolean grouped = groups > 1;
        long[] wei = grouped
                ? new long[] {groups, g.outChannels() / groups, g.c() / groups, g.kH(), g.kW()}
                : new long[] {g.outChannels(), g.c(), g.kH(), g.kW()};
        long[] strides = {g.sH(), g.sW()};
        long[] pad = {g.pH(), g.pW()};
        dnnl_memory_desc_t srcUser = md(src, inputTag);
        dnnl_memory_desc_t weiUser = md(wei, grouped ? dnnl_goihw : dnnl_oihw);
        dnnl_memory_desc_t srcAny = md(src, dnnl_format_tag_any);
        dnnl_memory_desc_t weiAny = md(wei, dnnl_format_tag_any);
        dnnl_memory_desc_t dstAny = md(dst, dnnl_format_tag_any);

        dnnl_convolution_desc_t fd = new dnnl_convolution_desc_t();
        check(
                dnnl_convolution_forward_desc_init(
                        fd,
                        dnnl_forward_training,
                        dnnl_convolution_direct,
                        srcAny,
                        weiAny,
                        null,
                        dstAny,
                        strides,
                        pad,
                        pad),
                "convolution_forward_desc_init");
        dnnl_primitive_desc fpd = pd(engine, new const_dnnl_op_desc_t(fd), null);
        dnnl_convolution_desc_t bdd = new dnnl_convolution_desc_t();
        check(
                dnnl_convolution_backward_data_desc_init(
                        bdd, dnnl_convolution_direct, srcAny, weiAny, dstAny, strides, pad, pad),
                "convolution_backward_data_desc_init");
        dnnl_primitive_desc bdpd = pd(engine, new const_dnnl_op_desc_t(bdd), fpd);
        dnnl_convolution_desc_t bwd = new dnnl_convolution_desc_t();
        check(
                dnnl_convolution_backward_weights_desc_init(
                        bwd, dnnl_convolution_direct, srcAny, weiAny, null, dstAny, strides, pad, pad),
                "convolution_backward_weights_desc_init");
        dnnl_primitive_desc bwpd = pd(engine, new const_dnnl_op_desc_t(bwd), fpd);

        fwd = OneDnn.primitive(fpd);
        bwdData = OneDnn.primitive(bdpd);
        bwdWeights = OneDnn.primitive(bwpd);
        dnnl_memory_desc_t primDst = dnnl_primitive_desc_query_md(fpd, dnnl_query_dst_md, 0);
        dstMd = outputLayout.apply(primDst);
        dnnl_memory_desc_t dstUser = dstMd;
        fwdSrc = new OneDnnPort(
                dnn,
                OneDnn.Scratch.CONV_SRC,
                DNNL_ARG_SRC,
                srcUser,
                dnnl_primitive_desc_query_md(fpd, dnnl_query_src_md, 0));
        fwdWei = new OneDnnPort(
                dnn,
                OneDnn.Scratch.CONV_WEIGHTS,
                DNNL_ARG_WEIGHTS,
                weiUser,
                dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0));
        fwdDst = new OneDnnPort(dnn, OneDnn.Scratch.CONV_DST, DNNL_ARG_DST, dstUser, primDst);
        bdDiffDst = new OneDnnPort(
                dnn,
                OneDnn.Scratch.CONV_BWD_DATA_DIFF_DST,
                DNNL_ARG_DIFF_DST,
                dstUser,
                dnnl_primitive_desc_query_md(bdpd, dnnl_query_diff_dst_md, 0));
        bdWei = new OneDnnPort(
                dnn,
                OneDnn.Scratch.CONV_BWD_DATA_WEIGHTS,
                DNNL_ARG_WEIGHTS,
                weiUser,
                dnnl_primitive_desc_query_md(bdpd, dnnl_query_weights_md, 0));
        bdDiffSrc = new OneDnnPort(
                dnn,
                OneDnn.Scratch.CONV_BWD_DATA_DIFF_SRC,
                DNNL_ARG_DIFF_SRC,
                srcUser,
                dnnl_primitive_desc_query_md(bdpd, dnnl_query_diff_src_md, 0));
        bwSrc = new OneDnnPort(
                dnn,
                OneDnn.Scratch.CONV_BWD_WEIGHTS_SRC,
                DNNL_ARG_SRC,
                srcUser,
                dnnl_primitive_desc_query_md(bwpd, dnnl_query_src_md, 0));
        bwDiffDst = new OneDnnPort(
                dnn,
                OneDnn.Scratch.CONV_BWD_WEIGHTS_DIFF_DST,
                DNNL_ARG_DIFF_DST,
                dstUser,
                dnnl_primitive_desc_query_md(bwpd, dnnl_query_diff_dst_md, 0));
        bwDiffWei = new OneDnnPort(
                dnn,
                OneDnn.Scratch.CONV_BWD_WEIGHTS_DIFF_WEIGHTS,
                DNNL_ARG_DIFF_WEIGHTS,
                weiUser,
                dnnl_primitive_desc_query_md(bwpd, dnnl_query_diff_weights_md, 0));
    }

    private dnnl_primitive_desc pd(dnnl_engine engine, const_dnnl_op_desc_t desc, dnnl_primitive_desc hint) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_primitive_desc_create(pd, desc, null, engine, hint), "primitive_desc_create");
        pds.add(pd);
        return pd;
    }

    /** The layout in which the output and its gradient cross (see the constructor). */
    dnnl_memory_desc_t dstMd() {
        return dstMd;
    }

    /** {@code y = conv(x, w)}. */
    void forward(Pointer x, Pointer w, Pointer y, dnnl_stream s) {
        run(fwd, fwdSrc, x, fwdWei, merge == null ? w : merge.expand(w), fwdDst, y, s);
    }

    /** {@code dx} from {@code dy} and {@code w}. */
    void backwardData(Pointer dy, Pointer w, Pointer dx, dnnl_stream s) {
        run(bwdData, bdDiffDst, dy, bdWei, merge == null ? w : merge.expand(w), bdDiffSrc, dx, s);
    }

    /** {@code dw} from {@code x} and {@code dy}. */
    void backwardWeights(Pointer x, Pointer dy, Pointer dw, dnnl_stream s) {
        if (merge == null) {
            run(bwdWeights, bwSrc, x, bwDiffDst, dy, bwDiffWei, dw, s);
            return;
        }
        run(bwdWeights, bwSrc, x, bwDiffDst, dy, bwDiffWei, merge.expandedGradient(), s);
        check(dnnl_stream_wait(s), "stream_wait");
        merge.extractGradient(dw);
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

    private static void run(
            dnnl_primitive prim,
            OneDnnPort in0,
            Pointer a0,
            OneDnnPort in1,
            Pointer a1,
            OneDnnPort out,
            Pointer o,
            dnnl_stream s) {
        OneDnn.execute(
                prim, s, in0.arg, in0.bindInput(a0, s), in1.arg, in1.bindInput(a1, s), out.arg, out.bindOutput(o));
        out.finishOutput(s);
    }

    void close() {
        for (OneDnnPort port :
                new OneDnnPort[] {fwdSrc, fwdWei, fwdDst, bdDiffDst, bdWei, bdDiffSrc, bwSrc, bwDiffDst, bwDiffWei}) {
            port.close();
        }
        if (merge != null) {
            merge.close();
        }
        dnnl_primitive_destroy(fwd);
        dnnl_primitive_destroy(bwdData);
        dnnl_primitive_destroy(bwdWeights);
        pds.forEach(pd -> dnnl_primitive_desc_destroy(pd));
    }
}
