package dev.snn4j.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.neuron.Neuron;
import dev.snn4j.nn.Tensors;
import dev.snn4j.surrogate.ATan;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bench shd --profile}: measures what the LIF time loop costs (per-op overhead, ops per step, the loop alone
 * forward and backward) and a leaner formulation of the same neuron, to back suggestions for
 * {@code dev.snn4j.neuron} with numbers. The lean variant lives here only as a measurement: it is not library code.
 *
 * <pre>{@code
 * NeuronProfile.run(manager, config, new int[] {700, 256, 256, 20}, new PrintWriter(System.out, true));
 * }</pre>
 */
final class NeuronProfile {
    private static final int REPEATS = 7;

    private NeuronProfile() {
    }

    static void run(NDManager root, ShdBench.Config c, int[] widths, PrintWriter out) {
        int n = widths[1];
        int b = c.batch();
        int t = c.timeSteps();
        out.printf("  per-op cost (mean of 2000 adds): [1] %.1f us, [%d, %d] %.1f us%n",
                opCost(root, new Shape(1)), b, n, opCost(root, new Shape(b, n)), b, n);
        out.printf("  native arrays created per LifNeuron step (forward): %d%n", arraysPerStep(root, b, n));
        out.printf("  native arrays created per lean-LIF step (forward):  %d%n", arraysPerLeanStep(root, b, n));

        NDArray current = root.randomNormal(0.4f, 0.8f, new Shape(t, b, n), DataType.FLOAT32);
        String[] names = {
            "LifNeuron.forward (the library's driver: x.get(t) per step)",
            "LifNeuron.step over one split of the input",
            "lean LIF: same math, constants made once, x/tau hoisted, split",
            "lean LIF, its 5 constants re-made every step (2 native calls each)",
            "lean LIF, each step in its own NDScope keeping only S and V"};
        Forward[] variants = {
            () -> lif().forward(current),
            () -> stepOverSplit(lif(), current),
            () -> leanLif(current, true),
            () -> leanLif(current, false),
            () -> scopedLeanLif(current)};
        double[][] ms = time(variants, current);
        out.printf("  one LIF layer alone on [%d, %d, %d], median of %d interleaved runs "
                + "(forward | forward+backward | arrays the forward leaves alive):%n", t, b, n, REPEATS);
        for (int i = 0; i < names.length; i++) {
            out.printf("    %-68s %6.1f | %6.1f ms | %5.0f MiB%n", names[i], ms[i][0], ms[i][1], ms[i][2]);
        }
        try (NDScope s = new NDScope()) {
            NDArray a = lif().forward(current);
            NDArray l = leanLif(current, true);
            NDArray d = stepOverSplit(lif(), current);
            NDArray e = scopedLeanLif(current);
            out.printf("  spikes differing from LifNeuron.forward: lean %d, step-over-split %d, scoped lean %d (of %d)%n",
                    a.neq(l).toType(DataType.INT64, false).sum().getLong(),
                    a.neq(d).toType(DataType.INT64, false).sum().getLong(),
                    a.neq(e).toType(DataType.INT64, false).sum().getLong(), a.size());
            NDArray ga = inputGradient(() -> lif().forward(current), current);
            NDArray gl = inputGradient(() -> leanLif(current, true), current);
            NDArray gs = inputGradient(() -> scopedLeanLif(current), current);
            out.printf("  input gradient of sum(spikes), max |difference| to LifNeuron.forward's: lean %.2e, "
                    + "scoped lean %.2e (max |gradient| %.2e)%n", gl.sub(ga).abs().max().getFloat(),
                    gs.sub(ga).abs().max().getFloat(), ga.abs().max().getFloat());
        }
    }

    private static LifNeuron lif() {
        return LifNeuron.builder().tau(2.0).surrogate(new ATan(2.0)).build();
    }

    /**
     * Drives {@code neuron} with its own {@link Neuron#step} over the slices of one {@code split} of {@code x}: the
     * backward of a split is one concatenation, where {@code x.get(t)} per step costs a zero tensor of the full
     * input's size per step in the backward.
     */
    static NDArray stepOverSplit(Neuron neuron, NDArray x) {
        neuron.resetState();
        NDList xs = x.split(x.getShape().get(0), 0);
        List<NDArray> spikes = new ArrayList<>(xs.size());
        for (NDArray xt : xs) {
            spikes.add(neuron.step(xt.squeeze(0)));
        }
        return NDArrays.stack(new NDList(spikes), 0);
    }

    /**
     * LIF tau 2, decay_input, hard reset to 0, ATan(2), over {@code x [T, B, N]}: constants made once per sequence,
     * {@code x / tau} for all steps in one op, inputs sliced by one split, reset as {@code H (1 - S)}. With
     * {@code cacheConstants} false the constants are made again at every step, as the library's neurons do.
     */
    static NDArray leanLif(NDArray x, boolean cacheConstants) {
        double tau = 2.0;
        double alpha = 2.0;
        NDArray decay = Tensors.scalar(x, 1 - 1 / tau);
        NDArray one = Tensors.scalar(x, 1.0);
        NDArray slope = Tensors.scalar(x, Math.PI / 2 * alpha);
        NDArray pi = Tensors.scalar(x, Math.PI);
        NDArray zero = Tensors.scalar(x, 0.0);
        NDList xs = Tensors.div(x, tau).split(x.getShape().get(0), 0);
        List<NDArray> spikes = new ArrayList<>(xs.size());
        NDArray v = null;
        for (NDArray xt : xs) {
            xt = xt.squeeze(0);
            if (!cacheConstants) {
                decay = Tensors.scalar(x, 1 - 1 / tau);
                one = Tensors.scalar(x, 1.0);
                slope = Tensors.scalar(x, Math.PI / 2 * alpha);
                pi = Tensors.scalar(x, Math.PI);
                zero = Tensors.scalar(x, 0.0);
            }
            NDArray h = v == null ? xt : v.mul(decay).add(xt);     // charge: V + (X - V)/tau = (1 - 1/tau) V + X/tau
            NDArray z = h.sub(one);                                // threshold 1
            NDArray g = z.mul(slope).atan().div(pi);
            NDArray s = z.gte(zero).toType(DataType.FLOAT32, false).add(g.sub(g.stopGradient()));
            v = h.mul(one.sub(s));                                 // hard reset to 0
            spikes.add(s);
        }
        return NDArrays.stack(new NDList(spikes), 0);
    }

    private interface Forward {
        NDArray apply();
    }

    /**
     * {@link #leanLif} with each step in its own {@link NDScope} that keeps only the spike and the membrane: the
     * other intermediates are closed at once (autograd keeps its own references to what backward needs). The
     * constants are made once outside the steps: they wrap Java buffers that must stay reachable until backward.
     */
    static NDArray scopedLeanLif(NDArray x) {
        NDArray decay = Tensors.scalar(x, 0.5);
        NDArray one = Tensors.scalar(x, 1.0);
        NDArray slope = Tensors.scalar(x, Math.PI / 2 * 2.0);
        NDArray pi = Tensors.scalar(x, Math.PI);
        NDArray zero = Tensors.scalar(x, 0.0);
        NDList xs = Tensors.div(x, 2.0).split(x.getShape().get(0), 0);
        List<NDArray> spikes = new ArrayList<>(xs.size());
        NDArray v = null;
        for (NDArray xt : xs) {
            NDArray s;
            try (NDScope step = new NDScope()) {
                NDArray in = xt.squeeze(0);
                NDArray h = v == null ? in : v.mul(decay).add(in);
                NDArray z = h.sub(one);
                NDArray g = z.mul(slope).atan().div(pi);
                s = z.gte(zero).toType(DataType.FLOAT32, false).add(g.sub(g.stopGradient()));
                v = h.mul(one.sub(s));
                NDScope.unregister(s, v);
            }
            NDScope.register(s);
            NDScope.register(v);
            spikes.add(s);
        }
        return NDArrays.stack(new NDList(spikes), 0);
    }

    /**
     * Median forward and forward+backward time in ms of each variant on an input that requires a gradient; the
     * variants take turns, so a change in machine load hits them alike.
     */
    private static double[][] time(Forward[] variants, NDArray input) {
        double[][][] runs = new double[variants.length][2][REPEATS];
        double[] heldMb = new double[variants.length];
        input.setRequiresGradient(true);
        for (int i = -1; i < REPEATS; i++) {
            for (int v = 0; v < variants.length; v++) {
                try (NDScope s = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    long before = i < 0 ? bytes(input.getManager()) : 0;
                    long t0 = System.nanoTime();
                    NDArray y = variants[v].apply();
                    long t1 = System.nanoTime();
                    if (i < 0) {
                        heldMb[v] = (bytes(input.getManager()) - before) / 1048576.0;
                    }
                    gc.backward(y.sum());
                    long t2 = System.nanoTime();
                    if (i >= 0) {
                        runs[v][0][i] = (t1 - t0) / 1e6;
                        runs[v][1][i] = (t2 - t0) / 1e6;
                    }
                }
                try (NDArray g = input.getGradient()) {
                    g.subi(g);
                }
            }
        }
        input.setRequiresGradient(false);
        double[][] out = new double[variants.length][3];
        for (int v = 0; v < variants.length; v++) {
            out[v][2] = heldMb[v];
            out[v][0] = ShdBench.median(runs[v][0]);
            out[v][1] = ShdBench.median(runs[v][1]);
        }
        return out;
    }

    /** A copy of d sum(f(input)) / d input. */
    private static NDArray inputGradient(Forward f, NDArray input) {
        input.setRequiresGradient(true);
        NDArray copy;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(f.apply().sum());
        }
        try (NDArray g = input.getGradient()) {
            copy = g.duplicate();
            g.subi(g);
        }
        input.setRequiresGradient(false);
        return copy;
    }

    private static long bytes(NDManager m) {
        long b = 0;
        for (NDArray a : m.getManagedArrays()) {
            b += a.size() * a.getDataType().getNumOfBytes();
        }
        return b;
    }

    private static double opCost(NDManager root, Shape shape) {
        try (NDManager m = root.newSubManager()) {
            NDArray a = m.ones(shape);
            NDArray b = m.ones(shape);
            for (int i = 0; i < 200; i++) {
                a.add(b).close();
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < 2000; i++) {
                a.add(b).close();
            }
            return (System.nanoTime() - t0) / 1e3 / 2000;
        }
    }

    private static int arraysPerStep(NDManager root, int b, int n) {
        try (NDManager m = root.newSubManager()) {
            NDArray x = m.randomNormal(new Shape(b, n));
            LifNeuron lif = lif();
            lif.step(x);
            int before = m.getManagedArrays().size();
            lif.step(x);
            return m.getManagedArrays().size() - before;
        }
    }

    private static int arraysPerLeanStep(NDManager root, int b, int n) {
        try (NDManager m = root.newSubManager()) {
            NDArray x = m.randomNormal(new Shape(1, b, n));
            int one = countLean(m, x);
            NDArray x2 = m.randomNormal(new Shape(2, b, n));
            int two = countLean(m, x2);
            return two - one;
        }
    }

    private static int countLean(NDManager m, NDArray x) {
        int before = m.getManagedArrays().size();
        leanLif(x, true);
        return m.getManagedArrays().size() - before;
    }
}
