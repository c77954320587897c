package dev.snn4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.layer.BatchNorm;
import dev.snn4j.layer.Dcls1d;
import dev.snn4j.layer.Dropout;
import dev.snn4j.layer.LeakyReadout;
import dev.snn4j.layer.Scale;
import dev.snn4j.layer.Sequential;
import ai.djl.ndarray.types.DataType;
import dev.snn4j.layer.SigmaSchedule;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;
import dev.snn4j.surrogate.ATan;
import dev.snn4j.train.Losses;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The feed-forward delay network of Hammouamri et al. ("Learning Delays in SNNs using DCLS", ICLR 2024):
 * <pre>
 *   [Dcls1d -> BatchNorm -> LIF -> Dropout] x L  ->  Dcls1d -> LIF readout with infinite threshold (membrane out)
 * </pre>
 * Hidden LIF: {@code V <- V - V/tau + X} ({@code decay_input = false}), threshold 1, hard reset to 0, detached reset,
 * ATan surrogate with alpha 5. No biases. Every synapse has one weight and (except in {@link Mode#NONE}) one delay.
 *
 * <h2>Three modes, the same network otherwise (the paper's ablation)</h2>
 * <ul>
 *   <li>{@link Mode#NONE}: no delays. The {@link Dcls1d} layers are built with {@code D = 1}, i.e. a kernel of one
 *   tap: each is a plain per-time-step linear layer {@code y[t] = W x[t]} (computed as one matrix product over all
 *   {@code T*B} rows), the sequence keeps its length and the positions are unused and never trained.</li>
 *   <li>{@link Mode#FIXED_RANDOM}: positions drawn uniformly at initialisation (as for learned delays), rounded to
 *   integers at once and never trained. Training and evaluation both use these exact integer delays (sigma 0): the
 *   layer is a cross-correlation with a one-hot kernel {@code W[o,c] at tap D-1-delay[o,c]}, differentiable in the
 *   weights only.</li>
 *   <li>{@link Mode#LEARNED}: DCLS. Training uses the smooth Gaussian kernel of {@link Dcls1d} with the sigma of the
 *   epoch ({@link #applySigma}); call {@link #clampPositions()} after every optimizer update. In {@link #eval()} mode
 *   the positions are rounded and the layers are exact integer shifts.</li>
 * </ul>
 * Each delay layer adds {@code (D-1)/2} output steps (SNN-delays' right padding), so the readout trace has
 * {@code T + (L+1)(D-1)/2} steps. In training mode the delay layers are {@link Dcls1d}'s convolution (or, by
 * choice, one matrix product over the unfolded input: {@link #engineConvolution(boolean)}).
 * Evaluation of LEARNED uses {@link Dcls1d}'s exact integer shift.
 *
 * <h2>Output and loss</h2>
 * {@link #membrane(NDArray)} returns the readout membrane {@code v [T', B, classes]}. {@link #forward(NDArray)}
 * returns the class scores {@code m[b, c] = sum_t softmax_c(v[t, b, :])} (each in {@code [0, T']}), and the loss
 * ({@link #loss}) is PyTorch's cross-entropy with those scores as logits (as SNN-delays' {@code loss = 'sum'}):
 * {@code L = mean_b ( log sum_c exp(m[b, c]) - m[b, y_b] )}. The prediction is {@code argmax_c m[b, c]}. Both are
 * built from autograd-safe operations only (softmax, sum, log-softmax; no scalar overloads).
 *
 * <pre>{@code
 * DelayNet net = new DelayNet(manager, DelayNet.Config.shd(DelayNet.Mode.LEARNED));   // 140-256-256-20, D = 25
 * NDArray scores = net.forward(spikes);                     // [100, B, 140] -> [B, 20]
 * NDArray loss = DelayNet.loss(scores, labels);             // cross-entropy on sum_t softmax(v_out[t])
 * // after each optimizer update: net.clampPositions();  after each epoch e: net.applySigma(schedule, e + 1);
 * }</pre>
 */
public final class DelayNet extends Module {

    /** Which delays the synapses have. */
    public enum Mode {
        /** No delays: every delay layer is a per-step linear layer ({@code D = 1}). */
        NONE,
        /** Random integer delays drawn at initialisation, never trained. */
        FIXED_RANDOM,
        /** Delays learned with DCLS (Gaussian kernel, sigma schedule, rounded at evaluation). */
        LEARNED
    }

    /**
     * The architecture.
     *
     * @param inputs   input channels
     * @param hidden   sizes of the hidden layers (at least one)
     * @param classes  output classes (>= 2)
     * @param maxDelay kernel size D in time steps (delays 0..D-1; an even value is raised to odd); ignored (1) in
     *                 {@link Mode#NONE}
     * @param dropout  dropout probability after each hidden LIF layer, in [0, 1)
     * @param tau      membrane time constant of every LIF neuron, in time steps (> 1); SNN-delays uses
     *                 {@code 10.05 ms / 10 ms = 1.005}, an almost memoryless neuron: the delays carry the timing
     * @param mode     delay mode
     */
    public record Config(int inputs, int[] hidden, int classes, int maxDelay, double dropout, double tau, Mode mode) {
        public Config {
            Objects.requireNonNull(mode, "DelayNet.Config: mode must not be null");
            if (inputs <= 0 || classes < 2 || hidden == null || hidden.length == 0 || maxDelay < 1) {
                throw new IllegalArgumentException("DelayNet.Config: need inputs > 0, classes >= 2, at least one hidden "
                        + "layer and maxDelay >= 1, got inputs=" + inputs + " hidden="
                        + (hidden == null ? null : Arrays.toString(hidden)) + " classes=" + classes + " D="
                        + maxDelay);
            }
            for (int h : hidden) {
                if (h <= 0) {
                    throw new IllegalArgumentException("DelayNet.Config: hidden sizes must be > 0, got "
                            + Arrays.toString(hidden));
                }
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("DelayNet.Config: dropout must be in [0, 1), got " + dropout);
            }
            if (!(tau > 1) || Double.isInfinite(tau)) {
                throw new IllegalArgumentException("DelayNet.Config: tau must be a finite number of steps > 1, got "
                        + tau);
            }
            hidden = hidden.clone();
        }

        /** The SHD configuration of the paper: 140-256-256-20, D = 25 steps, dropout 0.4, tau 1.005 steps. */
        public static Config shd(Mode mode) {
            return new Config(140, new int[] {256, 256}, 20, 25, 0.4, 1.005, mode);
        }

        /** A copy with another mode. */
        public Config withMode(Mode m) {
            return new Config(inputs, hidden, classes, maxDelay, dropout, tau, m);
        }

        @Override
        public int[] hidden() {
            return hidden.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && c.inputs == inputs && Arrays.equals(c.hidden, hidden)
                    && c.classes == classes && c.maxDelay == maxDelay && c.dropout == dropout && c.tau == tau
                    && c.mode == mode;
        }

        @Override
        public int hashCode() {
            return Objects.hash(inputs, Arrays.hashCode(hidden), classes, maxDelay, dropout, tau, mode);
        }

        @Override
        public String toString() {
            return "DelayNet.Config[inputs=" + inputs + ", hidden=" + Arrays.toString(hidden) + ", classes="
                    + classes + ", D=" + maxDelay + ", dropout=" + dropout + ", tau=" + tau + ", mode=" + mode + "]";
        }
    }

    private final Config config;
    private final int maxDelay;
    private final List<Dcls1d> delayLayers = new ArrayList<>();
    private final List<BatchNorm> norms = new ArrayList<>();
    private final List<LifNeuron> neurons = new ArrayList<>();
    private final List<Dropout> dropouts = new ArrayList<>();
    private final LeakyReadout readout;
    private final NDManager manager;
    /** FIXED_RANDOM: one-hot kernel masks [Cout, Cin, D] per layer, and the positions array they were built from. */
    private final NDArray[] masks;
    private final NDArray[] masksFrom;
    private boolean engineConvolution = true;

    /** Builds and initialises the network; parameters live in {@code manager} (seed through {@code Init.seed}). */
    public DelayNet(NDManager manager, Config config) {
        this.config = Objects.requireNonNull(config, "config");
        this.manager = manager;
        this.maxDelay = config.mode() == Mode.NONE ? 1 : config.maxDelay();
        int[] hidden = config.hidden;
        int in = config.inputs();
        for (int i = 0; i < hidden.length; i++) {
            String n = String.valueOf(i + 1);
            delayLayers.add(addChild("delay" + n, new Dcls1d(manager, in, hidden[i], maxDelay)));
            norms.add(addChild("bn" + n, new BatchNorm(manager, hidden[i])));
            neurons.add(addChild("lif" + n, LifNeuron.builder().tau(config.tau()).decayInput(false).hardReset(0.0)
                    .detachReset(true).surrogate(new ATan(5.0)).build()));
            dropouts.add(addChild("drop" + n, new Dropout(config.dropout())));
            in = hidden[i];
        }
        delayLayers.add(addChild("delay_out", new Dcls1d(manager, in, config.classes(), maxDelay)));
        readout = addChild("readout", new LeakyReadout(config.tau(), false));
        masks = new NDArray[delayLayers.size()];
        masksFrom = new NDArray[delayLayers.size()];
        if (config.mode() == Mode.FIXED_RANDOM) {
            for (Dcls1d d : delayLayers) {
                roundPositions(d);
                d.setSigma(0.0);
            }
        }
    }

    /** The configuration. */
    public Config config() {
        return config;
    }

    /** The delay mode. */
    public Mode mode() {
        return config.mode();
    }

    /** The kernel size actually used: 1 in {@link Mode#NONE}, else the configured D raised to odd. */
    public int maxDelay() {
        return delayLayers.get(0).maxDelay();
    }

    /** The readout trace length for an input of {@code t} steps: {@code t + (L+1) (D-1)/2}. */
    public long outputSteps(long t) {
        long s = t;
        for (Dcls1d d : delayLayers) {
            s = d.outputSteps(s);
        }
        return s;
    }

    /** Class scores {@code sum_t softmax(v_out[t])}, {@code [T, B, inputs] -> [B, classes]}. */
    @Override
    public NDArray forward(NDArray x) {
        return scores(membrane(x));
    }

    /** The readout membrane trace {@code [T, B, inputs] -> [T', B, classes]}. */
    public NDArray membrane(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 3 || s.get(2) != config.inputs()) {
            throw new IllegalArgumentException(describe() + ": expected input of shape [T, B, " + config.inputs()
                    + "] but got " + s);
        }
        if (s.get(0) <= 0 || s.get(1) <= 0) {
            throw new IllegalArgumentException(describe() + ": need T >= 1 and B >= 1, got " + s);
        }
        NDArray h = x;
        for (int i = 0; i < neurons.size(); i++) {
            h = delay(i, h);
            h = norms.get(i).forward(h);
            h = neurons.get(i).forward(h);
            h = dropouts.get(i).forward(h);
        }
        h = delay(delayLayers.size() - 1, h);
        return readout.forward(h);
    }

    /** {@code m[b, c] = sum_t softmax_c(v[t, b, :])} for a membrane trace {@code v [T, B, C]}. */
    public static NDArray scores(NDArray v) {
        if (v.getShape().dimension() != 3) {
            throw new IllegalArgumentException("DelayNet.scores: expected a membrane trace [T, B, C] but got "
                    + v.getShape());
        }
        return v.softmax(2).sum(new int[] {0});
    }

    /**
     * Cross-entropy with the summed softmax as logits: {@code mean_b (log sum_c exp(m[b,c]) - m[b, y_b])}, where
     * {@code scores = m} comes from {@link #forward} / {@link #scores}.
     */
    public static NDArray loss(NDArray scores, NDArray labels) {
        return Losses.crossEntropy(scores, labels);
    }

    /**
     * The synaptic (delay) stage of layer {@code i} alone, {@code [T, B, Cin] -> [T', B, Cout]}, as the network
     * computes it in the current mode and training state (exposed for tests and inspection).
     */
    public NDArray delayForward(int i, NDArray x) {
        return delay(i, x);
    }

    private NDArray delay(int i, NDArray x) {
        Dcls1d d = delayLayers.get(i);
        if (config.mode() == Mode.LEARNED && !isTraining()) {
            return d.forward(x); // exact integer shifts (rounded positions)
        }
        Shape s = x.getShape();
        long t = s.get(0);
        long b = s.get(1);
        int cin = d.inChannels();
        int cout = d.outChannels();
        NDArray w = d.weight().value();
        if (maxDelay == 1) {
            NDArray flat = x.reshape(t * b, cin);
            return flat.getNDArrayInternal().linear(flat, w.reshape(cout, cin), null).singletonOrThrow()
                    .reshape(t, b, cout);
        }
        // LEARNED: the smooth DCLS kernel of the current sigma; FIXED_RANDOM: the one-hot kernel of the integer delays
        if (engineConvolution) {
            if (config.mode() == Mode.LEARNED) {
                return d.forward(x);
            }
            NDArray y = dev.snn4j.nn.Tensors.convolution(d.padded(x), mask(i).mul(w), null, new Shape(1),
                    new Shape(0), new Shape(1), 1);
            return y.transpose(2, 0, 1);
        }
        NDArray kernel = config.mode() == Mode.LEARNED ? d.kernel() : mask(i).mul(w);   // [Cout, Cin, D]
        return unfoldConvolve(d, x, kernel);
    }

    /**
     * Chooses how training mode computes the delay layers: the engine's 1-D convolution ({@link Dcls1d#forward},
     * the default: fastest, and at SHD size far leaner than the alternative) or, with {@code false}, the D shifted
     * copies of the padded input times the kernel as one matrix product ({@code unfoldConvolve}; the unfolded input
     * of a 256 -> 256, D = 25 layer at T 100, batch 256 is ~0.8 GB). Both compute the same values. (The unfold path
     * was the default while the engine's float32 convolution returned corrupt input gradients for output channel
     * counts that are not multiples of 16; {@link dev.snn4j.nn.Tensors#convolution} now works around that.)
     * Returns this.
     */
    public DelayNet engineConvolution(boolean on) {
        this.engineConvolution = on;
        return this;
    }

    /** See {@link #engineConvolution(boolean)}; default true. */
    public boolean engineConvolution() {
        return engineConvolution;
    }

    /**
     * What {@link Dcls1d#forward} computes in training mode (a cross-correlation of the padded input with
     * {@code kernel [Cout, Cin, D]}), as one matrix product: the padded input's {@code D} time shifts side by side
     * ({@code [T'*B, D*Cin]}) times the kernel ({@code [D*Cin, Cout]}). Used when {@link #engineConvolution} is off:
     * about 1.5x the convolution's time at FSDD size (T 50, batch 64, 128 channels, D 13) and far more at SHD size.
     */
    static NDArray unfoldConvolve(Dcls1d d, NDArray x, NDArray kernel) {
        Shape s = x.getShape();
        long t = s.get(0);
        long b = s.get(1);
        int cin = d.inChannels();
        int dd = d.maxDelay();
        long tOut = d.outputSteps(t);
        NDManager m = x.getManager();
        NDList parts = new NDList(m.zeros(new Shape(d.leftPadding(), b, cin), x.getDataType()), x);
        if (d.rightPadding() > 0) {
            parts.add(m.zeros(new Shape(d.rightPadding(), b, cin), x.getDataType()));
        }
        NDArray xp = NDArrays.concat(parts, 0);                                    // [D-1 + T + R, B, Cin]
        NDList shifts = new NDList(dd);
        for (int j = 0; j < dd; j++) {
            shifts.add(xp.get(new NDIndex(j + ":" + (j + tOut))));                  // tap j reads xp[t + j]
        }
        NDArray cols = NDArrays.concat(shifts, 2).reshape(tOut * b, (long) dd * cin); // column j*Cin + c
        NDArray w2 = kernel.transpose(0, 2, 1).reshape(d.outChannels(), (long) dd * cin);
        return cols.getNDArrayInternal().linear(cols, w2, null).singletonOrThrow().reshape(tOut, b, d.outChannels());
    }

    /** The one-hot delay mask of layer i, rebuilt if the positions array was replaced (checkpoint restore). */
    private NDArray mask(int i) {
        Dcls1d d = delayLayers.get(i);
        NDArray p = d.positions().value();
        if (masks[i] == null || masksFrom[i] != p || masks[i].isReleased()) {
            int[][][] del = d.delays();
            int dd = d.maxDelay();
            float[] m = new float[d.outChannels() * d.inChannels() * dd];
            int k = 0;
            for (int[][] row : del) {
                for (int[] syn : row) {
                    m[k * dd + dd - 1 - syn[0]] = 1f;
                    k++;
                }
            }
            if (masks[i] != null && !masks[i].isReleased()) {
                masks[i].close();
            }
            NDArray a = manager.create(m, new Shape(d.outChannels(), d.inChannels(), dd))
                    .toType(d.weight().value().getDataType(), false);
            masks[i] = persistent(manager, a);
            masksFrom[i] = p;
        }
        return masks[i];
    }

    private static void roundPositions(Dcls1d d) {
        NDArray p = d.positions().value();
        float[] v = p.toFloatArray();
        double half = d.maxDelay() / 2;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.max(-half, Math.min(half, Math.rint(v[i])));
        }
        try (NDManager tmp = p.getManager().newSubManager()) {
            d.positions().copyFrom(tmp.create(v, p.getShape()));
        }
    }

    /** Clamps the positions of every delay layer into range ({@link Mode#LEARNED}; a no-op otherwise). */
    public void clampPositions() {
        if (config.mode() == Mode.LEARNED) {
            delayLayers.forEach(Dcls1d::clampPositions);
        }
    }

    /** Sets every delay layer's sigma to the schedule's value after {@code epochsDone} epochs (LEARNED only). */
    public void applySigma(SigmaSchedule schedule, int epochsDone) {
        if (config.mode() == Mode.LEARNED) {
            schedule.apply(epochsDone, delayLayers.toArray(new Dcls1d[0]));
        }
    }

    /** The delay layers, input side first; the last one feeds the readout. */
    public List<Dcls1d> delayLayers() {
        return Collections.unmodifiableList(delayLayers);
    }

    /**
     * The evaluation forward of this net as a plain chain of modules that {@link dev.snn4j.io.nir.NirConverter} can
     * export (NIR has no batch norm): per hidden layer a {@link Dcls1d} whose weights carry the batch norm's scale
     * ({@code w[o, c, k] * gamma_o / sqrt(var_o + eps)}, same positions and output length), then a {@link Sequential}
     * of a {@link Scale} adding the batch norm's shift ({@code beta_o - mean_o * scale_o}) and a copy of the LIF
     * neuron (NIR: one LIF node whose {@code v_leak} carries the shift), then the output delay layer and the leaky
     * readout. Dropout is dropped (identity at evaluation). The result is in evaluation mode and computes
     * {@link #membrane} up to float rounding (the scale is applied to the weights instead of the sums).
     *
     * <pre>{@code
     * NirGraph g = NirConverter.export(net.evaluationChain(manager), new long[] {140}, 1e-3);
     * }</pre>
     */
    public Sequential evaluationChain(NDManager m) {
        Sequential seq = new Sequential();
        for (int i = 0; i < delayLayers.size(); i++) {
            Dcls1d d = delayLayers.get(i);
            String n = i < neurons.size() ? String.valueOf(i + 1) : "_out";
            Dcls1d copy = new Dcls1d(m, d.inChannels(), d.outChannels(), d.kernelCount(), d.maxDelay());
            copy.outputLength(d.outputLength());
            double[] w = d.weight().value().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
            double[] shift = null;
            if (i < norms.size()) {
                BatchNorm bn = norms.get(i);
                double[] g = vals(bn.gamma());
                double[] b = vals(bn.beta());
                double[] mean = vals(bn.runningMean());
                double[] var = vals(bn.runningVar());
                shift = new double[g.length];
                int per = d.inChannels() * d.kernelCount();
                for (int o = 0; o < g.length; o++) {
                    double a = g[o] / Math.sqrt(var[o] + bn.eps());
                    shift[o] = b[o] - mean[o] * a;
                    for (int q = 0; q < per; q++) {
                        w[o * per + q] *= a;
                    }
                }
            }
            try (NDManager tmp = m.newSubManager()) {
                DataType type = d.weight().value().getDataType();
                copy.weight().copyFrom(tmp.create(w, d.weight().value().getShape()).toType(type, false));
                copy.positions().copyFrom(d.positions().value().duplicate());
            }
            seq.add("delay" + n, copy);
            if (i < neurons.size()) {
                LifNeuron lif = neurons.get(i);
                seq.add("lif" + (i + 1), new Sequential()
                        .add("shift", new Scale(m, new double[] {1.0}, shift, new Shape(shift.length)))
                        .add("neuron", LifNeuron.builder().tau(lif.tau()).decayInput(lif.decayInput())
                                .hardReset(lif.vReset() == null ? 0.0 : lif.vReset()).threshold(lif.threshold())
                                .build()));
            }
        }
        seq.add("readout", new LeakyReadout(readout.tau(), false));
        seq.eval();
        return seq;
    }

    private static double[] vals(Parameter p) {
        return p.value().toType(DataType.FLOAT64, false).toDoubleArray();
    }

    /** The hidden LIF layers. */
    public List<LifNeuron> neurons() {
        return Collections.unmodifiableList(neurons);
    }

    /** Synaptic weights of every delay layer (the one-cycle, weight-decayed group), by dotted name. */
    public Map<String, Parameter> synapseWeights() {
        return select(".weight");
    }

    /** Batch-norm scales and shifts (trained like the weights but without weight decay), by dotted name. */
    public Map<String, Parameter> batchNormParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        trainableParameters().forEach((k, p) -> {
            if (k.startsWith("bn")) {
                out.put(k, p);
            }
        });
        return out;
    }

    /** The delay positions that are trained: all of them in {@link Mode#LEARNED}, none otherwise. */
    public Map<String, Parameter> trainedPositions() {
        return config.mode() == Mode.LEARNED ? select(".P") : Map.of();
    }

    private Map<String, Parameter> select(String suffix) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        trainableParameters().forEach((k, p) -> {
            if (k.startsWith("delay") && k.endsWith(suffix)) {
                out.put(k, p);
            }
        });
        return out;
    }

    /** Number of trained values: synaptic weights, batch-norm affine parameters and (LEARNED) positions. */
    public long trainedParameterCount() {
        long n = 0;
        for (Parameter p : synapseWeights().values()) {
            n += p.value().size();
        }
        for (Parameter p : batchNormParameters().values()) {
            n += p.value().size();
        }
        for (Parameter p : trainedPositions().values()) {
            n += p.value().size();
        }
        return n;
    }

    /** Number of synapses, i.e. of delays the model stores in FIXED_RANDOM and LEARNED mode (0 in NONE). */
    public long delayCount() {
        if (config.mode() == Mode.NONE) {
            return 0;
        }
        return delayLayers.stream().mapToLong(d -> (long) d.inChannels() * d.outChannels()).sum();
    }
}
