package dev.snn4j.runtime;

/**
 * The accumulate loops of the event-driven layers: a SIMD path on {@code jdk.incubator.vector} when that module is
 * resolved (the {@code snn4j} launcher and the tests add it) and not disabled with {@code -Dsnn4j.runtime.scalar=true},
 * else plain scalar loops. The vector path multiplies then adds (no fused multiply-add) like the scalar path, so
 * both give the same floats. Public so that other event-driven paths (e.g. the core module's delta inference) use the
 * same loops.
 *
 * <pre>{@code
 * Kernels.axpy(0.5f, weights, row * n, y, 0, n);   // y += 0.5 * weights[row]
 * }</pre>
 */
public final class Kernels {
    /** Whether the SIMD path is in use. */
    public static final boolean VECTOR = !Boolean.getBoolean("snn4j.runtime.scalar")
            && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private Kernels() {
    }

    /** {@code "vector <species>"} or {@code "scalar"}. */
    public static String describe() {
        return VECTOR ? "vector " + VectorKernels.species() : "scalar";
    }

    /** {@code y[0..n) += w[off..off+n)}: one accumulate (AC) per synapse of a binary input event. */
    static void add(float[] w, int off, float[] y, int n) {
        add(w, off, y, 0, n);
    }

    /** {@code y[yOff..yOff+n) += w[wOff..wOff+n)}. */
    static void add(float[] w, int wOff, float[] y, int yOff, int n) {
        if (VECTOR) {
            VectorKernels.add(w, wOff, y, yOff, n);
            return;
        }
        for (int j = 0; j < n; j++) {
            y[yOff + j] += w[wOff + j];
        }
    }

    /**
     * {@code y[yOff..yOff+n) += sum over r in [from, to) of w[rows[r] + wOff ..+n)}: several events' rows summed (in
     * order, starting from the first row) before the output is read and written once.
     */
    static void addRows(float[] w, int[] rows, int from, int to, int wOff, float[] y, int yOff, int n) {
        if (VECTOR) {
            VectorKernels.addRows(w, rows, from, to, wOff, y, yOff, n);
            return;
        }
        for (int j = 0; j < n; j++) {
            float acc = w[rows[from] + wOff + j];
            for (int r = from + 1; r < to; r++) {
                acc += w[rows[r] + wOff + j];
            }
            y[yOff + j] += acc;
        }
    }

    /**
     * One graded event of a convolution: for each tap {@code q} in {@code [from, to)},
     * {@code y[tapY[q]..+n) += a * w[wBase + tapW[q]..+n)} (the same floats as {@link #axpy} per tap, with the
     * broadcast and the loop set-up done once per event).
     */
    static void axpyTaps(float a, float[] w, int wBase, int[] tapW, int[] tapY, int from, int to, float[] y, int n) {
        if (VECTOR) {
            VectorKernels.axpyTaps(a, w, wBase, tapW, tapY, from, to, y, n);
            return;
        }
        for (int q = from; q < to; q++) {
            int wo = wBase + tapW[q];
            int yo = tapY[q];
            for (int j = 0; j < n; j++) {
                y[yo + j] += a * w[wo + j];
            }
        }
    }

    /** {@code y[0..n) += a * w[off..off+n)}: one multiply-accumulate (MAC) per synapse of a graded event. */
    static void axpy(float a, float[] w, int off, float[] y, int n) {
        axpy(a, w, off, y, 0, n);
    }

    /** {@code y[yOff..yOff+n) += a * w[wOff..wOff+n)}. */
    public static void axpy(float a, float[] w, int wOff, float[] y, int yOff, int n) {
        if (VECTOR) {
            VectorKernels.axpy(a, w, wOff, y, yOff, n);
            return;
        }
        for (int j = 0; j < n; j++) {
            y[yOff + j] += a * w[wOff + j];
        }
    }
}
