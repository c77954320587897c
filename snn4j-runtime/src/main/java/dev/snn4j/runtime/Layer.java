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

    /** Fully connected; weights stored transposed {@code [in, out]} so an input event adds one contiguous row. */
    static final class Linear extends Layer {
        final int in;
        final int outF;
        final float[] wt;
        final float[] bias;

        Linear(String name, int in, int out, float[] wt, float[] bias) {
            super(name, "linear", new int[] {in}, new int[] {out});
            this.in = in;
            this.outF = out;
            this.wt = wt;
            this.bias = bias;
        }

        @Override
        Activation forward(Activation x, State s) {
            x.ensureSparse();
            Activation o = s.out;
            initOutput(o, bias, outF);
            float[] y = o.v;
            int n = outF;
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
     */
    static final class Conv2d extends Layer {
        final int cin;
        final int cout;
        final int k;
        final int stride;
        final int pad;
        final float[] w;
        final float[] bias;

        Conv2d(String name, int[] inShape, int cout, int k, int stride, int pad, float[] w, float[] bias) {
            super(name, "conv2d", inShape, new int[] {cout, (inShape[1] + 2 * pad - k) / stride + 1,
                    (inShape[2] + 2 * pad - k) / stride + 1});
            this.cin = inShape[0];
            this.cout = cout;
            this.k = k;
            this.stride = stride;
            this.pad = pad;
            this.w = w;
            this.bias = bias;
        }

        @Override
        Activation forward(Activation x, State s) {
            x.ensureSparse();
            Activation o = s.out;
            initOutput(o, bias, cout);
            float[] y = o.v;
            int inW = inShape[2];
            int outH = outShape[1];
            int outW = outShape[2];
            long ops = 0;
            for (int e = 0; e < x.nnz; e++) {
                int p = x.idx[e];
                int ci = p % cin;
                int pos = p / cin;
                int iy = pos / inW;
                int ix = pos % inW;
                float val = x.v[p];
                for (int ky = 0; ky < k; ky++) {
                    int ny = iy + pad - ky;
                    if (ny < 0 || ny % stride != 0) {
                        continue;
                    }
                    int oy = ny / stride;
                    if (oy >= outH) {
                        continue;
                    }
                    for (int kx = 0; kx < k; kx++) {
                        int nx = ix + pad - kx;
                        if (nx < 0 || nx % stride != 0) {
                            continue;
                        }
                        int ox = nx / stride;
                        if (ox >= outW) {
                            continue;
                        }
                        int wOff = ((ci * k + ky) * k + kx) * cout;
                        int yOff = (oy * outW + ox) * cout;
                        if (x.binary) {
                            Kernels.add(w, wOff, y, yOff, cout);
                        } else {
                            Kernels.axpy(val, w, wOff, y, yOff, cout);
                        }
                        ops += cout;
                    }
                }
            }
            count(s, x, ops);
            return o;
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

        @Override
        Activation forward(Activation x, State s) {
            Activation o = s.out;
            int c = inShape[0];
            int inW = inShape[2];
            int outH = outShape[1];
            int outW = outShape[2];
            float[] y = o.v;
            if (average) {
                if (o.sparseValid) {
                    for (int e = 0; e < o.nnz; e++) {
                        y[o.idx[e]] = 0f;
                    }
                } else {
                    Arrays.fill(y, 0f);
                }
                x.ensureSparse();
                int n = 0;
                for (int e = 0; e < x.nnz; e++) {
                    int p = x.idx[e];
                    int ch = p % c;
                    int pos = p / c;
                    int oy = (pos / inW) / k;
                    int ox = (pos % inW) / k;
                    if (oy >= outH || ox >= outW) {
                        continue;
                    }
                    int q = (oy * outW + ox) * c + ch;
                    if (y[q] == 0f) {
                        o.idx[n++] = q;
                    }
                    y[q] += x.v[p];
                }
                float area = k * k;
                int m = 0;
                for (int e = 0; e < n; e++) {
                    int q = o.idx[e];
                    y[q] = y[q] / area;
                    if (y[q] != 0f) {
                        o.idx[m++] = q;
                    }
                }
                o.nnz = m;
                o.sparseValid = true;
                o.binary = false;
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
                if (o.sparseValid) {
                    for (int e = 0; e < o.nnz; e++) {
                        o.v[o.idx[e]] = 0f;
                    }
                } else {
                    Arrays.fill(o.v, 0f);
                }
                for (int e = 0; e < x.nnz; e++) {
                    int p = x.idx[e];
                    int q = (p % c) * hw + p / c;
                    o.v[q] = x.v[p];
                    o.idx[e] = q;
                }
                o.nnz = x.nnz;
                o.sparseValid = true;
                o.binary = x.binary;
            } else {
                for (int p = 0; p < x.v.length; p++) {
                    o.v[(p % c) * hw + p / c] = x.v[p];
                }
                o.sparseValid = false;
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
}
