package org.resnext4j.zoo.kernels.onednn;

import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx2;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx2_vnni;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_amx;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_vnni;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_sse41;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_by_tag;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw16c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nChw8c;
import static org.bytedeco.dnnl.global.dnnl.dnnl_nchw;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_default_flags;
import static org.bytedeco.dnnl.global.dnnl.dnnl_success;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.resnext4j.zoo.kernels.DenseArrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the oneDNN kernels share: the CPU engine (one per process, created when oneDNN's natives load), a stream per
 * thread, status checks, and the bridge from ND4J arrays to oneDNN memory.
 */
final class OneDnn {

    private static final Logger log = LoggerFactory.getLogger(OneDnn.class);

    private static volatile OneDnn instance;
    private static volatile boolean unavailable;

    final dnnl_engine engine;
    private final ThreadLocal<dnnl_stream> streams;

    private OneDnn() {
        engine = new dnnl_engine();
        check(dnnl_engine_create(engine, dnnl_cpu, 0), "engine_create");
        streams = ThreadLocal.withInitial(() -> {
            dnnl_stream s = new dnnl_stream();
            check(dnnl_stream_create(s, engine, dnnl_stream_default_flags), "stream_create");
            return s;
        });
    }

    /** The shared engine, or null when oneDNN's natives cannot be loaded on this machine (logged once). */
    static OneDnn instanceOrNull() {
        if (instance == null && !unavailable) {
            synchronized (OneDnn.class) {
                if (instance == null && !unavailable) {
                    try {
                        instance = new OneDnn();
                    } catch (Throwable t) {
                        unavailable = true;
                        log.warn(
                                "oneDNN (org.bytedeco:dnnl) is not available; the fused layers use ND4J operations "
                                        + "and the inference form is not available: {}",
                                t.toString());
                    }
                }
            }
        }
        return instance;
    }

    /**
     * The channel block of oneDNN's native layouts on this CPU: 16 with AVX-512 ({@code nChw16c}), else 8
     * ({@code nChw8c}, AVX2).
     */
    static int channelBlock() {
        return ChannelBlock.VALUE;
    }

    /** Asked of oneDNN once: every layer asks on every call, and the CPU does not change. */
    private static final class ChannelBlock {
        static final int VALUE =
                (dnnl_get_effective_cpu_isa() & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core ? 16 : 8;
    }

    /** {@code nchw}, or when {@code blocked} the layout of {@link #channelBlock()} ({@code nChw16c}, {@code nChw8c}). */
    static int layoutTag(boolean blocked) {
        return !blocked ? dnnl_nchw : channelBlock() == 16 ? dnnl_nChw16c : dnnl_nChw8c;
    }

    /** This thread's stream. */
    dnnl_stream stream() {
        return streams.get();
    }

    static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN " + what + " failed with status " + status);
        }
    }

    /** The ND4J buffer of a C-ordered, contiguous float array, offset included. */
    static Pointer pointer(INDArray a, String what) {
        if (a.dataType() != DataType.FLOAT || !DenseArrays.isContiguousC(a)) {
            throw new IllegalArgumentException(what + ": expected a contiguous C-ordered FLOAT array, got "
                    + a.dataType() + " " + a.ordering() + " " + a.shapeInfoToString());
        }
        return a.data().addressPointer();
    }

    /** An f32 memory descriptor of the given dimensions and layout tag. */
    static dnnl_memory_desc_t md(long[] dims, int tag) {
        return md(dims, dnnl_f32, tag);
    }

    /** A memory descriptor of the given dimensions, oneDNN data type ({@code dnnl_f32}, {@code dnnl_u8}...) and tag. */
    static dnnl_memory_desc_t md(long[] dims, int dataType, int tag) {
        dnnl_memory_desc_t m = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(m, dims.length, dims, dataType, tag), "memory_desc_init_by_tag");
        return m;
    }

    /** A copy of {@code m} (a plain activation layout, no quantization extras) with another data type. */
    static dnnl_memory_desc_t withDataType(dnnl_memory_desc_t m, int dataType) {
        dnnl_memory_desc_t c = new dnnl_memory_desc_t();
        Pointer.memcpy(c, m, Pointer.sizeof(dnnl_memory_desc_t.class));
        c.data_type(dataType);
        return c;
    }

    /** oneDNN's effective instruction set on this CPU (its {@code dnnl_cpu_isa_*} bit mask). */
    static int cpuIsa() {
        return CpuIsa.VALUE;
    }

    /** Whether the effective instruction set includes {@code isa} (oneDNN's ISA values are cumulative bit masks). */
    static boolean hasIsa(int isa) {
        return hasIsa(cpuIsa(), isa);
    }

    /** Whether instruction set {@code cpu} includes {@code isa}. */
    static boolean hasIsa(int cpu, int isa) {
        return (cpu & isa) == isa;
    }

    /** The name of oneDNN's effective instruction set, as its {@code DNNL_MAX_CPU_ISA} spells it. */
    static String cpuIsaName() {
        return cpuIsaName(cpuIsa());
    }

    /** The name of the instruction set {@code isa} (a {@code dnnl_cpu_isa_*} bit mask). */
    static String cpuIsaName(int isa) {
        String[] names = {
            "AVX512_CORE_AMX", "AVX512_CORE_BF16", "AVX512_CORE_VNNI", "AVX512_CORE", "AVX2_VNNI", "AVX2", "SSE41"
        };
        int[] values = {
            dnnl_cpu_isa_avx512_core_amx,
            dnnl_cpu_isa_avx512_core_bf16,
            dnnl_cpu_isa_avx512_core_vnni,
            dnnl_cpu_isa_avx512_core,
            dnnl_cpu_isa_avx2_vnni,
            dnnl_cpu_isa_avx2,
            dnnl_cpu_isa_sse41
        };
        for (int i = 0; i < names.length; i++) {
            if ((isa & values[i]) == values[i]) {
                return names[i];
            }
        }
        return "ALL (0x" + Integer.toHexString(isa) + ")";
    }

    /** Asked of oneDNN once. */
    private static final class CpuIsa {
        static final int VALUE = dnnl_get_effective_cpu_isa();
    }

    /** Runs {@code prim} on {@code s} with (argument, memory) pairs; does not wait for the stream. */
    static void execute(dnnl_primitive prim, dnnl_stream s, Object... argsAndMemories) {
        int n = argsAndMemories.length / 2;
        try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(n)) {
            for (int i = 0; i < n; i++) {
                args.position(i).arg((Integer) argsAndMemories[2 * i]).memory((dnnl_memory) argsAndMemories[2 * i + 1]);
            }
            args.position(0);
            check(dnnl_primitive_execute(prim, s, n, args), "primitive_execute");
        }
    }

    /**
     * What a scratch buffer holds: a primitive argument in oneDNN's private layout, live only during one kernel call.
     * Each role has one buffer per thread, shared by all shapes (plans) and grown to the largest request, since one
     * thread runs one call at a time and no two arguments of a call share a role.
     */
    enum Scratch {
        CONV_SRC,
        CONV_WEIGHTS,
        CONV_DST,
        CONV_BWD_DATA_DIFF_DST,
        CONV_BWD_DATA_WEIGHTS,
        CONV_BWD_DATA_DIFF_SRC,
        CONV_BWD_WEIGHTS_SRC,
        CONV_BWD_WEIGHTS_DIFF_DST,
        CONV_BWD_WEIGHTS_DIFF_WEIGHTS,
        NORM_DST,
        NORM_DIFF_DST,
        NORM_INPUT,
        NORM_DIFF_INPUT
    }

    private final ThreadLocal<INDArray[]> scratchBuffers =
            ThreadLocal.withInitial(() -> new INDArray[Scratch.values().length]);

    /** This thread's buffer for {@code role}, at least {@code bytes} long; valid until the next request for the role. */
    Pointer scratch(Scratch role, long bytes) {
        INDArray[] buffers = scratchBuffers.get();
        INDArray b = buffers[role.ordinal()];
        if (b == null || 4 * b.length() < bytes) {
            b = Nd4j.createUninitializedDetached(DataType.FLOAT, (bytes + 3) / 4);
            buffers[role.ordinal()] = b;
        }
        return b.data().addressPointer();
    }

    private static final int MAX_PLANS_PER_THREAD = 256;

    /**
     * A per-thread cache of primitive plans, least recently used first out: beyond 256 shapes per thread the eldest
     * plan is closed, so a model fed ever-changing input sizes does not grow without bound.
     */
    static <K, V> ThreadLocal<Map<K, V>> planCache(Consumer<V> close) {
        return ThreadLocal.withInitial(() -> new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                if (size() > MAX_PLANS_PER_THREAD) {
                    close.accept(eldest.getValue());
                    return true;
                }
                return false;
            }
        });
    }

    /**
     * An object built on the shared engine (the {@link OneDnnEngine}), created on first use; {@link #get()} is null when oneDNN's natives cannot
     * be loaded on this machine.
     */
    static final class Lazy<T> {
        private final Function<OneDnn, T> create;
        private volatile T value;

        Lazy(Function<OneDnn, T> create) {
            this.create = create;
        }

        T get() {
            OneDnn dnn = instanceOrNull();
            if (dnn == null) {
                return null;
            }
            if (value == null) {
                synchronized (this) {
                    if (value == null) {
                        value = create.apply(dnn);
                    }
                }
            }
            return value;
        }
    }
}
