package dev.snn4j.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD accumulate loops on {@code jdk.incubator.vector} (16 float lanes with AVX-512). Only loaded when that module
 * is resolved ({@code --add-modules jdk.incubator.vector}); {@link Kernels} falls back to scalar loops otherwise.
 */
final class VectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorKernels() {
    }

    static String species() {
        return S.toString();
    }

    static void add(float[] w, int wOff, float[] y, int yOff, int n) {
        int j = 0;
        int up = S.loopBound(n);
        for (; j < up; j += S.length()) {
            FloatVector.fromArray(S, y, yOff + j).add(FloatVector.fromArray(S, w, wOff + j)).intoArray(y, yOff + j);
        }
        for (; j < n; j++) {
            y[yOff + j] += w[wOff + j];
        }
    }

    /** See {@link Kernels#addRows}: four vectors at a time, so the adds of consecutive rows overlap. */
    static void addRows(float[] w, int[] rows, int from, int to, int wOff, float[] y, int yOff, int n) {
        int len = S.length();
        int j = 0;
        for (; j + 4 * len <= n; j += 4 * len) {
            int o = rows[from] + wOff + j;
            FloatVector a0 = FloatVector.fromArray(S, w, o);
            FloatVector a1 = FloatVector.fromArray(S, w, o + len);
            FloatVector a2 = FloatVector.fromArray(S, w, o + 2 * len);
            FloatVector a3 = FloatVector.fromArray(S, w, o + 3 * len);
            for (int r = from + 1; r < to; r++) {
                o = rows[r] + wOff + j;
                a0 = a0.add(FloatVector.fromArray(S, w, o));
                a1 = a1.add(FloatVector.fromArray(S, w, o + len));
                a2 = a2.add(FloatVector.fromArray(S, w, o + 2 * len));
                a3 = a3.add(FloatVector.fromArray(S, w, o + 3 * len));
            }
            int yo = yOff + j;
            FloatVector.fromArray(S, y, yo).add(a0).intoArray(y, yo);
            FloatVector.fromArray(S, y, yo + len).add(a1).intoArray(y, yo + len);
            FloatVector.fromArray(S, y, yo + 2 * len).add(a2).intoArray(y, yo + 2 * len);
            FloatVector.fromArray(S, y, yo + 3 * len).add(a3).intoArray(y, yo + 3 * len);
        }
        for (; j + len <= n; j += len) {
            FloatVector a = FloatVector.fromArray(S, w, rows[from] + wOff + j);
            for (int r = from + 1; r < to; r++) {
                a = a.add(FloatVector.fromArray(S, w, rows[r] + wOff + j));
            }
            FloatVector.fromArray(S, y, yOff + j).add(a).intoArray(y, yOff + j);
        }
        for (; j < n; j++) {
            float acc = w[rows[from] + wOff + j];
            for (int r = from + 1; r < to; r++) {
                acc += w[rows[r] + wOff + j];
            }
            y[yOff + j] += acc;
        }
    }

    /** See {@link Kernels#axpyTaps}. */
    static void axpyTaps(float a, float[] w, int wBase, int[] tapW, int[] tapY, int from, int to, float[] y, int n) {
        FloatVector av = FloatVector.broadcast(S, a);
        int len = S.length();
        int up = S.loopBound(n);
        for (int q = from; q < to; q++) {
            int wo = wBase + tapW[q];
            int yo = tapY[q];
            int j = 0;
            for (; j < up; j += len) {
                FloatVector.fromArray(S, w, wo + j).mul(av).add(FloatVector.fromArray(S, y, yo + j))
                        .intoArray(y, yo + j);
            }
            for (; j < n; j++) {
                y[yo + j] += a * w[wo + j];
            }
        }
    }

    static void axpy(float a, float[] w, int wOff, float[] y, int yOff, int n) {
        int j = 0;
        int up = S.loopBound(n);
        FloatVector av = FloatVector.broadcast(S, a);
        for (; j < up; j += S.length()) {
            FloatVector.fromArray(S, w, wOff + j).mul(av).add(FloatVector.fromArray(S, y, yOff + j))
                    .intoArray(y, yOff + j);
        }
        for (; j < n; j++) {
            y[yOff + j] += a * w[wOff + j];
        }
    }

    /**
     * IIR neurons, 16 (or the preferred width) at a time, with the scalar path's float operations:
     * {@code u = x + v lam}; spike where {@code u / th - 1 > 0}, then {@code u -= th}. Spiking indices are appended to
     * {@code idx} from {@code n}, {@code out} set to 1 there; returns the new count. Lanes past the loop bound are
     * left to the caller (returns them unprocessed via {@link #bound}).
     */
    static int iir(float[] x, float[] v, float lam, float th, boolean spiking, float[] out, int[] idx, int n, int up) {
        FloatVector lamV = FloatVector.broadcast(S, lam);
        FloatVector thV = FloatVector.broadcast(S, th);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int len = S.length();
        for (int i = 0; i < up; i += len) {
            FloatVector u = FloatVector.fromArray(S, v, i).mul(lamV).add(FloatVector.fromArray(S, x, i));
            if (spiking) {
                VectorMask<Float> m = u.div(thV).sub(one).compare(VectorOperators.GT, 0f);
                if (m.anyTrue()) {
                    u = u.sub(thV, m);
                    n = collect(m.toLong(), i, out, idx, n);
                }
            }
            u.intoArray(v, i);
        }
        return n;
    }

    /**
     * LIF neurons without input decay and with reset value 0 ({@code h = v decay + x}), as the scalar path: spike where
     * {@code h - th >= 0}, then {@code h = 0} (hard) or {@code h - th} (soft).
     */
    static int lifNoDecayInput(float[] x, float[] v, float decay, float th, boolean hard, boolean spiking,
                               float[] out, int[] idx, int n, int up) {
        FloatVector dV = FloatVector.broadcast(S, decay);
        FloatVector thV = FloatVector.broadcast(S, th);
        FloatVector zero = FloatVector.zero(S);
        int len = S.length();
        for (int i = 0; i < up; i += len) {
            FloatVector h = FloatVector.fromArray(S, v, i).mul(dV).add(FloatVector.fromArray(S, x, i));
            if (spiking) {
                VectorMask<Float> m = h.sub(thV).compare(VectorOperators.GE, 0f);
                if (m.anyTrue()) {
                    h = hard ? h.blend(zero, m) : h.sub(thV, m);
                    n = collect(m.toLong(), i, out, idx, n);
                }
            }
            h.intoArray(v, i);
        }
        return n;
    }

    private static int collect(long bits, int base, float[] out, int[] idx, int n) {
        while (bits != 0) {
            int lane = Long.numberOfTrailingZeros(bits);
            bits &= bits - 1;
            out[base + lane] = 1f;
            idx[n++] = base + lane;
        }
        return n;
    }

    /** The largest multiple of the vector length not above {@code size}. */
    static int bound(int size) {
        return S.loopBound(size);
    }
}
