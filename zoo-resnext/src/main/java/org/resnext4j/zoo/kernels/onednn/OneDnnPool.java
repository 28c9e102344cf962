package org.resnext4j.zoo.kernels.onednn;

import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_backward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_forward_desc_init;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_dst_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_workspace_md;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.check;
import static org.resnext4j.zoo.kernels.onednn.OneDnnNatives.query;

import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.resnext4j.zoo.kernels.PoolGeometry;

/**
 * oneDNN's pooling primitives for one {@link PoolGeometry}, the one place they are made: the forward pass for inference
 * and, for training, the forward pass that keeps a workspace (max pooling: each window's winner) and the backward pass.
 * Source and destination in the layouts given; a destination of format {@code any} takes oneDNN's choice
 * ({@link #dstMd}). The training max pool ({@link OneDnnMaxPool}) and the inference form's max and average pools
 * ({@link OneDnnInference}) are made here.
 */
final class OneDnnPool {

    /** The forward pass for inference. */
    final dnnl_primitive infer;
    /** Training only (else null): the forward pass that fills the workspace, and the backward pass. */
    final dnnl_primitive train;

    final dnnl_primitive backward;
    /** The destination's layout. */
    final dnnl_memory_desc_t dstMd;
    /** Training only (else null): the workspace's layout. */
    final dnnl_memory_desc_t workspaceMd;

    /** @param algorithm {@code dnnl_pooling_max} or {@code dnnl_pooling_avg_exclude_padding} (inference only) */
    OneDnnPool(
            OneDnnNatives natives,
            PoolGeometry g,
            int algorithm,
            dnnl_memory_desc_t srcMd,
            dnnl_memory_desc_t dst,
            boolean training) {
        long[] strides = {g.sH(), g.sW()};
        long[] kernel = {g.kH(), g.kW()};
        long[] pad = {g.pH(), g.pW()};
        dnnl_primitive_desc inferPd = forward(natives, dnnl_forward_inference, algorithm, srcMd, dst, g);
        infer = natives.primitive(inferPd);
        dstMd = query(inferPd, dnnl_query_dst_md);
        if (!training) {
            train = null;
            backward = null;
            workspaceMd = null;
            return;
        }
        dnnl_primitive_desc trainPd = forward(natives, dnnl_forward_training, algorithm, srcMd, dst, g);
        dnnl_pooling_desc_t bd = new dnnl_pooling_desc_t();
        check(
                dnnl_pooling_backward_desc_init(bd, algorithm, srcMd, dstMd, strides, kernel, pad, pad),
                "pooling_backward_desc_init");
        train = natives.primitive(trainPd);
        backward = natives.primitive(natives.pd(bd, null, trainPd, "pooling_backward_pd"));
        workspaceMd = query(trainPd, dnnl_query_workspace_md);
    }

    private static dnnl_primitive_desc forward(
            OneDnnNatives natives,
            int prop,
            int algorithm,
            dnnl_memory_desc_t srcMd,
            dnnl_memory_desc_t dstMd,
            PoolGeometry g) {
        dnnl_pooling_desc_t d = new dnnl_pooling_desc_t();
        long[] pad = {g.pH(), g.pW()};
        check(
                dnnl_pooling_forward_desc_init(
                        d,
                        prop,
                        algorithm,
                        srcMd,
                        dstMd,
                        new long[] {g.sH(), g.sW()},
                        new long[] {g.kH(), g.kW()},
                        pad,
                        pad),
                "pooling_forward_desc_init");
        return natives.pd(d, null, null, "pooling_forward_pd");
    }
}
