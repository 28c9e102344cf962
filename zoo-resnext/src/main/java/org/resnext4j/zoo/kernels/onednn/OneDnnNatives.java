package org.resnext4j.zoo.kernels.onednn;

import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_eltwise;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_sum;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_sum_v2;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_output_scales;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_post_ops;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.check;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.Pointer;

/**
 * The one way this package makes oneDNN objects: primitive descriptors (with their {@link Attr}ibutes), primitives,
 * reorders and memories, each owned by the plan that made them and destroyed together by {@link #close()}. A
 * descriptor lives until then, since memory descriptors queried from it ({@link #query}) stay in use.
 */
final class OneDnnNatives implements AutoCloseable {

    final OneDnn dnn;
    private final List<Runnable> closers = new ArrayList<>();

    OneDnnNatives(OneDnn dnn) {
        this.dnn = dnn;
    }

    /**
     * The primitive descriptor of an operation descriptor ({@code dnnl_convolution_desc_t}, ...), with attributes
     * (null for none) and, for a backward pass, the forward pass's descriptor as {@code hint} (else null).
     */
    dnnl_primitive_desc pd(Pointer opDesc, Attr attr, dnnl_primitive_desc hint, String what) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        dnnl_primitive_attr a = attr == null ? null : attr.create();
        try {
            check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(opDesc), a, dnn.engine, hint), what);
        } finally {
            if (a != null) {
                dnnl_primitive_attr_destroy(a);
            }
        }
        closers.add(() -> dnnl_primitive_desc_destroy(pd));
        return pd;
    }

    /** The primitive of {@code pd}. */
    dnnl_primitive primitive(dnnl_primitive_desc pd) {
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), "primitive_create");
        closers.add(() -> dnnl_primitive_destroy(p));
        return p;
    }

    /** A reorder from layout (and data type) {@code from} to {@code to}, with output scales where {@code attr} has them. */
    dnnl_primitive reorder(dnnl_memory_desc_t from, dnnl_memory_desc_t to, Attr attr) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        dnnl_primitive_attr a = attr == null ? null : attr.create();
        try {
            check(dnnl_reorder_primitive_desc_create(pd, from, dnn.engine, to, dnn.engine, a), "reorder_pd");
        } finally {
            if (a != null) {
                dnnl_primitive_attr_destroy(a);
            }
        }
        dnnl_primitive p = primitive(pd);
        check(dnnl_primitive_desc_destroy(pd), "pd_destroy"); // nothing is queried from it
        return p;
    }

    /** The memory descriptor {@code pd} has for {@code what} ({@code dnnl_query_src_md}, ...), valid until close. */
    static dnnl_memory_desc_t query(dnnl_primitive_desc pd, int what) {
        return dnnl_primitive_desc_query_md(pd, what, 0);
    }

    /** A memory of layout {@code md} on no data yet ({@link #bind} gives it some). */
    dnnl_memory memory(dnnl_memory_desc_t md) {
        dnnl_memory m = new dnnl_memory();
        check(dnnl_memory_create(m, md, dnn.engine, (Pointer) null), "memory_create");
        closers.add(() -> dnnl_memory_destroy(m));
        return m;
    }

    /** A memory of layout {@code md} on {@code data}. */
    dnnl_memory memory(dnnl_memory_desc_t md, Pointer data) {
        return bind(memory(md), data);
    }

    /** {@code m}, now on {@code data}. */
    static dnnl_memory bind(dnnl_memory m, Pointer data) {
        check(dnnl_memory_set_data_handle(m, data), "set_data_handle");
        return m;
    }

    /** Runs {@code close} with the rest, for objects made elsewhere. */
    void onClose(Runnable close) {
        closers.add(close);
    }

    /** Destroys everything made here, last made first. */
    @Override
    public void close() {
        for (int i = closers.size() - 1; i >= 0; i--) {
            closers.get(i).run();
        }
        closers.clear();
    }

    /**
     * A primitive's attributes: post-ops (a residual sum, then a ReLU, in that order) and output scales (per tensor:
     * one value, mask 0; per output channel: mask {@code 1 << 1}).
     */
    static final class Attr {
        private boolean sum;
        private float sumScale;
        private int sumType = -1;
        private boolean relu;
        private int scaleMask;
        private float[] scales;

        /** {@code dst = scale * dst + result}: the sum post-op, the destination's data type. */
        Attr sum(float scale) {
            return sum(scale, -1);
        }

        /** The sum post-op reading the destination as data type {@code dataType} ({@code sum_v2}). */
        Attr sum(float scale, int dataType) {
            sum = true;
            sumScale = scale;
            sumType = dataType;
            return this;
        }

        /** A ReLU post-op. */
        Attr relu() {
            relu = true;
            return this;
        }

        /** Output scales over the dimensions of {@code mask}; none when {@code scales} is null. */
        Attr outputScales(int mask, float[] scales) {
            this.scaleMask = mask;
            this.scales = scales == null ? null : scales.clone();
            return this;
        }

        private dnnl_primitive_attr create() {
            dnnl_primitive_attr attr = new dnnl_primitive_attr();
            check(dnnl_primitive_attr_create(attr), "primitive_attr_create");
            if (sum || relu) {
                dnnl_post_ops ops = new dnnl_post_ops();
                check(dnnl_post_ops_create(ops), "post_ops_create");
                if (sum) {
                    check(
                            sumType < 0
                                    ? dnnl_post_ops_append_sum(ops, sumScale)
                                    : dnnl_post_ops_append_sum_v2(ops, sumScale, sumType),
                            "post_ops_append_sum");
                }
                if (relu) {
                    check(dnnl_post_ops_append_eltwise(ops, 1f, dnnl_eltwise_relu, 0f, 0f), "post_ops_append_eltwise");
                }
                check(dnnl_primitive_attr_set_post_ops(attr, ops), "primitive_attr_set_post_ops");
                dnnl_post_ops_destroy(ops);
            }
            if (scales != null) {
                check(
                        dnnl_primitive_attr_set_output_scales(attr, scales.length, scaleMask, scales),
                        "primitive_attr_set_output_scales");
            }
            return attr;
        }
    }
}
