package dev.snn4j.recipe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.snn4j.data.Idx;
import dev.snn4j.data.MovingDigits;
import dev.snn4j.data.NmnistEvents;
import dev.snn4j.delta.DeltaInference;
import dev.snn4j.delta.DeltaSparsity;
import dev.snn4j.layer.Conv2d;
import dev.snn4j.layer.DeltaActivation;
import dev.snn4j.layer.Flatten;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.MeanOverTime;
import dev.snn4j.layer.Pool2d;
import dev.snn4j.layer.Sequential;
import dev.snn4j.nn.Init;
import dev.snn4j.train.Adam;
import dev.snn4j.train.Checkpoint;
import dev.snn4j.train.Losses;
import dev.snn4j.train.LrSchedule;
import dev.snn4j.train.Metrics;
import dev.snn4j.train.MetricsLog;
import dev.snn4j.train.ParamGroup;
import dev.snn4j.train.RunningMean;
import dev.snn4j.train.Trainer;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Delta Activation Layer (paper 3): a time-distributed CNN with a {@link DeltaActivation} after each activation,
 * trained (a) without and (b) with the {@link DeltaSparsity} loss on the same data and seed; then accuracy, spatial
 * and temporal sparsity per layer, the operations a delta-driven execution does ({@link DeltaInference}) against
 * dense, and the batch-1 wall-clock of delta inference against the dense forward pass, all in one run.
 *
 * <p>Data: N-MNIST event recordings binned to {@code T} frames ({@code --data nmnist}, the 1000/100 subset in
 * {@code ../shared/data/nmnist_small}), or moving-digit videos generated from Fashion-MNIST ({@code --data moving},
 * 64x64, train clips from the train images, test clips from the test images).
 *
 * <p>Each variant's checkpoint is written after every epoch under {@code <out>/<data>-<variant>/}; a stopped run
 * resumes at the last complete epoch. Results: {@code <out>/<data>-results.md} and {@code <out>/<data>-sparsity.png}.
 *
 * <pre>{@code
 * java ... dev.snn4j.recipe.Delta --data nmnist --epochs 12 --sp 0.5 --out runs/delta
 * }</pre>
 */
public final class Delta {

    /**
     * Settings.
     *
     * @param frames      time steps per clip
     * @param trainClips  training clips (N-MNIST: at most 1000)
     * @param testClips   test clips (N-MNIST: at most 100)
     * @param spRate      weight of the delta sparsity loss in variant (b)
     * @param theta0      initial quantisation step of every DeltaActivation (per channel)
     * @param thetaLr     learning rate of the thetas (the other weights use {@code lr})
     * @param timedClips  test clips timed at batch 1 (delta vs dense)
     */
    public record Config(String data, Path dataDir, Path out, int frames, int trainClips, int testClips, int epochs,
                         int batch, double lr, double thetaLr, double spRate, double theta0, long seed,
                         int timedClips) {
        public Config {
            if (data == null || !(data.equals("nmnist") || data.equals("moving")) || dataDir == null || out == null
                    || frames < 1 || trainClips < 1 || testClips < 1 || epochs < 0 || batch < 1 || !(lr > 0)
                    || !(thetaLr >= 0) || !(spRate >= 0) || !(theta0 > 0) || timedClips < 0) {
                throw new IllegalArgumentException("Delta.Config: need data nmnist or moving, frames, clips and batch "
                        + ">= 1, epochs and timedClips >= 0, lr > 0, thetaLr and spRate >= 0, theta0 > 0");
            }
        }

        /** Parses {@code --key value} pairs (keys: data, data-dir, out, frames, train, test, epochs, batch, lr,
         *  theta-lr, sp, theta0, seed, timed); missing keys take the defaults of {@code data}. */
        public static Config parse(String[] args) {
            Map<String, String> a = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("usage: --key value ...; bad argument '" + args[i] + "'");
                }
                a.put(args[i].substring(2), args[++i]);
            }
            String data = a.getOrDefault("data", "nmnist");
            if (!data.equals("nmnist") && !data.equals("moving")) {
                throw new IllegalArgumentException("--data must be nmnist or moving, got " + data);
            }
            boolean nm = data.equals("nmnist");
            Path dir = Path.of(a.getOrDefault("data-dir", nm ? "../shared/data/nmnist_small"
                    : "../shared/data/fashion_mnist"));
            Config c = new Config(data, dir, Path.of(a.getOrDefault("out", "runs/delta")),
                    Integer.parseInt(a.getOrDefault("frames", nm ? "10" : "8")),
                    Integer.parseInt(a.getOrDefault("train", nm ? "1000" : "3000")),
                    Integer.parseInt(a.getOrDefault("test", nm ? "100" : "1000")),
                    Integer.parseInt(a.getOrDefault("epochs", "10")),
                    Integer.parseInt(a.getOrDefault("batch", "32")),
                    Double.parseDouble(a.getOrDefault("lr", "1e-3")),
                    Double.parseDouble(a.getOrDefault("theta-lr", "1e-4")),
                    Double.parseDouble(a.getOrDefault("sp", "0.5")),
                    Double.parseDouble(a.getOrDefault("theta0", "0.05")),
                    Long.parseLong(a.getOrDefault("seed", "1")),
                    Integer.parseInt(a.getOrDefault("timed", "50")));
            a.keySet().removeAll(List.of("data", "data-dir", "out", "frames", "train", "test", "epochs", "batch",
                    "lr", "theta-lr", "sp", "theta0", "seed", "timed"));
            if (!a.isEmpty()) {
                throw new IllegalArgumentException("unknown options " + a.keySet());
            }
            return c;
        }
    }

    /** A labelled clip set that can produce time-major batches {@code [T, B, C, H, W]}. */
    interface Clips {
        int size();

        int[] frameShape();

        int classes();

        NDArray batch(NDManager m, int[] idx);

        NDArray labels(NDManager m, int[] idx);
    }

    /**
     * One variant's row.
     *
     * @param sparsity per DeltaActivation: {temporal (zero deltas), spatial (zero activations)} on the test set
     * @param ops      per weight layer: dense MACs and delta-driven MACs over the timed clips
     */
    public record Result(String variant, double spRate, double accuracy, Map<String, double[]> sparsity,
                         List<DeltaInference.LayerOps> ops, long denseSkipZeroMacs, double denseMs, double deltaMs,
                         double javaDenseMs, double agreement, double maxAbsDiff, Map<String, Double> meanTheta,
                         double trainSeconds) {
    }

    private Delta() {
    }

    /** Command line: {@code --key value} pairs (see {@link Config#parse}); prints progress and the tables. */
    public static void main(String[] args) throws IOException {
        Config cfg = Config.parse(args);
        List<Result> rows = run(cfg, Listener.PRINT);
        System.out.println(table(cfg, rows));
    }

    /** Progress callbacks. */
    public interface Listener {
        /** One line per epoch, the resume point and each variant's result on standard output. */
        Listener PRINT = new Listener() {
            @Override
            public void message(String line) {
                System.out.println(line);
            }

            @Override
            public void epochDone(String variant, int epoch, int epochs, double loss, double accuracy,
                                  double seconds) {
                System.out.printf(Locale.ROOT, "%s epoch %d: loss %.4f train acc %.4f (%.1f s)%n", variant,
                        epoch + 1, loss, accuracy, seconds);
            }

            @Override
            public void done(Result r) {
                print(r);
            }
        };
        /** Silent. */
        Listener NONE = new Listener() {
        };

        /** A line of information (data loaded, resuming). */
        default void message(String line) {
        }

        /** Before a variant's first epoch of this run ({@code firstEpoch} > 0 on resume). */
        default void started(String variant, int firstEpoch, int epochs, int batchesPerEpoch) {
        }

        /** After every training batch, with the epoch's running means. */
        default void batchDone(String variant, int epoch, int batch, double loss, double accuracy) {
        }

        default void epochDone(String variant, int epoch, int epochs, double loss, double accuracy,
                               double seconds) {
        }

        default void done(Result r) {
        }
    }

    /**
     * Trains (or resumes) and evaluates both variants, writes {@code <data>-results.md}, {@code <data>-results.json}
     * and {@code <data>-sparsity.png} into {@code cfg.out()} and returns the two rows.
     */
    public static List<Result> run(Config cfg, Listener listener) throws IOException {
        Files.createDirectories(cfg.out());
        Init.seed(cfg.seed());
        Clips[] data = cfg.data().equals("nmnist") ? nmnist(cfg) : moving(cfg);
        if (data[0].size() < cfg.batch() || data[1].size() == 0) {
            throw new IllegalArgumentException(cfg.dataDir() + ": " + data[0].size() + " training clips for batch "
                    + cfg.batch() + " and " + data[1].size() + " test clips; need at least one batch and one test clip");
        }
        listener.message(String.format(Locale.ROOT, "data %s: %d train, %d test clips, frames %d x %s", cfg.data(),
                data[0].size(), data[1].size(), cfg.frames(), java.util.Arrays.toString(data[0].frameShape())));
        List<Result> rows = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (double sp : new double[] {0, cfg.spRate()}) {
                String variant = sp == 0 ? "a-no-sparsity-loss" : "b-sparsity-loss";
                Init.seed(cfg.seed());   // the same initial weights for (a) and (b)
                Sequential model = model(manager, data[0].frameShape(), data[0].classes(), cfg.theta0());
                double seconds = train(cfg, variant, sp, model, data[0], manager, listener);
                Result r = evaluate(cfg, variant, sp, model, data[1], manager, seconds);
                rows.add(r);
                listener.done(r);
            }
        }
        String md = table(cfg, rows);
        dev.snn4j.runtime.io.AtomicFiles.write(cfg.out().resolve(cfg.data() + "-results.md"),
                md.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        writeJson(cfg, rows);
        plot(cfg, rows);
        return rows;
    }

    /** {@code <data>-results.json}: per variant accuracy, sparsity and operations per layer (read by reports). */
    private static void writeJson(Config cfg, List<Result> rows) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        int n = Math.min(cfg.timedClips(), cfg.testClips());
        for (Result r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("variant", r.variant());
            m.put("sp_rate", r.spRate());
            m.put("accuracy", r.accuracy());
            Map<String, Object> sp = new LinkedHashMap<>();
            r.sparsity().forEach((k, v) -> sp.put(k, Map.of("zero_deltas", v[0], "zero_activations", v[1],
                    "mean_step", r.meanTheta().get(k))));
            m.put("sparsity", sp);
            List<Map<String, Object>> ops = new ArrayList<>();
            for (DeltaInference.LayerOps l : r.ops()) {
                ops.add(Map.of("layer", l.layer(), "dense_macs_per_clip", (double) l.denseMacs() / Math.max(1, n),
                        "delta_macs_per_clip", (double) l.performedMacs() / Math.max(1, n)));
            }
            m.put("ops", ops);
            m.put("timed_clips", n);
            m.put("train_seconds", r.trainSeconds());
            out.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("recipe", "delta");
        doc.put("data", cfg.data());
        doc.put("variants", out);
        dev.snn4j.runtime.io.AtomicFiles.write(cfg.out().resolve(cfg.data() + "-results.json"),
                new com.google.gson.GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create()
                        .toJson(doc).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * conv 16 -> DA -> avg pool -> conv 32 -> DA -> avg pool -> fc 128 -> DA -> fc classes -> mean over time, for
     * frames {@code chw} (also used to rebuild a trained model from its checkpoint).
     */
    public static Sequential model(NDManager m, int[] chw, int classes, double theta0) {
        int c = chw[0];
        int h = chw[1];
        int stride = h > 48 ? 2 : 1;   // 64x64 videos: stride 2 in the first convolution
        int h1 = (h + 2 - 3) / stride + 1;
        int h2 = h1 / 2;
        int h3 = h2 / 2;
        var g = DeltaActivation.Granularity.CHANNEL;
        return new Sequential()
                .add("conv1", new Conv2d(m, c, 16, 3, stride, 1, true))
                .add("delta1", new DeltaActivation(m, g, new long[] {16, h1, h1}, theta0))
                .add("pool1", Pool2d.average(2))
                .add("conv2", new Conv2d(m, 16, 32, 3, 1, 1, true))
                .add("delta2", new DeltaActivation(m, g, new long[] {32, h2, h2}, theta0))
                .add("pool2", Pool2d.average(2))
                .add("flat", new Flatten())
                .add("fc1", new Linear(m, 32 * h3 * h3, 128, true))
                .add("delta3", new DeltaActivation(m, g, new long[] {128}, theta0))
                .add("fc2", new Linear(m, 128, classes, true))
                .add("mean", new MeanOverTime());
    }

    private static double train(Config cfg, String variant, double sp, Sequential model, Clips train,
                                NDManager manager, Listener listener) throws IOException {
        int batches = train.size() / cfg.batch();
        long total = (long) batches * cfg.epochs();
        ParamGroup thetas = ParamGroup.of("theta", model, k -> k.endsWith("theta")).lr(cfg.thetaLr());
        ParamGroup weights = ParamGroup.of("weights", model, k -> !k.endsWith("theta")).lr(cfg.lr());
        Adam opt = Adam.adam(weights, thetas).schedule(LrSchedule.cosine(total, 0));
        Path dir = cfg.out().resolve(cfg.data() + "-" + variant);
        int first = 0;
        Optional<Checkpoint> last = Checkpoint.loadLatest(dir);
        if (last.isPresent()) {
            last.get().restore(model, opt);
            first = (int) last.get().state().epoch();
            listener.message(String.format(Locale.ROOT, "%s: resuming after epoch %d", variant, first));
        }
        listener.started(variant, first, cfg.epochs(), batches);
        DeltaSparsity sparsity = new DeltaSparsity(model, sp);
        Trainer trainer = new Trainer(model, opt).loss(sparsity.plus(Losses::crossEntropy));
        long start = System.nanoTime();
        model.train(true);
        for (int epoch = first; epoch < cfg.epochs(); epoch++) {
            int[] order = shuffled(train.size(), cfg.seed() * 31 + epoch);
            // random draws inside the model come from the engine generator, which checkpoints do not hold: seed it
            // per epoch so a resumed run draws what an uninterrupted one would
            Engine.getInstance().setRandomSeed(IirSnn.epochSeed(cfg.seed(), variant, epoch));
            RunningMean loss = new RunningMean();
            long correct = 0;
            long seen = 0;
            long t0 = System.nanoTime();
            for (int b = 0; b < batches; b++) {
                int[] idx = java.util.Arrays.copyOfRange(order, b * cfg.batch(), (b + 1) * cfg.batch());
                try (NDManager bm = manager.newSubManager()) {
                    Trainer.StepResult r = trainer.step(train.batch(bm, idx), train.labels(bm, idx));
                    loss.add(r.loss(), r.count());
                    correct += r.correct();
                    seen += r.count();
                }
                listener.batchDone(variant, epoch, b, loss.mean(), (double) correct / seen);
            }
            listener.epochDone(variant, epoch, cfg.epochs(), loss.mean(), (double) correct / seen,
                    (System.nanoTime() - t0) / 1e9);
            // the curve line before the checkpoint: an epoch re-run after a crash replaces it
            MetricsLog.record(cfg.out().resolve(MetricsLog.FILE), cfg.data() + "-" + variant, epoch + 1,
                    Map.of("train_loss", loss.mean(), "train_accuracy", (double) correct / seen, "step",
                            opt.stepCount(), "seconds", (System.nanoTime() - start) / 1e9));
            Checkpoint.save(dir, model, opt, new Checkpoint.State(opt.stepCount(), epoch + 1, cfg.seed(),
                    configMap(cfg, variant, sp),
                    Map.of("train_loss", loss.mean(), "train_accuracy", (double) correct / seen)));
            Checkpoint.keepLatest(dir, 1);
        }
        opt.close();
        model.eval();
        return (System.nanoTime() - start) / 1e9;
    }

    /** The settings saved in each checkpoint: enough to rebuild the net and the test clips. */
    private static Map<String, Object> configMap(Config cfg, String variant, double sp) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recipe", "delta");
        m.put("data", cfg.data());
        m.put("data_dir", cfg.dataDir().toAbsolutePath().toString());
        m.put("variant", variant);
        m.put("sp_rate", sp);
        m.put("frames", cfg.frames());
        m.put("train_clips", cfg.trainClips());
        m.put("test_clips", cfg.testClips());
        m.put("epochs", cfg.epochs());
        m.put("batch", cfg.batch());
        m.put("lr", cfg.lr());
        m.put("theta_lr", cfg.thetaLr());
        m.put("theta0", cfg.theta0());
        m.put("seed", cfg.seed());
        return m;
    }

    private static int[] shuffled(int n, long seed) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
        return o;
    }

    private static Result evaluate(Config cfg, String variant, double sp, Sequential model, Clips test,
                                   NDManager manager, double trainSeconds) {
        model.eval();
        Map<String, DeltaActivation> layers = DeltaSparsity.layers(model);
        layers.values().forEach(d -> d.recordStats(true).clearStats());
        long correct = 0;
        int evalBatch = 50;
        for (int s = 0; s < test.size(); s += evalBatch) {
            int[] idx = range(s, Math.min(test.size(), s + evalBatch));
            try (NDManager bm = manager.newSubManager(); NDScope ignored = new NDScope()) {
                correct += Metrics.correct(model.forward(test.batch(bm, idx)), test.labels(bm, idx));
                model.resetState();
            }
        }
        Map<String, double[]> sparsity = new LinkedHashMap<>();
        Map<String, Double> theta = new LinkedHashMap<>();
        layers.forEach((k, d) -> {
            sparsity.put(k, new double[] {d.temporalSparsity(), d.spatialSparsity()});
            theta.put(k, java.util.Arrays.stream(d.stepSizes()).average().orElse(Double.NaN));
            d.recordStats(false);
        });

        // delta inference vs dense on the first `timed` test clips, batch 1, interleaved, after a warm-up
        int[] chw = test.frameShape();
        DeltaInference inf = DeltaInference.of(model, chw[0], chw[1], chw[2]);
        int n = Math.min(cfg.timedClips(), test.size());
        long[] denseNs = new long[n];
        long[] deltaNs = new long[n];
        long[] javaDenseNs = new long[n];
        long agree = 0;
        double maxDiff = 0;
        Map<String, long[]> ops = new LinkedHashMap<>();
        long zeroSkipping = 0;
        for (int i = -5; i < n; i++) {   // i < 0: warm-up
            int clip = Math.max(i, 0);
            try (NDManager bm = manager.newSubManager(); NDScope ignored = new NDScope()) {
                NDArray x = test.batch(bm, new int[] {clip});
                long t0 = System.nanoTime();
                float[] dense = model.forward(x).toType(DataType.FLOAT32, false).toFloatArray();
                long t1 = System.nanoTime();
                DeltaInference.Result r = inf.run(x, DeltaInference.Mode.DELTA);
                long t2 = System.nanoTime();
                DeltaInference.Result full = inf.run(x, DeltaInference.Mode.DENSE);
                long t3 = System.nanoTime();
                model.resetState();
                if (i < 0) {
                    continue;
                }
                denseNs[i] = t1 - t0;
                deltaNs[i] = t2 - t1;
                javaDenseNs[i] = t3 - t2;
                float[] got = r.readout()[0];
                agree += argmax(got) == argmax(dense) ? 1 : 0;
                for (int o = 0; o < got.length; o++) {
                    maxDiff = Math.max(maxDiff, Math.abs(got[o] - dense[o]));
                }
                for (DeltaInference.LayerOps l : r.layers()) {
                    long[] c = ops.computeIfAbsent(l.layer(), k -> new long[4]);
                    c[0] += l.denseMacs();
                    c[1] += l.performedMacs();
                    c[2] += l.messages();
                    c[3] += l.inputs();
                }
                zeroSkipping += full.performedMacs();
            }
        }
        List<DeltaInference.LayerOps> opList = new ArrayList<>();
        ops.forEach((k, c) -> opList.add(new DeltaInference.LayerOps(k, c[0], c[1], c[2], c[3])));
        return new Result(variant, sp, (double) correct / test.size(), sparsity, opList, zeroSkipping,
                medianMs(denseNs), medianMs(deltaNs), medianMs(javaDenseNs), (double) agree / n, maxDiff, theta,
                trainSeconds);
    }

    /** Median in milliseconds: robust to the load spikes of a shared machine. */
    private static double medianMs(long[] ns) {
        long[] s = ns.clone();
        java.util.Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s[s.length / 2] / 1e6;
    }

    private static int argmax(float[] v) {
        int b = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[b]) {
                b = i;
            }
        }
        return b;
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    private static void print(Result r) {
        System.out.printf(Locale.ROOT, "%s: accuracy %.4f, train %.0f s%n", r.variant(), r.accuracy(),
                r.trainSeconds());
        r.sparsity().forEach((k, v) -> System.out.printf(Locale.ROOT, "  %s: zero deltas %.4f, zero activations "
                + "%.4f, mean step %.4f%n", k, v[0], v[1], r.meanTheta().get(k)));
        for (DeltaInference.LayerOps l : r.ops()) {
            System.out.printf(Locale.ROOT, "  %s: dense %d MACs, delta %d MACs (%.1f %% skipped)%n", l.layer(),
                    l.denseMacs(), l.performedMacs(), 100 * l.skippedFraction());
        }
        System.out.printf(Locale.ROOT, "  batch 1: DJL dense %.3f ms, Java delta %.3f ms, Java dense (zero-skipping) "
                + "%.3f ms per clip (medians); argmax agreement %.3f, max |logit diff| %.2g%n", r.denseMs(), r.deltaMs(),
                r.javaDenseMs(), r.agreement(), r.maxAbsDiff());
    }

    /** The results as Markdown tables (accuracy and sparsity, operations, timings). */
    public static String table(Config cfg, List<Result> rows) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "data %s, T=%d, %d epochs, batch %d, lr %g, theta lr %g, theta0 %g, "
                        + "sp_rate(b) %g, seed %d%n%n", cfg.data(), cfg.frames(), cfg.epochs(), cfg.batch(), cfg.lr(),
                cfg.thetaLr(), cfg.theta0(), cfg.spRate(), cfg.seed()));
        s.append("| variant | accuracy | layer | zero deltas | zero activations | mean step |\n|---|---|---|---|---|---|\n");
        for (Result r : rows) {
            r.sparsity().forEach((k, v) -> s.append(String.format(Locale.ROOT, "| %s | %.2f %% | %s | %.4f | %.4f | "
                    + "%.4f |%n", r.variant(), 100 * r.accuracy(), k, v[0], v[1], r.meanTheta().get(k))));
        }
        s.append("\n| variant | layer | dense MACs / clip | delta MACs / clip | skipped |\n|---|---|---|---|---|\n");
        for (Result r : rows) {
            int n = Math.min(cfg.timedClips(), cfg.testClips());
            for (DeltaInference.LayerOps l : r.ops()) {
                s.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f | %.1f %% |%n", r.variant(), l.layer(),
                        (double) l.denseMacs() / n, (double) l.performedMacs() / n, 100 * l.skippedFraction()));
            }
            long dense = r.ops().stream().mapToLong(DeltaInference.LayerOps::denseMacs).sum();
            long delta = r.ops().stream().mapToLong(DeltaInference.LayerOps::performedMacs).sum();
            s.append(String.format(Locale.ROOT, "| %s | all | %.0f | %.0f | %.1f %% (zero-skipping dense: %.0f) |%n",
                    r.variant(), (double) dense / n, (double) delta / n, 100 * (1 - (double) delta / dense),
                    (double) r.denseSkipZeroMacs() / n));
        }
        s.append("\n| variant | DJL dense ms/clip | Java delta ms/clip | Java dense (zero-skipping) ms/clip | "
                + "argmax agreement | max abs logit diff |\n|---|---|---|---|---|---|\n");
        for (Result r : rows) {
            s.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %.2g |%n", r.variant(),
                    r.denseMs(), r.deltaMs(), r.javaDenseMs(), r.agreement(), r.maxAbsDiff()));
        }
        if (rows.size() == 2) {
            s.append("\nnon-zero delta ratio (a)/(b) per layer:");
            for (String k : rows.get(0).sparsity().keySet()) {
                double a = 1 - rows.get(0).sparsity().get(k)[0];
                double b = 1 - rows.get(1).sparsity().get(k)[0];
                s.append(String.format(Locale.ROOT, " %s %.2fx;", k, a / b));
            }
            s.append(String.format(Locale.ROOT, " accuracy change (b)-(a): %+.2f points%n",
                    100 * (rows.get(1).accuracy() - rows.get(0).accuracy())));
        }
        return s.toString();
    }

    private static void plot(Config cfg, List<Result> rows) throws IOException {
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (Result r : rows) {
            String v = r.variant().substring(0, 1);
            r.sparsity().forEach((k, s) -> {
                ds.addValue(s[0], "zero deltas (" + v + ")", k);
                ds.addValue(s[1], "zero activations (" + v + ")", k);
            });
        }
        JFreeChart chart = ChartFactory.createBarChart("Delta activation sparsity per layer, " + cfg.data()
                        + " (a: no sparsity loss, b: sp_rate " + cfg.spRate() + ")", "layer", "fraction of zeros", ds,
                PlotOrientation.VERTICAL, true, false, false);
        ChartUtils.saveChartAsPNG(cfg.out().resolve(cfg.data() + "-sparsity.png").toFile(), chart, 900, 500);
    }

    // ------------------------------------------------------------------------------------------------ data

    private static Clips[] nmnist(Config cfg) throws IOException {
        return new Clips[] {nmnistSplit(cfg, "train1K.txt", cfg.trainClips()),
                nmnistSplit(cfg, "test100.txt", cfg.testClips())};
    }

    static Clips nmnistSplit(Config cfg, String labelFile, int limit) throws IOException {
        Map<Integer, Integer> labels = NmnistEvents.readLabels(cfg.dataDir().resolve(labelFile));
        List<float[][][][]> frames = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        for (Map.Entry<Integer, Integer> e : labels.entrySet()) {
            if (frames.size() == limit) {
                break;
            }
            NmnistEvents ev = NmnistEvents.read(cfg.dataDir().resolve(e.getKey() + ".bs2"));
            frames.add(ev.framesByCount(cfg.frames(), true));   // binary frames: 1 where a pixel had an event
            ys.add(e.getValue());
        }
        return new Clips() {
            @Override
            public int size() {
                return frames.size();
            }

            @Override
            public int[] frameShape() {
                return new int[] {2, NmnistEvents.SENSOR, NmnistEvents.SENSOR};
            }

            @Override
            public int classes() {
                return 10;
            }

            @Override
            public NDArray batch(NDManager m, int[] idx) {
                List<float[][][][]> b = new ArrayList<>();
                for (int i : idx) {
                    b.add(frames.get(i));
                }
                return NmnistEvents.toNDArray(m, b);
            }

            @Override
            public NDArray labels(NDManager m, int[] idx) {
                int[] y = new int[idx.length];
                for (int j = 0; j < idx.length; j++) {
                    y[j] = ys.get(idx[j]);
                }
                return m.create(y);
            }
        };
    }

    static Clips[] moving(Config cfg) throws IOException {
        Path d = cfg.dataDir();
        Idx.Labelled train = Idx.readLabelled(d.resolve("train-images-idx3-ubyte.gz"),
                d.resolve("train-labels-idx1-ubyte.gz"));
        Idx.Labelled test = Idx.readLabelled(d.resolve("t10k-images-idx3-ubyte.gz"),
                d.resolve("t10k-labels-idx1-ubyte.gz"));
        MovingDigits.Config c = MovingDigits.Config.standard(cfg.frames(), cfg.seed());
        return new Clips[] {wrap(new MovingDigits(train, cfg.trainClips(), c)),
                wrap(new MovingDigits(test, cfg.testClips(), new MovingDigits.Config(c.canvas(), c.frames(),
                        c.digits(), c.step(), c.label(), cfg.seed() + 1000)))};
    }

    private static Clips wrap(MovingDigits md) {
        return new Clips() {
            @Override
            public int size() {
                return md.size();
            }

            @Override
            public int[] frameShape() {
                return new int[] {1, md.config().canvas(), md.config().canvas()};
            }

            @Override
            public int classes() {
                return md.classes();
            }

            @Override
            public NDArray batch(NDManager m, int[] idx) {
                return md.batch(m, idx);
            }

            @Override
            public NDArray labels(NDManager m, int[] idx) {
                return md.labels(m, idx);
            }
        };
    }
}
