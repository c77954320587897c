package dev.snn4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.data.Idx;
import dev.snn4j.io.GraphExport;
import dev.snn4j.io.TrainedModels;
import dev.snn4j.model.DelayNet;
import dev.snn4j.model.Conversion;
import dev.snn4j.model.Vgg;
import dev.snn4j.model.VggConfig;
import dev.snn4j.nn.Init;
import dev.snn4j.runtime.LayerStats;
import dev.snn4j.runtime.Session;
import dev.snn4j.runtime.SpikingModel;
import dev.snn4j.surrogate.PiecewiseLinear;
import dev.snn4j.train.StateDict;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code snn4j bench runtime}: the pure-Java event-driven runtime against dense DJL inference of the same IIR VGG SNN,
 * at batch 1 (streaming, one image at a time) and batch 32, in one run: firing rates, ms per image, speedup and
 * whether the predictions are identical. Without {@code --weights} the net has random weights with thresholds
 * calibrated by {@link Conversion#setThresholdsFromPercentile} on random images (the output says so).
 *
 * <pre>{@code
 * ./snn4j bench runtime --model small28 --time-steps 5 --percentile 0.9,0.95,0.99
 * ./snn4j bench runtime --model small28 --weights runs/iir/stage-t1/model.safetensors --time-steps 1
 * ./snn4j bench runtime --checkpoint runs/fmnist/snn-T1 --data ../shared/data/fashion_mnist --repeats 7 --profile
 * ./snn4j bench runtime --checkpoint runs/delays/learned --fsdd ../shared/data/fsdd/recordings
 * }</pre>
 * Timings of dense batch 1, the runtime and dense batch B are interleaved {@code --repeats} times and the medians
 * printed, with the 1-minute load average: the machine is shared.
 */
@Command(name = "runtime", mixinStandardHelpOptions = true,
        description = {"Time the event-driven runtime against dense DJL inference of an IIR VGG SNN or a delay net",
                "(batch 1 and batch 32); prints firing rates and one line per case with 'speedup <x>'."})
public final class RuntimeBenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", defaultValue = "small28", description = "small28, tiny or vgg5 (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--channels", defaultValue = "1", description = "Image channels (default ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--image-size", defaultValue = "28", description = "Image side (default ${DEFAULT-VALUE}).")
    int imageSize;

    @Option(names = "--classes", defaultValue = "10", description = "Classes (default ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = {"-T", "--time-steps"}, defaultValue = "5", description = "Time steps (default ${DEFAULT-VALUE}).")
    int timeSteps;

    @Option(names = "--weights", description = "A trained Vgg SNN's parameters (StateDict safetensors, e.g. a "
            + "checkpoint's model.safetensors) of the same --model; default: random weights, calibrated thresholds.")
    Path weights;

    @Option(names = "--percentile", split = ",", defaultValue = "0.9",
            description = "Threshold percentiles for the calibrated net, one case each (default ${DEFAULT-VALUE}).")
    double[] percentiles;

    @Option(names = "--images", defaultValue = "64", description = "Timed images per case (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--batch", defaultValue = "32", description = "Large batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--seed", defaultValue = "7", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint", description = "A trained model: an iir-snn or delays run / stage / checkpoint "
            + "directory (replaces --model/--weights/--net).")
    Path checkpoint;

    @Option(names = "--data", description = "IDX directory for image nets (test images, normalised with the train "
            + "images' statistics as the IIR recipe does); default random uniform images.")
    Path data;

    @Option(names = "--net", defaultValue = "iir", description = "Without --checkpoint: 'iir' (the VGG of --model) "
            + "or 'delay' (a random FSDD-size DelayNet 140-[--hidden]-10, D 13, T --sequence-steps) (default "
            + "${DEFAULT-VALUE}).")
    String net;

    @Option(names = "--fsdd", description = "Delay net: FSDD recordings directory; the test clips as the delays "
            + "recipe bins them (20 ms, 1 s) replace the random input spikes.")
    Path fsdd;

    @Option(names = "--fsdd-cache", description = "Where the FSDD spike conversion is cached (default: a directory "
            + "under java.io.tmpdir).")
    Path fsddCache;

    @Option(names = "--hidden", split = ",", defaultValue = "128,128", description = "Random delay net: hidden sizes "
            + "(default ${DEFAULT-VALUE}).")
    int[] hidden;

    @Option(names = "--sequence-steps", defaultValue = "50", description = "Random delay net: input steps (default "
            + "${DEFAULT-VALUE}).")
    int sequenceSteps;

    @Option(names = "--input-rate", defaultValue = "0.05", description = "Delay net: spike probability of the random "
            + "input per channel and step (default ${DEFAULT-VALUE}).")
    double inputRate;

    @Option(names = "--profile", description = "After the timings, run the runtime once more with per-layer timing "
            + "and print each layer's share.")
    boolean profile;

    @Option(names = "--repeats", defaultValue = "3", description = "Interleaved repetitions of every timing; the "
            + "median is printed (default ${DEFAULT-VALUE}).")
    int repeats;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        if (timeSteps < 1 || images < 1 || batch < 1 || repeats < 1 || sequenceSteps < 1
                || java.util.Arrays.stream(hidden).anyMatch(h -> h < 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--time-steps, --images, --batch, --repeats, --sequence-steps, --hidden must be >= 1");
        }
        if (!net.equals("iir") && !net.equals("delay")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--net must be 'iir' or 'delay', got '"
                    + net + "'");
        }
        Init.seed(seed);
        try (NDManager m = NDManager.newBaseManager()) {
            if (checkpoint != null) {
                TrainedModels.Loaded l = TrainedModels.load(checkpoint, m);
                if (l.model() instanceof Vgg v) {
                    runImages(out, m, v, "trained", "trained " + l.recipe() + ": " + l.note());
                } else if (l.model() instanceof DelayNet d) {
                    runDelay(out, m, d, l.timeSteps(), "trained", "trained " + l.recipe() + ": " + l.note());
                } else {
                    throw new IllegalArgumentException(checkpoint + ": bench runtime times iir-snn and delays models, "
                            + "not " + l.recipe());
                }
                return;
            }
            if (net.equals("delay")) {
                DelayNet d = new DelayNet(m, new DelayNet.Config(140, hidden, 10, 13, 0.4, 1.005,
                        DelayNet.Mode.LEARNED));
                d.eval();
                runDelay(out, m, d, sequenceSteps, "random", "RANDOM DelayNet weights and delays (no trained model "
                        + "given)");
                return;
            }
            VggConfig cfg = switch (model) {
                case "small28" -> new VggConfig("small28", channels, imageSize, VggConfig.small28(classes).features(),
                        new int[] {1024}, classes, 0.2);
                case "tiny" -> new VggConfig("tiny", channels, imageSize, List.of("16", "A", "32", "A"),
                        new int[] {128}, classes, 0.1);
                case "vgg5" -> VggConfig.vgg5(channels, imageSize, classes);
                default -> throw new CommandLine.ParameterException(spec.commandLine(), "unknown --model '" + model
                        + "' (expected small28, tiny or vgg5)");
            };
            double[] cases = weights != null ? new double[] {Double.NaN} : percentiles;
            boolean first = true;
            for (double p : cases) {
                Vgg snn = Vgg.snn(m, cfg, new PiecewiseLinear(0.3), timeSteps);
                String label;
                if (weights != null) {
                    StateDict.load(weights, snn);
                    label = "trained";
                } else {
                    try (NDScope ignored = new NDScope()) {
                        NDArray calib = m.randomUniform(0f, 1f, new Shape(64, channels, imageSize, imageSize));
                        Conversion.setThresholdsFromPercentile(snn, calib, p);
                    }
                    label = String.format(Locale.ROOT, "p%.3g", p);
                }
                snn.eval();
                runImages(out, m, snn, label, !first ? null : weights != null ? "trained weights " + weights
                        : "RANDOM weights, IIR thresholds calibrated by Conversion.setThresholdsFromPercentile on "
                        + "random uniform images (no trained model given)");
                first = false;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void header(PrintWriter out, String what, String shape, int t, String source) {
        out.printf(Locale.ROOT, "bench runtime: %s %s, T=%d, %d samples per case, median of %d interleaved repeats, "
                        + "DJL intra-op threads %s, runtime 1 thread, %s kernels, load average %s; %s%n", what, shape,
                t, images, repeats, System.getProperty("ai.djl.pytorch.num_threads", "default"),
                SpikingModel.kernels(), loadAverage(), source);
        out.printf("%-10s %5s %6s %10s %14s %14s %10s %s%n", "case", "T", "batch", "firing %", "dense ms/img",
                "runtime ms/img", "speedup", "predictions");
        out.flush();
    }

    /** The 1-minute load average (Linux), or "?". */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private float[][] imageSamples(NDManager m, int c, int size) throws IOException {
        float[][] samples = new float[images][];
        if (data == null) {
            NDArray test = m.randomUniform(0f, 1f, new Shape(images, c, size, size));
            for (int i = 0; i < images; i++) {
                samples[i] = test.get(i).toFloatArray();
            }
            return samples;
        }
        Path te = data.resolve("t10k-images-idx3-ubyte.gz");
        Path tr = data.resolve("train-images-idx3-ubyte.gz");
        Idx.Array a = Idx.read(Files.exists(te) ? te : data.resolve("t10k-images-idx3-ubyte"));
        if (a.itemSize() != c * size * size || a.shape()[0] < images) {
            throw new IOException(data + ": need " + images + " images of " + c + "x" + size + "x" + size + ", got "
                    + java.util.Arrays.toString(a.shape()));
        }
        byte[] px = Idx.read(Files.exists(tr) ? tr : data.resolve("train-images-idx3-ubyte")).data();
        double sum = 0;
        double sq = 0;
        for (byte b : px) {
            double v = (b & 0xff) / 255.0;
            sum += v;
            sq += v * v;
        }
        float mean = (float) (sum / px.length);
        float std = (float) Math.sqrt(Math.max(sq / px.length - (sum / px.length) * (sum / px.length), 1e-12));
        int n = a.itemSize();
        for (int i = 0; i < images; i++) {
            samples[i] = new float[n];
            for (int j = 0; j < n; j++) {
                samples[i][j] = ((a.data()[i * n + j] & 0xff) / 255f - mean) / std;
            }
        }
        return samples;
    }

    private void runImages(PrintWriter out, NDManager m, Vgg snn, String label, String source) throws IOException {
        VggConfig cfg = snn.config();
        int c = cfg.inChannels();
        int size = cfg.imageSize();
        int t = snn.timeSteps();
        float[][] samples = imageSamples(m, c, size);
        float[] all = new float[images * samples[0].length];
        for (int i = 0; i < images; i++) {
            System.arraycopy(samples[i], 0, all, i * samples[0].length, samples[0].length);
        }
        NDArray test = m.create(all, new Shape(images, c, size, size));
        if (source != null) {
            header(out, cfg.name(), c + "x" + size + "x" + size, t, source + (data != null ? "; images from " + data
                    : "; random uniform images"));
        }
        SpikingModel rt = exported(dir -> GraphExport.export(snn, dir));
        timeCase(out, label, t, rt,
                (from, b) -> denseImages(snn, test, from, b),
                (s, i) -> Session.argmax(s.run(samples[i], t)));
    }

    private void runDelay(PrintWriter out, NDManager m, DelayNet d, int t, String label, String source)
            throws IOException {
        int in = d.config().inputs();
        java.util.Random r = new java.util.Random(seed);
        float[][][] seqs;
        String inputs;
        if (fsdd != null) {
            seqs = fsddClips(fsdd, fsddCache, images);
            if (seqs.length < images || seqs[0].length != t || seqs[0][0].length != in) {
                throw new IOException(fsdd + ": got " + seqs.length + " clips of " + seqs[0].length + " x "
                        + seqs[0][0].length + ", the net needs " + images + " of " + t + " x " + in);
            }
            inputs = "FSDD test clips from " + fsdd;
        } else {
            seqs = new float[images][t][in];
            for (float[][] clip : seqs) {
                for (float[] step : clip) {
                    for (int j = 0; j < in; j++) {
                        step[j] = r.nextDouble() < inputRate ? 1f : 0f;
                    }
                }
            }
            inputs = String.format(Locale.ROOT, "random input spikes at rate %.3g", inputRate);
        }
        float[] all = new float[t * images * in];
        for (int i = 0; i < images; i++) {
            for (int k = 0; k < t; k++) {
                System.arraycopy(seqs[i][k], 0, all, (k * images + i) * in, in);
            }
        }
        NDArray x = m.create(all, new Shape(t, images, in));
        header(out, "DelayNet " + d.config(), "input " + in, t, source + "; " + inputs);
        SpikingModel rt = exported(dir -> GraphExport.export(d, t, dir));
        timeCase(out, label, t, rt,
                (from, b) -> denseDelay(d, x, from, b),
                (s, i) -> {
                    float[][] tr = s.runSequence(seqs[i]);
                    return Session.argmax(tr[tr.length - 1]);
                });
    }

    /** FSDD test clips {@code [n][T][C]} binned as the delays recipe does. */
    static float[][][] fsddClips(Path recordings, Path cache, int n) throws IOException {
        Path c = cache != null ? cache : Path.of(System.getProperty("java.io.tmpdir"), "snn4j-fsdd-cache");
        return dev.snn4j.recipe.Delays.fsddTestClips(recordings, c, n).clips();
    }

    private interface Exporter {
        void export(Path dir) throws IOException;
    }

    private interface Dense {
        int[] run(int from, int b);
    }

    private interface Runtime {
        int run(Session s, int i);
    }

    private static SpikingModel exported(Exporter e) throws IOException {
        Path dir = Files.createTempDirectory("snn4j-bench-runtime");
        try {
            e.export(dir);
            return SpikingModel.load(dir);
        } finally {
            for (String f : new String[] {"graph.json", "weights.safetensors"}) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.deleteIfExists(dir);
        }
    }

    /** Times dense batch 1, runtime, dense batch B, interleaved {@link #repeats} times; prints the medians. */
    private void timeCase(PrintWriter out, String label, int t, SpikingModel rt, Dense dense, Runtime runtime) {
        Session session = rt.newSession();
        int n = images;
        for (int i = 0; i < Math.min(n, 8); i++) {   // warm-up (JIT, engine)
            runtime.run(session, i);
            dense.run(i, 1);
        }
        // the runtime's vector kernels reach the JIT's second tier only after many calls: as the IIR recipe's
        // latency pass, at least 200 samples and one second (the first repeat ran up to 5x slower without it)
        long until = System.nanoTime() + 1_000_000_000L;
        for (int i = 0; i < 200 || System.nanoTime() < until; i++) {
            runtime.run(session, i % n);
        }
        dense.run(0, Math.min(batch, n));
        double[] d1 = new double[repeats];
        double[] r1 = new double[repeats];
        double[] dB = new double[repeats];
        int[] densePred1 = new int[n];
        int[] densePredB = new int[n];
        int[] rtPred = new int[n];
        List<LayerStats> stats = null;
        for (int rep = 0; rep < repeats; rep++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                densePred1[i] = dense.run(i, 1)[0];
            }
            d1[rep] = (System.nanoTime() - t0) / 1e6 / n;
            session.clearStats();
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                rtPred[i] = runtime.run(session, i);
            }
            r1[rep] = (System.nanoTime() - t0) / 1e6 / n;
            stats = session.stats();
            t0 = System.nanoTime();
            for (int i = 0; i < n; i += batch) {
                int b = Math.min(batch, n - i);
                System.arraycopy(dense.run(i, b), 0, densePredB, i, b);
            }
            dB[rep] = (System.nanoTime() - t0) / 1e6 / n;
        }
        long spikes = 0;
        long neuronSteps = 0;
        StringBuilder perLayer = new StringBuilder();
        for (LayerStats s : stats) {
            if (s.neuronSteps() > 0 && !s.type().startsWith("delta")) {
                spikes += s.spikes();
                neuronSteps += s.neuronSteps();
                perLayer.append(String.format(Locale.ROOT, " %s %.1f%%", s.name(), 100 * s.firingRate()));
            }
        }
        double rate = 100.0 * spikes / neuronSteps;
        // the runtime runs one sample at a time: its batch-B time per sample is its batch-1 time
        line(out, label, t, 1, rate, median(d1), median(r1), count(densePred1, rtPred), n);
        line(out, label, t, batch, rate, median(dB), median(r1), count(densePredB, rtPred), n);
        if (profile) {
            session.profile(true);
            // switching profiling on takes a branch the JIT-compiled loop has never seen: it deoptimises and is
            // compiled again, so the first pass is discarded (its per-layer times came out up to 3x too high)
            for (int pass = 0; pass < 2; pass++) {
                session.clearStats();
                for (int i = 0; i < n; i++) {
                    runtime.run(session, i);
                }
            }
            long[] ns = session.layerNanos();
            long total = java.util.Arrays.stream(ns).sum();
            StringBuilder b = new StringBuilder();
            List<String> names = rt.layerNames();
            for (int i = 0; i < ns.length; i++) {
                if (ns[i] * 100 >= total) {
                    b.append(String.format(Locale.ROOT, " %s %.0f%% (%.3f ms)", names.get(i), 100.0 * ns[i] / total,
                            ns[i] / 1e6 / n));
                }
            }
            out.printf(Locale.ROOT, "  %s runtime profile per sample (layers >= 1 %%):%s%n", label, b);
            session.profile(false);
        }
        long acs = stats.stream().mapToLong(LayerStats::acs).sum();
        long macs = stats.stream().mapToLong(LayerStats::macs).sum();
        out.printf(Locale.ROOT, "  %s firing per layer:%s; runtime ops per sample: %.3g ACs, %.3g MACs; runtime "
                        + "ms per sample over the repeats %s, dense batch 1 %s%n", label, perLayer, (double) acs / n,
                (double) macs / n, fmt(r1), fmt(d1));
        out.flush();
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        java.util.Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", v[i]));
        }
        return b.append(']').toString();
    }

    private void line(PrintWriter out, String label, int t, int b, double rate, double dense, double rt, int same,
                      int n) {
        out.printf(Locale.ROOT, "%-10s %5d %6d %10.2f %14.3f %14.3f   speedup %.2f  %s (%d/%d equal)%n", label,
                t, b, rate, dense, rt, dense / rt, same == n ? "identical" : "DIFFER", same, n);
    }

    private static int count(int[] a, int[] b) {
        int s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] == b[i] ? 1 : 0;
        }
        return s;
    }

    /** Dense DJL inference of sequences [from, from + b) of {@code x [T, N, in]}: predicted classes. */
    private static int[] denseDelay(DelayNet d, NDArray x, int from, int b) {
        try (NDScope ignored = new NDScope()) {
            NDArray scores = d.forward(x.get(":, " + from + ":" + (from + b)));
            d.resetState();
            long[] idx = scores.argMax(1).toLongArray();
            int[] out = new int[b];
            for (int i = 0; i < b; i++) {
                out[i] = (int) idx[i];
            }
            return out;
        }
    }

    /** Dense DJL inference of images [from, from + b): predicted classes. */
    private static int[] denseImages(Vgg snn, NDArray test, int from, int b) {
        try (NDScope ignored = new NDScope()) {
            NDArray x = test.get(from + ":" + (from + b));
            NDArray logits = snn.forward(x);
            snn.resetState();
            long[] idx = logits.argMax(1).toLongArray();
            int[] out = new int[b];
            for (int i = 0; i < b; i++) {
                out[i] = (int) idx[i];
            }
            return out;
        }
    }
}
