package dev.snn4j.delta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.layer.Conv2d;
import dev.snn4j.layer.DeltaActivation;
import dev.snn4j.layer.Dropout;
import dev.snn4j.layer.Flatten;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.MeanOverTime;
import dev.snn4j.layer.Pool2d;
import dev.snn4j.layer.Relu;
import dev.snn4j.layer.Sequential;
import dev.snn4j.nn.Module;
import dev.snn4j.runtime.Kernels;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Delta-driven inference of a trained time-distributed network: frame by frame, every layer keeps its state and only
 * non-zero changes travel. The input layer sends {@code x_t - x_{t-1}}; a {@link Conv2d} or {@link Linear} keeps its
 * pre-activation {@code z} and updates it by {@code W * d_t} (one multiply-accumulate per non-zero delta and fan-out
 * connection) instead of recomputing {@code W * y_t}; a {@link DeltaActivation} quantises its {@code z} and sends
 * {@code Q(relu(z_t)) - Q(relu(z_{t-1}))} where non-zero; average pooling and flattening are linear and pass deltas on.
 * The outputs equal the dense forward pass up to float rounding (a rounding tie can in rare cases flip one quantised
 * level; {@link Result#maxAbsDiff} style checks in the recipe report it).
 *
 * <p>Weights are copied from the model once, into plain Java arrays (activations are kept channels-last so a non-zero
 * delta adds a contiguous run of weights: one row of a Linear, or for a stride-1 convolution one {@code k * cout}
 * run per kernel row). The accumulate loops are the runtime's {@link Kernels#axpy} (SIMD with
 * {@code --add-modules jdk.incubator.vector}, else scalar); pre-activations are accumulated in float32 like the dense
 * forward. An instance keeps per-layer state between frames, so it runs one input at a time (not thread-safe). Supported: a {@link Sequential} (nested ones are flattened) of Conv2d,
 * Linear, DeltaActivation, average Pool2d, Flatten, Dropout (identity at inference), a Relu directly before a
 * DeltaActivation (redundant there), and a final {@link MeanOverTime}. Every Conv2d and Linear except the last must be
 * followed by a DeltaActivation (that is where the state is quantised, so deltas become sparse).
 *
 * <p>{@link Mode#DENSE} runs the same kernels but forgets all state at every frame, so each frame sends its full
 * (zero-skipping) activations: the reference for "what does the delta mechanism itself save".
 *
 * <pre>{@code
 * DeltaInference inf = DeltaInference.of(model, 2, 34, 34);     // input frames [T, B, 2, 34, 34]
 * DeltaInference.Result r = inf.run(frames, DeltaInference.Mode.DELTA);
 * float[][] logits = r.readout();                             // [B][classes]
 * for (DeltaInference.LayerOps l : r.layers()) System.out.println(l.layer() + " skipped " + l.skippedFraction());
 * }</pre>
 */
public final class DeltaInference {
    /** Whether state is carried between frames (DELTA) or dropped at each frame (DENSE). */
    public enum Mode { DELTA, DENSE }

    /**
     * Operations of one weight layer, summed over all frames and samples of a run.
     *
     * @param denseMacs     multiply-accumulates of a dense execution (every input element, every connection)
     * @param performedMacs multiply-accumulates this run did (non-zero messages x their fan-out)
     * @param messages      non-zero input messages received
     * @param inputs        input elements over all frames (messages + skipped)
     */
    public record LayerOps(String layer, long denseMacs, long performedMacs, long messages, long inputs) {
        /** {@code 1 - performed / dense}. */
        public double skippedFraction() {
            return denseMacs == 0 ? 0 : 1.0 - (double) performedMacs / denseMacs;
        }

        /** {@code dense - performed}. */
        public long skippedMacs() {
            return denseMacs - performedMacs;
        }
    }

    /**
     * The outputs and counts of one run.
     *
     * @param sequence outputs of the last layer per sample and frame, {@code [B][T][out]}
     * @param readout  the mean over frames if the model ends with MeanOverTime, else the last frame: {@code [B][out]}
     * @param layers   operations per weight layer, in order
     */
    public record Result(float[][][] sequence, float[][] readout, List<LayerOps> layers) {
        public long denseMacs() {
            return layers.stream().mapToLong(LayerOps::denseMacs).sum();
        }

        public long performedMacs() {
            return layers.stream().mapToLong(LayerOps::performedMacs).sum();
        }
    }

    private final List<Stage> stages;
    private final boolean meanReadout;
    private final int inC;
    private final int inH;
    private final int inW;
    private final int outSize;
    private final InputStage inputStage;   // built once: its index map and message buffer are reused by every run

    private DeltaInference(List<Stage> stages, boolean meanReadout, int c, int h, int w, int outSize) {
        this.inputStage = new InputStage(c, h, w);
        this.stages = stages;
        this.meanReadout = meanReadout;
        this.inC = c;
        this.inH = h;
        this.inW = w;
        this.outSize = outSize;
    }

    /**
     * Builds the delta engine for {@code model}, whose per-frame input is {@code [c, h, w]} (use {@code (f, 1, 1)}
     * for feature vectors {@code [T, B, f]}). Parameters are copied now: rebuild after further training.
     */
    public static DeltaInference of(Module model, int c, int h, int w) {
        List<Map.Entry<String, Module>> flat = new ArrayList<>();
        flatten("", model, flat);
        List<Stage> stages = new ArrayList<>();
        Geometry g = new Geometry(c, h, w);
        boolean mean = false;
        int lastWeight = -1;
        for (int i = 0; i < flat.size(); i++) {
            if (flat.get(i).getValue() instanceof Conv2d || flat.get(i).getValue() instanceof Linear) {
                lastWeight = i;
            }
        }
        for (int i = 0; i < flat.size(); i++) {
            String name = flat.get(i).getKey();
            Module m = flat.get(i).getValue();
            Module next = i + 1 < flat.size() ? flat.get(i + 1).getValue() : null;
            if (mean) {
                throw unsupported(model, name, m, "MeanOverTime must be the last module");
            }
            if (i > lastWeight && (m instanceof DeltaActivation || m instanceof Pool2d || m instanceof Relu)) {
                throw unsupported(model, name, m, "the last Conv2d or Linear must be the output layer (optionally "
                        + "followed by Flatten, Dropout, MeanOverTime)");
            }
            if (m instanceof Conv2d conv) {
                if (i != lastWeight && !(next instanceof DeltaActivation)) {
                    throw unsupported(model, name, m, "a Conv2d must be followed by a DeltaActivation");
                }
                ConvStage s = new ConvStage(name, conv, g);
                stages.add(s);
                g = s.out;
            } else if (m instanceof Linear fc) {
                if (i != lastWeight && !(next instanceof DeltaActivation)) {
                    throw unsupported(model, name, m, "a Linear must be followed by a DeltaActivation");
                }
                LinearStage s = new LinearStage(name, fc, g);
                stages.add(s);
                g = s.out;
            } else if (m instanceof DeltaActivation da) {
                if (stages.isEmpty() || !(stages.get(stages.size() - 1) instanceof WeightStage)) {
                    throw unsupported(model, name, m, "a DeltaActivation must follow a Conv2d or Linear");
                }
                stages.add(new DeltaStage(name, da, g));
            } else if (m instanceof Pool2d pool) {
                if (pool.kind() != Pool2d.Kind.AVERAGE) {
                    throw unsupported(model, name, m, "max pooling is not linear, so deltas cannot pass through it");
                }
                PoolStage s = new PoolStage(pool, g);
                stages.add(s);
                g = s.out;
            } else if (m instanceof Flatten) {
                g = g.flattened();
            } else if (m instanceof Dropout) {
                continue;
            } else if (m instanceof Relu) {
                if (!(next instanceof DeltaActivation)) {
                    throw unsupported(model, name, m, "a Relu is only supported directly before a DeltaActivation");
                }
            } else if (m instanceof MeanOverTime) {
                mean = true;
            } else {
                throw unsupported(model, name, m, "no delta kernel for this module");
            }
        }
        if (lastWeight < 0) {
            throw new IllegalArgumentException("DeltaInference: " + model.describe() + " has no Conv2d or Linear");
        }
        return new DeltaInference(stages, mean, c, h, w, g.size());
    }

    private static IllegalArgumentException unsupported(Module model, String name, Module m, String why) {
        return new IllegalArgumentException("DeltaInference: " + model.describe() + ": module '" + name + "' ("
                + m.getClass().getSimpleName() + "): " + why);
    }

    private static void flatten(String prefix, Module m, List<Map.Entry<String, Module>> out) {
        if (m instanceof Sequential) {
            m.children().forEach((k, c) -> flatten(prefix + k + ".", c, out));
        } else {
            out.add(Map.entry(prefix.isEmpty() ? m.getClass().getSimpleName()
                    : prefix.substring(0, prefix.length() - 1), m));
        }
    }

    /** Runs {@code input [T, B, C, H, W]} (or {@code [T, B, F]}) sample by sample. */
    public Result run(NDArray input, Mode mode) {
        Shape s = input.getShape();
        long per = (long) inC * inH * inW;
        if (s.dimension() < 3 || s.slice(2).size() != per) {
            throw new IllegalArgumentException("DeltaInference: expected input [T, B, " + inC + ", " + inH + ", "
                    + inW + "] but got " + s);
        }
        int t = (int) s.get(0);
        int b = (int) s.get(1);
        float[] all = input.toType(DataType.FLOAT32, false).toFloatArray();
        float[][][] seq = new float[b][t][];
        float[][] readout = new float[b][];
        Map<Stage, long[]> counts = new LinkedHashMap<>();
        for (Stage st : stages) {
            if (st instanceof WeightStage) {
                counts.put(st, new long[4]);
            }
        }
        for (Stage st : stages) {
            if (st instanceof DeltaStage d) {
                d.total = 0;
                d.nonZeroDeltas = 0;
                d.nonZeroActs = 0;
            }
        }
        InputStage in = inputStage;
        for (int j = 0; j < b; j++) {
            in.reset();
            stages.forEach(Stage::reset);
            double[] sum = new double[outSize];
            for (int f = 0; f < t; f++) {
                if (mode == Mode.DENSE) {
                    in.reset();
                    stages.forEach(Stage::reset);
                }
                Msg msg = in.step(all, (f * (long) b + j) * per);
                WeightStage source = null;
                for (Stage st : stages) {
                    if (st instanceof WeightStage ws) {
                        long[] c = counts.get(st);
                        c[0] += ws.denseMacs();
                        c[2] += msg.n;
                        c[3] += msg.size;
                        c[1] += ws.accumulate(msg);
                        source = ws;
                        msg = null;
                    } else if (st instanceof DeltaStage ds) {
                        msg = ds.emit(source.z);
                    } else {
                        msg = st.step(msg);
                    }
                }
                float[] out = source.output();
                seq[j][f] = out;
                for (int o = 0; o < out.length; o++) {
                    sum[o] += out[o];
                }
            }
            float[] r = new float[outSize];
            for (int o = 0; o < outSize; o++) {
                r[o] = meanReadout ? (float) (sum[o] / t) : seq[j][t - 1][o];
            }
            readout[j] = r;
        }
        List<LayerOps> ops = new ArrayList<>();
        counts.forEach((st, c) -> ops.add(new LayerOps(st.name(), c[0], c[1], c[2], c[3])));
        return new Result(seq, readout, ops);
    }

    /**
     * Fraction of zero deltas and zero activations per DeltaActivation over the last {@link #run}, keyed by layer
     * name: {@code {zeroDeltas, zeroActivations}} as fractions.
     */
    public Map<String, double[]> deltaLayerSparsity() {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Stage s : stages) {
            if (s instanceof DeltaStage d) {
                out.put(d.name, new double[] {d.total == 0 ? Double.NaN : 1.0 - (double) d.nonZeroDeltas / d.total,
                        d.total == 0 ? Double.NaN : 1.0 - (double) d.nonZeroActs / d.total});
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ internals

    /** A per-frame shape, channels-last inside the engine, plus the map to the model's channels-first index. */
    private record Geometry(int c, int h, int w, int[] modelIndex) {
        Geometry(int c, int h, int w) {
            this(c, h, w, channelsFirstIndex(c, h, w));
        }

        static int[] channelsFirstIndex(int c, int h, int w) {
            int[] m = new int[c * h * w];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int ch = 0; ch < c; ch++) {
                        m[(y * w + x) * c + ch] = (ch * h + y) * w + x;
                    }
                }
            }
            return m;
        }

        int size() {
            return c * h * w;
        }

        /** After Flatten: one feature axis, internal order unchanged, model order = channels-first flattening. */
        Geometry flattened() {
            return new Geometry(c * h * w, 1, 1, modelIndex);
        }
    }

    /** Sparse message: indices and values of the non-zero entries, channels-last. */
    private static final class Msg {
        final int size;
        int[] idx;
        float[] val;
        int n;

        Msg(int size) {
            this.size = size;
            this.idx = new int[Math.min(size, 1024)];
            this.val = new float[idx.length];
        }

        void clear() {
            n = 0;
        }

        void add(int i, float v) {
            if (n == idx.length) {
                int cap = Math.min(size, idx.length * 2);
                idx = java.util.Arrays.copyOf(idx, cap);
                val = java.util.Arrays.copyOf(val, cap);
            }
            idx[n] = i;
            val[n++] = v;
        }
    }

    private abstract static class Stage {
        abstract String name();

        abstract void reset();

        abstract Msg step(Msg in);
    }

    private abstract static class WeightStage extends Stage {
        final String name;
        final float[] z;
        final float[] bias;

        WeightStage(String name, int outSize) {
            this.name = name;
            this.z = new float[outSize];
            this.bias = new float[outSize];
        }

        @Override
        String name() {
            return name;
        }

        @Override
        void reset() {
            System.arraycopy(bias, 0, z, 0, z.length);
        }

        @Override
        Msg step(Msg in) {
            throw new UnsupportedOperationException();
        }

        /** Adds W * delta to z; returns the multiply-accumulates done. */
        abstract long accumulate(Msg in);

        abstract long denseMacs();

        /** z in the model's channels-first order. */
        abstract float[] output();
    }

    private static final class InputStage {
        final float[] prev;
        final Msg msg;
        final int[] modelIndex;

        InputStage(int c, int h, int w) {
            Geometry g = new Geometry(c, h, w);
            this.prev = new float[g.size()];
            this.msg = new Msg(g.size());
            this.modelIndex = g.modelIndex;
        }

        void reset() {
            java.util.Arrays.fill(prev, 0f);
        }

        Msg step(float[] all, long offset) {
            msg.clear();
            for (int i = 0; i < prev.length; i++) {
                float x = all[(int) (offset + modelIndex[i])];
                float d = x - prev[i];
                if (d != 0f) {
                    msg.add(i, d);
                    prev[i] = x;
                }
            }
            return msg;
        }
    }

    private static final class ConvStage extends WeightStage {
        final Geometry in;
        final Geometry out;
        final int k;
        final int stride;
        final int pad;
        final float[] w;   // [cin][ky][k-1-kx][cout]: kx reversed, see accumulate
        final long dense;

        ConvStage(String name, Conv2d conv, Geometry in) {
            super(name, conv.outChannels() * (int) conv.outputSize(in.h) * (int) conv.outputSize(in.w));
            if (conv.inChannels() != in.c) {
                throw new IllegalArgumentException("DeltaInference: '" + name + "' expects " + conv.inChannels()
                        + " input channels but gets " + in.c);
            }
            this.in = in;
            this.k = conv.kernelSize();
            this.stride = conv.stride();
            this.pad = conv.padding();
            int cout = conv.outChannels();
            this.out = new Geometry(cout, (int) conv.outputSize(in.h), (int) conv.outputSize(in.w));
            float[] wm = conv.weight().value().toType(DataType.FLOAT32, false).toFloatArray(); // [cout][cin][k][k]
            this.w = new float[wm.length];
            for (int co = 0; co < cout; co++) {
                for (int ci = 0; ci < in.c; ci++) {
                    for (int ky = 0; ky < k; ky++) {
                        for (int kx = 0; kx < k; kx++) {
                            w[((ci * k + ky) * k + (k - 1 - kx)) * cout + co] = wm[((co * in.c + ci) * k + ky) * k + kx];
                        }
                    }
                }
            }
            if (conv.bias() != null) {
                float[] b = conv.bias().value().toType(DataType.FLOAT32, false).toFloatArray();
                for (int p = 0; p < out.h * out.w; p++) {
                    for (int co = 0; co < cout; co++) {
                        bias[p * cout + co] = b[co];
                    }
                }
            }
            long taps = 0;
            for (int iy = 0; iy < in.h; iy++) {
                for (int ix = 0; ix < in.w; ix++) {
                    taps += (long) fan(iy, out.h) * fan(ix, out.w);
                }
            }
            this.dense = taps * in.c * cout;
            reset();
        }

        /** Number of valid output rows (or columns) that input row {@code i} reaches. */
        private int fan(int i, int outN) {
            int n = 0;
            for (int ky = 0; ky < k; ky++) {
                int o = i + pad - ky;
                if (o >= 0 && o % stride == 0 && o / stride < outN) {
                    n++;
                }
            }
            return n;
        }

        @Override
        long denseMacs() {
            return dense;
        }

        /**
         * Adds the delta's contribution to every output it reaches. With stride 1 the kernel row {@code ky} of one
         * input element reaches {@code k} horizontally adjacent outputs, whose channels-last z entries are one
         * contiguous run of {@code k * cout} floats; the weights are stored with kx reversed so that the matching
         * weights are one contiguous run too, and a row costs a single SIMD axpy instead of {@code k} short ones.
         */
        @Override
        long accumulate(Msg m) {
            int cout = out.c;
            long macs = 0;
            for (int e = 0; e < m.n; e++) {
                int i = m.idx[e];
                float v = m.val[e];
                int ci = i % in.c;
                int p = i / in.c;
                int iy = p / in.w;
                int ix = p % in.w;
                if (stride == 1) {
                    // ox = ix + pad - kx = ix + pad - k + 1 + r for the reversed index r = k - 1 - kx
                    int oxFirst = ix + pad - k + 1;
                    int r0 = Math.max(0, -oxFirst);
                    int r1 = Math.min(k - 1, out.w - 1 - oxFirst);
                    if (r0 > r1) {
                        continue;
                    }
                    int len = (r1 - r0 + 1) * cout;
                    for (int ky = 0; ky < k; ky++) {
                        int oy = iy + pad - ky;
                        if (oy < 0 || oy >= out.h) {
                            continue;
                        }
                        Kernels.axpy(v, w, ((ci * k + ky) * k + r0) * cout, z, (oy * out.w + oxFirst + r0) * cout,
                                len);
                        macs += len;
                    }
                    continue;
                }
                for (int ky = 0; ky < k; ky++) {
                    int oyn = iy + pad - ky;
                    if (oyn < 0 || oyn % stride != 0 || oyn / stride >= out.h) {
                        continue;
                    }
                    int oy = oyn / stride;
                    for (int kx = 0; kx < k; kx++) {
                        int oxn = ix + pad - kx;
                        if (oxn < 0 || oxn % stride != 0 || oxn / stride >= out.w) {
                            continue;
                        }
                        Kernels.axpy(v, w, ((ci * k + ky) * k + (k - 1 - kx)) * cout, z,
                                (oy * out.w + oxn / stride) * cout, cout);
                        macs += cout;
                    }
                }
            }
            return macs;
        }

        @Override
        float[] output() {
            float[] o = new float[z.length];
            for (int i = 0; i < z.length; i++) {
                o[out.modelIndex[i]] = z[i];
            }
            return o;
        }
    }

    private static final class LinearStage extends WeightStage {
        final Geometry out;
        final int nIn;
        final int nOut;
        final float[] w;   // [in (engine order)][out]

        LinearStage(String name, Linear fc, Geometry in) {
            super(name, fc.outFeatures());
            if (fc.inFeatures() != in.size()) {
                throw new IllegalArgumentException("DeltaInference: '" + name + "' expects " + fc.inFeatures()
                        + " inputs but gets " + in.size() + " (did you forget a Flatten?)");
            }
            this.nIn = fc.inFeatures();
            this.nOut = fc.outFeatures();
            this.out = new Geometry(nOut, 1, 1);
            float[] wm = fc.weight().value().toType(DataType.FLOAT32, false).toFloatArray(); // [out][in]
            this.w = new float[wm.length];
            for (int i = 0; i < nIn; i++) {
                int mi = in.modelIndex[i];
                for (int o = 0; o < nOut; o++) {
                    w[i * nOut + o] = wm[o * nIn + mi];
                }
            }
            if (fc.bias() != null) {
                float[] b = fc.bias().value().toType(DataType.FLOAT32, false).toFloatArray();
                for (int o = 0; o < nOut; o++) {
                    bias[o] = b[o];
                }
            }
            reset();
        }

        @Override
        long denseMacs() {
            return (long) nIn * nOut;
        }

        @Override
        long accumulate(Msg m) {
            for (int e = 0; e < m.n; e++) {
                // one contiguous weight row per non-zero input delta
                Kernels.axpy(m.val[e], w, m.idx[e] * nOut, z, 0, nOut);
            }
            return (long) m.n * nOut;
        }

        @Override
        float[] output() {
            return z.clone();
        }
    }

    private static final class DeltaStage extends Stage {
        final String name;
        final float[] step;   // per engine index
        final float[] prev;
        final Msg msg;
        long total;
        long nonZeroDeltas;
        long nonZeroActs;

        DeltaStage(String name, DeltaActivation da, Geometry g) {
            this.name = name;
            this.prev = new float[g.size()];
            this.msg = new Msg(g.size());
            this.step = new float[g.size()];
            double[] a = da.stepSizes();
            for (int i = 0; i < step.length; i++) {
                int mi = g.modelIndex[i];
                int ch = g.h * g.w == 1 ? mi : mi / (g.h * g.w);
                step[i] = (float) switch (da.granularity()) {
                    case LAYER -> a[0];
                    case CHANNEL -> a[ch];
                    case NEURON -> a[mi];
                };
            }
        }

        @Override
        String name() {
            return name;
        }

        @Override
        void reset() {
            java.util.Arrays.fill(prev, 0f);
        }

        @Override
        Msg step(Msg ignored) {
            throw new UnsupportedOperationException();
        }

        /** Quantises the source's pre-activation and emits the non-zero changes. */
        Msg emit(float[] z) {
            msg.clear();
            for (int i = 0; i < z.length; i++) {
                float r = Math.max(z[i], 0f);
                float a = step[i];
                float y = (float) Math.rint(r / a) * a;   // same float32 ops as the layer: round(r / a) * a
                float d = y - prev[i];
                if (y != 0f) {
                    nonZeroActs++;
                }
                if (d != 0f) {
                    msg.add(i, d);
                    prev[i] = y;
                    nonZeroDeltas++;
                }
            }
            total += z.length;
            return msg;
        }
    }

    private static final class PoolStage extends Stage {
        final Geometry in;
        final Geometry out;
        final int k;
        final int stride;
        final double[] acc;
        final boolean[] touched;
        final int[] list;
        final Msg msg;

        PoolStage(Pool2d pool, Geometry in) {
            this.in = in;
            this.k = pool.kernelSize();
            this.stride = pool.stride();
            this.out = new Geometry(in.c, (in.h - k) / stride + 1, (in.w - k) / stride + 1);
            this.acc = new double[out.size()];
            this.touched = new boolean[out.size()];
            this.list = new int[out.size()];
            this.msg = new Msg(out.size());
        }

        @Override
        String name() {
            return "pool";
        }

        @Override
        void reset() {
        }

        @Override
        Msg step(Msg m) {
            int nt = 0;
            double norm = 1.0 / (k * k);
            if (stride == k) {
                // non-overlapping windows (the usual 2x2 / stride 2): every input feeds at most one output
                for (int e = 0; e < m.n; e++) {
                    int i = m.idx[e];
                    int c = i % in.c;
                    int p = i / in.c;
                    int oy = p / in.w / k;
                    int ox = p % in.w / k;
                    if (oy >= out.h || ox >= out.w) {
                        continue;
                    }
                    int o = (oy * out.w + ox) * out.c + c;
                    if (!touched[o]) {
                        touched[o] = true;
                        list[nt++] = o;
                    }
                    acc[o] += m.val[e] * norm;
                }
                return emit(nt);
            }
            for (int e = 0; e < m.n; e++) {
                int i = m.idx[e];
                int c = i % in.c;
                int p = i / in.c;
                int iy = p / in.w;
                int ix = p % in.w;
                for (int oy = Math.max(0, (iy - k + stride) / stride); oy <= iy / stride && oy < out.h; oy++) {
                    if (iy < oy * stride || iy >= oy * stride + k) {
                        continue;
                    }
                    for (int ox = Math.max(0, (ix - k + stride) / stride); ox <= ix / stride && ox < out.w; ox++) {
                        if (ix < ox * stride || ix >= ox * stride + k) {
                            continue;
                        }
                        int o = (oy * out.w + ox) * out.c + c;
                        if (!touched[o]) {
                            touched[o] = true;
                            list[nt++] = o;
                        }
                        acc[o] += m.val[e] * norm;
                    }
                }
            }
            return emit(nt);
        }

        /**
         * Sends the touched outputs' accumulated changes in the order first touched (deterministic; the receiving
         * layer's float sums depend on the order only in the last bits) and clears them.
         */
        private Msg emit(int nt) {
            msg.clear();
            for (int q = 0; q < nt; q++) {
                int o = list[q];
                if (acc[o] != 0) {
                    msg.add(o, (float) acc[o]);
                }
                acc[o] = 0;
                touched[o] = false;
            }
            return msg;
        }
    }
}
