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
    /** One vector of zeros: the membranes of a fresh neuron layer. */
    private static final float[] ZERO_LANES = new float[S.length()];

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

    /**
     * See {@link Kernels#conv3x3}. Loop order: output vectors (two at a time, so that each input value is broadcast
     * once for both), input channel, output position; the body for one position is straight-line code with the sums
     * in registers. Why this shape: JDK 17's C2 boxes a vector carried around a loop of unknown trip count, and a
     * short inner loop over the output vectors (one or two iterations) cost twice the time of this order.
     */
    static void conv3x3(float[] xp, int pw, int cin, float[] w, float[] bias, float[] y, int outH, int outW,
                        int stride, int cout) {
        int len = S.length();
        int pairs = cout / (2 * len) * (2 * len);
        int singles = S.loopBound(cout);
        for (int j = 0; j < pairs; j += 2 * len) {
            for (int ci = 0; ci < cin; ci++) {
                // the sums start from the bias (one vector for every position), then from the partial sums
                conv3x3Pair(xp, pw, cin, ci, w, ci == 0 ? bias : y, ci == 0 ? 0 : cout, y, outH, outW, stride, cout,
                        j);
            }
        }
        for (int j = pairs; j < singles; j += len) {
            for (int ci = 0; ci < cin; ci++) {
                conv3x3Single(xp, pw, cin, ci, w, ci == 0 ? bias : y, ci == 0 ? 0 : cout, y, outH, outW, stride,
                        cout, j);
            }
        }
        if (singles < cout) {
            Kernels.conv3x3Scalar(xp, pw, cin, w, bias, y, outH, outW, stride, cout, singles);
        }
    }

    /**
     * Input channel {@code ci}'s contribution to output vectors {@code j} and {@code j + len} of every position:
     * {@code y[p] = src[p * srcStep + j ..] + taps}.
     */
    private static void conv3x3Pair(float[] xp, int pw, int cin, int ci, float[] w, float[] src, int srcStep,
                                    float[] y, int outH, int outW, int stride, int cout, int j) {
        int len = S.length();
        int c1 = cin;
        int c2 = 2 * cin;
        int r1 = pw * cin;
        int r2 = 2 * r1;
        int t = cout;
        int wo = ci * 9 * cout + j;
        for (int oy = 0; oy < outH; oy++) {
            int xRow = oy * stride * r1 + ci;
            int yRow = oy * outW * cout + j;
            for (int ox = 0; ox < outW; ox++) {
                int b = xRow + ox * stride * cin;
                int yo = yRow + ox * cout;
                int so = (oy * outW + ox) * srcStep + j;
                FloatVector a = FloatVector.fromArray(S, src, so);
                FloatVector c = FloatVector.fromArray(S, src, so + len);
                FloatVector x = FloatVector.broadcast(S, xp[b]);
                a = a.add(FloatVector.fromArray(S, w, wo).mul(x));
                c = c.add(FloatVector.fromArray(S, w, wo + len).mul(x));
                x = FloatVector.broadcast(S, xp[b + c1]);
                a = a.add(FloatVector.fromArray(S, w, wo + t).mul(x));
                c = c.add(FloatVector.fromArray(S, w, wo + t + len).mul(x));
                x = FloatVector.broadcast(S, xp[b + c2]);
                a = a.add(FloatVector.fromArray(S, w, wo + 2 * t).mul(x));
                c = c.add(FloatVector.fromArray(S, w, wo + 2 * t + len).mul(x));
                x = FloatVector.broadcast(S, xp[b + r1]);
                a = a.add(FloatVector.fromArray(S, w, wo + 3 * t).mul(x));
                c = c.add(FloatVector.fromArray(S, w, wo + 3 * t + len).mul(x));
                x = FloatVector.broadcast(S, xp[b + r1 + c1]);
                a = a.add(FloatVector.fromArray(S, w, wo + 4 * t).mul(x));
                c = c.add(FloatVector.fromArray(S, w, wo + 4 * t + len).mul(x));
                x = FloatVector.broadcast(S, xp[b + r1 + c2]);
                a = a.add(FloatVector.fromArray(S, w, wo + 5 * t).mul(x));
                c = c.add(FloatVector.fromArray(S, w, wo + 5 * t + len).mul(x));
                x = FloatVector.broadcast(S, xp[b + r2]);
                a = a.add(FloatVector.fromArray(S, w, wo + 6 * t).mul(x));
                c = c.add(FloatVector.fromArray(S, w, wo + 6 * t + len).mul(x));
                x = FloatVector.broadcast(S, xp[b + r2 + c1]);
                a = a.add(FloatVector.fromArray(S, w, wo + 7 * t).mul(x));
                c = c.add(FloatVector.fromArray(S, w, wo + 7 * t + len).mul(x));
                x = FloatVector.broadcast(S, xp[b + r2 + c2]);
                a = a.add(FloatVector.fromArray(S, w, wo + 8 * t).mul(x));
                c = c.add(FloatVector.fromArray(S, w, wo + 8 * t + len).mul(x));
                a.intoArray(y, yo);
                c.intoArray(y, yo + len);
            }
        }
    }

    /** {@link #conv3x3Pair} for one output vector. */
    private static void conv3x3Single(float[] xp, int pw, int cin, int ci, float[] w, float[] src, int srcStep,
                                      float[] y, int outH, int outW, int stride, int cout, int j) {
        int c1 = cin;
        int c2 = 2 * cin;
        int r1 = pw * cin;
        int r2 = 2 * r1;
        int t = cout;
        int wo = ci * 9 * cout + j;
        for (int oy = 0; oy < outH; oy++) {
            int xRow = oy * stride * r1 + ci;
            int yRow = oy * outW * cout + j;
            for (int ox = 0; ox < outW; ox++) {
                int b = xRow + ox * stride * cin;
                int yo = yRow + ox * cout;
                FloatVector a = FloatVector.fromArray(S, src, (oy * outW + ox) * srcStep + j);
                a = a.add(FloatVector.fromArray(S, w, wo).mul(xp[b]));
                a = a.add(FloatVector.fromArray(S, w, wo + t).mul(xp[b + c1]));
                a = a.add(FloatVector.fromArray(S, w, wo + 2 * t).mul(xp[b + c2]));
                a = a.add(FloatVector.fromArray(S, w, wo + 3 * t).mul(xp[b + r1]));
                a = a.add(FloatVector.fromArray(S, w, wo + 4 * t).mul(xp[b + r1 + c1]));
                a = a.add(FloatVector.fromArray(S, w, wo + 5 * t).mul(xp[b + r1 + c2]));
                a = a.add(FloatVector.fromArray(S, w, wo + 6 * t).mul(xp[b + r2]));
                a = a.add(FloatVector.fromArray(S, w, wo + 7 * t).mul(xp[b + r2 + c1]));
                a = a.add(FloatVector.fromArray(S, w, wo + 8 * t).mul(xp[b + r2 + c2]));
                a.intoArray(y, yo);
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
     * left to the caller (returns them unprocessed via {@link #bound}). {@code fresh}: the membranes are all 0 and not
     * read (the same floats as reading zeros).
     */
    static int iir(float[] x, float[] v, boolean fresh, float lam, float th, boolean spiking, float[] out, int[] idx,
                   int n, int up) {
        FloatVector lamV = FloatVector.broadcast(S, lam);
        FloatVector thV = FloatVector.broadcast(S, th);
        FloatVector one = FloatVector.broadcast(S, 1f);
        // a fresh membrane is read from a vector of zeros (no vector-valued branch: JDK 17 would box it)
        float[] vSrc = fresh ? ZERO_LANES : v;
        int vStep = fresh ? 0 : 1;
        int len = S.length();
        for (int i = 0; i < up; i += len) {
            FloatVector u = FloatVector.fromArray(S, vSrc, i * vStep).mul(lamV).add(FloatVector.fromArray(S, x, i));
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
     * {@code h - th >= 0}, then {@code h = 0} (hard) or {@code h - th} (soft). {@code fresh}: as in {@link #iir}.
     */
    static int lifNoDecayInput(float[] x, float[] v, boolean fresh, float decay, float th, boolean hard,
                               boolean spiking, float[] out, int[] idx, int n, int up) {
        FloatVector dV = FloatVector.broadcast(S, decay);
        FloatVector thV = FloatVector.broadcast(S, th);
        FloatVector zero = FloatVector.zero(S);
        float[] vSrc = fresh ? ZERO_LANES : v;
        int vStep = fresh ? 0 : 1;
        int len = S.length();
        for (int i = 0; i < up; i += len) {
            FloatVector h = FloatVector.fromArray(S, vSrc, i * vStep).mul(dV).add(FloatVector.fromArray(S, x, i));
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
