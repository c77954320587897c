package dev.snn4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Small tensor helpers shared by neurons and layers.
 *
 * <p>Why {@link #scalar}: DJL's {@code mul(Number)}, {@code div(Number)}, {@code pow(Number)} wrap the number in a
 * temporary tensor and close it at once. Autograd may still need that tensor in {@code backward}; once the JVM
 * collects its buffer the gradient is silently wrong (DESIGN.md pitfall 1). A constant made here stays referenced by
 * its manager (and the enclosing {@link ai.djl.ndarray.NDScope}) until the step is over.
 */
public final class Tensors {
    private Tensors() {
    }

    /**
     * A 0-d constant with {@code like}'s dtype and manager, safe to use in autograd expressions.
     *
     * <p>Constants are cached per thread, keyed by manager, dtype and value: a neuron loop over 100 time steps asks
     * for the same few constants thousands of times, and each creation is a JNI call. A cached constant closed by its
     * scope or manager is simply made again.
     */
    public static NDArray scalar(NDArray like, double value) {
        NDManager manager = like.getManager();
        DataType type = like.getDataType();
        Map<ConstKey, NDArray> cache = CACHE.get();
        ConstKey key = new ConstKey(manager, type, Double.doubleToRawLongBits(value));
        NDArray c = cache.get(key);
        if (c == null || c.isReleased()) {
            if (cache.size() >= CACHE_LIMIT) {
                cache.clear();
            }
            c = type == DataType.FLOAT32 ? manager.create((float) value)
                    : type == DataType.FLOAT64 ? manager.create(value)
                    : manager.create(value).toType(type, false);
            cache.put(key, c);
            List<NDArray> tracked = TRACKED.get();
            if (tracked != null) {
                tracked.add(c);
            }
        }
        return c;
    }

    /**
     * Runs {@code body} in its own {@link NDScope}: everything it creates is closed when it returns, except the
     * arrays {@code keep} names afterwards and the constants {@link #scalar} made meanwhile, which are handed to the
     * enclosing scope.
     *
     * <p>Why: the neuron time loop closes each step's intermediates at once, so a forward pass holds about what BPTT
     * needs rather than every temporary of every step. Autograd keeps the tensors backward needs by reference count,
     * except those whose memory is a Java buffer (constants): closing one of them before backward would corrupt the
     * gradient (pitfall 1), so constants outlive the step.
     *
     * <pre>{@code
     * NDArray[] out = new NDArray[1];
     * Tensors.stepScope(() -> out[0] = neuron.step(frame), () -> new NDArray[] {out[0]});
     * }</pre>
     */
    public static void stepScope(Runnable body, Supplier<NDArray[]> keep) {
        List<NDArray> outer = TRACKED.get();
        List<NDArray> made = new ArrayList<>();
        TRACKED.set(made);
        NDArray[] kept;
        try (NDScope scope = new NDScope()) {
            body.run();
            kept = keep.get();
            for (NDArray a : kept) {
                if (a != null) {
                    NDScope.unregister(a);
                }
            }
            made.forEach(NDScope::unregister);
        } finally {
            TRACKED.set(outer);
        }
        for (NDArray a : kept) {
            if (a != null) {
                NDScope.register(a);
            }
        }
        for (NDArray c : made) {
            NDScope.register(c);
            if (outer != null) {
                outer.add(c);
            }
        }
    }

    private static final ThreadLocal<List<NDArray>> TRACKED = new ThreadLocal<>();
    private static final int CACHE_LIMIT = 512;
    private static final ThreadLocal<Map<ConstKey, NDArray>> CACHE = ThreadLocal.withInitial(HashMap::new);

    private record ConstKey(NDManager manager, DataType type, long bits) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ConstKey k && k.manager == manager && k.type == type && k.bits == bits;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(manager) * 31 + type.hashCode() * 17 + Long.hashCode(bits);
        }
    }

    /** Output-channel block of the engine's oneDNN convolution kernels; see {@link #convolution}. */
    static final int CONV_CHANNEL_BLOCK = 16;

    /**
     * The engine's N-d convolution ({@code x [B, Cin, ...]}, {@code w [Cout, Cin / groups, ...]}), with workarounds
     * for two faces of one engine bug: on this machine's PyTorch 2.7.1 CPU build (oneDNN 3.7.1, AVX-512 and AVX2 JIT
     * kernels), a float32 convolution reading more than 16 channels that are not a multiple of 16 is wrong.
     * <ul>
     *   <li>Forward: with {@code Cin > 16}, {@code Cin % 16 != 0} and a batch of 2 or more, the output is wrong in most
     *       elements (errors of the order of the outputs themselves; batch 1 and {@code Cin <= 16} were right). Fixed by
     *       padding the input and the weight with zero input channels up to the next multiple of 16.</li>
     *   <li>Backward: the input gradient is a convolution that reads the {@code Cout} output-gradient channels; with
     *       {@code Cout % 16 != 0} it had garbage in some elements (NaN, or finite values off by tens) in a varying
     *       fraction of calls. Fixed by padding the weight (and bias) with zero output channels and slicing them off.</li>
     * </ul>
     * The padded channels are zeros, so the values and the gradients of the real channels are the same, for up to 15
     * extra channels of work. docs/ENGINE-NOTES.md has both reproductions. Float64 runs on a different (correct)
     * kernel and is not padded; grouped convolutions are not padded.
     *
     * <pre>{@code
     * NDArray y = Tensors.convolution(x, w, null, new Shape(1), new Shape(0), new Shape(1), 1);
     * }</pre>
     */
    public static NDArray convolution(NDArray x, NDArray w, NDArray bias, Shape stride, Shape padding,
                                      Shape dilation, int groups) {
        long cout = w.getShape().get(0);
        long cin = w.getShape().get(1);
        // (always, not only when x takes part in autograd: DJL's NDArray#hasGradient is false for the outputs of
        // operations even when the engine records them)
        boolean f32 = groups == 1 && x.getDataType() == DataType.FLOAT32;
        boolean padOut = f32 && cout % CONV_CHANNEL_BLOCK != 0;
        boolean padIn = f32 && cin > CONV_CHANNEL_BLOCK && cin % CONV_CHANNEL_BLOCK != 0;
        if (!padOut && !padIn) {
            return x.getNDArrayInternal().convolution(x, w, bias, stride, padding, dilation, groups).singletonOrThrow();
        }
        NDManager m = x.getManager();
        NDArray xp = x;
        NDArray wp = w;
        NDArray bp = bias;
        if (padIn) {
            long extra = CONV_CHANNEL_BLOCK - cin % CONV_CHANNEL_BLOCK;
            xp = xp.concat(m.zeros(withDim(x.getShape(), 1, extra), x.getDataType()), 1);
            wp = wp.concat(m.zeros(withDim(w.getShape(), 1, extra), w.getDataType()), 1);
        }
        if (padOut) {
            long extra = CONV_CHANNEL_BLOCK - cout % CONV_CHANNEL_BLOCK;
            wp = wp.concat(m.zeros(withDim(wp.getShape(), 0, extra), w.getDataType()), 0);
            bp = bias == null ? null : bias.concat(m.zeros(new Shape(extra), bias.getDataType()), 0);
        }
        NDArray y = xp.getNDArrayInternal().convolution(xp, wp, bp, stride, padding, dilation, groups)
                .singletonOrThrow();
        return padOut ? y.get(new ai.djl.ndarray.index.NDIndex(":, 0:" + cout)) : y;
    }

    private static Shape withDim(Shape s, int axis, long size) {
        long[] d = s.getShape().clone();
        d[axis] = size;
        return new Shape(d);
    }

    /** {@code x * c} for a Java constant, autograd-safe. */
    public static NDArray mul(NDArray x, double c) {
        return x.mul(scalar(x, c));
    }

    /** {@code x / c} for a Java constant, autograd-safe. */
    public static NDArray div(NDArray x, double c) {
        return x.div(scalar(x, c));
    }

    /** Heaviside step as a float tensor of {@code x}'s dtype: {@code x >= 0} (or {@code x > 0} when strict). */
    public static NDArray heaviside(NDArray x, boolean strict) {
        NDArray zero = scalar(x, 0.0);
        return (strict ? x.gt(zero) : x.gte(zero)).toType(x.getDataType(), false);
    }

    /** Throws a clear error unless {@code x} has rank {@code rank}. */
    public static void requireRank(NDArray x, int rank, String who, String expected) {
        if (x.getShape().dimension() != rank) {
            throw new IllegalArgumentException(who + ": expected input of shape " + expected + " (rank " + rank
                    + ") but got " + x.getShape());
        }
    }

    /** Throws unless {@code x}'s dimension {@code axis} equals {@code size}. */
    public static void requireDim(NDArray x, int axis, long size, String who, String expected) {
        Shape s = x.getShape();
        int a = axis < 0 ? s.dimension() + axis : axis;
        if (a < 0 || a >= s.dimension() || s.get(a) != size) {
            throw new IllegalArgumentException(who + ": expected input of shape " + expected + " but got " + s);
        }
    }

    /** Throws unless {@code x} is time-major with at least {@code minRank} dims and a non-empty time axis. */
    public static void requireSequence(NDArray x, int minRank, String who) {
        Shape s = x.getShape();
        if (s.dimension() < minRank) {
            throw new IllegalArgumentException(who + ": expected a time-major input [T, B, ...] of rank >= " + minRank
                    + " but got " + s);
        }
        if (s.get(0) <= 0) {
            throw new IllegalArgumentException(who + ": the time axis is empty (T = " + s.get(0) + "); need T >= 1");
        }
    }
}
