package org.resnext4j.zoo.kernels.onednn;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;

import java.util.function.LongFunction;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;

/**
 * One argument of a oneDNN primitive: a memory in the caller's layout (an ND4J array, or another primitive's buffer)
 * and, when the primitive wants another layout or data type, a private copy in that one with the reorders. Its
 * native objects belong to the plan's {@link OneDnnNatives}.
 *
 * <ul>
 *   <li>A scratch port (the constructor) keeps the copy in the thread's scratch buffer for the port's role
 *       ({@link OneDnn.Scratch}), reorders both ways, and costs nothing where the layouts agree: the primitive reads or
 *       writes the caller's buffer directly.</li>
 *   <li>An {@link #into} port is an input whose copy lives in a buffer of the caller's, made on every
 *       {@link #bindInput} even where the layouts agree, with output scales where given: weights reordered (and
 *       quantized) once for the inference form.</li>
 * </ul>
 */
final class OneDnnPort {

    final int arg;
    private final LongFunction<Pointer> storage;
    private final dnnl_memory user;
    private final dnnl_memory inner;
    private final dnnl_primitive toInner;
    private final dnnl_primitive toUser;
    private final long innerBytes;

    /** A scratch port for argument {@code arg}, the caller holding it in {@code userMd}, the primitive in {@code primMd}. */
    OneDnnPort(
            OneDnnNatives natives, OneDnn.Scratch role, int arg, dnnl_memory_desc_t userMd, dnnl_memory_desc_t primMd) {
        this(natives, bytes -> natives.dnn.scratch(role, bytes), arg, userMd, primMd, null, false);
    }

    /** An input port copying into {@code target} (at least {@code primMd}'s size), with {@code attr}'s output scales. */
    static OneDnnPort into(
            OneDnnNatives natives,
            Pointer target,
            int arg,
            dnnl_memory_desc_t userMd,
            dnnl_memory_desc_t primMd,
            OneDnnNatives.Attr attr) {
        return new OneDnnPort(natives, bytes -> target, arg, userMd, primMd, attr, true);
    }

    private OneDnnPort(
            OneDnnNatives natives,
            LongFunction<Pointer> storage,
            int arg,
            dnnl_memory_desc_t userMd,
            dnnl_memory_desc_t primMd,
            OneDnnNatives.Attr attr,
            boolean held) {
        this.storage = storage;
        this.arg = arg;
        user = natives.memory(userMd);
        if (!held && dnnl_memory_desc_equal(userMd, primMd) != 0) {
            inner = null;
            toInner = null;
            toUser = null;
            innerBytes = 0;
            return;
        }
        innerBytes = dnnl_memory_desc_get_size(primMd);
        inner = natives.memory(primMd);
        toInner = natives.reorder(userMd, primMd, attr);
        toUser = held ? null : natives.reorder(primMd, userMd, null);
    }

    /** The private copy's memory, on its storage (for a scratch port, this thread's buffer for the role). */
    private dnnl_memory inner() {
        return OneDnnNatives.bind(inner, storage.apply(innerBytes));
    }

    /** The memory the primitive reads: the caller's {@code data}, or a copy of it in the primitive's layout. */
    dnnl_memory bindInput(Pointer data, dnnl_stream s) {
        OneDnnNatives.bind(user, data);
        if (inner == null) {
            return user;
        }
        dnnl_memory copy = inner();
        OneDnn.execute(toInner, s, DNNL_ARG_FROM, user, DNNL_ARG_TO, copy);
        return copy;
    }

    /** The memory the primitive writes; {@link #finishOutput} then copies it into {@code data} if needed. */
    dnnl_memory bindOutput(Pointer data) {
        OneDnnNatives.bind(user, data);
        return inner == null ? user : inner();
    }

    /** Copies a result written in the primitive's layout back into the caller's buffer. */
    void finishOutput(dnnl_stream s) {
        if (inner != null) {
            OneDnn.execute(toUser, s, DNNL_ARG_FROM, inner, DNNL_ARG_TO, user);
        }
    }
}
