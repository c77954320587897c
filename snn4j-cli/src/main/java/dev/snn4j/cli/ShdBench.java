package dev.snn4j.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.MeanOverTime;
import dev.snn4j.layer.Sequential;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Module;
import dev.snn4j.train.Adam;
import dev.snn4j.train.ParamGroup;
import dev.snn4j.surrogate.ATan;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The {@code bench shd} benchmark: a training step (forward, backward, Adam) of a spiking MLP
 * {@code inputs-hidden...-classes} of {@link LifNeuron}s on random input spikes, then the same net's matrix products
 * alone (the floor: what a perfect implementation could not avoid), and the step's memory next to the activations
 * BPTT has to keep.
 *
 * <pre>{@code
 * new ShdBench(new ShdBench.Config(100, 128, 700, new int[] {256, 256}, 20, 0.05, 3, 10, false, 42),
 *         new PrintWriter(System.out, true)).run();
 * }</pre>
 */
final class ShdBench {

    /** Benchmark settings (validated by {@link ShdBenchCommand}). */
    record Config(int timeSteps, int batch, int inputs, int[] hidden, int classes, double rate, int warmup,
                  int iterations, boolean profile, long seed) {
        int[] widths() {
            int[] w = new int[hidden.length + 2];
            w[0] = inputs;
            System.arraycopy(hidden, 0, w, 1, hidden.length);
            w[w.length - 1] = classes;
            return w;
        }
    }

    private final Config c;
    private final PrintWriter out;
    private final int[] widths;
    /** Forward time per module name, summed over measured iterations (ns). */
    private final Map<String, Long> forwardNs = new LinkedHashMap<>();
    private long lossNs;
    private long backwardNs;
    private long updateNs;
    private long closeNs;
    private boolean measuring;
    private long peakHeap;
    private long peakRss;
    private int liveArrays = -1;
    private long liveBytes;
    private int baseArrays;
    private long baseBytes;

    ShdBench(Config c, PrintWriter out) {
        this.c = c;
        this.out = out;
        this.widths = c.widths();
    }

    void run() {
        Init.seed(c.seed());
        out.printf("bench shd: net %s, LIF (tau 2, hard reset 0, ATan(2)), T=%d, batch %d, input spike rate %.2f, "
                        + "float32, %s engine %s, %s intra-op threads%n",
                join(widths),
                c.timeSteps(), c.batch(), c.rate(), Engine.getInstance().getEngineName(),
                Engine.getInstance().getVersion(), System.getProperty("ai.djl.pytorch.num_threads", "default"));
        out.printf("malloc: MALLOC_MMAP_THRESHOLD_=%s MALLOC_TRIM_THRESHOLD_=%s MALLOC_TOP_PAD_=%s%n",
                env("MALLOC_MMAP_THRESHOLD_"), env("MALLOC_TRIM_THRESHOLD_"), env("MALLOC_TOP_PAD_"));
        out.flush();
        try (NDManager root = NDManager.newBaseManager()) {
            Sequential net = build(root);
            NDArray x = root.randomUniform(0f, 1f, new Shape(c.timeSteps(), c.batch(), c.inputs()))
                    .lt(c.rate()).toType(DataType.FLOAT32, false);
            int[] labels = new Random(c.seed()).ints(c.batch(), 0, c.classes()).toArray();
            NDArray target = root.create(labels).oneHot(c.classes()).toType(DataType.FLOAT32, false);
            Adam adam = Adam.adam(ParamGroup.all(net).lr(1e-3));

            // The step's own peak native memory: RSS high-water growth over two steps run before anything else
            // allocates (the floor's operands come after), so it is what one training step needs on top of the net.
            long rssNet = rssKb("VmRSS");
            trainStep(net, x, target, adam);
            trainStep(net, x, target, adam);
            long stepPeakKb = rssKb("VmHWM") - rssNet;
            Floor floor = new Floor(root);
            countLiveArrays(root);
            baseArrays = liveArrays;
            baseBytes = liveBytes;
            liveArrays = -1;
            long rssBefore = rssKb("VmRSS");
            double load0 = loadAverage();
            double[] step = new double[c.iterations()];
            double[] floorMs = new double[c.iterations()];
            // step and floor take turns, so a change in machine load affects both alike
            for (int i = 0; i < c.warmup() + c.iterations(); i++) {
                measuring = i >= c.warmup();
                double ms = trainStep(net, x, target, adam);
                double f = floor.time();
                if (measuring) {
                    step[i - c.warmup()] = ms;
                    floorMs[i - c.warmup()] = f;
                }
            }
            measuring = false;
            long hwm = rssKb("VmHWM");
            double stepMs = median(step);
            double floorMedian = median(floorMs);
            out.printf("step (forward + backward + Adam): %.1f ms/batch (median of %d; min %.1f, max %.1f)%n",
                    stepMs, step.length, min(step), max(step));
            out.printf("floor (matrix products alone: forward x W^T of %d layers, backward dW of all, dX of all but "
                            + "the first): %.1f ms/batch (median of %d; min %.1f), %.2f GFLOP -> %.0f GFLOP/s%n",
                    widths.length - 1, floorMedian, floorMs.length, min(floorMs), floorFlops() / 1e9,
                    floorFlops() / 1e6 / floorMedian);
            out.printf("ratio %.2f (step / floor, medians; %.2f from the minima)%n", stepMs / floorMedian,
                    min(step) / min(floorMs));
            boolean noisy = max(step) > 1.5 * min(step) || max(floorMs) > 1.5 * min(floorMs);
            out.printf("load average (1 min) before / after: %.2f / %.2f on %d CPUs (this benchmark alone adds ~2)%s%n",
                    load0, loadAverage(), Runtime.getRuntime().availableProcessors(),
                    noisy ? "; times varied more than 1.5x: the machine was busy, timings are noisy" : "");
            out.printf("memory: peak JVM heap used %.0f MiB; native RSS at the end of the forward pass %.0f MiB, "
                            + "before the first step (net, input, floor operands) %.0f MiB, high-water mark (VmHWM) "
                            + "%.0f MiB (RSS includes the JVM and libtorch)%n",
                    peakHeap / 1048576.0, peakRss / 1024.0, rssBefore / 1024.0, hwm / 1024.0);
            out.printf("arrays alive at the end of the forward pass (until the step's scope closes): %d, %.1f MiB "
                    + "(views counted as copies; not counting the input, parameters and floor operands)%n",
                    liveArrays, liveBytes / 1048576.0);
            printActivations(stepPeakKb);
            if (c.profile()) {
                profile();
            }
        }
        out.flush();
    }

    /** The activations BPTT has to keep at least, with the formula. */
    private void printActivations(long stepPeakKb) {
        out.println("BPTT activations (minimum kept): per time step and layer the layer's input (for dW), the "
                + "charged membrane H and the spike S (surrogate and reset derivatives):");
        long perRow = 0;
        StringBuilder terms = new StringBuilder();
        for (int l = 1; l < widths.length; l++) {
            perRow += widths[l - 1] + 2L * widths[l];
            terms.append(l == 1 ? "" : " + ").append("(").append(widths[l - 1]).append(" + 2x").append(widths[l])
                    .append(")");
        }
        double minimum = 4.0 * c.timeSteps() * c.batch() * perRow / 1048576.0;
        out.printf("  4 B x T x batch x sum_l(n_in + 2 n_out) = 4 x %d x %d x [%s = %d] = %.1f MiB%n",
                c.timeSteps(), c.batch(), terms, perRow, minimum);
        out.printf("step peak native memory (RSS high-water growth over the first two steps, before the floor's "
                + "operands exist): %.1f MiB = %.2fx the BPTT minimum (memory ratio; includes allocator caching)%n",
                stepPeakKb / 1024.0, stepPeakKb / 1024.0 / minimum);
    }

    private Sequential build(NDManager m) {
        Sequential net = new Sequential();
        for (int l = 1; l < widths.length; l++) {
            net.add("fc" + l, new Linear(m, widths[l - 1], widths[l], true));
            net.add("lif" + l, lif());
        }
        net.add("readout", new MeanOverTime());
        return net;
    }

    private static LifNeuron lif() {
        return LifNeuron.builder().tau(2.0).surrogate(new ATan(2.0)).build();
    }

    /** One training step in its own scope; returns its wall time in ms. */
    private double trainStep(Sequential net, NDArray x, NDArray target, Adam adam) {
        long t0 = System.nanoTime();
        long t;
        try (NDScope scope = new NDScope()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = x;
                for (Map.Entry<String, Module> e : net.children().entrySet()) {
                    long a = System.nanoTime();
                    y = e.getValue().forward(y);
                    add(e.getKey(), System.nanoTime() - a);
                }
                long a = System.nanoTime();
                NDArray loss = y.logSoftmax(1).mul(target).sum(new int[] {1}).mean().neg();
                lossNs += measuring ? System.nanoTime() - a : 0;
                sampleMemory();
                if (liveArrays < 0) {
                    countLiveArrays(x.getManager()); // once, in the first (warm-up) step
                }
                a = System.nanoTime();
                gc.backward(loss);
                backwardNs += measuring ? System.nanoTime() - a : 0;
            }
            long a = System.nanoTime();
            adam.step();
            updateNs += measuring ? System.nanoTime() - a : 0;
            t = System.nanoTime();
        }
        closeNs += measuring ? System.nanoTime() - t : 0;
        return (System.nanoTime() - t0) / 1e6;
    }

    private void add(String name, long ns) {
        if (measuring) {
            forwardNs.merge(name, ns, Long::sum);
        }
    }

    /** Every array the forward pass left alive (they all live in the input's manager until the scope closes). */
    private void countLiveArrays(NDManager m) {
        liveArrays = -baseArrays;
        liveBytes = -baseBytes;
        for (NDArray a : m.getManagedArrays()) {
            liveArrays++;
            liveBytes += a.size() * a.getDataType().getNumOfBytes();
        }
    }

    private void sampleMemory() {
        Runtime r = Runtime.getRuntime();
        peakHeap = Math.max(peakHeap, r.totalMemory() - r.freeMemory());
        peakRss = Math.max(peakRss, rssKb("VmRSS"));
    }

    /**
     * The matrix products a training step of this net needs, alone: per layer the forward {@code X W^T}
     * ({@code [T*B, in] x [in, out]}), the weight gradient {@code dY^T X} and, except for the first layer (whose input
     * needs no gradient), the input gradient {@code dY W}. Operands are made once, outside the timing.
     */
    private final class Floor {
        private final NDArray[] xs;
        private final NDArray[] ws;
        private final NDArray[] dys;

        Floor(NDManager root) {
            long rows = (long) c.timeSteps() * c.batch();
            int layers = widths.length - 1;
            xs = new NDArray[layers];
            ws = new NDArray[layers];
            dys = new NDArray[layers];
            for (int l = 0; l < layers; l++) {
                xs[l] = root.randomUniform(0f, 1f, new Shape(rows, widths[l])).lt(l == 0 ? c.rate() : 0.1)
                        .toType(DataType.FLOAT32, false);
                ws[l] = root.randomNormal(0f, 0.05f, new Shape(widths[l + 1], widths[l]), DataType.FLOAT32);
                dys[l] = root.randomNormal(0f, 1e-3f, new Shape(rows, widths[l + 1]), DataType.FLOAT32);
            }
        }

        /** One forward + backward worth of matrix products; wall time in ms. */
        double time() {
            long t0 = System.nanoTime();
            try (NDScope scope = new NDScope()) {
                for (int l = 0; l < xs.length; l++) {
                    xs[l].getNDArrayInternal().linear(xs[l], ws[l], null).singletonOrThrow();
                }
                for (int l = xs.length - 1; l >= 0; l--) {
                    dys[l].transpose().matMul(xs[l]);
                    if (l > 0) {
                        dys[l].matMul(ws[l]);
                    }
                }
            }
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private double floorFlops() {
        double rows = (double) c.timeSteps() * c.batch();
        double f = 0;
        for (int l = 1; l < widths.length; l++) {
            double mm = 2 * rows * widths[l - 1] * widths[l];
            f += mm * (l == 1 ? 2 : 3);
        }
        return f;
    }

    /** Where the step's time goes: per forward module, loss, backward, update, scope close. */
    private void profile() {
        int n = c.iterations();
        out.println("profile (mean per measured step):");
        forwardNs.forEach((k, v) -> out.printf("  forward %-8s %8.1f ms%n", k, v / 1e6 / n));
        out.printf("  loss             %8.1f ms%n", lossNs / 1e6 / n);
        out.printf("  backward         %8.1f ms%n", backwardNs / 1e6 / n);
        out.printf("  Adam update      %8.1f ms%n", updateNs / 1e6 / n);
        out.printf("  scope close      %8.1f ms%n", closeNs / 1e6 / n);
    }

    private static String join(int[] a) {
        return String.join("-", Arrays.stream(a).mapToObj(Integer::toString).toArray(String[]::new));
    }

    private static String env(String k) {
        String v = System.getenv(k);
        return v == null ? "(unset)" : v;
    }

    /** A field of /proc/self/status in kB, or -1 where there is none (not Linux). */
    static long rssKb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] a) {
        return Arrays.stream(a).min().orElse(Double.NaN);
    }

    private static double max(double[] a) {
        return Arrays.stream(a).max().orElse(Double.NaN);
    }
}
