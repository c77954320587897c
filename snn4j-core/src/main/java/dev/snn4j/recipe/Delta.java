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
import dev.snn4j.energy.EnergyFile;
import dev.snn4j.energy.EnergyModel;
import dev.snn4j.layer.Conv2d;
import dev.snn4j.layer.DeltaActivation;
import dev.snn4j.layer.Flatten;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.MeanOverTime;
import dev.snn4j.layer.Pool2d;
import dev.snn4j.layer.Sequential;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Tensors;
import dev.snn4j.runtime.Session;
import dev.snn4j.runtime.SpikingModel;
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
 * resumes at the last complete epoch; fine-tuned variants ({@code --finetune-epochs}) start from (a)'s final
 * checkpoint. Results: {@code <out>/<data>-results.md}, {@code <out>/<data>-results.json} (read by
 * {@code snn4j report}), {@code <out>/<data>-sparsity.png}, {@code <out>/metrics.jsonl} and {@code <out>/energy.json}
 * (each variant's per-layer energy table, measured in the event-driven runtime; {@link EnergyFile}).
 *
 * <pre>{@code
 * java ... dev.snn4j.recipe.Delta --data nmnist --epochs 12 --sp 0.5 --out runs/delta
 * }</pre>
 */
public final class Delta {
    /** DeltaActivation layers in {@link #model}: {@code --layer-weights} gives one weight each, in this order. */
    public static final int DELTA_LAYERS = 3;

    /**
     * Settings (command-line options {@code --data --data-dir --out --frames --train --test --epochs --batch --lr
     * --theta-lr --sp | --sweep --theta0 --granularity --finetune-epochs --finetune-lr --finetune-theta-lr
     * --theta-scale --control --sp-norm --layer-weights --sp-theta-grad --seed --timed}).
     *
     * @param frames         time steps per clip
     * @param trainClips     training clips (N-MNIST: at most 1000)
     * @param testClips      test clips (N-MNIST: at most 100)
     * @param spRates        weights of the delta sparsity loss, one variant (b) each ({@code --sp 0.5} or
     *                       {@code --sweep 0.3,1,3})
     * @param theta0         initial quantisation step of every DeltaActivation
     * @param thetaLr        learning rate of the thetas (the other weights use {@code lr})
     * @param granularity    how many thetas each DeltaActivation has (layer, channel, neuron)
     * @param finetuneEpochs 0: every (b) is trained from scratch like (a); else every (b) starts from (a)'s final
     *                       checkpoint and is fine-tuned this many epochs (the paper's procedure)
     * @param finetuneLr     learning rate of the weights while fine-tuning (cosine to 0 over the fine-tuning)
     * @param finetuneThetaLr learning rate of the thetas while fine-tuning
     * @param thetaScale     the thetas loaded from (a) are multiplied by this before fine-tuning (coarser steps)
     * @param control        with fine-tuning: also fine-tune (a) with sp_rate 0, the same budget, as the fair
     *                       reference (it separates the effect of the extra epochs from that of the loss)
     * @param normalisation  how each layer's L1 delta term is scaled ({@link DeltaSparsity.Normalisation})
     * @param layerWeights   extra weight of each DeltaActivation's term, in forward order (empty: all 1)
     * @param spThetaGrad    whether the sparsity loss's gradient reaches theta ({@link DeltaSparsity#thetaGradient})
     * @param timedClips     test clips timed at batch 1 (delta vs dense)
     */
    public record Config(String data, Path dataDir, Path out, int frames, int trainClips, int testClips, int epochs,
                         int batch, double lr, double thetaLr, double[] spRates, double theta0,
                         DeltaActivation.Granularity granularity, int finetuneEpochs, double finetuneLr,
                         double finetuneThetaLr, double thetaScale, boolean control,
                         DeltaSparsity.Normalisation normalisation, double[] layerWeights, boolean spThetaGrad,
                         long seed,
                         int timedClips) {
        /** The option names {@link #parse} knows (without the leading {@code --}). */
        public static final List<String> KEYS = List.of("data", "data-dir", "out", "frames", "train", "test", "epochs",
                "batch", "lr", "theta-lr", "sp", "sweep", "theta0", "granularity", "finetune-epochs", "finetune-lr",
                "finetune-theta-lr", "theta-scale", "control", "sp-norm", "layer-weights", "sp-theta-grad", "seed", "timed");

        public Config {
            if (data == null || !(data.equals("nmnist") || data.equals("moving")) || dataDir == null || out == null
                    || frames < 1 || trainClips < 1 || testClips < 1 || epochs < 0 || batch < 1 || !(lr > 0)
                    || !(thetaLr >= 0) || !(theta0 > 0) || timedClips < 0) {
                throw new IllegalArgumentException("Delta.Config: need data nmnist or moving, frames, clips and batch "
                        + ">= 1, epochs and timedClips >= 0, lr > 0, thetaLr >= 0, theta0 > 0");
            }
            if (spRates == null || spRates.length == 0 || java.util.Arrays.stream(spRates).anyMatch(v -> !(v >= 0)
                    || Double.isInfinite(v))) {
                throw new IllegalArgumentException("Delta.Config: need at least one sparsity rate, each finite and "
                        + ">= 0, got " + java.util.Arrays.toString(spRates));
            }
            if (granularity == null || normalisation == null || layerWeights == null
                    || java.util.Arrays.stream(layerWeights).anyMatch(v -> !(v >= 0) || Double.isInfinite(v))) {
                throw new IllegalArgumentException("Delta.Config: need a granularity, a normalisation and layer "
                        + "weights that are finite and >= 0");
            }
            if (finetuneEpochs < 0 || (finetuneEpochs > 0 && epochs < 1) || !(finetuneLr >= 0)
                    || !(finetuneThetaLr >= 0) || !(thetaScale > 0) || Double.isInfinite(thetaScale)) {
                throw new IllegalArgumentException("Delta.Config: need finetuneEpochs >= 0 (and epochs >= 1 when "
                        + "fine-tuning), finetuneLr and finetuneThetaLr >= 0, thetaScale > 0");
            }
            spRates = spRates.clone();
            layerWeights = layerWeights.clone();
        }

        /** Parses {@code --key value} pairs (keys: {@link #KEYS}); missing keys take the defaults of {@code data}. */
        public static Config parse(String[] args) {
            Map<String, String> a = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("usage: --key value ...; bad argument '" + args[i] + "'");
                }
                a.put(args[i].substring(2), args[++i]);
            }
            Map<String, String> unknown = new LinkedHashMap<>(a);
            unknown.keySet().removeAll(KEYS);
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("unknown options " + unknown.keySet() + "; known: " + KEYS);
            }
            String data = a.getOrDefault("data", "nmnist");
            if (!data.equals("nmnist") && !data.equals("moving")) {
                throw new IllegalArgumentException("--data must be nmnist or moving, got " + data);
            }
            if (a.containsKey("sp") && a.containsKey("sweep")) {
                throw new IllegalArgumentException("give --sp or --sweep, not both");
            }
            boolean nm = data.equals("nmnist");
            Path dir = Path.of(a.getOrDefault("data-dir", nm ? "../shared/data/nmnist_small"
                    : "../shared/data/fashion_mnist"));
            double lr = number(a, "lr", "1e-3");
            double thetaLr = number(a, "theta-lr", "1e-4");
            double[] sp = java.util.Arrays.stream(a.getOrDefault("sweep", a.getOrDefault("sp", "0.5")).split(","))
                    .mapToDouble(v -> parseNumber("sp", v.trim())).toArray();
            for (double v : sp) {
                if (!(v >= 0)) {
                    throw new IllegalArgumentException("--sp/--sweep: sparsity rates must be >= 0, got " + v);
                }
            }
            DeltaActivation.Granularity g;
            try {
                g = DeltaActivation.Granularity.valueOf(a.getOrDefault("granularity", "channel")
                        .toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--granularity must be layer, channel or neuron, got "
                        + a.get("granularity"));
            }
            DeltaSparsity.Normalisation norm;
            try {
                norm = DeltaSparsity.Normalisation.valueOf(a.getOrDefault("sp-norm", "numel")
                        .toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--sp-norm must be numel or activity, got " + a.get("sp-norm"));
            }
            String control = a.getOrDefault("control", "true");
            String thetaGrad = a.getOrDefault("sp-theta-grad", "true");
            for (String[] kv : new String[][] {{"control", control}, {"sp-theta-grad", thetaGrad}}) {
                if (!kv[1].equals("true") && !kv[1].equals("false")) {
                    throw new IllegalArgumentException("--" + kv[0] + " must be true or false, got " + kv[1]);
                }
            }
            int epochs = integer(a, "epochs", "10");
            int finetuneEpochs = integer(a, "finetune-epochs", "0");
            if (finetuneEpochs < 0 || epochs < (finetuneEpochs > 0 ? 1 : 0) || integer(a, "batch", "32") < 1) {
                throw new IllegalArgumentException("--batch must be >= 1, --finetune-epochs >= 0, --epochs >= 0 "
                        + "(>= 1 when fine-tuning)");
            }
            if (!(number(a, "theta-scale", "1") > 0) || !(number(a, "theta0", "0.05") > 0)) {
                throw new IllegalArgumentException("--theta0 and --theta-scale must be > 0");
            }
            Config c = new Config(data, dir, Path.of(a.getOrDefault("out", "runs/delta")),
                    integer(a, "frames", nm ? "10" : "8"),
                    integer(a, "train", nm ? "1000" : "3000"),
                    integer(a, "test", nm ? "100" : "1000"),
                    epochs,
                    integer(a, "batch", "32"),
                    lr, thetaLr, sp,
                    number(a, "theta0", "0.05"), g,
                    finetuneEpochs,
                    number(a, "finetune-lr", Double.toString(lr / 10)),
                    number(a, "finetune-theta-lr", Double.toString(thetaLr)),
                    number(a, "theta-scale", "1"),
                    control.equals("true"), norm,
                    a.containsKey("layer-weights") ? java.util.Arrays.stream(a.get("layer-weights").split(","))
                            .mapToDouble(v -> parseNumber("layer-weights", v.trim())).toArray() : new double[0],
                    thetaGrad.equals("true"),
                    Long.parseLong(a.getOrDefault("seed", "1")),
                    integer(a, "timed", "50"));
            return c;
        }

        private static int integer(Map<String, String> a, String key, String def) {
            String v = a.getOrDefault(key, def);
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + key + " must be an integer, got '" + v + "'");
            }
        }

        private static double number(Map<String, String> a, String key, String def) {
            return parseNumber(key, a.getOrDefault(key, def));
        }

        private static double parseNumber(String key, String v) {
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + key + " must be a number, got '" + v + "'");
            }
        }

        /** Whether every (b) is fine-tuned from (a)'s final checkpoint ({@code finetuneEpochs > 0}). */
        public boolean finetune() {
            return finetuneEpochs > 0;
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
     * @param sparsity per DeltaActivation: {temporal (zero deltas), spatial (zero activations), elements counted}
     *                 on the test set
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
        try {
            Config cfg = Config.parse(args);
            List<Result> rows = run(cfg, Listener.PRINT);
            System.out.println(table(cfg, rows));
        } catch (IllegalArgumentException | IllegalStateException e) {
            // bad options, or fine-tuning before (a) has finished: a message, not a stack trace
            System.err.println("Delta: " + e.getMessage());
            System.exit(2);
        }
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

        /** A line of information (data loaded, resuming, starting a fine-tune from (a)). */
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

    /** {@link #run(Config, Listener)} printing to standard output. */
    static List<Result> run(Config cfg) throws IOException {
        List<Result> rows = run(cfg, Listener.PRINT);
        System.out.println(table(cfg, rows));
        return rows;
    }

    /**
     * Trains (or resumes) and evaluates every variant of {@code cfg} ((a), then each (b): from scratch, or fine-tuned
     * from (a) with the sp 0 control), writes {@code <data>-results.md}, {@code <data>-results.json} and
     * {@code <data>-sparsity.png} into {@code cfg.out()} and returns one row per variant.
     *
     * @throws IllegalArgumentException too few clips for one batch, or {@code layerWeights} not one per
     *                                  DeltaActivation
     * @throws IllegalStateException    a fine-tuned variant whose (a) checkpoint is missing or unfinished
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
        List<Variant> variants = variants(cfg);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Variant v : variants) {
                Init.seed(cfg.seed());   // the same initial weights for every variant trained from scratch
                Sequential model = model(manager, data[0].frameShape(), data[0].classes(), cfg.theta0(),
                        cfg.granularity());
                double seconds = train(cfg, v, model, data[0], manager, listener);
                Result r = evaluate(cfg, v, model, data[1], manager, seconds);
                recordEnergy(cfg, v, model, data[1], manager);
                rows.add(r);
                listener.done(r);
            }
        }
        String md = table(cfg, rows);
        dev.snn4j.runtime.io.AtomicFiles.write(cfg.out().resolve(cfg.data() + "-results.md"),
                md.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        writeJson(cfg, variants, rows);
        plot(cfg, rows);
        return rows;
    }

    /**
     * {@code <data>-results.json}: per variant accuracy, sparsity and operations per layer, and for fine-tuned
     * variants the variant they started from (read by {@code snn4j report}).
     */
    private static void writeJson(Config cfg, List<Variant> variants, List<Result> rows) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        int n = Math.min(cfg.timedClips(), cfg.testClips());
        Result a = rows.get(0);
        for (int i = 0; i < rows.size(); i++) {
            Result r = rows.get(i);
            Variant v = variants.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("variant", r.variant());
            m.put("sp_rate", r.spRate());
            if (v.finetuned()) {
                m.put("finetuned_from", v.from().name());
            }
            m.put("epochs", v.epochs());
            m.put("accuracy", r.accuracy());
            Map<String, Object> sp = new LinkedHashMap<>();
            r.sparsity().forEach((k, x) -> sp.put(k, Map.of("zero_deltas", x[0], "zero_activations", x[1],
                    "mean_step", r.meanTheta().get(k), "nonzero_delta_ratio_vs_a",
                    nonZeroRatio(a.sparsity().get(k)[0], x[0]))));
            m.put("sparsity", sp);
            m.put("zero_deltas_all_layers", overall(r)[0]);
            m.put("nonzero_delta_ratio_vs_a", nonZeroRatio(overall(a)[0], overall(r)[0]));
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
     * One trained network.
     *
     * @param name    checkpoint directory suffix, also the row label
     * @param from    the variant whose final weights this one starts from (null: from scratch)
     */
    record Variant(String name, double spRate, Variant from, int epochs, double lr, double thetaLr,
                   double thetaScale, DeltaSparsity.Normalisation normalisation) {
        boolean finetuned() {
            return from != null;
        }
    }

    /** (a), then one (b) per sparsity rate: from scratch, or fine-tuned from (a) (plus the sp 0 control). */
    static List<Variant> variants(Config cfg) {
        // names carry every setting that changes the trained net, so runs with other settings never resume each
        // other's checkpoints in a shared --out
        String g = cfg.granularity() == DeltaActivation.Granularity.CHANNEL ? ""
                : "-" + cfg.granularity().name().toLowerCase(Locale.ROOT);
        String t0 = cfg.theta0() == 0.05 ? "" : "-t0" + fmt(cfg.theta0());
        Variant a = new Variant("a-no-sparsity-loss" + g + t0, 0, null, cfg.epochs(), cfg.lr(), cfg.thetaLr(), 1,
                DeltaSparsity.Normalisation.NUMEL);
        List<Variant> out = new ArrayList<>(List.of(a));
        String norm = (cfg.normalisation() == DeltaSparsity.Normalisation.NUMEL ? "" : "-activity")
                + (cfg.layerWeights().length == 0 ? "" : "-w" + java.util.Arrays.stream(cfg.layerWeights())
                .mapToObj(Delta::fmt).collect(java.util.stream.Collectors.joining("_")))
                + (cfg.spThetaGrad() ? "" : "-nothetagrad");
        if (!cfg.finetune()) {
            for (double sp : cfg.spRates()) {
                if (sp > 0) {
                    out.add(new Variant("b-sp" + fmt(sp) + norm + g + t0, sp, null, cfg.epochs(), cfg.lr(),
                            cfg.thetaLr(), 1, cfg.normalisation()));
                }
            }
            return out;
        }
        List<Double> rates = new ArrayList<>();
        if (cfg.control()) {
            rates.add(0.0);
        }
        for (double sp : cfg.spRates()) {
            if (!rates.contains(sp)) {
                rates.add(sp);
            }
        }
        String ft = "-ft" + cfg.finetuneEpochs() + "-lr" + fmt(cfg.finetuneLr())
                + (cfg.finetuneThetaLr() == cfg.thetaLr() ? "" : "-tlr" + fmt(cfg.finetuneThetaLr()))
                + (cfg.thetaScale() == 1 ? "" : "-ts" + fmt(cfg.thetaScale()));
        for (double sp : rates) {
            out.add(new Variant("b-sp" + fmt(sp) + (sp == 0 ? "" : norm) + ft + g + t0, sp, a,
                    cfg.finetuneEpochs(), cfg.finetuneLr(), cfg.finetuneThetaLr(), cfg.thetaScale(),
                    cfg.normalisation()));
        }
        return out;
    }

    private static String fmt(double v) {
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros()
                .toPlainString();
    }

    /**
     * conv 16 -> DA -> avg pool -> conv 32 -> DA -> avg pool -> fc 128 -> DA -> fc classes -> mean over time, for
     * frames {@code chw}, one theta per channel (also used to rebuild a trained model from its checkpoint).
     */
    public static Sequential model(NDManager m, int[] chw, int classes, double theta0) {
        return model(m, chw, classes, theta0, DeltaActivation.Granularity.CHANNEL);
    }

    /**
     * As above with the given theta granularity, e.g. {@code model(m, new int[] {2, 34, 34}, 10, 0.05,
     * DeltaActivation.Granularity.LAYER)}.
     */
    public static Sequential model(NDManager m, int[] chw, int classes, double theta0, DeltaActivation.Granularity g) {
        int c = chw[0];
        int h = chw[1];
        int stride = h > 48 ? 2 : 1;   // 64x64 videos: stride 2 in the first convolution
        int h1 = (h + 2 - 3) / stride + 1;
        int h2 = h1 / 2;
        int h3 = h2 / 2;
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

    /**
     * The theta granularity a checkpoint's config records ({@code "granularity"}: layer, channel or neuron); absent in
     * checkpoints written before the option existed, which were all per channel.
     *
     * @param where named in the error (the checkpoint's info file)
     * @throws IOException an unknown value
     */
    public static DeltaActivation.Granularity granularity(Map<String, Object> checkpointConfig, Object where)
            throws IOException {
        Object g = checkpointConfig.get("granularity");
        if (g == null) {
            return DeltaActivation.Granularity.CHANNEL;
        }
        for (DeltaActivation.Granularity x : DeltaActivation.Granularity.values()) {
            if (x.name().equalsIgnoreCase(String.valueOf(g))) {
                return x;
            }
        }
        throw new IOException(where + ": field 'config.granularity' is " + g + "; expected layer, channel or neuron");
    }

    private static Path checkpointDir(Config cfg, Variant v) {
        return cfg.out().resolve(cfg.data() + "-" + v.name());
    }

    /**
     * Trains {@code v} (resuming its own checkpoint if there is one). A fine-tuned variant without a checkpoint of
     * its own starts from the final weights of {@code v.from()} (which must have finished), its thetas scaled by
     * {@code v.thetaScale()}, with a fresh optimiser and a cosine schedule over its own epochs.
     */
    private static double train(Config cfg, Variant v, Sequential model, Clips train, NDManager manager,
                                Listener listener) throws IOException {
        int batches = train.size() / cfg.batch();
        long total = (long) batches * v.epochs();
        ParamGroup thetas = ParamGroup.of("theta", model, k -> k.endsWith("theta")).lr(v.thetaLr());
        ParamGroup weights = ParamGroup.of("weights", model, k -> !k.endsWith("theta")).lr(v.lr());
        Adam opt = Adam.adam(weights, thetas).schedule(LrSchedule.cosine(total, 0));
        Path dir = checkpointDir(cfg, v);
        int first = 0;
        Optional<Checkpoint> last = Checkpoint.loadLatest(dir);
        if (last.isPresent()) {
            last.get().restore(model, opt);
            first = (int) last.get().state().epoch();
            listener.message(String.format(Locale.ROOT, "%s: resuming after epoch %d", v.name(), first));
        } else if (v.finetuned()) {
            Path src = checkpointDir(cfg, v.from());
            Optional<Checkpoint> init = Checkpoint.loadLatest(src);
            if (init.isEmpty() || init.get().state().epoch() < v.from().epochs()) {
                throw new IllegalStateException(v.name() + ": fine-tuning needs the finished " + v.from().name()
                        + " checkpoint in " + src);
            }
            init.get().restore(model, null);
            if (v.thetaScale() != 1) {
                for (DeltaActivation da : DeltaSparsity.layers(model).values()) {
                    NDArray th = da.theta().value();
                    da.theta().copyFrom(Tensors.mul(th, v.thetaScale()));
                }
            }
            listener.message(String.format(Locale.ROOT, "%s: starting from %s (epoch %d), thetas x %s", v.name(),
                    v.from().name(), init.get().state().epoch(), fmt(v.thetaScale())));
        }
        DeltaSparsity sparsity = new DeltaSparsity(model, v.spRate()).normalisation(v.normalisation())
                .thetaGradient(cfg.spThetaGrad());
        if (cfg.layerWeights().length > 0) {
            List<String> names = new ArrayList<>(DeltaSparsity.layers(model).keySet());
            if (names.size() != cfg.layerWeights().length) {
                throw new IllegalArgumentException("--layer-weights: " + cfg.layerWeights().length
                        + " weights given, but the model has " + names.size() + " DeltaActivations " + names);
            }
            for (int i = 0; i < names.size(); i++) {
                sparsity.layerWeight(names.get(i), cfg.layerWeights()[i]);
            }
        }
        listener.started(v.name(), first, v.epochs(), batches);
        Trainer trainer = new Trainer(model, opt).loss(sparsity.plus(Losses::crossEntropy));
        long start = System.nanoTime();
        model.train(true);
        for (int epoch = first; epoch < v.epochs(); epoch++) {
            int[] order = shuffled(train.size(), cfg.seed() * 31 + epoch + (v.finetuned() ? 7919 : 0));
            // random draws inside the model come from the engine generator, which checkpoints do not hold: seed it
            // per epoch so a resumed run draws what an uninterrupted one would
            Engine.getInstance().setRandomSeed(IirSnn.epochSeed(cfg.seed(), v.name(), epoch));
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
                listener.batchDone(v.name(), epoch, b, loss.mean(), (double) correct / seen);
            }
            listener.epochDone(v.name(), epoch, v.epochs(), loss.mean(), (double) correct / seen,
                    (System.nanoTime() - t0) / 1e9);
            // the curve line before the checkpoint: an epoch re-run after a crash replaces it
            MetricsLog.record(cfg.out().resolve(MetricsLog.FILE), cfg.data() + "-" + v.name(), epoch + 1,
                    Map.of("train_loss", loss.mean(), "train_accuracy", (double) correct / seen, "step",
                            opt.stepCount(), "seconds", (System.nanoTime() - start) / 1e9));
            Checkpoint.save(dir, model, opt, new Checkpoint.State(opt.stepCount(), epoch + 1, cfg.seed(),
                    configMap(cfg, v),
                    Map.of("train_loss", loss.mean(), "train_accuracy", (double) correct / seen)));
            Checkpoint.keepLatest(dir, 1);
        }
        opt.close();
        model.eval();
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * The settings saved in each checkpoint: enough to rebuild the net (granularity, theta0) and the test clips, and
     * for a fine-tuned variant the one it started from and its own schedule.
     */
    private static Map<String, Object> configMap(Config cfg, Variant v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recipe", "delta");
        m.put("data", cfg.data());
        m.put("data_dir", cfg.dataDir().toAbsolutePath().toString());
        m.put("variant", v.name());
        m.put("sp_rate", v.spRate());
        m.put("frames", cfg.frames());
        m.put("train_clips", cfg.trainClips());
        m.put("test_clips", cfg.testClips());
        m.put("epochs", v.epochs());
        m.put("batch", cfg.batch());
        m.put("lr", v.lr());
        m.put("theta_lr", v.thetaLr());
        m.put("theta0", cfg.theta0());
        m.put("granularity", cfg.granularity().name().toLowerCase(Locale.ROOT));
        m.put("sp_norm", v.normalisation().name().toLowerCase(Locale.ROOT));
        m.put("sp_theta_grad", cfg.spThetaGrad());
        if (cfg.layerWeights().length > 0) {
            m.put("layer_weights", java.util.Arrays.stream(cfg.layerWeights()).boxed().toList());
        }
        if (v.finetuned()) {
            m.put("finetuned_from", v.from().name());
            m.put("from_epochs", v.from().epochs());
            m.put("theta_scale", v.thetaScale());
        }
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

    private static Result evaluate(Config cfg, Variant v, Sequential model, Clips test, NDManager manager,
                                   double trainSeconds) {
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
            sparsity.put(k, new double[] {d.temporalSparsity(), d.spatialSparsity(), d.countedElements()});
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
        return new Result(v.name(), v.spRate(), (double) correct / test.size(), sparsity, opList, zeroSkipping,
                medianMs(denseNs), medianMs(deltaNs), medianMs(javaDenseNs), (double) agree / n, maxDiff, theta,
                trainSeconds);
    }

    /**
     * The variant's per-layer energy table ({@link EnergyFile}, entry {@code <data>-<variant>}, the
     * name of its checkpoint directory): the net exported to the event-driven runtime (delta encoding of the input,
     * only non-zero deltas propagated) and run over the first {@link EnergyFile#DEFAULT_SAMPLES} test
     * clips.
     */
    private static void recordEnergy(Config cfg, Variant v, Sequential model, Clips test, NDManager manager)
            throws IOException {
        int[] chw = test.frameShape();
        SpikingModel rt = dev.snn4j.io.GraphExport.toRuntime(model,
                new long[] {chw[0], chw[1], chw[2]}, cfg.frames());
        Session session = rt.newSession();
        int n = Math.min(EnergyFile.DEFAULT_SAMPLES, test.size());
        int per = rt.inputSize();
        for (int s = 0; s < n; s += 50) {
            int[] idx = range(s, Math.min(n, s + 50));
            try (NDManager bm = manager.newSubManager()) {
                float[] x = test.batch(bm, idx).toType(DataType.FLOAT32, false).toFloatArray();   // [T, B, C, H, W]
                int frames = x.length / (idx.length * per);
                for (int b = 0; b < idx.length; b++) {
                    float[][] clip = new float[frames][];
                    for (int t = 0; t < frames; t++) {
                        int off = (t * idx.length + b) * per;
                        clip[t] = java.util.Arrays.copyOfRange(x, off, off + per);
                    }
                    session.runSequence(clip);
                }
            }
        }
        String data = String.format(Locale.ROOT, "first %d of %d test clips (%s), %d frames", n, test.size(),
                cfg.data(), cfg.frames());
        EnergyFile.record(cfg.out(), "delta", new EnergyFile.Entry(cfg.data() + "-"
                + v.name(), "runtime", data, EnergyFile.report(rt, session, n,
                EnergyModel.CMOS45_FP32)));
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

    /** Element-weighted fraction over all DeltaActivations: {zero deltas, zero activations}. */
    static double[] overall(Result r) {
        double n = 0;
        double zd = 0;
        double za = 0;
        for (double[] v : r.sparsity().values()) {
            n += v[2];
            zd += v[0] * v[2];
            za += v[1] * v[2];
        }
        return new double[] {zd / n, za / n};
    }

    /** How many times fewer non-zero deltas {@code r} has than {@code ref}: {@code (1 - zd_ref) / (1 - zd_r)}. */
    static double nonZeroRatio(double zeroRef, double zero) {
        return (1 - zeroRef) / (1 - zero);
    }

    /** The results as Markdown tables (summary vs (a) and the control, sparsity, operations, timings). */
    public static String table(Config cfg, List<Result> rows) {
        String how = (cfg.finetune() ? String.format(Locale.ROOT, "fine-tuned from (a) %d epochs at lr %g, theta lr %g, "
                + "thetas x %g", cfg.finetuneEpochs(), cfg.finetuneLr(), cfg.finetuneThetaLr(), cfg.thetaScale())
                : "from scratch") + ", loss normalised by " + cfg.normalisation().name().toLowerCase(Locale.ROOT)
                + (cfg.layerWeights().length == 0 ? "" : ", layer weights "
                + java.util.Arrays.toString(cfg.layerWeights()))
                + (cfg.spThetaGrad() ? "" : ", no sparsity-loss gradient into theta");
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "data %s, T=%d, batch %d, seed %d; (a): %d epochs, lr %g, theta lr %g, "
                        + "theta0 %g, %s thetas; (b): sp_rate %s, %s%n%n", cfg.data(), cfg.frames(), cfg.batch(),
                cfg.seed(), cfg.epochs(), cfg.lr(), cfg.thetaLr(), cfg.theta0(),
                cfg.granularity().name().toLowerCase(Locale.ROOT), java.util.Arrays.toString(cfg.spRates()), how));
        Result a = rows.get(0);
        Result control = rows.stream().filter(r -> r.spRate() == 0 && r != a).findFirst().orElse(null);
        s.append("| variant | sp_rate | accuracy | change vs (a) | non-zero deltas vs (a), per layer | all layers | "
                + "all layers vs sp 0 control |\n|---|---|---|---|---|---|---|\n");
        for (Result r : rows) {
            StringBuilder per = new StringBuilder();
            r.sparsity().forEach((k, v) -> per.append(per.length() == 0 ? "" : " / ").append(String.format(
                    Locale.ROOT, "%.2fx", nonZeroRatio(a.sparsity().get(k)[0], v[0]))));
            s.append(String.format(Locale.ROOT, "| %s | %s | %.2f %% | %+.2f points | %s fewer | %.2fx fewer | %s |%n",
                    r.variant(), fmt(r.spRate()), 100 * r.accuracy(), 100 * (r.accuracy() - a.accuracy()), per,
                    nonZeroRatio(overall(a)[0], overall(r)[0]), control == null ? "-"
                            : String.format(Locale.ROOT, "%.2fx fewer", nonZeroRatio(overall(control)[0],
                            overall(r)[0]))));
        }
        s.append("\n| variant | accuracy | layer | zero deltas | zero activations | mean step |\n|---|---|---|---|---|---|\n");
        for (Result r : rows) {
            r.sparsity().forEach((k, v) -> s.append(String.format(Locale.ROOT, "| %s | %.2f %% | %s | %.4f | %.4f | "
                    + "%.4f |%n", r.variant(), 100 * r.accuracy(), k, v[0], v[1], r.meanTheta().get(k))));
            double[] o = overall(r);
            s.append(String.format(Locale.ROOT, "| %s | %.2f %% | all (element-weighted) | %.4f | %.4f | |%n",
                    r.variant(), 100 * r.accuracy(), o[0], o[1]));
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
        return s.toString();
    }

    private static void plot(Config cfg, List<Result> rows) throws IOException {
        DefaultCategoryDataset ds = new DefaultCategoryDataset();
        for (Result r : rows) {
            String v = r.variant().startsWith("a-") ? "(a)" : r.variant().contains("-ft")
                    ? (r.spRate() == 0 ? "control (fine-tuned, sp 0)" : "(b) fine-tuned, sp " + fmt(r.spRate()))
                    : "(b) sp " + fmt(r.spRate());
            r.sparsity().forEach((k, s) -> {
                ds.addValue(s[0], v, k + " deltas");
                ds.addValue(s[1], v, k + " activations");
            });
        }
        JFreeChart chart = ChartFactory.createBarChart("Delta activation sparsity per layer, " + cfg.data()
                        + " (a: no sparsity loss; b: with it" + (cfg.finetune() ? ", fine-tuned from a" : "") + ")",
                "layer: zero deltas d_t / zero activations y_t (test set)", "fraction of zeros", ds,
                PlotOrientation.VERTICAL, true, false, false);
        Path png = cfg.out().resolve(cfg.data() + "-sparsity.png");
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(buf, chart, 1100, 500);
        dev.snn4j.runtime.io.AtomicFiles.write(png, buf.toByteArray());
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
