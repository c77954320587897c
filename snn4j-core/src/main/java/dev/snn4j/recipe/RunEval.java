package dev.snn4j.recipe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.snn4j.data.ImageBatches;
import dev.snn4j.data.ImageDataset;
import dev.snn4j.energy.FiringRateMonitor;
import dev.snn4j.layer.DeltaActivation;
import dev.snn4j.layer.Sequential;
import dev.snn4j.model.DelayNet;
import dev.snn4j.model.Vgg;
import dev.snn4j.model.VggConfig;
import dev.snn4j.neuron.Neuron;
import dev.snn4j.nn.Module;
import dev.snn4j.surrogate.PiecewiseLinear;
import dev.snn4j.train.Checkpoint;
import dev.snn4j.delta.DeltaSparsity;
import dev.snn4j.train.Metrics;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Evaluates the newest checkpoint of a trained recipe stage on its test set: accuracy, firing rate per spiking layer
 * and a spike raster of the first test sample. Used by {@code snn4j eval} and {@code snn4j report}; the network is
 * rebuilt from the configuration each checkpoint's {@code checkpoint.json} records.
 *
 * <pre>{@code
 * ImageDataset train = MnistLoader.load(dir, true), test = MnistLoader.load(dir, false);
 * RunEval.Evaluation e = RunEval.iir(Path.of("runs/demo/snn-T1"), train, test, 200);
 * System.out.println(e.accuracy() + " " + e.firingRates());
 * }</pre>
 */
public final class RunEval {
    /** Neurons shown per layer in a raster (evenly spaced over the layer). */
    public static final int RASTER_NEURONS = 100;

    /**
     * One layer of a raster.
     *
     * @param total  neurons in the layer
     * @param shown  the neuron indices drawn (row r of the raster is neuron {@code shown[r]})
     * @param spikes (time step, row) pairs where the shown neuron fired
     */
    public record RasterLayer(int total, int[] shown, List<int[]> spikes) {
    }

    /**
     * The result of one stage.
     *
     * @param name        the stage ({@code snn-T1}, {@code learned}, ...)
     * @param timeSteps   time steps per sample
     * @param accuracy    test accuracy in [0, 1]
     * @param samples     test samples scored
     * @param firingRates spikes per neuron and step, per spiking layer (empty for an ANN)
     * @param raster      spike raster of the first test sample per spiking layer (empty for an ANN)
     * @param extra       recipe-specific figures (delta: per-layer sparsity)
     */
    public record Evaluation(String name, int timeSteps, double accuracy, long samples, Map<String, Double> firingRates,
                             Map<String, RasterLayer> raster, Map<String, Object> extra) {
    }

    private RunEval() {
    }

    /** The newest checkpoint under a stage folder, or an error naming the folder. */
    public static Checkpoint latest(Path stageDir) throws IOException {
        Optional<Checkpoint> c = Checkpoint.loadLatest(stageDir);
        if (c.isEmpty()) {
            throw new IOException(stageDir + ": no complete checkpoint (expected step-N/ folders with "
                    + Checkpoint.INFO_FILE + ")");
        }
        return c.get();
    }

    // ------------------------------------------------------------------------------------------------ IIR

    /**
     * An IIR-SNN stage ({@code ann}, {@code snn-T5}, ...): the net is rebuilt from the checkpoint's configuration
     * (image shape, classes and normalisation from the checkpoint when recorded, else from {@code train}).
     */
    public static Evaluation iir(Path stageDir, ImageDataset train, ImageDataset test, int evalBatch)
            throws IOException {
        Checkpoint ck = latest(stageDir);
        Map<String, Object> c = ck.state().config();
        if (!"iir-snn".equals(c.get("recipe"))) {
            throw new IOException(ck.dir().resolve(Checkpoint.INFO_FILE) + ": not an IIR-SNN checkpoint (recipe "
                    + c.get("recipe") + ")");
        }
        String stage = String.valueOf(c.getOrDefault("stage", stageDir.getFileName()));
        int t = intOf(c, "time_steps", ck);
        List<String> features = Arrays.asList(String.valueOf(c.get("features")).split(","));
        int[] hidden = ints(String.valueOf(c.get("hidden")));
        double[][] stats = c.get("mean") instanceof List<?> && c.get("std") instanceof List<?>
                ? new double[][] {doubles(c.get("mean")), doubles(c.get("std"))} : train.channelStats();
        int channels = c.get("in_channels") instanceof Number n ? n.intValue() : test.channels();
        int size = c.get("image_size") instanceof Number n ? n.intValue() : test.height();
        int classes = c.get("classes") instanceof Number n ? n.intValue() : test.classes().size();
        if (test.channels() != channels || test.height() != size) {
            throw new IOException(stageDir + " was trained on " + channels + "x" + size + "x" + size + " images, the "
                    + "test set has " + test.channels() + "x" + test.height() + "x" + test.width());
        }
        VggConfig vc = new VggConfig(String.valueOf(c.get("model")), channels, size, features, hidden, classes, 0);
        double gamma = c.get("gamma") instanceof Number n ? n.doubleValue() : 0.3;
        ImageBatches batches = new ImageBatches(test, stats[0], stats[1]);
        try (NDManager m = NDManager.newBaseManager()) {
            Vgg net = stage.equals("ann") ? Vgg.ann(m, vc) : Vgg.snn(m, vc, new PiecewiseLinear(gamma), t);
            ck.restore(net, null);
            net.eval();
            int[] order = batches.order(0, 0, false);
            long correct = 0;
            Map<String, Double> rates = new LinkedHashMap<>();
            FiringRateMonitor mon = net.isSpiking() ? FiringRateMonitor.attach(net) : null;
            try {
                for (int b = 0; b < batches.batchCount(evalBatch); b++) {
                    try (NDManager bm = m.newSubManager(); NDScope ignored = new NDScope()) {
                        ImageBatches.Batch batch = batches.batch(bm, order, b, evalBatch, null);
                        correct += Metrics.correct(net.forward(batch.images()), batch.labels());
                        net.resetState();
                    }
                }
                if (mon != null) {
                    rates.putAll(mon.rates());
                }
            } finally {
                if (mon != null) {
                    mon.close();
                }
            }
            Map<String, RasterLayer> raster = Map.of();
            if (net.isSpiking()) {
                try (NDManager bm = m.newSubManager(); NDScope ignored = new NDScope()) {
                    NDArray one = batches.batch(bm, order, 0, 1, null).images();
                    raster = raster(net, () -> net.forward(one));
                    net.resetState();
                }
            }
            return new Evaluation(stage, net.isSpiking() ? t : 1, (double) correct / test.size(), test.size(), rates,
                    raster, Map.of());
        }
    }

    // ------------------------------------------------------------------------------------------------ delays

    /**
     * A delays variant folder ({@code none/}, {@code fixed_random/}, {@code learned/}) of a {@link Delays} run; the
     * test spikes come from {@code data}.
     */
    public static Evaluation delays(Path modeDir, Delays.Data data) throws IOException {
        Checkpoint ck = latest(modeDir);
        Map<String, Object> c = ck.state().config();
        if (!"delays".equals(c.get("recipe")) || !(c.get("hidden") instanceof List<?>)) {
            throw new IOException(ck.dir().resolve(Checkpoint.INFO_FILE) + ": not a delays checkpoint with its net "
                    + "shape (recipe 'delays' and 'hidden'; checkpoints written before snn4j eval existed lack it)");
        }
        DelayNet.Mode mode = DelayNet.Mode.valueOf(String.valueOf(c.get("mode")));
        int[] hidden = ((List<?>) c.get("hidden")).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        Delays.Config cfg = new Delays.Config(mode, hidden, intOf(c, "max_delay", ck), dbl(c, "dropout", ck),
                dbl(c, "tau", ck), intOf(c, "epochs", ck), intOf(c, "batch", ck), dbl(c, "lr_weights", ck),
                dbl(c, "weight_decay", ck), dbl(c, "lr_positions", ck), dbl(c, "sigma_fraction", ck),
                dbl(c, "bin_seconds", ck), dbl(c, "max_seconds", ck), intOf(c, "group_size", ck),
                intOf(c, "eval_batch", ck), ck.state().seed());
        try (NDManager m = NDManager.newBaseManager()) {
            DelayNet net = new DelayNet(m, new DelayNet.Config(intOf(c, "inputs", ck), hidden, intOf(c, "classes", ck),
                    cfg.maxDelay(), cfg.dropout(), cfg.tau(), mode));
            ck.restore(net, null);
            Delays.Result r = Delays.evaluate(net, cfg, data.test(), modeDir, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN);
            Map<String, RasterLayer> raster;
            try (NDManager bm = m.newSubManager(); NDScope ignored = new NDScope()) {
                NDArray[] xy = Delays.batch(bm, data.test(), new int[] {0}, 0, 1, cfg);
                raster = raster(net, () -> net.forward(xy[0]));
                net.resetState();
            }
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("synaptic_acs_per_sample", r.synapticAcs());
            extra.put("energy_uj_per_sample", r.energyUj());
            return new Evaluation(mode.name().toLowerCase(java.util.Locale.ROOT), cfg.timeSteps(), r.accuracy(),
                    data.test().size(), r.firingRates(), raster, extra);
        }
    }

    // ------------------------------------------------------------------------------------------------ delta

    /**
     * A delta variant folder ({@code nmnist-a-no-sparsity-loss/}, {@code nmnist-b-sp1/}, fine-tuned ones such as
     * {@code nmnist-b-sp0-ft4-lr0.0001/}, ...; the theta granularity from the checkpoint): the test clips are rebuilt from the data
     * folder the checkpoint records (or {@code dataDir} if not null). Firing rates are the fraction of non-zero
     * deltas (the messages a delta-driven execution sends) per DeltaActivation layer.
     */
    public static Evaluation delta(Path variantDir, Path dataDir) throws IOException {
        Checkpoint ck = latest(variantDir);
        Map<String, Object> c = ck.state().config();
        if (!"delta".equals(c.get("recipe")) || !(c.get("test_clips") instanceof Number)) {
            throw new IOException(ck.dir().resolve(Checkpoint.INFO_FILE) + ": not a delta checkpoint with its data "
                    + "settings (recipe 'delta' and 'test_clips'; checkpoints written before snn4j eval lack them)");
        }
        Path dir = dataDir != null ? dataDir : Path.of(String.valueOf(c.get("data_dir")));
        DeltaActivation.Granularity granularity = Delta.granularity(c, ck.dir().resolve(Checkpoint.INFO_FILE));
        // only the data settings matter here: the test clips are rebuilt, the net comes from the checkpoint
        Delta.Config cfg = new Delta.Config(String.valueOf(c.get("data")), dir, variantDir.getParent(),
                intOf(c, "frames", ck), intOf(c, "train_clips", ck), intOf(c, "test_clips", ck), 1,
                intOf(c, "batch", ck), 1e-3, 0, new double[] {1}, dbl(c, "theta0", ck), granularity, 0, 0, 0, 1,
                false, DeltaSparsity.Normalisation.NUMEL, new double[0], true, ck.state().seed(), 0);
        Delta.Clips test = cfg.data().equals("nmnist") ? Delta.nmnistSplit(cfg, "test100.txt", cfg.testClips())
                : Delta.moving(cfg)[1];
        try (NDManager m = NDManager.newBaseManager()) {
            Sequential model = Delta.model(m, test.frameShape(), test.classes(), cfg.theta0(), granularity);
            ck.restore(model, null);
            model.eval();
            Map<String, DeltaActivation> layers = DeltaSparsity.layers(model);
            layers.values().forEach(d -> d.recordStats(true).clearStats());
            long correct = 0;
            for (int from = 0; from < test.size(); from += 50) {
                int first = from;
                int[] idx = new int[Math.min(test.size(), from + 50) - from];
                Arrays.setAll(idx, i -> i + first);
                try (NDManager bm = m.newSubManager(); NDScope ignored = new NDScope()) {
                    correct += Metrics.correct(model.forward(test.batch(bm, idx)), test.labels(bm, idx));
                    model.resetState();
                }
            }
            Map<String, Double> rates = new LinkedHashMap<>();
            Map<String, Object> sparsity = new LinkedHashMap<>();
            layers.forEach((k, d) -> {
                rates.put(k, 1 - d.temporalSparsity());
                sparsity.put(k, Map.of("zero_deltas", d.temporalSparsity(), "zero_activations",
                        d.spatialSparsity()));
                d.recordStats(false);
            });
            return new Evaluation(String.valueOf(c.get("variant")), cfg.frames(), (double) correct / test.size(),
                    test.size(), rates, Map.of(), Map.of("sparsity", sparsity));
        }
    }

    // ------------------------------------------------------------------------------------------------ raster

    /** Runs {@code forward} (one sample, batch 1) and records which of up to 100 neurons per layer fire at each step. */
    static Map<String, RasterLayer> raster(Module net, Runnable forward) {
        Map<String, Neuron> neurons = new LinkedHashMap<>();
        collect("", net, neurons);
        Map<String, RasterLayer> out = new LinkedHashMap<>();
        Map<Neuron, Neuron.SpikeObserver> before = new LinkedHashMap<>();
        Map<Neuron, int[]> step = new LinkedHashMap<>();
        neurons.forEach((name, n) -> {
            before.put(n, n.observer());
            step.put(n, new int[1]);
            n.setObserver((neuron, s) -> {
                float[] v = s.get(0).flatten().toType(DataType.FLOAT32, false).toFloatArray();
                RasterLayer layer = out.computeIfAbsent(name, k -> {
                    int shown = Math.min(RASTER_NEURONS, v.length);
                    int[] idx = new int[shown];
                    for (int r = 0; r < shown; r++) {
                        idx[r] = (int) ((long) r * v.length / shown);
                    }
                    return new RasterLayer(v.length, idx, new ArrayList<>());
                });
                int t = step.get(neuron)[0]++;
                for (int r = 0; r < layer.shown().length; r++) {
                    if (v[layer.shown()[r]] != 0) {
                        layer.spikes().add(new int[] {t, r});
                    }
                }
                Neuron.SpikeObserver b = before.get(neuron);
                if (b != null) {
                    b.onSpikes(neuron, s);
                }
            });
        });
        try {
            forward.run();
        } finally {
            before.forEach(Neuron::setObserver);
        }
        return out;
    }

    private static void collect(String path, Module m, Map<String, Neuron> out) {
        if (m instanceof Neuron n) {
            out.put(path.isEmpty() ? m.describe() : path, n);
        }
        m.children().forEach((k, c) -> collect(path.isEmpty() ? k : path + "." + k, c, out));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static int intOf(Map<String, Object> c, String key, Checkpoint ck) throws IOException {
        if (!(c.get(key) instanceof Number n)) {
            throw new IOException(ck.dir().resolve(Checkpoint.INFO_FILE) + ": expected a number at config." + key
                    + ", got " + c.get(key));
        }
        return n.intValue();
    }

    private static double dbl(Map<String, Object> c, String key, Checkpoint ck) throws IOException {
        if (!(c.get(key) instanceof Number n)) {
            throw new IOException(ck.dir().resolve(Checkpoint.INFO_FILE) + ": expected a number at config." + key
                    + ", got " + c.get(key));
        }
        return n.doubleValue();
    }

    private static int[] ints(String list) {
        String s = list.replace("[", "").replace("]", "").strip();
        return s.isEmpty() ? new int[0] : Arrays.stream(s.split(",")).map(String::strip).mapToInt(Integer::parseInt)
                .toArray();
    }

    private static double[] doubles(Object list) {
        return ((List<?>) list).stream().mapToDouble(o -> ((Number) o).doubleValue()).toArray();
    }
}
