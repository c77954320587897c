package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;
import dev.snn4j.nn.Tensors;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Learnable synaptic delays as a 1-D temporal convolution whose kernel is built with DCLS (dilated convolution with
 * learnable spacings, version {@code 'gauss'}), as in Hammouamri et al., "Learning Delays in SNNs using DCLS" (ICLR
 * 2024, code: SNN-delays). Every synapse {@code (o, c)} has {@code kernelCount} (usually 1) taps, each a weight and a
 * real-valued position; a tap is spread over the {@code D} kernel slots by a normalised Gaussian of width sigma, so
 * the position gets a gradient.
 *
 * <h2>Parameters (names match the PyTorch module, for checkpoint conversion)</h2>
 * <ul>
 *   <li>{@code weight} {@code [Cout, Cin, KC]}, trainable. Initialised like SNN-delays ({@code kaiming_uniform_} with
 *   {@code nonlinearity='relu'}): uniform in {@code [-sqrt(6/fanIn), sqrt(6/fanIn)]}, {@code fanIn = Cin * KC}.</li>
 *   <li>{@code P} {@code [1, Cout, Cin, KC]}, positions, trainable. Initialised uniform in {@code [-D//2, D//2]}
 *   (seeded through {@link Init}). SNN-delays writes {@code uniform_(a=-D//2, b=D//2)} in Python, where
 *   {@code -D//2} floors to {@code -(D//2)-1}, then clamps, which puts a small extra mass on the lower limit; we draw
 *   from the symmetric clamp range directly.</li>
 *   <li>{@code SIG} {@code [1, Cout, Cin, KC]}, a non-trainable buffer (SNN-delays freezes it and decays it once per
 *   epoch, see {@link SigmaSchedule}); starts at {@code D//2}.</li>
 * </ul>
 *
 * <h2>Kernel ({@link #kernel()})</h2>
 * With {@code mu = P + D//2}, {@code s = |SIG| + 0.27} and {@code d = 0..D-1}:
 * {@code g_k[d] = exp(-((d - mu_k)/s_k)^2 / 2)}, {@code n_k[d] = g_k[d] / (sum_d g_k[d] + 1e-7)},
 * {@code K[o, c, d] = sum_k weight[o, c, k] n_k[d]}.
 *
 * <h2>Forward: time-major {@code [T, B, Cin] -> [T', B, Cout]}</h2>
 * The input is read as channel-major {@code [B, Cin, T]}, zero-padded on the time axis by {@code D-1} steps on the
 * left and {@code (D-1)//2} on the right (SNN-delays' padding) and cross-correlated with the kernel. Kernel tap
 * {@code d} then delays its input by {@code D-1-d} steps, so a tap at position {@code P} delays by
 * {@code D//2 - P} steps: delays range over {@code 0..D-1}, and {@code P = 0} is the middle delay {@code D//2}.
 * The convolution output has {@code T + (D-1)//2} steps. {@link OutputLength#EXTENDED} (the default) keeps them all,
 * as SNN-delays does, so spikes delayed past the end of the input still reach the next layer (and a stack of L
 * layers grows the sequence by {@code L (D-1)//2} steps). {@link OutputLength#CROPPED} keeps the first {@code T}
 * steps (then no right padding is applied at all), for models that need every layer to preserve {@code T}.
 *
 * <h2>Evaluation with integer delays</h2>
 * In {@link #eval()} mode with {@link #integerDelaysAtEval(boolean)} on (the default), the layer uses what training
 * converges to when sigma goes to 0 and positions are rounded (SNN-delays' final model): each tap becomes an exact
 * integer delay {@link #delays()} and the layer is a pure shift, {@code out[t, b, o] = sum_{c,k} weight[o, c, k]
 * x[t - delay[o, c, k], b, c]} (zero before the start), computed as one matrix product per distinct delay value
 * (with the weights of the synapses having that delay; at most {@code D}) instead of building a kernel. Positions
 * are rounded half to even (like {@code torch.round}). The weights still get gradients in this mode, the positions
 * do not (fine-tuning with frozen delays). Turn the option off to evaluate with the smooth kernel of the
 * current sigma (what SNN-delays' per-epoch validation does while sigma is still decaying).
 *
 * <p>Cost: the shift is exact but not cheaper than a convolution on dense hardware, since every delay value still
 * needs a full {@code Cin x Cout} product. When all {@code D} values occur it does the same arithmetic as the
 * convolution with the one-hot kernel {@link #integerKernel()}, in thinner products: measured about 2x slower at SHD
 * size (T 100, batch 256, 140 -> 256, D 25: ~350 ms vs ~160 ms on 2 cores). It is faster only when few distinct delays
 * remain. One tap per synapse saves work in event-driven execution, not here.
 *
 * <h2>Training</h2>
 * Call {@link #clampPositions()} after every optimizer update (SNN-delays' {@code clamp_parameters}) and set the sigma
 * of the epoch with {@link #setSigma(double)} or a {@link SigmaSchedule}.
 *
 * <pre>{@code
 * Dcls1d delays = new Dcls1d(manager, 140, 256, 25);            // D = 25 steps: delays 0..24
 * NDArray y = delays.forward(spikes);                            // [T, B, 140] -> [T + 12, B, 256]
 * // after optimizer.update(...):
 * delays.clampPositions();
 * // after each epoch e (0-based) of E:
 * SigmaSchedule.snnDelays(25, E).apply(e + 1, delays);
 * delays.eval();                                                 // integer delays, pure shift
 * int[][][] d = delays.delays();                                 // d[o][c][k] in 0..24
 * }</pre>
 */
public class Dcls1d extends Module {
    /** The {@code 0.27} DCLS adds to {@code |SIG|} in the Gaussian's width (so the width never reaches 0). */
    public static final double SIGMA_OFFSET = 0.27;
    /** The {@code 1e-7} in the Gaussian's normalisation. */
    public static final double NORM_EPS = 1e-7;

    /** How many time steps the output keeps (see the class comment). */
    public enum OutputLength {
        /** {@code T + (D-1)//2} steps: right padding {@code (D-1)//2}, as in SNN-delays. */
        EXTENDED,
        /** {@code T} steps: no right padding; spikes delayed past the last input step are dropped. */
        CROPPED
    }

    private final int in;
    private final int out;
    private final int kernelCount;
    private final int maxDelay;
    private final Parameter weight;
    private final Parameter positions;
    private final Parameter sigma;
    private OutputLength outputLength = OutputLength.EXTENDED;
    private boolean integerDelaysAtEval = true;

    /** Creates the layer with one tap per synapse ({@code kernelCount = 1}), the configuration of the paper. */
    public Dcls1d(NDManager manager, int in, int out, int maxDelay) {
        this(manager, in, out, 1, maxDelay);
    }

    /**
     * Creates the layer with {@code kernelCount} taps per synapse, initialised as described in the class comment.
     *
     * @param manager     manager that owns the parameters (long-lived)
     * @param in          input channels Cin
     * @param out         output channels Cout
     * @param kernelCount taps per synapse KC (DCLS' {@code kernel_count})
     * @param maxDelay    kernel size D in time steps, delays 0..D-1; an even value is raised to the next odd one
     *                    (like SNN-delays' config), so that {@code P = 0} sits on the middle tap
     */
    public Dcls1d(NDManager manager, int in, int out, int kernelCount, int maxDelay) {
        if (in <= 0 || out <= 0 || kernelCount <= 0 || maxDelay < 1) {
            throw new IllegalArgumentException("Dcls1d: channels and kernel count must be > 0 and the maximum delay D"
                    + " >= 1, got in=" + in + " out=" + out + " kernelCount=" + kernelCount + " D=" + maxDelay);
        }
        this.in = in;
        this.out = out;
        this.kernelCount = kernelCount;
        this.maxDelay = maxDelay % 2 == 1 ? maxDelay : maxDelay + 1;
        int half = this.maxDelay / 2;
        Shape pShape = new Shape(1, out, in, kernelCount);
        this.weight = addParameter("weight", persistent(manager,
                Init.uniform(manager, new Shape(out, in, kernelCount), Math.sqrt(6.0 / (in * kernelCount)))));
        this.positions = addParameter("P", persistent(manager, Init.uniform(manager, pShape, half)));
        this.sigma = addBuffer("SIG", persistent(manager, manager.full(pShape, (float) half)));
    }

    /** Chooses how many output steps to keep; returns this. */
    public Dcls1d outputLength(OutputLength mode) {
        this.outputLength = java.util.Objects.requireNonNull(mode, "mode");
        return this;
    }

    /** The output length mode (default {@link OutputLength#EXTENDED}). */
    public OutputLength outputLength() {
        return outputLength;
    }

    /** Whether evaluation mode uses rounded, exact integer delays (a pure shift); default true. Returns this. */
    public Dcls1d integerDelaysAtEval(boolean on) {
        this.integerDelaysAtEval = on;
        return this;
    }

    /** See {@link #integerDelaysAtEval(boolean)}. */
    public boolean integerDelaysAtEval() {
        return integerDelaysAtEval;
    }

    /** Number of output steps for an input of {@code t} steps. */
    public long outputSteps(long t) {
        return outputLength == OutputLength.EXTENDED ? t + rightPadding() : t;
    }

    /** Zero steps added before the input: {@code D - 1}. */
    public int leftPadding() {
        return maxDelay - 1;
    }

    /** Zero steps added after the input: {@code (D-1)//2} when {@link OutputLength#EXTENDED}, else 0. */
    public int rightPadding() {
        return outputLength == OutputLength.EXTENDED ? (maxDelay - 1) / 2 : 0;
    }

    @Override
    public NDArray forward(NDArray x) {
        validate(x);
        if (!isTraining() && integerDelaysAtEval) {
            return shiftForward(x);
        }
        NDArray padded = padded(x);
        NDArray k = buildKernel(x);
        NDArray y = dev.snn4j.nn.Tensors.convolution(padded, k, null, new Shape(1), new Shape(0), new Shape(1), 1);
        return y.transpose(2, 0, 1);
    }

    private void validate(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 3 || s.get(2) != in) {
            throw new IllegalArgumentException(describe() + ": expected input of shape [T, B, " + in + "] but got "
                    + s);
        }
        if (s.get(0) <= 0) {
            throw new IllegalArgumentException(describe() + ": the time axis is empty (T = 0); need T >= 1");
        }
    }

    /**
     * The convolution's input: time-major {@code x [T, B, Cin]} as channel-major {@code [B, Cin, T]}, zero-padded
     * along time by {@link #leftPadding()} before and {@link #rightPadding()} after (SNN-delays' {@code F.pad}).
     */
    public NDArray padded(NDArray x) {
        validate(x);
        Shape s = x.getShape();
        long b = s.get(1);
        NDArray cm = x.transpose(1, 2, 0);
        NDManager m = x.getManager();
        NDList parts = new NDList(m.zeros(new Shape(b, in, leftPadding()), x.getDataType()), cm);
        if (rightPadding() > 0) {
            parts.add(m.zeros(new Shape(b, in, rightPadding()), x.getDataType()));
        }
        return NDArrays.concat(parts, 2);
    }

    /**
     * The smooth DCLS kernel {@code [Cout, Cin, D]} of the current weight, positions and sigma (differentiable in all
     * three). The result belongs to the positions' manager: call it inside an {@link ai.djl.ndarray.NDScope} or close
     * it.
     */
    public NDArray kernel() {
        return buildKernel(positions.value());
    }

    /** Builds the kernel with every intermediate owned by {@code anchor}'s manager (DESIGN.md pitfall 2). */
    private NDArray buildKernel(NDArray anchor) {
        NDArray p = positions.value();
        DataType type = p.getDataType();
        NDManager m = anchor.getManager();
        NDArray idx = m.arange(0f, (float) maxDelay, 1f, type).reshape(maxDelay, 1, 1, 1);
        NDArray zero = Tensors.scalar(idx, 0.0);
        NDArray mu = Tensors.scalar(idx, maxDelay / 2).add(p);                       // [1, Cout, Cin, KC]
        NDArray s = zero.add(sigma.value()).abs().add(Tensors.scalar(idx, SIGMA_OFFSET));
        NDArray z = idx.sub(mu).div(s);                                               // [D, Cout, Cin, KC]
        NDArray g = z.mul(z).mul(Tensors.scalar(idx, -0.5)).exp();
        NDArray n = g.div(g.sum(new int[] {0}, true).add(Tensors.scalar(idx, NORM_EPS)));
        NDArray k = n.mul(weight.value()).sum(new int[] {3});                         // [D, Cout, Cin]
        return k.transpose(1, 2, 0);
    }

    /** The evaluation-mode pure shift: one matrix product per distinct integer delay. */
    private NDArray shiftForward(NDArray x) {
        int[][][] del = delays();
        // slot of each delay value among the distinct ones, in increasing order
        int[] slot = new int[maxDelay];
        java.util.Arrays.fill(slot, -1);
        for (int[][] a : del) {
            for (int[] row : a) {
                for (int d : row) {
                    slot[d] = 0;
                }
            }
        }
        int nd = 0;
        int[] distinct = new int[maxDelay];
        for (int d = 0; d < maxDelay; d++) {
            if (slot[d] == 0) {
                slot[d] = nd;
                distinct[nd++] = d;
            }
        }
        Shape s = x.getShape();
        long t = s.get(0);
        long b = s.get(1);
        long tOut = outputSteps(t);
        NDManager m = x.getManager();
        DataType type = x.getDataType();
        // masks [nd, Cout, Cin, KC]: 1 where a tap has the slot's delay; masked weights summed over taps [nd, Cout, Cin]
        int per = out * in * kernelCount;
        float[] mask = new float[nd * per];
        int i = 0;
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                for (int k = 0; k < kernelCount; k++) {
                    mask[slot[del[o][c][k]] * per + i++] = 1f;
                }
            }
        }
        NDArray weights = m.create(mask, new Shape(nd, out, in, kernelCount)).toType(type, false)
                .mul(weight.value()).sum(new int[] {3});
        // time-major padding: D-1 zero steps before, what the output length needs after
        NDArray xp = NDArrays.concat(new NDList(m.zeros(new Shape(leftPadding(), b, in), type), x,
                m.zeros(new Shape(rightPadding(), b, in), type)), 0);
        NDArray result = null;
        for (int j = 0; j < nd; j++) {
            // out[t] needs x[t - d] = xp[t + D-1 - d]
            long start = leftPadding() - distinct[j];
            NDArray shifted = xp.get(new NDIndex(start + ":" + (start + tOut))).reshape(tOut * b, in);
            // linear(x, w, acc) on 2-D input is addmm(acc, x, w^T): the running sum rides along as a full-shape bias
            result = shifted.getNDArrayInternal().linear(shifted, weights.get(j), result).singletonOrThrow();
        }
        return result.reshape(tOut, b, out);
    }

    /**
     * The one-hot kernel {@code [Cout, Cin, D]} of the integer delays: {@code weight[o, c, k]} at tap
     * {@code D-1-delays()[o][c][k]} (taps of the same synapse that land on the same slot add up). Convolving with it
     * is what the evaluation-mode pure shift computes. Differentiable in the weights; belongs to the weights'
     * manager.
     */
    public NDArray integerKernel() {
        int[][][] del = delays();
        double[] mask = new double[out * in * kernelCount * maxDelay];
        int i = 0;
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                for (int k = 0; k < kernelCount; k++) {
                    mask[i * maxDelay + maxDelay - 1 - del[o][c][k]] = 1.0;
                    i++;
                }
            }
        }
        NDArray w = weight.value();
        NDArray oneHot = w.getManager().create(mask, new Shape(out, in, kernelCount, maxDelay))
                .toType(w.getDataType(), false);
        return oneHot.mul(w.expandDims(3)).sum(new int[] {2});
    }

    /**
     * The integer delay of every tap, {@code [Cout][Cin][KC]}: {@code D//2 - round(P)} with P rounded half to even and
     * clamped to {@code [-D//2, D//2]}, so each delay is in {@code 0..D-1}.
     */
    public int[][][] delays() {
        double[] p = values(positions.value());
        int half = maxDelay / 2;
        int[][][] d = new int[out][in][kernelCount];
        int i = 0;
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                for (int k = 0; k < kernelCount; k++) {
                    double r = Math.max(-half, Math.min(half, Math.rint(p[i++])));
                    d[o][c][k] = half - (int) r;
                }
            }
        }
        return d;
    }

    /**
     * Clamps every position into {@code [-D//2, D//2]} in place (the array object stays the same, so optimizer state
     * keyed on it stays valid). Call after every optimizer update.
     */
    public void clampPositions() {
        NDArray p = positions.value();
        double half = maxDelay / 2;
        double[] v = values(p);
        boolean changed = false;
        for (int i = 0; i < v.length; i++) {
            double c = Math.max(-half, Math.min(half, v[i]));
            changed |= c != v[i];
            v[i] = c;
        }
        if (changed) {
            writeInPlace(p, v);
        }
    }

    /** Sets every sigma ({@code SIG}, before DCLS adds {@link #SIGMA_OFFSET}) to {@code value}, in place. */
    public void setSigma(double value) {
        double[] v = new double[(int) sigma.value().size()];
        java.util.Arrays.fill(v, value);
        writeInPlace(sigma.value(), v);
    }

    /** The values of a FLOAT32/FLOAT64 parameter as doubles, without creating an array in its manager. */
    private static double[] values(NDArray a) {
        if (a.getDataType() == DataType.FLOAT64) {
            return a.toDoubleArray();
        }
        float[] f = a.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static void writeInPlace(NDArray target, double[] v) {
        if (target.getDataType() == DataType.FLOAT64) {
            target.set(DoubleBuffer.wrap(v));
        } else if (target.getDataType() == DataType.FLOAT32) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            target.set(FloatBuffer.wrap(f));
        } else {
            throw new IllegalStateException("Dcls1d: unsupported parameter dtype " + target.getDataType());
        }
    }

    /** Per-synapse weights {@code [Cout, Cin, KC]}. */
    public Parameter weight() {
        return weight;
    }

    /** Positions {@code P [1, Cout, Cin, KC]} (trainable; typically with its own optimizer and learning rate). */
    public Parameter positions() {
        return positions;
    }

    /** The sigma buffer {@code SIG [1, Cout, Cin, KC]} (not trainable). */
    public Parameter sigma() {
        return sigma;
    }

    /** Input channels Cin. */
    public int inChannels() {
        return in;
    }

    /** Output channels Cout. */
    public int outChannels() {
        return out;
    }

    /** Taps per synapse KC. */
    public int kernelCount() {
        return kernelCount;
    }

    /** Kernel size D (odd): delays range over {@code 0..D-1}. */
    public int maxDelay() {
        return maxDelay;
    }
}
