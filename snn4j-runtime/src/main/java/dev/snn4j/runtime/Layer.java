package dev.snn4j.runtime;

import java.util.Arrays;

/**
 * A layer of a loaded model: immutable hyper-parameters and weights; its per-session state lives in a
 * {@link State}. Shapes are per sample, PyTorch order ({@code [C, H, W]} or {@code [N]}); buffers are channels-last.
 */
abstract class Layer {
    final String name;
    final String type;
    final int[] inShape;
    final int[] outShape;

    Layer(String name, String type, int[] inShape, int[] outShape) {
        this.name = name;
        this.type = type;
        this.inShape = inShape;
        this.outShape = outShape;
    }

    /**
     * Steps by which this layer's output outlasts its input (a delay layer that keeps the spikes delayed past the
     * end of the input); 0 for every other layer. See {@link Session#runSequence}.
     */
    int extend() {
        return 0;
    }

    /** Weights and biases held (floats). */
    long parameterCount() {
        return 0;
    }

    /** Multiply-accumulates of a dense execution of one step (every input value x every synapse it reaches). */
    long denseOpsPerStep() {
        return 0;
    }

    /** Floats of per-session state besides the output buffer (membranes, ring buffers, accumulators). */
    long stateFloats() {
        return size(outShape);
    }

    static int size(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Per-session state of a layer: output buffer, membrane (if any), operation counters. */
    static final class State {
        final Activation out;
        final float[] mem;
        int steps;
        long acs;
        long macs;
        long spikes;
        long events;
        long neuronSteps;
        /** Steps this layer ran (counter). */
        long calls;
        /** Working memory of a layer's forward (e.g. a convolution's events grouped by position); lazily sized. */
        int[] scratch;
        /** Float working memory (e.g. a convolution's zero-padded input); lazily sized. */
        float[] padded;
        /**
         * Neurons: {@link #mem} holds no state yet (just reset); the first step starts from the initial membrane
         * without reading it, so a reset does not write every membrane only for the next step to read them back.
         */
        boolean fresh;

        State(int outSize, int memSize) {
            out = new Activation(outSize);
            mem = memSize > 0 ? new float[memSize] : null;
        }

        void clearCounters() {
            acs = 0;
            macs = 0;
            spikes = 0;
            events = 0;
            neuronSteps = 0;
            calls = 0;
        }
    }

    State newState() {
        return new State(size(outShape), 0);
    }

    /** Clears the carried state (membranes, accumulators) of {@code s}. */
    void resetState(State s) {
        if (s.mem != null) {
            Arrays.fill(s.mem, initialMembrane());
        }
        s.steps = 0;
    }

    float initialMembrane() {
        return 0f;
    }

    /** Whether this layer only passes its input on (dropout at inference, time repetition). */
    boolean isIdentity() {
        return false;
    }

    /** One step: reads {@code in}, writes and returns {@code s.out} (or {@code in} for identities). */
    abstract Activation forward(Activation in, State s);

    /** Dense buffer of {@code out} := {@code bias} (or zeros), sparse list invalid. */
    static void initOutput(Activation out, float[] bias, int channels) {
        float[] v = out.v;
        if (bias == null) {
            Arrays.fill(v, 0f);
        } else {
            for (int p = 0; p < v.length; p += channels) {
                System.arraycopy(bias, 0, v, p, channels);
            }
        }
        out.sparseValid = false;
        out.binary = false;
    }

    /**
     * Fully connected; weights stored transposed {@code [in, out]} so an input event adds one contiguous row. In delta
     * mode ({@link #delta}) the input is a stream of changes and the output buffer is the pre-activation
     * {@code z}, kept across steps: {@code z += W d_t} (one MAC per non-zero change and synapse), reset to the bias.
     */
    static final class Linear extends Layer {
        final int in;
        final int outF;
        final float[] wt;
        final float[] bias;
        final boolean delta;
        /** Pre-scaled weights for inputs of {@link #levels} levels (average-pooled spikes), or null. */
        float[] levelW;
        int levels;

        Linear(String name, int in, int out, float[] wt, float[] bias, boolean delta) {
            super(name, "linear", new int[] {in}, new int[] {out});
            this.in = in;
            this.outF = out;
            this.wt = wt;
            this.bias = bias;
            this.delta = delta;
        }

        @Override
        long parameterCount() {
            return wt.length + (bias == null ? 0 : bias.length) + (levelW == null ? 0 : levelW.length);
        }

        @Override
        long denseOpsPerStep() {
            return (long) in * outF;
        }

        void useLevels(int l) {
            levels = l;
            levelW = levelTable(wt, l);
        }

        @Override
        void resetState(State s) {
            super.resetState(s);
            if (delta) {
                initOutput(s.out, bias, outF);
            }
        }

        @Override
        Activation forward(Activation x, State s) {
            x.ensureSparse();
            Activation o = s.out;
            if (!delta) {
                initOutput(o, bias, outF);
            }
            o.sparseValid = false;
            o.binary = false;
            float[] y = o.v;
            int n = outF;
            if (levelW != null && x.levels == levels && !x.binary) {
                // pooled spikes: add the pre-scaled row of the value's level (accumulates only)
                int per = wt.length;
                long graded = 0;
                for (int e = 0; e < x.nnz; e++) {
                    int i = x.idx[e];
                    int m = level(x.v[i], levels);
                    if (m >= 0) {
                        Kernels.add(levelW, m * per + i * n, y, n);
                    } else {
                        Kernels.axpy(x.v[i], wt, i * n, y, n);
                        graded++;
                    }
                }
                s.acs += (x.nnz - graded) * (long) n;
                s.macs += graded * n;
                s.events += x.nnz;
                return o;
            }
            for (int e = 0; e < x.nnz; e++) {
                int i = x.idx[e];
                int off = i * n;
                if (x.binary) {
                    Kernels.add(wt, off, y, n);
                } else {
                    Kernels.axpy(x.v[i], wt, off, y, n);
                }
            }
            count(s, x, (long) x.nnz * n);
            return o;
        }
    }

    /**
     * Largest pre-scaled weight table built for pooled-spike inputs (floats): 4 MB. Larger layers (big fully
     * connected ones) keep multiplying: a table k^2 times their size would not stay in cache.
     */
    static final long LEVEL_TABLE_LIMIT = 1L << 20;

    /**
     * {@code table[(m - 1) * w.length + i] = (m / levels) * w[i]} in float32: exactly what a multiply of the pooled
     * value {@code m / levels} by the weight gives, so adding a table row equals the multiply-accumulate.
     */
    static float[] levelTable(float[] w, int levels) {
        float[] t = new float[w.length * levels];
        for (int m = 1; m <= levels; m++) {
            float a = (float) m / levels;
            int off = (m - 1) * w.length;
            for (int i = 0; i < w.length; i++) {
                t[off + i] = a * w[i];
            }
        }
        return t;
    }

    /** The table row index {@code m - 1} of a pooled value, or -1 if it is not exactly {@code m / levels}. */
    static int level(float v, int levels) {
        int m = Math.round(v * levels);
        return m >= 1 && m <= levels && (float) m / levels == v ? m - 1 : -1;
    }

    /** Accounts a weight layer's work: accumulates for spike input, multiply-accumulates for graded input. */
    static void count(State s, Activation x, long ops) {
        if (x.binary) {
            s.acs += ops;
        } else {
            s.macs += ops;
        }
        s.events += x.nnz;
    }

    /**
     * 2-D convolution (square kernel, stride, zero padding); weights stored {@code [in, k, k, out]}: an input event at
     * channel {@code ci} scatters {@code W[ci, ky, kx, :]} into the output channels of every position it reaches.
     * Exception: a graded input that is at least a quarter non-zero (an image) into a 3x3 kernel is computed densely,
     * gathered per output position ({@link Kernels#conv3x3}): there is nothing to skip, and the gather writes each
     * output once instead of once per input reaching it.
     */
    static final class Conv2d extends Layer {
        final int cin;
        final int cout;
        final int k;
        final int stride;
        final int pad;
        final float[] w;
        final float[] bias;
        /** Delta mode: input = changes, output buffer = pre-activation carried across steps (see {@link Linear}). */
        final boolean delta;
        /** Pre-scaled weights for inputs of {@link #levels} levels (average-pooled spikes), or null. */
        float[] levelW;
        int levels;
        /** The dense path's bias when the layer has none. */
        private final float[] zeroBias;

        void useLevels(int l) {
            levels = l;
            levelW = levelTable(w, l);
        }

        Conv2d(String name, int[] inShape, int cout, int k, int stride, int pad, float[] w, float[] bias,
               boolean delta) {
            super(name, "conv2d", inShape, new int[] {cout, (inShape[1] + 2 * pad - k) / stride + 1,
                    (inShape[2] + 2 * pad - k) / stride + 1});
            this.cin = inShape[0];
            this.cout = cout;
            this.k = k;
            this.stride = stride;
            this.pad = pad;
            this.w = w;
            this.bias = bias;
            this.delta = delta;
            this.zeroBias = bias == null ? new float[cout] : null;
        }

        /**
         * Per input position, the kernel taps that reach a valid output: taps of position p are
         * {@code [start[p], start[p + 1])} into {@code w} (weight offset) and {@code y} (output offset).
         */
        private record Taps(int[] start, int[] w, int[] y) {
        }

        /**
         * Built on first use (a session), not when the model is loaded: their size follows the declared input shape,
         * which a corrupt graph file can make huge before a later layer's weights show that it is wrong.
         */
        private volatile Taps taps;

        private Taps taps() {
            Taps t = taps;
            if (t == null) {
                synchronized (this) {
                    t = taps;
                    if (t == null) {
                        t = buildTaps();
                        taps = t;
                    }
                }
            }
            return t;
        }

        private Taps buildTaps() {
            int inH = inShape[1];
            int inW = inShape[2];
            int outH = outShape[1];
            int outW = outShape[2];
            int[] tapStart = new int[inH * inW + 1];
            int[] tw = new int[inH * inW * k * k];
            int[] ty = new int[tw.length];
            int n = 0;
            for (int iy = 0; iy < inH; iy++) {
                for (int ix = 0; ix < inW; ix++) {
                    tapStart[iy * inW + ix] = n;
                    for (int ky = 0; ky < k; ky++) {
                        int ny = iy + pad - ky;
                        if (ny < 0 || ny % stride != 0 || ny / stride >= outH) {
                            continue;
                        }
                        for (int kx = 0; kx < k; kx++) {
                            int nx = ix + pad - kx;
                            if (nx < 0 || nx % stride != 0 || nx / stride >= outW) {
                                continue;
                            }
                            tw[n] = (ky * k + kx) * cout;
                            ty[n++] = ((ny / stride) * outW + nx / stride) * cout;
                        }
                    }
                }
            }
            tapStart[inH * inW] = n;
            return new Taps(tapStart, java.util.Arrays.copyOf(tw, n), java.util.Arrays.copyOf(ty, n));
        }

        @Override
        State newState() {
            taps();
            return super.newState();
        }

        @Override
        long parameterCount() {
            return w.length + (bias == null ? 0 : bias.length) + (levelW == null ? 0 : levelW.length);
        }

        /** Valid taps only (zero padding excluded): sum over input positions of the outputs each one reaches. */
        @Override
        long denseOpsPerStep() {
            return (long) fan(inShape[1], outShape[1]) * fan(inShape[2], outShape[2]) * cin * cout;
        }

        private long fan(int inN, int outN) {
            long n = 0;
            for (int i = 0; i < inN; i++) {
                for (int ky = 0; ky < k; ky++) {
                    int o = i + pad - ky;
                    if (o >= 0 && o % stride == 0 && o / stride < outN) {
                        n++;
                    }
                }
            }
            return n;
        }

        @Override
        void resetState(State s) {
            super.resetState(s);
            if (delta) {
                initOutput(s.out, bias, cout);
            }
        }

        @Override
        Activation forward(Activation x, State s) {
            x.ensureSparse();
            Activation o = s.out;
            o.sparseValid = false;
            o.binary = false;
            boolean levelled = levelW != null && x.levels == levels && !x.binary;
            if (!x.binary && !levelled && k == 3 && !delta && 4L * x.nnz >= x.v.length) {
                forwardDense(x, s);   // writes every output, bias included
                return o;
            }
            if (!delta) {
                initOutput(o, bias, cout);
            }
            if (x.binary || levelled) {
                forwardGrouped(x, s, levelled);
                return o;
            }
            Taps t = taps();
            int[] tapStart = t.start();
            int[] tapW = t.w();
            int[] tapY = t.y();
            float[] y = o.v;
            long ops = 0;
            int kk = k * k * cout;
            for (int e = 0; e < x.nnz; e++) {
                int p = x.idx[e];
                int pos = p / cin;
                int from = tapStart[pos];
                int to = tapStart[pos + 1];
                int wBase = (p - pos * cin) * kk;
                Kernels.axpyTaps(x.v[p], w, wBase, tapW, tapY, from, to, y, cout);
                ops += (long) (to - from) * cout;
            }
            count(s, x, ops);
            return o;
        }

        /**
         * A dense graded input (an image in the first layer: after normalisation nearly every pixel is non-zero) is
         * cheaper gathered than scattered: each output position sums its nine taps in registers and is written once,
         * instead of once per reaching input. Counts the multiplies it does: every valid tap, as a dense layer.
         */
        private void forwardDense(Activation x, State s) {
            int inH = inShape[1];
            int inW = inShape[2];
            int pw = inW + 2 * pad;
            int ph = inH + 2 * pad;
            if (s.padded == null) {
                s.padded = new float[ph * pw * cin];   // the border stays zero
            }
            float[] xp = s.padded;
            int rowLen = inW * cin;
            for (int iy = 0; iy < inH; iy++) {
                System.arraycopy(x.v, iy * rowLen, xp, ((iy + pad) * pw + pad) * cin, rowLen);
            }
            Kernels.conv3x3(xp, pw, cin, w, bias != null ? bias : zeroBias, s.out.v, outShape[1], outShape[2], stride,
                    cout);
            s.macs += denseOpsPerStep();
            s.events += x.nnz;
        }

        /**
         * Spikes or average-pooled spikes: the events are grouped by input position (a counting sort; pooling lists
         * them in no position order) and, per kernel tap, the weight rows of all events at one position are summed
         * before the output row is read and written once, instead of once per event. Same accumulates as one row per
         * event; they are only summed in another order.
         */
        private void forwardGrouped(Activation x, State s, boolean levelled) {
            Taps t = taps();
            int[] tapStart = t.start();
            int[] tapW = t.w();
            int[] tapY = t.y();
            int positions = inShape[1] * inShape[2];
            int nnz = x.nnz;
            if (s.scratch == null) {
                s.scratch = new int[3 * size(inShape) + positions + 1];
            }
            int[] sc = s.scratch;
            int rowOf = 0;                   // [nnz] weight row of each event (-1: multiplied instead)
            int posOf = size(inShape);       // [nnz] input position of each event
            int sorted = 2 * size(inShape);  // [nnz] weight rows grouped by position
            int start = 3 * size(inShape);   // [positions + 1] group bounds
            java.util.Arrays.fill(sc, start, start + positions + 1, 0);
            float[] y = s.out.v;
            float[] src = levelled ? levelW : w;
            int kk = k * k * cout;
            long macs = 0;
            long acs = 0;
            for (int e = 0; e < nnz; e++) {
                int p = x.idx[e];
                int pos = p / cin;
                int row = (p - pos * cin) * kk;
                if (levelled) {
                    int m = level(x.v[p], levels);
                    if (m < 0) {    // not a whole number of pooled spikes: multiply
                        for (int q = tapStart[pos]; q < tapStart[pos + 1]; q++) {
                            Kernels.axpy(x.v[p], w, row + tapW[q], y, tapY[q], cout);
                        }
                        macs += (long) (tapStart[pos + 1] - tapStart[pos]) * cout;
                        sc[rowOf + e] = -1;
                        continue;
                    }
                    row += m * w.length;
                }
                sc[rowOf + e] = row;
                sc[posOf + e] = pos;
                sc[start + pos]++;
            }
            // counts -> group ends, then filled backwards so that each end becomes its group's start
            for (int i = 1; i < positions; i++) {
                sc[start + i] += sc[start + i - 1];
            }
            sc[start + positions] = positions > 0 ? sc[start + positions - 1] : 0;
            for (int e = nnz - 1; e >= 0; e--) {
                if (sc[rowOf + e] >= 0) {
                    sc[sorted + --sc[start + sc[posOf + e]]] = sc[rowOf + e];
                }
            }
            for (int pos = 0; pos < positions; pos++) {
                int from = sc[start + pos];
                int to = sc[start + pos + 1];
                if (from == to) {
                    continue;
                }
                for (int q = tapStart[pos]; q < tapStart[pos + 1]; q++) {
                    Kernels.addRows(src, sc, sorted + from, sorted + to, tapW[q], y, tapY[q], cout);
                }
                acs += (long) (tapStart[pos + 1] - tapStart[pos]) * cout * (to - from);
            }
            s.acs += acs;   // spikes, or pre-scaled rows of pooled spikes: accumulates
            s.macs += macs;
            s.events += nnz;
        }
    }

    /**
     * Pooling with stride = kernel, no padding. Average pooling is done sparsely: each non-zero input adds into its
     * window's sum (counted as one AC per input event), then the touched outputs are divided by {@code k*k}; the
     * output is graded and keeps its non-zero list. Max pooling is dense.
     */
    static final class Pool2d extends Layer {
        final boolean average;
        final int k;

        Pool2d(String name, int[] inShape, boolean average, int k) {
            super(name, average ? "avg_pool2d" : "max_pool2d", inShape,
                    new int[] {inShape[0], inShape[1] / k, inShape[2] / k});
            this.average = average;
            this.k = k;
        }

        /**
         * Output index of every input index (channels-last), -1 where the window is cut off; built on first use, like
         * a convolution's tap tables (its size follows the declared input shape).
         */
        private volatile int[] target;

        private int[] target() {
            int[] t = target;
            if (t == null) {
                synchronized (this) {
                    t = target;
                    if (t == null) {
                        int c = inShape[0];
                        int inW = inShape[2];
                        int outH = outShape[1];
                        int outW = outShape[2];
                        t = new int[size(inShape)];
                        for (int p = 0; p < t.length; p++) {
                            int pos = p / c;
                            int oy = (pos / inW) / k;
                            int ox = (pos % inW) / k;
                            t[p] = oy >= outH || ox >= outW ? -1 : (oy * outW + ox) * c + p % c;
                        }
                        target = t;
                    }
                }
            }
            return t;
        }

        @Override
        State newState() {
            target();
            return new State(size(outShape), average ? size(outShape) : 0);
        }

        @Override
        void resetState(State s) {
            // the touched marks are always all 0 between steps
        }

        @Override
        Activation forward(Activation x, State s) {
            Activation o = s.out;
            int c = inShape[0];
            int inW = inShape[2];
            int outH = outShape[1];
            int outW = outShape[2];
            float[] y = o.v;
            if (average) {
                o.clear();
                x.ensureSparse();
                // touched marks (in s.mem): signed inputs (deltas) can bring a window sum back to 0, so "y[q] == 0"
                // cannot tell whether q is already listed
                float[] touched = s.mem;
                int n = 0;
                int[] map = target();
                for (int e = 0; e < x.nnz; e++) {
                    int p = x.idx[e];
                    int q = map[p];
                    if (q < 0) {
                        continue;
                    }
                    if (touched[q] == 0f) {
                        touched[q] = 1f;
                        o.idx[n++] = q;
                    }
                    y[q] += x.v[p];
                }
                float area = k * k;
                int m = 0;
                for (int e = 0; e < n; e++) {
                    int q = o.idx[e];
                    touched[q] = 0f;
                    y[q] = y[q] / area;
                    if (y[q] != 0f) {
                        o.idx[m++] = q;
                    }
                }
                o.nnz = m;
                o.sparseValid = true;
                o.binary = false;
                o.levels = x.binary ? k * k : 0;
                s.acs += x.nnz;
                s.events += x.nnz;
            } else {
                for (int oy = 0; oy < outH; oy++) {
                    for (int ox = 0; ox < outW; ox++) {
                        for (int ch = 0; ch < c; ch++) {
                            float mx = Float.NEGATIVE_INFINITY;
                            for (int dy = 0; dy < k; dy++) {
                                for (int dx = 0; dx < k; dx++) {
                                    mx = Math.max(mx, x.v[((oy * k + dy) * inW + ox * k + dx) * c + ch]);
                                }
                            }
                            y[(oy * outW + ox) * c + ch] = mx;
                        }
                    }
                }
                o.sparseValid = false;
                o.ensureSparse();
            }
            return o;
        }
    }

    /** {@code [C, H, W] -> [C*H*W]} in PyTorch order: re-indexes the channels-last buffer (and its event list). */
    static final class Flatten extends Layer {
        Flatten(String name, int[] inShape) {
            super(name, "flatten", inShape, new int[] {size(inShape)});
        }

        @Override
        Activation forward(Activation x, State s) {
            if (inShape.length != 3) {
                return x;
            }
            int c = inShape[0];
            int hw = inShape[1] * inShape[2];
            Activation o = s.out;
            if (x.sparseValid) {
                o.clear();
                for (int e = 0; e < x.nnz; e++) {
                    int p = x.idx[e];
                    int q = (p % c) * hw + p / c;
                    o.v[q] = x.v[p];
                    o.idx[e] = q;
                }
                o.nnz = x.nnz;
                o.sparseValid = true;
                o.binary = x.binary;
                o.levels = x.levels;
            } else {
                for (int p = 0; p < x.v.length; p++) {
                    o.v[(p % c) * hw + p / c] = x.v[p];
                }
                o.sparseValid = false;
                o.levels = x.levels;
            }
            return o;
        }
    }

    /** Dropout (inference) and time repetition: the input passes through. */
    static final class Identity extends Layer {
        Identity(String name, String type, int[] shape) {
            super(name, type, shape, shape);
        }

        @Override
        boolean isIdentity() {
            return true;
        }

        @Override
        State newState() {
            return new State(0, 0);
        }

        @Override
        long stateFloats() {
            return 0;
        }

        @Override
        Activation forward(Activation x, State s) {
            return x;
        }
    }

    /** Non-spiking readout: sum (or running mean) over time of its input. */
    static final class Accumulator extends Layer {
        final boolean mean;

        Accumulator(String name, String type, int[] shape, boolean mean) {
            super(name, type, shape, shape);
            this.mean = mean;
        }

        @Override
        State newState() {
            return new State(size(outShape), size(outShape));
        }

        @Override
        Activation forward(Activation x, State s) {
            float[] acc = s.mem;
            float[] xv = x.v;
            for (int i = 0; i < acc.length; i++) {
                acc[i] += xv[i];
            }
            s.steps++;
            Activation o = s.out;
            if (mean) {
                float t = s.steps;
                for (int i = 0; i < acc.length; i++) {
                    o.v[i] = acc[i] / t;
                }
            } else {
                System.arraycopy(acc, 0, o.v, 0, acc.length);
            }
            o.sparseValid = false;
            return o;
        }
    }

    /**
     * Fully connected with one integer delay per synapse (and optionally several taps per synapse): an input event
     * from {@code i} at step {@code t} adds {@code w_ij} to output {@code j} at step {@code t + d_ij}. The pending
     * sums live in a ring buffer of {@code D} output vectors ({@code D - 1} = the largest delay); each step emits the
     * current slot and clears it. Synapses are stored per input and per delay value as (output, weight) lists, so an
     * event touches exactly its fan-out.
     */
    static final class DelayLinear extends Layer {
        final int in;
        final int outF;
        final int slots;
        final int extendSteps;
        /** Entries of input i with delay d: [start[i * slots + d], start[i * slots + d + 1]). */
        final int[] start;
        final int[] target;
        final float[] w;

        DelayLinear(String name, int in, int out, int slots, int extendSteps, int[] start, int[] target, float[] w) {
            super(name, "delay_linear", new int[] {in}, new int[] {out});
            this.in = in;
            this.outF = out;
            this.slots = slots;
            this.extendSteps = extendSteps;
            this.start = start;
            this.target = target;
            this.w = w;
        }

        /**
         * Builds the per-input lists from taps {@code weight[k][i][j]}, {@code delay[k][i][j]} (flattened
         * {@code [K, in, out]}); taps of one synapse with the same delay are summed in tap order.
         */
        static DelayLinear of(String name, int in, int out, int taps, int maxDelay, int extendSteps, float[] weight,
                              int[] delay) {
            int slots = maxDelay;
            float[] dense = new float[out];
            boolean[] used = new boolean[out];
            int[] start = new int[in * slots + 1];
            int[] target = new int[in * out * taps];
            float[] w = new float[target.length];
            int n = 0;
            for (int i = 0; i < in; i++) {
                for (int d = 0; d < slots; d++) {
                    start[i * slots + d] = n;
                    java.util.Arrays.fill(used, false);
                    java.util.Arrays.fill(dense, 0f);
                    for (int k = 0; k < taps; k++) {
                        for (int j = 0; j < out; j++) {
                            int q = (k * in + i) * out + j;
                            if (delay[q] == d) {
                                dense[j] = used[j] ? dense[j] + weight[q] : weight[q];
                                used[j] = true;
                            }
                        }
                    }
                    for (int j = 0; j < out; j++) {
                        if (used[j]) {
                            target[n] = j;
                            w[n++] = dense[j];
                        }
                    }
                }
            }
            start[in * slots] = n;
            return new DelayLinear(name, in, out, slots, extendSteps, start, java.util.Arrays.copyOf(target, n),
                    java.util.Arrays.copyOf(w, n));
        }

        @Override
        int extend() {
            return extendSteps;
        }

        @Override
        long parameterCount() {
            return 2L * w.length;   // a weight and a delay per stored synapse
        }

        @Override
        long denseOpsPerStep() {
            return w.length;
        }

        @Override
        long stateFloats() {
            return (long) slots * outF + outF;
        }

        @Override
        State newState() {
            return new State(outF, slots * outF);
        }

        @Override
        Activation forward(Activation x, State s) {
            x.ensureSparse();
            float[] ring = s.mem;
            int base = s.steps % slots;
            long ops = 0;
            for (int e = 0; e < x.nnz; e++) {
                int i = x.idx[e];
                float v = x.v[i];
                int row = i * slots;
                for (int d = 0; d < slots; d++) {
                    int from = start[row + d];
                    int to = start[row + d + 1];
                    if (from == to) {
                        continue;
                    }
                    int slot = base + d;
                    int off = (slot >= slots ? slot - slots : slot) * outF;
                    if (x.binary) {
                        for (int q = from; q < to; q++) {
                            ring[off + target[q]] += w[q];
                        }
                    } else {
                        for (int q = from; q < to; q++) {
                            ring[off + target[q]] += v * w[q];
                        }
                    }
                    ops += to - from;
                }
            }
            count(s, x, ops);
            Activation o = s.out;
            int off = base * outF;
            System.arraycopy(ring, off, o.v, 0, outF);
            java.util.Arrays.fill(ring, off, off + outF, 0f);
            o.sparseValid = false;
            o.binary = false;
            s.steps++;
            return o;
        }
    }

    /**
     * Element-wise {@code y = x * factor + offset} (float32, multiply then add), with factor and offset given per
     * layer (one value), per channel ({@code C} values for a {@code [C, ...]} input) or per element: an evaluation
     * batch norm ({@code factor = gamma / sqrt(var + eps)}, {@code offset = beta - mean * factor}) or a NIR Scale.
     */
    static final class Scale extends Layer {
        /** Per element of the channels-last buffer. */
        final float[] factor;
        final float[] offset;
        final boolean hasOffset;

        Scale(String name, int[] shape, float[] factor, float[] offset) {
            super(name, "scale", shape, shape);
            this.factor = factor;
            this.offset = offset;
            boolean any = false;
            for (float f : offset) {
                any |= f != 0f;
            }
            this.hasOffset = any;
        }

        @Override
        long parameterCount() {
            return 2L * factor.length;
        }

        @Override
        Activation forward(Activation x, State s) {
            Activation o = s.out;
            float[] y = o.v;
            float[] xv = x.v;
            if (!hasOffset && x.sparseValid) {
                // zeros stay zeros: scale the events only
                java.util.Arrays.fill(y, 0f);
                for (int e = 0; e < x.nnz; e++) {
                    int p = x.idx[e];
                    y[p] = xv[p] * factor[p];
                    o.idx[e] = p;
                }
                o.nnz = x.nnz;
                o.sparseValid = true;
                o.binary = false;
                return o;
            }
            for (int p = 0; p < y.length; p++) {
                y[p] = xv[p] * factor[p] + offset[p];
            }
            o.sparseValid = false;
            o.binary = false;
            return o;
        }
    }

    /** Readout {@code sum over steps of softmax(x_t)} (the delay net's class scores); output = the running sum. */
    static final class SoftmaxSum extends Layer {
        SoftmaxSum(String name, int[] shape) {
            super(name, "softmax_sum", shape, shape);
        }

        @Override
        State newState() {
            return new State(size(outShape), size(outShape));
        }

        @Override
        Activation forward(Activation x, State s) {
            float[] xv = x.v;
            float[] acc = s.mem;
            float max = Float.NEGATIVE_INFINITY;
            for (float v : xv) {
                max = Math.max(max, v);
            }
            float[] e = s.out.v;
            float sum = 0f;
            for (int i = 0; i < xv.length; i++) {
                e[i] = (float) Math.exp(xv[i] - max);
                sum += e[i];
            }
            for (int i = 0; i < xv.length; i++) {
                acc[i] += e[i] / sum;
            }
            System.arraycopy(acc, 0, e, 0, acc.length);
            s.out.sparseValid = false;
            s.out.binary = false;
            s.steps++;
            return s.out;
        }
    }

    /**
     * The input side of a delta network: emits {@code x_t - x_{t-1}} where non-zero (the first frame against zero).
     */
    static final class DeltaEncode extends Layer {
        DeltaEncode(String name, int[] shape) {
            super(name, "delta_encode", shape, shape);
        }

        @Override
        State newState() {
            return new State(size(outShape), size(outShape));
        }

        @Override
        long stateFloats() {
            return 2L * size(outShape);
        }

        @Override
        Activation forward(Activation x, State s) {
            return emitChanges(x.v, s, null, s.mem);
        }
    }

    /**
     * Clears the previous message in {@code s.out}, then lists {@code y_i - prev_i} for every {@code i} where it is
     * non-zero ({@code y_i = value_i}, or the quantised {@code Q(relu(value_i))} when {@code step != null}), updating
     * {@code prev}. Counts the messages as events.
     */
    static Activation emitChanges(float[] value, State s, float[] step, float[] prev) {
        Activation o = s.out;
        float[] out = o.v;
        o.clear();
        int n = 0;
        long nonZero = 0;
        for (int i = 0; i < value.length; i++) {
            float y = value[i];
            if (step != null) {
                // the same float32 operations as snn4j-core's DeltaActivation: round(relu(z) / a) * a, half to even
                float r = Math.max(y, 0f);
                float a = step[i];
                y = (float) Math.rint(r / a) * a;
            }
            if (y != 0f) {
                nonZero++;
            }
            float d = y - prev[i];
            if (d != 0f) {
                out[i] = d;
                o.idx[n++] = i;
                prev[i] = y;
            }
        }
        o.nnz = n;
        o.sparseValid = true;
        o.binary = false;
        s.spikes += n;   // messages sent
        s.neuronSteps += value.length;
        s.events += nonZero;   // non-zero activations (spatial density)
        return o;
    }

    /**
     * Delta activation ({@code DeltaActivation} in snn4j-core): quantises its input (a pre-activation) as
     * {@code y = round(relu(z) / a) * a} with step size {@code a} per element, and sends only the changes
     * {@code y_t - y_{t-1}}.
     */
    static final class DeltaActivation extends Layer {
        final float[] step;

        DeltaActivation(String name, int[] shape, float[] step) {
            super(name, "delta_activation", shape, shape);
            this.step = step;
        }

        @Override
        long parameterCount() {
            return step.length;
        }

        @Override
        long stateFloats() {
            return 2L * size(outShape);
        }

        @Override
        State newState() {
            return new State(size(outShape), size(outShape));
        }

        @Override
        Activation forward(Activation x, State s) {
            return emitChanges(x.v, s, step, s.mem);
        }
    }
}
