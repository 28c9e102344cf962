package org.resnext4j.zoo.kernels.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.resnext4j.zoo.kernels.onednn.OneDnn.check;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;

/**
 * One argument of a oneDNN primitive: a memory in the caller's layout (an ND4J array, or another primitive's buffer)
 * and, when the primitive wants another layout, a private copy in that layout (in the thread's scratch buffer for the
 * port's role, {@link OneDnn.Scratch}) with the reorders both ways. A port whose layouts agree costs nothing: the
 * primitive reads or writes the caller's buffer directly.
 */
final class OneDnnPort {

    final int arg;
    private final OneDnn dnn;
    private final OneDnn.Scratch role;
    private final dnnl_memory user = new dnnl_memory();
    private final dnnl_memory inner;
    private final dnnl_primitive toInner;
    private final dnnl_primitive toUser;
    private final long innerBytes;
    private final List<Runnable> closers = new ArrayList<>();

    OneDnnPort(OneDnn dnn, OneDnn.Scratch role, int arg, dnnl_memory_desc_t userMd, dnnl_memory_desc_t primMd) {
        this.dnn = dnn;
        this.role = role;
        this.arg = arg;
        dnnl_engine engine = dnn.engine;
        check(dnnl_memory_create(user, userMd, engine, (Pointer) null), "memory_create");
        closers.add(() -> dnnl_memory_destroy(user));
        if (dnnl_memory_desc_equal(userMd, primMd) != 0) {
            inner = null;
            toInner = null;
            toUser = null;
            innerBytes = 0;
            return;
        }
        innerBytes = dnnl_memory_desc_get_size(primMd);
        inner = new dnnl_memory();
        check(dnnl_memory_create(inner, primMd, engine, (Pointer) null), "memory_create");
        closers.add(() -> dnnl_memory_destroy(inner));
        toInner = reorder(userMd, primMd);
        toUser = reorder(primMd, userMd);
    }

    private dnnl_primitive reorder(dnnl_memory_desc_t from, dnnl_memory_desc_t to) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_reorder_primitive_desc_create(pd, from, dnn.engine, to, dnn.engine, null), "reorder_pd");
        dnnl_primitive prim = new dnnl_primitive();
        check(dnnl_primitive_create(prim, pd), "reorder");
        check(dnnl_primitive_desc_destroy(pd), "pd_destroy");
        closers.add(() -> dnnl_primitive_destroy(prim));
        return prim;
    }

    /** The private copy's memory, on this thread's scratch buffer for the port's role. */
    private dnnl_memory inner() {
        check(dnnl_memory_set_data_handle(inner, dnn.scratch(role, innerBytes)), "set_data_handle");
        return inner;
    }

    /** The memory the primitive reads: the caller's {@code data}, or a copy of it in the primitive's layout. */
    dnnl_memory bindInput(Pointer data, dnnl_stream s) {
        check(dnnl_memory_set_data_handle(user, data), "set_data_handle");
        if (inner == null) {
            return user;
        }
        OneDnn.execute(toInner, s, DNNL_ARG_FROM, user, DNNL_ARG_TO, inner());
        return inner;
    }

    /** The memory the primitive writes; {@link #finishOutput} then copies it into {@code data} if needed. */
    dnnl_memory bindOutput(Pointer data) {
        check(dnnl_memory_set_data_handle(user, data), "set_data_handle");
        return inner == null ? user : inner();
    }

    /** Copies a result written in the primitive's layout back into the caller's buffer. */
    void finishOutput(dnnl_stream s) {
        if (inner != null) {
            OneDnn.execute(toUser, s, DNNL_ARG_FROM, inner, DNNL_ARG_TO, user);
        }
    }

    void close() {
        closers.forEach(Runnable::run);
    }
}
