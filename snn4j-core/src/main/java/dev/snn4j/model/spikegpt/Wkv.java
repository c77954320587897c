package dev.snn4j.model.spikegpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Tensors;

import java.util.ArrayList;
import java.util.List;

/**
 * RWKV-4's WKV operator over a time-major sequence, per channel {@code c}:
 * <pre>
 *   wkv_t = (sum_{i&lt;t} e^{-(t-1-i) w + k_i} v_i + e^{u + k_t} v_t) / (sum_{i&lt;t} e^{-(t-1-i) w + k_i} + e^{u + k_t})
 * </pre>
 * with {@code w = exp(time_decay) > 0} and {@code u = time_first}. Two evaluations of the same function:
 *
 * <p><b>{@link #parallel} (training).</b> The window is cut into chunks of {@code L} tokens. Inside a chunk every
 * exponent is formed directly, as a {@code [L+1, L, B, C]} tensor {@code E[t, i] = k_i - (t-1-i) w} for
 * {@code i < t}, {@code u + k_t} on the diagonal, {@code -1e38} above it (a finite stand-in for minus infinity, as in
 * SpikeGPT's CUDA kernel, so no {@code inf - inf} can appear even when {@code (t-1-i) w} is huge). The earlier chunks
 * enter through one extra column, the carried state {@code (num, den, p)} decayed to row t: exponent
 * {@code p - t w}. Each row is normalised by its own maximum exponent {@code m_t} (held constant for autograd, since
 * the quotient does not depend on it), so every exponential is in (0, 1], the denominator is >= 1 (the maximising
 * term contributes e^0), and nothing overflows whatever the decay; terms more than ~87 (float32) / ~745 (float64)
 * below the row's maximum underflow to 0, a relative error below e^-87 per term. The extra row {@code t = L} (no
 * diagonal term) is the state handed to the next chunk. Gradients come from autograd through these ordinary ops.
 * Cost: about 25 ops per chunk instead of ~12 per token, but {@code O(T L B C)} arithmetic and saved-activation
 * memory instead of {@code O(T B C)}: small chunks (8-16) are fastest; at T 128, B 8, C 128 (float32, one thread)
 * forward + backward took 22 ms with L 8 against 69 ms for the per-token recurrence and 2.9 s with L = T. The result
 * does not depend on L beyond rounding.
 *
 * <p><b>{@link #step} (generation).</b> The same stabilised recurrence as SpikeGPT's CUDA kernel / RNN runner:
 * state {@code (num, den, p)} with {@code num = e^{-p} sum_{i<t} e^{-(t-1-i)w + k_i} v_i} (den likewise), O(1) per
 * token. An empty state is {@code (0, 0, -1e38)}.
 *
 * <pre>{@code
 * NDArray y = Wkv.parallel(w, u, k, v, null, 8, false).y();// k, v [T, B, C]; w, u [C] -> y [T, B, C]
 * Wkv.State s = null;  for (NDArray[] kv : tokens) { Wkv.Result r = Wkv.step(w, u, kv[0], kv[1], s); s = r.state(); }
 * }</pre>
 */
public final class Wkv {
    /** The stand-in for minus infinity in exponents (SpikeGPT's {@code MIN_VALUE}). */
    public static final double MIN_EXPONENT = -1e38;

    private Wkv() {
    }

    /**
     * The carried sums before the next token: {@code num} and {@code den} scaled by {@code e^{-max}}, shape
     * {@code [..., B, C]} like one time step of k.
     *
     * <pre>{@code
     * Wkv.State s = Wkv.emptyState(k0);   NDArray ratio = s.num().div(s.den());   // the WKV of "no bonus token"
     * }</pre>
     */
    public record State(NDArray num, NDArray den, NDArray max) {
        /** The three arrays, e.g. to attach them to a longer-lived manager. */
        public NDArray[] arrays() {
            return new NDArray[] {num, den, max};
        }
    }

    /**
     * Output {@code y} and the state after the last token (null when not requested).
     *
     * <pre>{@code
     * Wkv.Result r = Wkv.parallel(w, u, k, v, null, 8, true);   NDArray y = r.y();   Wkv.State next = r.state();
     * }</pre>
     */
    public record Result(NDArray y, State state) {
    }

    /**
     * The whole window at once.
     *
     * @param w     decay rate {@code exp(time_decay)}, shape [C], positive
     * @param u     bonus of the current token ({@code time_first}), shape [C]
     * @param k     keys [T, B, C]
     * @param v     values [T, B, C]
     * @param init  state before the first token, or null for an empty one
     * @param chunk tokens per chunk (>= 1)
     * @param wantState whether to return the state after the last token
     */
    public static Result parallel(NDArray w, NDArray u, NDArray k, NDArray v, State init, int chunk,
                                  boolean wantState) {
        Shape s = k.getShape();
        if (s.dimension() < 2 || !s.equals(v.getShape())) {
            throw new IllegalArgumentException("Wkv: expected k and v of the same shape [T, ..., C] but got " + s
                    + " and " + v.getShape());
        }
        if (chunk < 1) {
            throw new IllegalArgumentException("Wkv: chunk must be >= 1, got " + chunk);
        }
        int t = (int) s.get(0);
        int nChunks = (t + chunk - 1) / chunk;
        NDList ks;
        NDList vs;
        if (nChunks == 1) {
            ks = new NDList(k);
            vs = new NDList(v);
        } else {
            long[] cuts = new long[nChunks - 1];
            for (int c = 1; c < nChunks; c++) {
                cuts[c - 1] = (long) c * chunk;
            }
            // split: one autograd node; per-chunk get() would each materialise a full-size gradient in backward
            ks = k.split(cuts, 0);
            vs = v.split(cuts, 0);
        }
        List<NDArray> ys = new ArrayList<>(nChunks);
        State state = init;
        for (int c = 0; c < nChunks; c++) {
            boolean needState = c < nChunks - 1 || wantState;
            Result r = chunk(w, u, ks.get(c), vs.get(c), state, needState);
            ys.add(r.y());
            state = r.state();
        }
        NDArray y = ys.size() == 1 ? ys.get(0) : NDArrays.concat(new NDList(ys), 0);
        return new Result(y, wantState ? state : null);
    }

    private static Result chunk(NDArray w, NDArray u, NDArray k, NDArray v, State st, boolean needState) {
        NDManager m = k.getManager();
        int len = (int) k.getShape().get(0);
        int rows = needState ? len + 1 : len;
        int extra = k.getShape().dimension() - 1; // batch and channel axes
        // constant masks [rows, len, 1.., 1]: distance (t-1-i) below the diagonal, 1 on it, -1e38 above it
        double[] dist = new double[rows * len];
        double[] diag = new double[rows * len];
        double[] neg = new double[rows * len];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < len; i++) {
                int p = r * len + i;
                if (i < r) {
                    dist[p] = r - 1 - i;
                } else if (i == r) {
                    diag[p] = 1;
                } else {
                    neg[p] = MIN_EXPONENT;
                }
            }
        }
        long[] ms = new long[2 + extra];
        ms[0] = rows;
        ms[1] = len;
        for (int d = 2; d < ms.length; d++) {
            ms[d] = 1;
        }
        Shape maskShape = new Shape(ms);
        NDArray distA = m.create(dist, maskShape).toType(k.getDataType(), false);
        NDArray diagA = m.create(diag, maskShape).toType(k.getDataType(), false);
        NDArray negA = m.create(neg, maskShape).toType(k.getDataType(), false);
        // W[t, i] = -(t-1-i) w (past), u (diagonal), -1e38 (future); E = k_i + W[t, i]
        NDArray bias = distA.mul(w).neg().add(diagA.mul(u)).add(negA);
        NDArray e = k.expandDims(0).add(bias);                     // [rows, len, B, C]
        NDArray mx = e.max(new int[] {1});                          // [rows, B, C]
        NDArray stateExp = null;
        if (st != null) {
            double[] steps = new double[rows];
            for (int r = 0; r < rows; r++) {
                steps[r] = r;
            }
            long[] ts = new long[1 + extra];
            ts[0] = rows;
            for (int d = 1; d < ts.length; d++) {
                ts[d] = 1;
            }
            NDArray stepsA = m.create(steps, new Shape(ts)).toType(k.getDataType(), false);
            stateExp = st.max().expandDims(0).sub(stepsA.mul(w));  // p - t w, [rows, B, C]
            mx = NDArrays.maximum(mx, stateExp);
        }
        mx = mx.stopGradient();
        NDArray p = e.sub(mx.expandDims(1)).exp();
        NDArray num = p.mul(v.expandDims(0)).sum(new int[] {1});
        NDArray den = p.sum(new int[] {1});
        if (st != null) {
            NDArray es = stateExp.sub(mx).exp();
            num = num.add(st.num().expandDims(0).mul(es));
            den = den.add(st.den().expandDims(0).mul(es));
        }
        if (!needState) {
            return new Result(num.div(den), null);
        }
        NDList numParts = num.split(new long[] {len}, 0);
        NDList denParts = den.split(new long[] {len}, 0);
        NDList maxParts = mx.split(new long[] {len}, 0);
        NDArray y = numParts.get(0).div(denParts.get(0));
        State next = new State(numParts.get(1).squeeze(0), denParts.get(1).squeeze(0), maxParts.get(1).squeeze(0));
        return new Result(y, next);
    }

    /** An empty state (no tokens seen) shaped like one time step {@code like} ([B, C] or [1, B, C]). */
    public static State emptyState(NDArray like) {
        NDArray z = like.zerosLike();
        return new State(z, like.zerosLike(), like.zerosLike().add(Tensors.scalar(like, MIN_EXPONENT)));
    }

    /**
     * One token: {@code k}, {@code v} of shape [..., B, C] (one time step), state before it (null = empty) ->
     * its output and the state after it.
     */
    public static Result step(NDArray w, NDArray u, NDArray k, NDArray v, State st) {
        State s = st == null ? emptyState(k) : st;
        // every expression starts from k (the batch's manager), never from the state or the parameters
        NDArray ww = k.add(u);
        NDArray q = NDArrays.maximum(ww, s.max());
        NDArray e1 = q.neg().add(s.max()).exp();                   // e^{p - q}
        NDArray e2 = ww.sub(q).exp();                               // e^{u + k - q}
        NDArray y = e1.mul(s.num()).add(e2.mul(v)).div(e1.mul(s.den()).add(e2));
        NDArray decayed = k.zerosLike().add(s.max()).sub(w);       // p - w
        NDArray q2 = NDArrays.maximum(decayed, k);
        NDArray f1 = decayed.sub(q2).exp();
        NDArray f2 = k.sub(q2).exp();
        State next = new State(f1.mul(s.num()).add(f2.mul(v)), f1.mul(s.den()).add(f2), q2);
        return new Result(y, next);
    }
}
