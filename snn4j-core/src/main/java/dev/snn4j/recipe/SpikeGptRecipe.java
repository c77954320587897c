package dev.snn4j.recipe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import com.google.gson.GsonBuilder;
import dev.snn4j.energy.EnergyFile;
import dev.snn4j.energy.EnergyModel;
import dev.snn4j.energy.FiringRateMonitor;
import dev.snn4j.energy.OpCounter;
import dev.snn4j.model.spikegpt.SpikeGpt;
import dev.snn4j.model.spikegpt.SpikeGptConfig;
import dev.snn4j.model.spikegpt.SpikeGptDir;
import dev.snn4j.model.spikegpt.SpikeGptOps;
import dev.snn4j.nn.Init;
import dev.snn4j.runtime.EnergyReport;
import dev.snn4j.runtime.io.AtomicFiles;
import dev.snn4j.text.BpeTokenizer;
import dev.snn4j.text.CharTokenizer;
import dev.snn4j.text.TextCorpus;
import dev.snn4j.text.TokenSplit;
import dev.snn4j.text.Tokenizer;
import dev.snn4j.train.Adam;
import dev.snn4j.train.Checkpoint;
import dev.snn4j.train.CheckpointFormatException;
import dev.snn4j.train.LrSchedule;
import dev.snn4j.train.ParamGroup;
import dev.snn4j.train.RunningMean;
import dev.snn4j.train.Trainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * SpikeGPT (Zhu et al. 2023) as a recipe: a text corpus -> tokens (characters or a user's BPE) -> a 90 / 10 split
 * -> random windows -> Adam (0.9, 0.99), cosine lr, grad clip 1.0, SpikeGPT's loss (cross entropy + L2Wrap) ->
 * held-out bits per token (per character for a character vocabulary), firing rates and synaptic operations per token.
 * The same program trains the non-spiking twin ({@code spiking = false}) for comparison.
 *
 * <p>Output directory ({@link SpikeGptDir}): {@code config.json} (the resolved configuration, written before training),
 * {@code vocab.json} or {@code tokenizer.json}, {@code model.safetensors} (weights of the last checkpoint),
 * {@code checkpoints/step-N/} every {@code checkpointEvery} steps (only the newest is kept) and
 * {@code results.json} and {@code energy.json} (the analytical per-layer energy table, {@link EnergyFile}) at the end. Running the same command again resumes from the newest checkpoint with the saved
 * vocabulary; the optimizer, schedule and batch sampler continue where they stopped.
 *
 * <pre>{@code
 * SpikeGptRecipe.Config cfg = SpikeGptRecipe.Config.defaults(Path.of("warpeace_input.txt"), Path.of("runs/sg"));
 * SpikeGptRecipe.Result r = SpikeGptRecipe.run(cfg, SpikeGptRecipe.Listener.NONE);
 * System.out.println(r.heldOutBitsPerToken());
 * }</pre>
 */
public final class SpikeGptRecipe {

    /**
     * The recipe's settings.
     *
     * <pre>{@code
     * Config twin = new Config(corpus, null, out, 256, 4, false, 128, 16, 2000, 30, 6e-4, 1e-5, 1.0, 0.10, 0, 16,
     *         200, 0.0, 8, 1);
     * }</pre>
     *
     * @param corpus          UTF-8 text (BOM and CR / CRLF line endings are normalised)
     * @param tokenizerJson   a Hugging Face {@code tokenizer.json} for BPE, or null for a character vocabulary built
     *                        from the corpus
     * @param out             output (model) directory
     * @param steps           optimizer steps; the cosine schedule spans them
     * @param maxMinutes      stop (with a checkpoint) after this much training time in this run; 0 = no limit
     * @param heldOut         fraction of the corpus (its end) held out for evaluation
     * @param evalTokens      at most this many held-out tokens are scored (0 = all)
     * @param checkpointEvery steps between checkpoints
     */
    public record Config(Path corpus, Path tokenizerJson, Path out, int nEmbd, int nLayer, boolean spiking,
                         int context, int batch, int steps, double maxMinutes, double lr, double minLr,
                         double gradClip, double heldOut, int evalTokens, int evalBatch, int checkpointEvery,
                         double dropout, int wkvChunk, long seed) {
        public Config {
            if (nEmbd < 1 || nLayer < 1 || context < 1 || batch < 1 || steps < 1 || evalBatch < 1
                    || checkpointEvery < 1 || wkvChunk < 1 || evalTokens < 0) {
                throw new IllegalArgumentException("SpikeGptRecipe.Config: sizes, steps and intervals must be >= 1");
            }
            if (!(lr > 0) || !(minLr >= 0) || !(gradClip >= 0) || !(maxMinutes >= 0)) {
                throw new IllegalArgumentException("SpikeGptRecipe.Config: lr must be > 0, min lr, grad clip and "
                        + "minutes >= 0");
            }
        }

        /** SpikeGPT's optimiser settings (lr 6e-4 -> 1e-5, clip 1.0) on a small model: d 256, 4 layers, context 128. */
        public static Config defaults(Path corpus, Path out) {
            return new Config(corpus, null, out, 256, 4, true, 128, 16, 2000, 0, 6e-4, 1e-5, 1.0, 0.10, 0, 16, 200,
                    0.0, 8, 1);
        }

        /** The resolved configuration as written to {@code config.json} and each checkpoint. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("recipe", "spikegpt");
            m.put("corpus", corpus.toString());
            m.put("tokenizer", tokenizerJson == null ? "char" : tokenizerJson.toString());
            m.put("n_embd", nEmbd);
            m.put("n_layer", nLayer);
            m.put("spiking", spiking);
            m.put("context", context);
            m.put("batch", batch);
            m.put("steps", steps);
            m.put("max_minutes", maxMinutes);
            m.put("lr", lr);
            m.put("min_lr", minLr);
            m.put("betas", List.of(0.9, 0.99));
            m.put("grad_clip", gradClip);
            m.put("held_out", heldOut);
            m.put("eval_tokens", evalTokens);
            m.put("eval_batch", evalBatch);
            m.put("checkpoint_every", checkpointEvery);
            m.put("dropout", dropout);
            m.put("wkv_chunk", wkvChunk);
            m.put("seed", seed);
            return m;
        }
    }

    /**
     * What a run measured.
     *
     * <pre>{@code
     * Result r = SpikeGptRecipe.run(cfg, Listener.NONE);   double bpc = r.heldOutBitsPerToken();
     * }</pre>
     *
     * @param heldOutBitsPerToken held-out cross entropy in bits per token (= bits per character for a character
     *                            vocabulary)
     * @param firingRates         spike rate per LIF layer on the held-out windows (empty for the twin), plus
     *                            {@code emb} for the binary embedding
     * @param ops                 synaptic operations per token ({@link SpikeGptOps})
     */
    public record Result(SpikeGptConfig model, long parameters, long stepsDone, double trainLoss,
                         double heldOutBitsPerToken, long heldOutTokensScored, Map<String, Double> firingRates,
                         List<OpCounter.LayerOps> ops, double macsPerToken, double acsPerToken,
                         double energyPjPerToken, double trainSeconds) {
    }

    /**
     * Progress callbacks (the CLI draws its progress line from them).
     *
     * <pre>{@code
     * Listener log = new Listener() {
     *     public void stepDone(long step, double loss, double lr, double s) { System.out.println(step + " " + loss); }
     * };
     * }</pre>
     */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        default void started(SpikeGptConfig model, long parameters, TokenSplit split, long firstStep, int steps) {
        }

        default void stepDone(long step, double loss, double lr, double seconds) {
        }

        default void checkpointed(Path dir) {
        }

        default void evaluating(long tokens) {
        }
    }

    private SpikeGptRecipe() {
    }

    /** Trains (or resumes), evaluates on the held-out part, writes the model directory and returns the figures. */
    public static Result run(Config cfg, Listener listener) throws IOException {
        // 1. text -> tokens, with the vocabulary saved by an earlier run of the same directory if there is one
        String text = TextCorpus.read(cfg.corpus());
        if (text.isEmpty()) {
            throw new IllegalArgumentException(cfg.corpus() + ": the corpus is empty");
        }
        Tokenizer tok = tokenizer(cfg, text);
        int[] ids;
        try {
            ids = tok.encode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(cfg.corpus() + ": " + e.getMessage() + " (the vocabulary in "
                    + cfg.out() + " was built from another corpus)", e);
        }
        TokenSplit split;
        try {
            split = TokenSplit.of(ids, cfg.heldOut(), cfg.context());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(cfg.corpus() + ": " + e.getMessage(), e);
        }

        // 2. the model and its resolved configuration, saved before training starts
        SpikeGptConfig modelCfg = new SpikeGptConfig(tok.vocabSize(), cfg.nEmbd(), cfg.nLayer(), cfg.spiking(),
                cfg.wkvChunk(), cfg.dropout());
        Path ckptDir = cfg.out().resolve("checkpoints");
        Init.seed(cfg.seed());
        try (NDManager manager = NDManager.newBaseManager()) {
            SpikeGpt model = new SpikeGpt(manager, modelCfg);
            Adam opt = Adam.adam(ParamGroup.all(model).lr(cfg.lr())).betas(0.9, 0.99)
                    .schedule(LrSchedule.cosine(cfg.steps(), cfg.minLr()));
            Trainer trainer = new Trainer(model, opt).loss(SpikeGpt::loss).clipGradNorm(cfg.gradClip());

            // 3. resume from the newest checkpoint (its shapes and names must fit this configuration)
            long step = 0;
            double trainLoss = Double.NaN;
            Optional<Checkpoint> last = Checkpoint.loadLatest(ckptDir);
            if (last.isPresent()) {
                try {
                    last.get().restore(model, opt);
                } catch (CheckpointFormatException e) {
                    throw new CheckpointFormatException("checkpoint " + last.get().dir() + " does not fit this run"
                            + differences(last.get().state().config(), cfg.toMap()) + " (use another --out or the "
                            + "same settings): " + e.getMessage(), e);
                }
                step = last.get().state().step();
                trainLoss = last.get().state().metrics().getOrDefault("train_loss", Double.NaN);
            }
            tok.save(cfg.out()); // only now: a checkpoint that does not fit must not have its directory rewritten
            SpikeGptDir.writeConfig(cfg.out(), modelCfg, cfg.toMap());
            listener.started(modelCfg, model.parameterCount(), split, step, cfg.steps());

            // 4. the loop: random windows, one optimizer step each, a checkpoint every N steps and at the end
            long start = System.nanoTime();
            long budgetNanos = (long) (cfg.maxMinutes() * 60e9);
            RunningMean recent = new RunningMean();
            model.train(true);
            while (step < cfg.steps()) {
                Random sampler = new Random(cfg.seed() * 1_000_003L + step); // resumable: depends on the step only
                // dropout draws from the engine generator, which checkpoints do not hold: seed it per step as well
                Engine.getInstance().setRandomSeed(IirSnn.epochSeed(cfg.seed(), "spikegpt", (int) step));
                double lr = opt.currentLr(opt.groups().get(0));
                Trainer.StepResult r;
                try (NDManager bm = manager.newSubManager()) {
                    TokenSplit.Batch b = split.randomBatch(bm, cfg.batch(), sampler);
                    r = trainer.step(b.inputs(), b.targets());
                }
                step = r.step();
                recent.add(r.loss(), 1);
                listener.stepDone(step, r.loss(), lr, (System.nanoTime() - start) / 1e9);
                boolean outOfTime = budgetNanos > 0 && System.nanoTime() - start > budgetNanos;
                if (step % cfg.checkpointEvery() == 0 || step == cfg.steps() || outOfTime) {
                    trainLoss = recent.mean();
                    recent = new RunningMean();
                    save(cfg, model, opt, step, trainLoss, ckptDir, listener);
                }
                if (outOfTime) {
                    break;
                }
            }
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            model.eval();

            // 5. held-out bits per token, firing rates and operations per token
            Map<String, Double> rates = new LinkedHashMap<>();
            double[] bits = heldOutBits(cfg, model, split, manager, rates, listener);
            List<OpCounter.LayerOps> ops = SpikeGptOps.perToken(modelCfg, rates);
            double macs = OpCounter.totalMacs(ops);
            double acs = OpCounter.totalAcs(ops);
            Result res = new Result(modelCfg, model.parameterCount(), step, trainLoss, bits[0], (long) bits[1], rates,
                    ops, macs, acs, EnergyModel.CMOS45_FP32.picojoules(macs, acs), trainSeconds);
            AtomicFiles.write(cfg.out().resolve("results.json"), new GsonBuilder().setPrettyPrinting()
                    .serializeSpecialFloatingPointValues().create().toJson(res).getBytes(StandardCharsets.UTF_8));
            EnergyFile.record(cfg.out(), "spikegpt", energyEntry(modelCfg, rates, (long) bits[1]));
            opt.close();
            return res;
        } finally {
            if (tok instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // nothing to do: the native tokenizer is freed with the process anyway
                }
            }
        }
    }

    /**
     * The model's per-layer energy table ({@link EnergyFile}, entry {@code model}), analytical: SpikeGPT has no
     * runtime graph. Per token: one row per weight matrix (dense MACs: in this block layout no matrix reads spikes,
     * see {@link SpikeGptOps}), one row per LIF layer (its residual addition: {@code d x firing rate} accumulates,
     * the rate measured over the {@code tokens} held-out tokens scored) and the binary embedding (a gather, no
     * operations; its measured rate). Memory: the weights of each matrix / embedding, float32. The "measured" and
     * analytical columns are the same numbers (nothing runs event-driven); dense = the matrices as MACs (the
     * residual additions are not counted as dense MACs, as for the non-spiking twin).
     */
    static EnergyFile.Entry energyEntry(SpikeGptConfig model, Map<String, Double> rates, long tokens) {
        List<EnergyReport.Row> rows = new ArrayList<>();
        double d = model.nEmbd();
        if (model.spiking()) {
            rows.add(new EnergyReport.Row("emb", "embedding (binary)", rates.getOrDefault("emb", Double.NaN),
                    Double.NaN, 0, 0, 0, 0, 0, 4L * model.vocabSize() * model.nEmbd()));
        }
        for (OpCounter.LayerOps o : SpikeGptOps.perToken(model, rates)) {
            if (o.acs() > 0 || !Double.isNaN(o.inputRate())) {
                rows.add(new EnergyReport.Row(o.layer(), "lif", o.inputRate(), Double.NaN, 0, o.acs(), 0, o.acs(), 0,
                        0));
            } else {
                rows.add(new EnergyReport.Row(o.layer(), "linear", Double.NaN, Double.NaN, o.macs(), 0, o.macs(), 0,
                        o.macs(), 4L * Math.round(o.densePerStep())));
            }
        }
        String data = String.format(java.util.Locale.ROOT, "per token; %s over %d held-out tokens; d %d",
                model.spiking() ? "firing rates measured" : "non-spiking twin, no spikes", tokens, (long) d);
        return new EnergyFile.Entry("model", "analytical", data, EnergyReport.fromRows(rows, Math.max(1, tokens),
                EnergyModel.CMOS45_FP32.macPj(), EnergyModel.CMOS45_FP32.acPj()));
    }

    /** The saved vocabulary of {@code cfg.out()} on resume, else a new one (characters of the corpus, or BPE). */
    private static Tokenizer tokenizer(Config cfg, String text) throws IOException {
        if (cfg.tokenizerJson() != null) {
            return BpeTokenizer.load(cfg.tokenizerJson());
        }
        Path saved = cfg.out().resolve(CharTokenizer.FILE);
        return Files.isRegularFile(saved) ? CharTokenizer.load(saved) : CharTokenizer.fromCorpus(text);
    }

    /** ", saved with n_embd=16 but this run has 24" for each model setting that differs; empty if none does. */
    private static String differences(Map<String, Object> saved, Map<String, Object> now) {
        StringBuilder sb = new StringBuilder();
        for (String k : new String[] {"n_embd", "n_layer", "spiking", "tokenizer"}) {
            Object a = saved.get(k);
            Object b = now.get(k);
            if (a != null && b != null && !String.valueOf(a).equals(String.valueOf(b))) {
                sb.append(sb.length() == 0 ? ": it was saved with " : ", ").append(k).append('=').append(a)
                        .append(" but this run has ").append(b);
            }
        }
        return sb.toString();
    }

    private static void save(Config cfg, SpikeGpt model, Adam opt, long step, double trainLoss, Path ckptDir,
                             Listener listener) throws IOException {
        // the training curve, one point per checkpoint (SpikeGPT trains by steps, not epochs)
        dev.snn4j.train.MetricsLog.record(cfg.out().resolve(dev.snn4j.train.MetricsLog.FILE), "train", (int) step,
                Map.of("train_loss", trainLoss, "step", step));
        Path dir = Checkpoint.save(ckptDir, model, opt, new Checkpoint.State(step, 0, cfg.seed(), cfg.toMap(),
                Map.of("train_loss", trainLoss)));
        Checkpoint.keepLatest(ckptDir, 1);
        model.save(cfg.out().resolve(SpikeGptDir.WEIGHTS)); // the model directory always has the newest weights
        listener.checkpointed(dir);
    }

    /**
     * Held-out bits per token of a trained model directory, on the held-out tail of its corpus (the one recorded in
     * {@code config.json}, or {@code corpus} if not null), with the context, held-out fraction and evaluation batch it
     * was trained with; returns {bits per token, tokens scored} and fills {@code rates} (spiking model).
     *
     * <pre>{@code
     * double bpc = SpikeGptRecipe.evaluate(Path.of("runs/sg"), null, 0, new LinkedHashMap<>())[0];
     * }</pre>
     *
     * @param evalTokens score at most this many held-out tokens (0 = all)
     */
    public static double[] evaluate(Path dir, Path corpus, int evalTokens, Map<String, Double> rates)
            throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); SpikeGptDir.Loaded l = SpikeGptDir.load(dir, manager)) {
            Map<String, Object> s = l.settings();
            Path c = corpus;
            if (c == null) {
                if (!(s.get("corpus") instanceof String name)) {
                    throw new IOException(dir.resolve(SpikeGptDir.CONFIG) + ": no training.corpus recorded; give the "
                            + "corpus explicitly");
                }
                c = Path.of(name);
            }
            int context = number(s, "context", dir);
            int evalBatch = number(s, "eval_batch", dir);
            double heldOut = s.get("held_out") instanceof Number n ? n.doubleValue() : 0.1;
            int[] ids = l.tokenizer().encode(TextCorpus.read(c));
            TokenSplit split = TokenSplit.of(ids, heldOut, context);
            Config cfg = new Config(c, null, dir, 1, 1, l.model().config().spiking(), context, 1, 1, 0, 1e-3, 0, 0,
                    heldOut, evalTokens, evalBatch, 1, 0, 1, 0);
            l.model().eval();
            return heldOutBits(cfg, l.model(), split, manager, rates, new Listener() { });
        }
    }

    private static int number(Map<String, Object> s, String key, Path dir) throws IOException {
        if (!(s.get(key) instanceof Number n) || n.intValue() < 1) {
            throw new IOException(dir.resolve(SpikeGptDir.CONFIG) + ": expected a positive number at training."
                    + key + ", got " + s.get(key));
        }
        return n.intValue();
    }

    /**
     * Mean held-out cross entropy in bits over non-overlapping windows (each starts from an empty state), and the
     * number of tokens scored; fills {@code rates} with the firing rates measured meanwhile (spiking model).
     */
    static double[] heldOutBits(Config cfg, SpikeGpt model, TokenSplit split, NDManager manager,
                                Map<String, Double> rates, Listener listener) {
        int windows = split.heldOutWindows();
        if (cfg.evalTokens() > 0) {
            windows = Math.max(1, Math.min(windows, cfg.evalTokens() / cfg.context()));
        }
        listener.evaluating((long) windows * cfg.context());
        FiringRateMonitor monitor = model.config().spiking() ? FiringRateMonitor.attach(model) : null;
        double nats = 0;
        double embSpikes = 0;
        try {
            for (int w = 0; w < windows; w += cfg.evalBatch()) {
                int n = Math.min(cfg.evalBatch(), windows - w);
                try (NDManager bm = manager.newSubManager(); NDScope ignored = new NDScope()) {
                    TokenSplit.Batch b = split.heldOutBatch(bm, w, n);
                    nats += SpikeGpt.loss(model.forward(b.inputs()), b.targets()).getFloat() * n;
                    if (monitor != null) {
                        embSpikes += model.embed(b.inputs()).sum().getFloat();
                    }
                    model.resetState();
                }
            }
            if (monitor != null) {
                rates.putAll(monitor.rates());
                rates.put("emb", embSpikes / ((double) windows * cfg.context() * model.config().nEmbd()));
            }
        } finally {
            if (monitor != null) {
                monitor.close();
            }
        }
        return new double[] {nats / windows / Math.log(2), (double) windows * cfg.context()};
    }
}
