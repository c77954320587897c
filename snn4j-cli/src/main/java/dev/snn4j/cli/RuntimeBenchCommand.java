package dev.snn4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.io.GraphExport;
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
 * }</pre>
 */
@Command(name = "runtime", mixinStandardHelpOptions = true,
        description = {"Time the event-driven runtime against dense DJL inference of an IIR VGG SNN",
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

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        if (timeSteps < 1 || images < 1 || batch < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--time-steps, --images, --batch must be >= 1");
        }
        VggConfig cfg = switch (model) {
            case "small28" -> new VggConfig("small28", channels, imageSize, VggConfig.small28(classes).features(),
                    new int[] {1024}, classes, 0.2);
            case "tiny" -> new VggConfig("tiny", channels, imageSize, List.of("16", "A", "32", "A"), new int[] {128},
                    classes, 0.1);
            case "vgg5" -> VggConfig.vgg5(channels, imageSize, classes);
            default -> throw new CommandLine.ParameterException(spec.commandLine(), "unknown --model '" + model
                    + "' (expected small28, tiny or vgg5)");
        };
        double[] cases = weights != null ? new double[] {Double.NaN} : percentiles;
        out.printf(Locale.ROOT, "bench runtime: %s %dx%dx%d, T=%d, %d images per case, DJL intra-op threads %s, runtime "
                        + "1 thread, %s kernels; %s%n",
                cfg.name(), channels, imageSize, imageSize, timeSteps, images,
                System.getProperty("ai.djl.pytorch.num_threads", "default"), SpikingModel.kernels(),
                weights != null ? "trained weights " + weights
                        : "RANDOM weights, IIR thresholds calibrated by Conversion.setThresholdsFromPercentile on "
                        + "random uniform images (no trained model given)");
        out.printf("%-10s %5s %6s %10s %14s %14s %10s %s%n", "case", "T", "batch", "firing %", "dense ms/img",
                "runtime ms/img", "speedup", "predictions");
        out.flush();
        Init.seed(seed);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray test = m.randomUniform(0f, 1f, new Shape(images, channels, imageSize, imageSize));
            float[][] samples = new float[images][];
            for (int i = 0; i < images; i++) {
                samples[i] = test.get(i).toFloatArray();
            }
            for (double p : cases) {
                runCase(out, m, cfg, p, test, samples);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void runCase(PrintWriter out, NDManager m, VggConfig cfg, double percentile, NDArray test,
                         float[][] samples) throws IOException {
        Vgg snn = Vgg.snn(m, cfg, new PiecewiseLinear(0.3), timeSteps);
        String label;
        if (weights != null) {
            StateDict.load(weights, snn);
            label = "trained";
        } else {
            try (NDScope ignored = new NDScope()) {
                NDArray calib = m.randomUniform(0f, 1f, new Shape(64, channels, imageSize, imageSize));
                Conversion.setThresholdsFromPercentile(snn, calib, percentile);
            }
            label = String.format(Locale.ROOT, "p%.3g", percentile);
        }
        snn.eval();
        Path dir = Files.createTempDirectory("snn4j-bench-runtime");
        SpikingModel rt;
        try {
            GraphExport.export(snn, dir);
            rt = SpikingModel.load(dir);
        } finally {
            for (String f : new String[] {"graph.json", "weights.safetensors"}) {
                Files.deleteIfExists(dir.resolve(f));
            }
            Files.deleteIfExists(dir);
        }
        Session session = rt.newSession();
        int n = samples.length;

        // warm-up both paths (JIT, engine)
        for (int i = 0; i < Math.min(n, 8); i++) {
            session.run(samples[i], timeSteps);
            denseBatch(snn, test, i, 1);
        }
        session.clearStats();

        int[] densePred1 = new int[n];
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            densePred1[i] = denseBatch(snn, test, i, 1)[0];
        }
        double dense1 = (System.nanoTime() - t0) / 1e6 / n;

        int[] rtPred1 = new int[n];
        t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            rtPred1[i] = Session.argmax(session.run(samples[i], timeSteps));
        }
        double rt1 = (System.nanoTime() - t0) / 1e6 / n;
        List<LayerStats> stats = session.stats();

        int[] densePredB = new int[n];
        t0 = System.nanoTime();
        for (int i = 0; i < n; i += batch) {
            int b = Math.min(batch, n - i);
            System.arraycopy(denseBatch(snn, test, i, b), 0, densePredB, i, b);
        }
        double denseB = (System.nanoTime() - t0) / 1e6 / n;

        int[] rtPredB = new int[n];
        t0 = System.nanoTime();
        for (int i = 0; i < n; i += batch) {
            int b = Math.min(batch, n - i);
            float[][] chunk = java.util.Arrays.copyOfRange(samples, i, i + b);
            float[][] logits = session.runBatch(chunk, timeSteps);
            for (int j = 0; j < b; j++) {
                rtPredB[i + j] = Session.argmax(logits[j]);
            }
        }
        double rtB = (System.nanoTime() - t0) / 1e6 / n;

        long spikes = 0;
        long neuronSteps = 0;
        StringBuilder perLayer = new StringBuilder();
        for (LayerStats s : stats) {
            if (s.neuronSteps() > 0) {
                spikes += s.spikes();
                neuronSteps += s.neuronSteps();
                perLayer.append(String.format(Locale.ROOT, " %s %.1f%%", s.name(), 100 * s.firingRate()));
            }
        }
        double rate = 100.0 * spikes / neuronSteps;
        int same1 = count(densePred1, rtPred1);
        int sameB = count(densePredB, rtPredB);
        line(out, label, 1, rate, dense1, rt1, same1, n);
        line(out, label, batch, rate, denseB, rtB, sameB, n);
        long acs = stats.stream().mapToLong(LayerStats::acs).sum();
        long macs = stats.stream().mapToLong(LayerStats::macs).sum();
        out.printf(Locale.ROOT, "  %s firing per layer:%s; runtime ops per image: %.3g ACs, %.3g MACs%n", label,
                perLayer, (double) acs / n, (double) macs / n);
        out.flush();
    }

    private void line(PrintWriter out, String label, int b, double rate, double dense, double rt, int same, int n) {
        out.printf(Locale.ROOT, "%-10s %5d %6d %10.2f %14.3f %14.3f   speedup %.2f  %s (%d/%d equal)%n", label,
                timeSteps, b, rate, dense, rt, dense / rt, same == n ? "identical" : "DIFFER", same, n);
    }

    private static int count(int[] a, int[] b) {
        int s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] == b[i] ? 1 : 0;
        }
        return s;
    }

    /** Dense DJL inference of images [from, from + b): predicted classes. */
    private static int[] denseBatch(Vgg snn, NDArray test, int from, int b) {
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
