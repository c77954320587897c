package dev.snn4j.recipe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.snn4j.data.ImageBatches;
import dev.snn4j.data.ImageDataset;
import dev.snn4j.energy.EnergyFile;
import dev.snn4j.energy.EnergyModel;
import dev.snn4j.energy.FiringRateMonitor;
import dev.snn4j.energy.OpCounter;
import dev.snn4j.model.Conversion;
import dev.snn4j.model.Vgg;
import dev.snn4j.model.VggConfig;
import dev.snn4j.nn.Init;
import dev.snn4j.runtime.Session;
import dev.snn4j.runtime.SpikingModel;
import dev.snn4j.surrogate.PiecewiseLinear;
import dev.snn4j.train.Adam;
import dev.snn4j.train.Checkpoint;
import dev.snn4j.train.LrSchedule;
import dev.snn4j.train.MetricsLog;
import dev.snn4j.train.ParamGroup;
import dev.snn4j.train.RunningMean;
import dev.snn4j.train.Trainer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * IIR-SNN (Chowdhury, Rathi and Roy, "One timestep is all you need"): train an ANN, convert it to an SNN of IIR
 * neurons, train the SNN at T=5, then retrain it at T=4, 3, 2, 1, each stage starting from the previous one.
 *
 * <p>Every stage is a checkpoint directory under the output folder ({@code ann/}, {@code snn-T5/}, ...), written after
 * each epoch: a run that is stopped picks up at the last complete epoch of the stage it was in. After each SNN stage
 * its per-layer energy table, measured in the event-driven runtime, goes to {@code energy.json}
 * ({@link EnergyFile}).
 *
 * <pre>{@code
 * List<IirSnn.StageResult> table = IirSnn.run(IirSnn.Config.defaults(VggConfig.small28(10)), train, test,
 *         Path.of("runs/iir"), IirSnn.Listener.NONE);
 * }</pre>
 */
public final class IirSnn {

    /**
     * The recipe's settings. Paper values: SNN Adam (amsgrad) lr 1e-4, batch 64, lr / 5 at 60, 80 and 90 % of the
     * epochs, piecewise-linear surrogate gamma 0.3, thresholds at the 90th percentile.
     *
     * @param stageEpochs SNN epochs per entry of {@code steps} (same length)
     */
    public record Config(VggConfig model, int batch, int annEpochs, double annLr, int[] steps, int[] stageEpochs,
                         double snnLr, double percentile, double gamma, int calibrationImages, long seed,
                         int cropPadding, boolean flip, int evalBatch, int latencyImages, EnergyModel energy) {
        public Config {
            if (steps.length == 0 || steps.length != stageEpochs.length) {
                throw new IllegalArgumentException("IirSnn.Config: steps and stageEpochs must be non-empty and of the "
                        + "same length, got " + steps.length + " and " + stageEpochs.length);
            }
            for (int t : steps) {
                if (t < 1) {
                    throw new IllegalArgumentException("IirSnn.Config: time steps must be >= 1, got " + t);
                }
            }
            if (batch < 1 || annEpochs < 0 || evalBatch < 1 || calibrationImages < 1 || latencyImages < 0) {
                throw new IllegalArgumentException("IirSnn.Config: batch, evalBatch, calibrationImages must be >= 1 "
                        + "and epochs, latencyImages >= 0");
            }
            steps = steps.clone();
            stageEpochs = stageEpochs.clone();
        }

        /** The paper's settings with T = 5, 4, 3, 2, 1, a few epochs per stage. */
        public static Config defaults(VggConfig model) {
            return new Config(model, 64, 10, 1e-3, new int[] {5, 4, 3, 2, 1}, new int[] {10, 5, 5, 5, 5}, 1e-4, 0.90,
                    0.3, 512, 1, 0, false, 200, 200, EnergyModel.CMOS45_FP32);
        }
    }

    /**
     * One row of the result table.
     *
     * @param latencyMs   median inference time per image at batch 1 with dense DJL inference (one engine thread),
     *                    milliseconds, all stages timed together at the end of the run (NaN for the converted net,
     *                    which has the cost of the first SNN stage)
     * @param runtimeLatencyMs the same on the event-driven runtime ({@code snn4j-runtime}, the batch-1 deployment
     *                    engine: work only where spikes occur); NaN for the ANN and the converted net
     * @param firingRates spike rate per spiking layer on the test set
     * @param energyUj    estimated energy per image, microjoules (see {@link OpCounter})
     */
    public record StageResult(String stage, int timeSteps, double accuracy, double latencyMs,
                              double runtimeLatencyMs, Map<String, Double> firingRates, double macs, double acs,
                              double energyUj, double trainSeconds) {
        /** This row with other latencies (dense DJL, event-driven runtime). */
        public StageResult withLatency(double ms, double runtimeMs) {
            return new StageResult(stage, timeSteps, accuracy, ms, runtimeMs, firingRates, macs, acs, energyUj,
                    trainSeconds);
        }
    }

    /** Progress callbacks (the CLI draws a progress bar from them). */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        default void stageStarted(String stage, int epochs, int batchesPerEpoch) {
        }

        default void batchDone(String stage, int epoch, int batch, double loss, double accuracy) {
        }

        default void epochDone(String stage, int epoch, double loss, double accuracy) {
        }

        default void stageDone(StageResult result) {
        }
    }

    private IirSnn() {
    }

    /** Runs (or resumes) the whole pipeline and returns one row per stage: the ANN, then each T. */
    public static List<StageResult> run(Config cfg, ImageDataset train, ImageDataset test, Path out,
                                        Listener listener) throws IOException {
        Init.seed(cfg.seed());
        double[][] stats = train.channelStats();
        ImageBatches trainBatches = new ImageBatches(train, stats[0], stats[1]).augment(cfg.cropPadding(), cfg.flip());
        ImageBatches testBatches = new ImageBatches(test, stats[0], stats[1]);
        List<StageResult> table = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            // 1. the ANN twin, with batch norm
            Vgg ann = Vgg.ann(manager, cfg.model());
            Adam annOpt = Adam.adam(ParamGroup.all(ann).lr(cfg.annLr()))
                    .schedule(LrSchedule.cosine((long) cfg.annEpochs() * trainBatches.batchCount(cfg.batch()), 0));
            double seconds = trainStage("ann", ann, annOpt, cfg.annEpochs(), trainBatches, stats, cfg, out, manager,
                    listener);
            table.add(evaluate("ann", ann, 1, testBatches, cfg, manager, seconds, listener));

            // 2.-3. fold batch norm into the convolutions, thresholds from the 90th percentile of each layer's input
            Vgg snn = Vgg.snn(manager, cfg.model(), new PiecewiseLinear(cfg.gamma()), cfg.steps()[0]);
            Conversion.foldBatchNorm(ann, snn);
            try (NDManager calib = manager.newSubManager()) {
                int n = Math.min(cfg.calibrationImages(), train.size());
                NDArray images = trainBatches.batch(calib, trainBatches.order(cfg.seed(), -1, true), 0, n, null).images();
                Conversion.setThresholdsFromPercentile(snn, images, cfg.percentile());
            }
            table.add(evaluate("converted", snn, cfg.steps()[0], testBatches, cfg, manager, 0, listener));

            // 4.-5. train at T = 5, then retrain at 4, 3, 2, 1, each from the previous stage's weights, leaks, thresholds
            for (int i = 0; i < cfg.steps().length; i++) {
                int t = cfg.steps()[i];
                snn.timeSteps(t);
                long total = (long) cfg.stageEpochs()[i] * trainBatches.batchCount(cfg.batch());
                Adam opt = Adam.adam(ParamGroup.all(snn).lr(cfg.snnLr())).amsgrad(true)
                        .schedule(LrSchedule.stepDecay(total, 0.2, 0.6, 0.8, 0.9));
                String stage = STAGE_PREFIX + t;
                double s = trainStage(stage, snn, opt, cfg.stageEpochs()[i], trainBatches, stats, cfg, out, manager,
                        listener);
                table.add(evaluate(stage, snn, t, testBatches, cfg, manager, s, listener));
                recordEnergy(out, stage, snn, testBatches, cfg, manager);
                opt.close();
            }
            annOpt.close();

            // 6. latency of the ANN and of every T, timed together (see interleavedLatencyMs)
            addLatencies(table, ann, testBatches, cfg, out, manager);
        }
        return table;
    }

    /** Fills in the latency columns of the ANN and trained SNN rows, each SNN stage reloaded from its checkpoint. */
    private static void addLatencies(List<StageResult> table, Vgg ann, ImageBatches test, Config cfg, Path out,
                                     NDManager manager) throws IOException {
        List<Vgg> timed = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < table.size(); i++) {
            StageResult r = table.get(i);
            if (r.stage().equals("ann")) {
                timed.add(ann);
            } else if (r.stage().equals(STAGE_PREFIX + r.timeSteps())) {
                timed.add(loadStage(manager, cfg, out, r.timeSteps()));
            } else {
                continue; // the converted net: the same network and cost as T = steps[0], before training
            }
            rows.add(i);
        }
        double[][] ms = interleavedLatencyMs(timed, test, cfg.latencyImages(), manager);
        for (int k = 0; k < rows.size(); k++) {
            table.set(rows.get(k), table.get(rows.get(k)).withLatency(ms[0][k], ms[1][k]));
        }
    }

    /** Checkpoint folder prefix of an SNN stage: {@code snn-T5}, ... */
    static final String STAGE_PREFIX = "snn-T";

    /** A fresh SNN of {@code cfg.model()} at {@code t} steps with the weights of the last checkpoint of stage T=t. */
    static Vgg loadStage(NDManager manager, Config cfg, Path out, int t) throws IOException {
        Path dir = out.resolve(STAGE_PREFIX + t);
        Checkpoint c = Checkpoint.loadLatest(dir).orElseThrow(() ->
                new java.io.FileNotFoundException(dir + ": no complete checkpoint of stage T=" + t));
        Vgg m = Vgg.snn(manager, cfg.model(), new PiecewiseLinear(cfg.gamma()), t);
        c.restore(m, null);
        m.eval();
        return m;
    }

    /** Trains one stage, resuming from its last complete epoch; returns the training seconds of this run. */
    private static double trainStage(String stage, Vgg model, Adam opt, int epochs, ImageBatches data,
                                     double[][] stats, Config cfg, Path out, NDManager manager, Listener listener)
            throws IOException {
        Path dir = out.resolve(stage);
        int firstEpoch = 0;
        Optional<Checkpoint> last = Checkpoint.loadLatest(dir);
        if (last.isPresent()) {
            last.get().restore(model, opt);
            firstEpoch = (int) last.get().state().epoch();
        }
        int batches = data.batchCount(cfg.batch());
        listener.stageStarted(stage, epochs, batches);
        Trainer trainer = new Trainer(model, opt);
        long start = System.nanoTime();
        model.train(true);
        for (int epoch = firstEpoch; epoch < epochs; epoch++) {
            int[] order = data.order(cfg.seed(), epoch, true);
            Random augment = new Random(cfg.seed() * 7919 + epoch);
            // dropout masks come from the engine's generator, whose state a checkpoint does not hold: seed it per
            // stage and epoch so that a resumed run draws the same masks as an uninterrupted one
            Engine.getInstance().setRandomSeed(epochSeed(cfg.seed(), stage, epoch));
            RunningMean loss = new RunningMean();
            long correct = 0;
            long seen = 0;
            for (int b = 0; b < batches; b++) {
                try (NDManager bm = manager.newSubManager()) {
                    ImageBatches.Batch batch = data.batch(bm, order, b, cfg.batch(), augment);
                    Trainer.StepResult r = trainer.step(batch.images(), batch.labels());
                    loss.add(r.loss(), r.count());
                    correct += r.correct();
                    seen += r.count();
                    listener.batchDone(stage, epoch, b, loss.mean(), (double) correct / seen);
                }
            }
            listener.epochDone(stage, epoch, loss.mean(), (double) correct / seen);
            Map<String, Double> metrics = Map.of("train_loss", loss.mean(), "train_accuracy", (double) correct / seen);
            // the curve line first: a crash before the checkpoint re-runs this epoch, which replaces the line
            MetricsLog.record(out.resolve(MetricsLog.FILE), stage, epoch + 1, Map.of("time_steps", model.timeSteps(),
                    "train_loss", loss.mean(), "train_accuracy", (double) correct / seen, "step", opt.stepCount(),
                    "seconds", (System.nanoTime() - start) / 1e9));
            Checkpoint.save(dir, model, opt, new Checkpoint.State(opt.stepCount(), epoch + 1, cfg.seed(),
                    configMap(cfg, stage, model.timeSteps(), stats), metrics));
            Checkpoint.keepLatest(dir, 1);
        }
        model.eval();
        return (System.nanoTime() - start) / 1e9;
    }

    /** The engine seed of one epoch of one stage (a 31-bit mix of the run seed, the stage name and the epoch). */
    static int epochSeed(long seed, String stage, int epoch) {
        long h = seed * 0x9E3779B97F4A7C15L + stage.hashCode() * 1_000_003L + epoch;
        return (int) ((h ^ (h >>> 31)) & 0x7fffffff);
    }

    /** Test accuracy, batch-1 latency, firing rates and operation counts of {@code model} at its current T. */
    static StageResult evaluate(String stage, Vgg model, int t, ImageBatches test, Config cfg, NDManager manager,
                                double trainSeconds, Listener listener) {
        model.eval();
        int[] order = test.order(0, 0, false);
        long correct = 0;
        Map<String, Double> rates = Map.of();
        FiringRateMonitor monitor = model.isSpiking() ? FiringRateMonitor.attach(model) : null;
        try {
            for (int b = 0; b < test.batchCount(cfg.evalBatch()); b++) {
                try (NDManager bm = manager.newSubManager(); NDScope ignored = new NDScope()) {
                    ImageBatches.Batch batch = test.batch(bm, order, b, cfg.evalBatch(), null);
                    correct += dev.snn4j.train.Metrics.correct(model.forward(batch.images()), batch.labels());
                    model.resetState();
                }
            }
            if (monitor != null) {
                rates = new LinkedHashMap<>(monitor.rates());
            }
        } finally {
            if (monitor != null) {
                monitor.close();
            }
        }
        double latency = Double.NaN; // timed for all stages together at the end of the run
        VggConfig m = cfg.model();
        List<OpCounter.LayerOps> ops = OpCounter.count(model, new long[] {m.inChannels(), m.imageSize(),
                m.imageSize()}, t, rates);
        double macs = OpCounter.totalMacs(ops);
        double acs = OpCounter.totalAcs(ops);
        StageResult r = new StageResult(stage, t, (double) correct / test.data().size(), latency, Double.NaN, rates,
                macs, acs, OpCounter.energyPicojoules(ops, cfg.energy()) / 1e6, trainSeconds);
        listener.stageDone(r);
        return r;
    }

    /**
     * The stage's per-layer energy table ({@link EnergyFile}, entry {@code stage}): the net exported to the
     * event-driven runtime and run over the first {@link EnergyFile#DEFAULT_SAMPLES} test images (normalised as in
     * training, direct encoding at the stage's T).
     */
    static void recordEnergy(Path out, String stage, Vgg snn, ImageBatches test, Config cfg, NDManager manager)
            throws IOException {
        SpikingModel rt = dev.snn4j.io.GraphExport.toRuntime(snn, null, snn.timeSteps());
        Session session = rt.newSession();
        int[] order = test.order(0, 0, false);
        int n = Math.min(EnergyFile.DEFAULT_SAMPLES, order.length);
        int per = rt.inputSize();
        try (NDManager bm = manager.newSubManager()) {
            float[] images = test.batch(bm, order, 0, n, null).images().toFloatArray();
            for (int i = 0; i < n; i++) {
                session.run(java.util.Arrays.copyOfRange(images, i * per, (i + 1) * per), rt.timeSteps());
            }
        }
        String data = String.format(java.util.Locale.ROOT, "first %d of %d test images, direct encoding T=%d", n,
                order.length, rt.timeSteps());
        EnergyFile.record(out, "iir-snn", new EnergyFile.Entry(stage, "runtime", data,
                EnergyFile.report(rt, session, n, cfg.energy())));
    }

    /**
     * Median milliseconds per image at batch 1 (the deployment case) of each model, {@code [0]} with dense DJL
     * inference and {@code [1]} on the event-driven runtime (spiking models only, NaN for the ANN), timed in one
     * pass per engine (DJL, then the runtime): blocks of {@value #LATENCY_BLOCK} images, every model in turn, the
     * order rotating with the block. Timing the models together rather than each at the end of its own stage means that the ratios between
     * them (T=1 vs T=5) are measured under the same machine load, and the median drops the images a background
     * process disturbed; blocks rather than single images because a model run right after another finds its weights
     * evicted from the caches, a cost a deployment running one model does not pay and one that penalises the
     * cheapest model most. DJL runs with one engine thread (see {@link dev.snn4j.nn.EngineThreads}); the runtime
     * is warmed up longer than DJL (at least 200 images and one second per model) since its vector kernels need the
     * JIT's second tier. Returns NaN for every model
     * if {@code images} is 0.
     */
    static double[][] interleavedLatencyMs(List<Vgg> models, ImageBatches test, int images, NDManager manager)
            throws IOException {
        double[][] result = new double[2][models.size()];
        if (images == 0) {
            java.util.Arrays.fill(result[0], Double.NaN);
            java.util.Arrays.fill(result[1], Double.NaN);
            return result;
        }
        // batch 1 runs one engine thread: with more, every small operation pays an OpenMP fork/join, and on a shared
        // machine those barriers stall (docs/ENGINE-NOTES.md); training keeps its thread count
        int threads = dev.snn4j.nn.EngineThreads.get();
        dev.snn4j.nn.EngineThreads.set(1);
        try {
            return timeInterleaved(models, test, images, manager);
        } finally {
            dev.snn4j.nn.EngineThreads.set(threads);
        }
    }

    /** Images per model between switches in {@link #interleavedLatencyMs}. */
    static final int LATENCY_BLOCK = 10;

    private static double[][] timeInterleaved(List<Vgg> models, ImageBatches test, int images, NDManager manager)
            throws IOException {
        int[] order = test.order(0, 0, false);
        int n = Math.min(images, order.length);
        float[][] pixels = new float[n][];
        long[] shape;
        try (NDManager bm = manager.newSubManager()) {
            NDArray first = test.batch(bm, order, 0, 1, null).images();
            shape = first.getShape().getShape();
            for (int i = 0; i < n; i++) {
                pixels[i] = test.batch(bm, order, i, 1, null).images().toFloatArray();
            }
        }
        // timers: the DJL model, then (spiking models) its export on the runtime
        List<ImageTimer> timers = new ArrayList<>();
        List<int[]> slot = new ArrayList<>(); // {engine, model index}
        for (int k = 0; k < models.size(); k++) {
            Vgg model = models.get(k);
            timers.add(djlTimer(model, manager, shape));
            slot.add(new int[] {0, k});
            if (model.isSpiking()) {
                timers.add(runtimeTimer(model));
                slot.add(new int[] {1, k});
            }
        }
        for (int j = 0; j < timers.size(); j++) {
            // the runtime's vector kernels reach the JIT's second tier only after many calls (bench runtime: its
            // first 500 T=1 images ran 3x slower than the rest): at least 200 images and one second each
            boolean runtime = slot.get(j)[0] == 1;
            long until = System.nanoTime() + (runtime ? 1_000_000_000L : 0);
            for (int i = 0; i < (runtime ? 200 : 20) || System.nanoTime() < until; i++) {
                timers.get(j).nanos(pixels[i % n]);
            }
        }
        double[][] ms = new double[timers.size()][n];
        int blocks = (n + LATENCY_BLOCK - 1) / LATENCY_BLOCK;
        for (int engine = 0; engine < 2; engine++) {
            // one engine at a time: a deployment runs one, and PyTorch's native work between the runtime's blocks
            // (caches, allocator, threads) would slow the runtime in a way it does not slow it there
            List<Integer> mine = new ArrayList<>();
            for (int j = 0; j < timers.size(); j++) {
                if (slot.get(j)[0] == engine) {
                    mine.add(j);
                }
            }
            for (int b = 0; b < blocks; b++) {
                for (int q = 0; q < mine.size(); q++) {
                    int k = mine.get((b + q) % mine.size());
                    for (int i = b * LATENCY_BLOCK; i < Math.min(n, (b + 1) * LATENCY_BLOCK); i++) {
                        ms[k][i] = timers.get(k).nanos(pixels[i]) / 1e6;
                    }
                }
            }
        }
        double[][] result = new double[2][models.size()];
        java.util.Arrays.fill(result[1], Double.NaN);
        for (int j = 0; j < timers.size(); j++) {
            double[] a = ms[j];
            java.util.Arrays.sort(a);
            result[slot.get(j)[0]][slot.get(j)[1]] = n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
        }
        return result;
    }

    /** Times one batch-1 inference of an image (normalised pixels); returns nanoseconds. */
    private interface ImageTimer {
        long nanos(float[] image);
    }

    private static ImageTimer djlTimer(Vgg model, NDManager manager, long[] shape) {
        return image -> {
            try (NDManager bm = manager.newSubManager(); NDScope ignored = new NDScope()) {
                NDArray x = bm.create(image, new ai.djl.ndarray.types.Shape(shape));
                long t0 = System.nanoTime();
                NDArray logits = model.forward(x);
                logits.toFloatArray(); // wait for the result, as a caller would
                long t1 = System.nanoTime();
                model.resetState();
                return t1 - t0;
            }
        };
    }

    /** The model exported to the event-driven runtime (as {@code snn4j export} does), one session reused. */
    private static ImageTimer runtimeTimer(Vgg model) throws IOException {
        SpikingModel rt = dev.snn4j.io.GraphExport.toRuntime(model, null, model.timeSteps());
        Session session = rt.newSession();
        int t = model.timeSteps();
        return image -> {
            long t0 = System.nanoTime();
            float[] scores = session.run(image, t);
            Session.argmax(scores);
            return System.nanoTime() - t0;
        };
    }

    /** The run's settings saved in every checkpoint; enough to rebuild the net and its input normalisation. */
    static Map<String, Object> configMap(Config cfg, String stage, int t, double[][] stats) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recipe", "iir-snn");
        m.put("stage", stage);
        m.put("time_steps", t);
        m.put("model", cfg.model().name());
        m.put("features", String.join(",", cfg.model().features()));
        m.put("hidden", java.util.Arrays.toString(cfg.model().hidden()));
        m.put("in_channels", cfg.model().inChannels());
        m.put("image_size", cfg.model().imageSize());
        m.put("classes", cfg.model().classes());
        m.put("dropout", cfg.model().dropout());
        m.put("mean", stats[0]);
        m.put("std", stats[1]);
        m.put("batch", cfg.batch());
        m.put("ann_epochs", cfg.annEpochs());
        m.put("ann_lr", cfg.annLr());
        m.put("steps", java.util.Arrays.toString(cfg.steps()));
        m.put("stage_epochs", java.util.Arrays.toString(cfg.stageEpochs()));
        m.put("snn_lr", cfg.snnLr());
        m.put("percentile", cfg.percentile());
        m.put("gamma", cfg.gamma());
        m.put("seed", cfg.seed());
        return m;
    }
}
