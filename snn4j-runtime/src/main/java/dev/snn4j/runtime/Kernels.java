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

    /**
     * A dense 3x3 convolution, gathered per output position: {@code y[(oy * outW + ox) * cout + j] = bias[j] + sum
     * over ci, then ky, kx of xp[((oy * stride + ky) * pw + ox * stride + kx) * cin + ci] * w[((ci * 3 + ky) * 3 + kx)
     * * cout + j]}, summed in exactly that order on both paths (no fused multiply-add). {@code xp} is the input,
     * channels-last, already zero-padded to rows of {@code pw} positions; {@code bias} has {@code cout} values (zeros
     * for none).
     */
    static void conv3x3(float[] xp, int pw, int cin, float[] w, float[] bias, float[] y, int outH, int outW,
                        int stride, int cout) {
        if (VECTOR) {
            VectorKernels.conv3x3(xp, pw, cin, w, bias, y, outH, outW, stride, cout);
            return;
        }
        conv3x3Scalar(xp, pw, cin, w, bias, y, outH, outW, stride, cout, 0);
    }

    /** {@link #conv3x3} for output channels {@code [from, cout)} only, in plain loops (also the vector path's tail). */
    static void conv3x3Scalar(float[] xp, int pw, int cin, float[] w, float[] bias, float[] y, int outH, int outW,
                              int stride, int cout, int from) {
        int r1 = pw * cin;
        int r2 = 2 * r1;
        int c2 = 2 * cin;
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                int yo = (oy * outW + ox) * cout;
                for (int ci = 0; ci < cin; ci++) {
                    int b = (oy * stride * pw + ox * stride) * cin + ci;
                    float x0 = xp[b];
                    float x1 = xp[b + cin];
                    float x2 = xp[b + c2];
                    float x3 = xp[b + r1];
                    float x4 = xp[b + r1 + cin];
                    float x5 = xp[b + r1 + c2];
                    float x6 = xp[b + r2];
                    float x7 = xp[b + r2 + cin];
                    float x8 = xp[b + r2 + c2];
                    int wb = ci * 9 * cout;
                    for (int j = from; j < cout; j++) {
                        int wo = wb + j;
                        float a = ci > 0 ? y[yo + j] : bias[j];
                        a += w[wo] * x0;
                        a += w[wo + cout] * x1;
                        a += w[wo + 2 * cout] * x2;
                        a += w[wo + 3 * cout] * x3;
                        a += w[wo + 4 * cout] * x4;
                        a += w[wo + 5 * cout] * x5;
                        a += w[wo + 6 * cout] * x6;
                        a += w[wo + 7 * cout] * x7;
                        a += w[wo + 8 * cout] * x8;
                        y[yo + j] = a;
                    }
                }
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
