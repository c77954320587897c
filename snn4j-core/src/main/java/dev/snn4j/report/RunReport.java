package dev.snn4j.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.ToNumberPolicy;
import com.google.gson.reflect.TypeToken;
import dev.snn4j.energy.EnergyFile;
import dev.snn4j.recipe.RunEval;
import dev.snn4j.runtime.io.AtomicFiles;
import dev.snn4j.train.MetricsLog;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML page ({@code report.html}, charts embedded as base64 PNG data URIs) for any run directory
 * written by a recipe: training curves ({@code metrics.jsonl}), a spike raster of one test sample and the firing rate
 * per layer ({@code eval.json}, written by {@code snn4j eval}), accuracy vs T ({@code stages.json}, IIR), delay
 * histograms (delays), sparsity per layer (delta), the operations / energy summary and the per-layer energy tables of
 * {@code energy.json} ({@link EnergyFile}), and the resolved configuration.
 * Sections whose data the run directory does not hold say so and name the command that produces it.
 *
 * <pre>{@code
 * Path html = RunReport.write(Path.of("runs/demo"));   // runs/demo/report.html, written atomically
 * }</pre>
 */
public final class RunReport {
    /** The page's file name. */
    public static final String FILE = "report.html";
    /** Evaluations written by {@code snn4j eval} (see {@link #writeEvaluations}). */
    public static final String EVAL_FILE = "eval.json";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues()
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).disableHtmlEscaping().create();
    private static final Type MAP = new TypeToken<LinkedHashMap<String, Object>>() { }.getType();
    private static final int W = 900;
    private static final int H = 420;

    private RunReport() {
    }

    /**
     * Writes {@code runDir/eval.json} atomically: the recipe, an optional metric note (e.g. bits per character) and
     * one object per evaluation (name, time steps, accuracy, samples, firing rates, raster, extra figures).
     */
    public static Path writeEvaluations(Path runDir, String recipe, List<RunEval.Evaluation> evals,
                                        Map<String, Object> extra) throws IOException {
        List<Map<String, Object>> list = new ArrayList<>();
        for (RunEval.Evaluation e : evals) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", e.name());
            m.put("time_steps", e.timeSteps());
            m.put("accuracy", e.accuracy());
            m.put("samples", e.samples());
            m.put("firing_rates", e.firingRates());
            Map<String, Object> raster = new LinkedHashMap<>();
            e.raster().forEach((k, v) -> raster.put(k, Map.of("total", v.total(), "shown", v.shown(), "spikes",
                    v.spikes())));
            m.put("raster", raster);
            m.putAll(e.extra());
            list.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("recipe", recipe);
        doc.putAll(extra);
        doc.put("evaluations", list);
        Path file = runDir.resolve(EVAL_FILE);
        AtomicFiles.write(file, GSON.toJson(doc).getBytes(StandardCharsets.UTF_8));
        return file;
    }

    /** Builds the page for {@code runDir} and writes it there atomically; returns its path. */
    public static Path write(Path runDir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        if (!Files.isDirectory(runDir)) {
            throw new IOException(runDir + ": not a directory (expected a run directory written by snn4j train)");
        }
        Path file = runDir.resolve(FILE);
        AtomicFiles.write(file, html(runDir).getBytes(StandardCharsets.UTF_8));
        return file;
    }

    /** The page as a string. */
    public static String html(Path runDir) throws IOException {
        Map<String, Object> resolved = json(runDir.resolve("resolved-config.json"));
        Map<String, Object> stages = json(runDir.resolve(IirReport.STAGES_FILE));
        Map<String, Object> eval = json(runDir.resolve(EVAL_FILE));
        Map<String, Object> results = json(runDir.resolve("results.json"));
        Map<String, Object> energy = json(runDir.resolve(EnergyFile.FILE));
        Map<String, Object> delta = null;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(runDir, "*-results.json")) {
            for (Path p : ds) {
                delta = json(p);
            }
        }
        String recipe = recipe(resolved, stages, eval, results, delta);
        List<Map<String, Object>> metrics = MetricsLog.read(runDir.resolve(MetricsLog.FILE));

        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>snn4j report: ")
                .append(esc(runDir.getFileName() == null ? runDir.toString() : runDir.getFileName().toString()))
                .append("</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
                        + "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
                        + "text-align:right}th{background:#f0f0f0}td:first-child,th:first-child{text-align:left}"
                        + "img{max-width:100%;border:1px solid #eee}.na{color:#777;font-style:italic}"
                        + "h2{border-bottom:1px solid #ddd;padding-bottom:3px}</style></head><body>\n");
        h.append("<h1>snn4j run report</h1>\n<p>Run directory <code>").append(esc(runDir.toAbsolutePath().toString()))
                .append("</code>, recipe <b>").append(esc(recipe)).append("</b>.</p>\n");

        // evaluation summary
        List<Map<String, Object>> evals = eval == null ? List.of() : maps(eval.get("evaluations"));
        h.append("<h2 id=\"evaluation\">Evaluation</h2>\n");
        if (evals.isEmpty()) {
            h.append(na("no " + EVAL_FILE + ": run <code>snn4j eval " + esc(runDir.toString()) + "</code>"));
        } else {
            h.append("<table><tr><th>stage</th><th>T</th><th>test accuracy</th><th>samples</th><th>mean firing rate"
                    + "</th></tr>\n");
            for (Map<String, Object> e : evals) {
                h.append("<tr><td>").append(esc(str(e.get("name")))).append("</td><td>").append(num(e.get("time_steps")))
                        .append("</td><td>").append(pct(e.get("accuracy"))).append("</td><td>")
                        .append(num(e.get("samples"))).append("</td><td>").append(meanRate(e.get("firing_rates")))
                        .append("</td></tr>\n");
            }
            h.append("</table>\n");
            if (eval.get("bits_per_token") instanceof Number b) {
                h.append(String.format(Locale.ROOT, "<p>Held-out: %.4f bits per %s over %s tokens.</p>%n",
                        b.doubleValue(), esc(str(eval.getOrDefault("token", "token"))), num(eval.get("tokens"))));
            }
        }

        // training curves
        h.append("<h2 id=\"curves\">Training curves</h2>\n");
        if (metrics.isEmpty()) {
            h.append(na("no " + MetricsLog.FILE + " (runs from before per-epoch logging, or no epoch finished yet)"));
        } else {
            h.append(img("training loss", curve(metrics, "train_loss", "training loss per epoch", "loss")));
            if (metrics.stream().anyMatch(m -> m.get("train_accuracy") instanceof Number)) {
                h.append(img("training accuracy", curve(metrics, "train_accuracy",
                        "training accuracy per epoch (dropout on)", "accuracy (%)")));
            }
        }

        // raster
        h.append("<h2 id=\"raster\">Spike raster of one test sample</h2>\n");
        Map<String, Object> rasterEval = null;
        for (Map<String, Object> e : evals) {
            if (e.get("raster") instanceof Map<?, ?> r && !r.isEmpty() && (rasterEval == null
                    || dbl(e.get("time_steps")) > dbl(rasterEval.get("time_steps")))) {
                rasterEval = e;
            }
        }
        if (rasterEval == null) {
            h.append(na("no raster recorded: <code>snn4j eval " + esc(runDir.toString()) + "</code> records one "
                    + "(spiking stages only)"));
        } else {
            h.append("<p>First test image, stage ").append(esc(str(rasterEval.get("name")))).append(": up to ")
                    .append(RunEval.RASTER_NEURONS).append(" evenly spaced neurons per layer, one dot per spike.</p>\n");
            h.append(img("spike raster", raster(rasterEval)));
        }

        // firing rates per layer
        h.append("<h2 id=\"rates\">Firing rate per layer</h2>\n");
        Map<String, Map<String, Double>> rates = new LinkedHashMap<>();
        if (!evals.isEmpty()) {
            for (Map<String, Object> e : evals) {
                putRates(rates, str(e.get("name")), e.get("firing_rates"));
            }
        } else if (stages != null) {
            for (Map<String, Object> s : maps(stages.get("stages"))) {
                putRates(rates, str(s.get("stage")), s.get("firing_rates"));
            }
        } else if (results != null && "delays".equals(recipe)) {
            results.forEach((k, v) -> putRates(rates, k, v instanceof Map<?, ?> m ? m.get("firing_rates") : null));
        }
        rates.values().removeIf(Map::isEmpty);
        if (rates.isEmpty()) {
            h.append(na("no firing rates recorded"));
        } else {
            h.append("delta".equals(recipe)
                    ? "<p>For delta nets: fraction of non-zero deltas (messages sent) per DeltaActivation.</p>\n" : "");
            h.append(img("firing rate per layer", bars(rates, "spikes per neuron and time step", "layer",
                    "firing rate")));
        }

        // recipe-specific sections
        if (stages != null) {
            h.append("<h2 id=\"accuracy-vs-t\">Accuracy vs T</h2>\n");
            List<double[]> snn = new ArrayList<>();
            double ann = Double.NaN;
            for (Map<String, Object> s : maps(stages.get("stages"))) {
                if (str(s.get("stage")).startsWith("snn-")) {
                    snn.add(new double[] {dbl(s.get("time_steps")), 100 * dbl(s.get("accuracy"))});
                } else if (str(s.get("stage")).equals("ann")) {
                    ann = 100 * dbl(s.get("accuracy"));
                }
            }
            Map<String, List<double[]>> series = new LinkedHashMap<>();
            series.put("SNN (IIR neurons)", snn);
            if (!Double.isNaN(ann) && !snn.isEmpty()) {
                series.put("ANN", List.of(new double[] {snn.stream().mapToDouble(p -> p[0]).min().getAsDouble(), ann},
                        new double[] {snn.stream().mapToDouble(p -> p[0]).max().getAsDouble(), ann}));
            }
            h.append(img("accuracy vs T", line(series, "IIR-SNN: test accuracy vs time steps", "time steps T",
                    "test accuracy (%)", true)));
        }
        if ("delays".equals(recipe)) {
            h.append("<h2 id=\"delays\">Delay histograms</h2>\n");
            int n = 0;
            for (String mode : List.of("fixed_random", "learned")) {
                Path d = runDir.resolve(mode);
                if (!Files.isDirectory(d)) {
                    continue;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, "delays-*.png")) {
                    for (Path p : ds) {
                        h.append("<h3>").append(esc(mode + " / " + p.getFileName())).append("</h3>\n")
                                .append(img(p.getFileName().toString(), Files.readAllBytes(p)));
                        n++;
                    }
                }
            }
            if (n == 0) {
                h.append(na("no delay histograms (written when a fixed_random or learned variant is evaluated)"));
            }
        }
        if (delta != null || "delta".equals(recipe)) {
            h.append("<h2 id=\"sparsity\">Sparsity per layer</h2>\n");
            Map<String, Map<String, Double>> sp = new LinkedHashMap<>();
            if (delta != null) {
                for (Map<String, Object> v : maps(delta.get("variants"))) {
                    String name = str(v.get("variant"));
                    if (v.get("sparsity") instanceof Map<?, ?> layers) {
                        layers.forEach((k, x) -> {
                            if (x instanceof Map<?, ?> f) {
                                sp.computeIfAbsent("zero deltas (" + name + ")", q -> new LinkedHashMap<>())
                                        .put(str(k), dbl(f.get("zero_deltas")));
                                sp.computeIfAbsent("zero activations (" + name + ")", q -> new LinkedHashMap<>())
                                        .put(str(k), dbl(f.get("zero_activations")));
                            }
                        });
                    }
                }
            }
            if (delta != null) {
                // one row per variant: fine-tuned variants and the sp 0 control name the variant they started from
                h.append("<table><tr><th>variant</th><th>sp_rate</th><th>fine-tuned from</th><th>accuracy</th>"
                        + "<th>zero deltas, all layers</th><th>non-zero deltas vs (a)</th></tr>\n");
                for (Map<String, Object> v : maps(delta.get("variants"))) {
                    Object ratio = v.get("nonzero_delta_ratio_vs_a");
                    Object zero = v.get("zero_deltas_all_layers");
                    h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                                    + "<td>%s</td></tr>%n", esc(str(v.get("variant"))), esc(str(v.get("sp_rate"))),
                            v.get("finetuned_from") == null ? "-" : esc(str(v.get("finetuned_from"))),
                            pct(v.get("accuracy")), zero instanceof Number z ? String.format(Locale.ROOT, "%.4f",
                                    z.doubleValue()) : "-", ratio instanceof Number x
                                    ? String.format(Locale.ROOT, "%.2fx fewer", x.doubleValue()) : "-"));
                }
                h.append("</table>\n");
            }
            h.append(sp.isEmpty() ? na("no <code>&lt;data&gt;-results.json</code>")
                    : img("sparsity per layer", bars(sp, "fraction of zeros per DeltaActivation layer", "layer",
                    "fraction of zeros")));
        }

        // operations and energy
        h.append("<h2 id=\"ops\">Operations and energy</h2>\n");
        String summary = opsTable(recipe, stages, results, delta);
        h.append(summary);
        h.append(energyTables(runDir, energy, recipe));

        // configuration
        h.append("<h2 id=\"config\">Configuration</h2>\n");
        if (resolved == null) {
            h.append(na("no resolved-config.json (written by snn4j train / demo)"));
        } else {
            h.append("<table><tr><th>key</th><th>value</th></tr>\n");
            resolved.forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td>")
                    .append(esc(v instanceof List<?> l ? l.toString() : str(v))).append("</td></tr>\n"));
            h.append("</table>\n<p>Reproduce: <code>snn4j ").append(esc(str(resolved.get("command"))))
                    .append(" --config ").append(esc(runDir.resolve("resolved-config.json").toString()))
                    .append("</code></p>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static String opsTable(String recipe, Map<String, Object> stages, Map<String, Object> results,
                                   Map<String, Object> delta) {
        StringBuilder t = new StringBuilder();
        if (stages != null) {
            t.append("<p>Per image: first layer (analog input) in MACs, spiking layers in ACs; 45 nm fp32 (MAC 4.6 pJ,"
                    + " AC 0.9 pJ). Latency per image at batch 1: dense DJL inference and the event-driven runtime."
                    + "</p>\n<table><tr><th>stage</th><th>T</th><th>accuracy</th><th>latency DJL ms</th>"
                    + "<th>latency runtime ms</th><th>MACs</th><th>ACs</th><th>energy uJ</th></tr>\n");
            for (Map<String, Object> s : maps(stages.get("stages"))) {
                t.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                                + "<td>%.4g</td><td>%.4g</td><td>%.4f</td></tr>%n", esc(str(s.get("stage"))),
                        num(s.get("time_steps")), pct(s.get("accuracy")), latency(s.get("latency_ms")),
                        latency(s.get("runtime_latency_ms")), dbl(s.get("macs")), dbl(s.get("acs")),
                        dbl(s.get("energy_uj"))));
            }
            return t.append("</table>\n").toString();
        }
        if ("delays".equals(recipe) && results != null) {
            t.append("<p>Per test sample: every input event or hidden spike costs one AC per outgoing synapse; dense = "
                    + "the same layers run on every step.</p>\n<table><tr><th>mode</th><th>accuracy</th><th>ACs</th>"
                    + "<th>dense MACs</th><th>energy uJ</th></tr>\n");
            results.forEach((k, v) -> {
                if (v instanceof Map<?, ?> m) {
                    t.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%.4g</td><td>%.4g</td>"
                                    + "<td>%.4f</td></tr>%n", esc(k), pct(m.get("test_accuracy")),
                            dbl(m.get("synaptic_acs_per_sample")), dbl(m.get("dense_macs_per_sample")),
                            dbl(m.get("energy_uj_per_sample"))));
                }
            });
            return t.append("</table>\n").toString();
        }
        if (delta != null) {
            t.append("<p>MACs per clip: dense (every input x every connection) vs delta-driven (non-zero deltas x "
                    + "fan-out).</p>\n<table><tr><th>variant</th><th>layer</th><th>dense MACs</th><th>delta MACs</th>"
                    + "<th>skipped</th></tr>\n");
            for (Map<String, Object> v : maps(delta.get("variants"))) {
                for (Map<String, Object> o : maps(v.get("ops"))) {
                    double d = dbl(o.get("dense_macs_per_clip"));
                    double x = dbl(o.get("delta_macs_per_clip"));
                    t.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%.0f</td><td>%.0f</td>"
                                    + "<td>%.1f %%</td></tr>%n", esc(str(v.get("variant"))), esc(str(o.get("layer"))), d, x,
                            100 * (1 - x / d)));
                }
            }
            return t.append("</table>\n").toString();
        }
        if ("spikegpt".equals(recipe) && results != null) {
            t.append("<table><tr><th>figure</th><th>value</th></tr>\n");
            results.forEach((k, v) -> {
                if (v instanceof Number || v instanceof String) {
                    t.append("<tr><td>").append(esc(k)).append("</td><td>").append(esc(str(v))).append("</td></tr>\n");
                }
            });
            return t.append("</table>\n").toString();
        }
        return "";
    }

    /**
     * The per-layer tables of {@code energy.json} ({@link EnergyFile}), one per model of the run, each with its totals
     * and energy per sample (measured, analytical, dense).
     */
    private static String energyTables(Path runDir, Map<String, Object> energy, String recipe) {
        StringBuilder t = new StringBuilder();
        t.append("<h3 id=\"energy-layers\">Per layer</h3>\n");
        List<Map<String, Object>> models = energy == null ? List.of() : maps(energy.get("models"));
        if (models.isEmpty()) {
            String how = "spikegpt".equals(recipe)
                    ? "re-run the same <code>snn4j train spikegpt</code> command on this directory (all steps done: it "
                    + "only evaluates and writes it)"
                    : "re-run the same <code>snn4j train</code> command on this directory (it resumes, finds every "
                    + "epoch done, evaluates and writes it), or print one model's table with <code>snn4j energy "
                    + esc(runDir.toString()) + "/STAGE --data DATA</code>";
            return t.append(na("no " + EnergyFile.FILE + " (written by the recipes since 2026-11-24): " + how))
                    .toString();
        }
        t.append("<p>Per sample. Measured: counted by the event-driven runtime (a spike reaching a synapse = 1 AC, a "
                + "non-zero graded value = 1 MAC, zeros nothing); analytical: dense MACs x the firing rate of the "
                + "spiking layer feeding the layer (analog input: dense MACs); dense: the same net run as an ANN. "
                + "The measured column also counts one AC per spike an average pool adds; neuron updates and memory "
                + "traffic are not priced; memory = weights + state, float32.</p>\n");
        for (Map<String, Object> m : models) {
            Map<String, Object> uj = m.get("energy_uj_per_sample") instanceof Map<?, ?> u ? cast(u) : Map.of();
            double measured = dbl(uj.get("measured"));
            double dense = dbl(uj.get("dense"));
            t.append("<h4>").append(esc(str(m.get("name")))).append("</h4>\n");
            t.append(String.format(Locale.ROOT, "<p>%s over %s (%s samples); MAC %s pJ, AC %s pJ. Energy per sample: "
                            + "<b>measured %s uJ</b>, analytical %s uJ, dense %s uJ%s.</p>%n",
                    "analytical".equals(m.get("method")) ? "Analytical (no event-driven run)"
                            : "Measured in the event-driven runtime", esc(str(m.get("data"))), num(m.get("samples")),
                    plain(m.get("mac_pj")), plain(m.get("ac_pj")), sig(measured), sig(dbl(uj.get("analytical"))),
                    sig(dense), measured > 0 && dense > 0 ? String.format(Locale.ROOT, " (%.2fx less than dense)",
                            dense / measured) : ""));
            t.append("<table><tr><th>layer</th><th>type</th><th>firing rate</th><th>input non-zero</th>"
                    + "<th>dense MACs</th><th>ACs</th><th>MACs</th><th>ACs (an.)</th><th>MACs (an.)</th>"
                    + "<th>memory KiB</th><th>energy uJ</th><th>energy uJ (an.)</th></tr>\n");
            for (Map<String, Object> l : maps(m.get("layers"))) {
                t.append(energyRow(esc(str(l.get("name"))), esc(str(l.get("type"))), l.get("firing_rate"),
                        l.get("input_density"), l));
            }
            Map<String, Object> tot = m.get("totals") instanceof Map<?, ?> x ? cast(x) : Map.of();
            t.append(energyRow("<b>total</b>", "", tot.get("mean_firing_rate"), null, tot));
            t.append("</table>\n");
        }
        return t.toString();
    }

    private static String energyRow(String name, String type, Object rate, Object density, Map<String, Object> v) {
        return String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                        + "<td>%s</td><td>%s</td><td>%s</td><td>%.1f</td><td>%s</td><td>%s</td></tr>%n", name, type,
                rate instanceof Number ? pct(rate) : "-", density instanceof Number ? pct(density) : "-",
                sig(dbl(v.get("dense_macs"))), sig(dbl(v.get("acs"))), sig(dbl(v.get("macs"))),
                sig(dbl(v.get("analytical_acs"))), sig(dbl(v.get("analytical_macs"))),
                dbl(v.get("memory_bytes")) / 1024, sig(dbl(v.get("energy_pj")) / 1e6),
                sig(dbl(v.get("analytical_energy_pj")) / 1e6));
    }

    /** Milliseconds to three decimals; "-" for a stage that was not timed (NaN). */
    private static String latency(Object ms) {
        double v = dbl(ms);
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "-";
    }

    /** Whole numbers below a million as they are, others to four significant digits; "-" for a missing value. */
    private static String sig(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e6 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }

    /** A figure from a file as written (4.6, not 4.600). */
    private static String plain(Object o) {
        return o instanceof Number n ? java.math.BigDecimal.valueOf(n.doubleValue()).stripTrailingZeros()
                .toPlainString() : "-";
    }

    // ------------------------------------------------------------------------------------------------ charts

    private static byte[] curve(List<Map<String, Object>> metrics, String key, String title, String yLabel)
            throws IOException {
        // one series per stage, x = epochs counted over the whole run so consecutive stages follow each other
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        Map<String, Double> offset = new LinkedHashMap<>();
        double end = 0;
        for (Map<String, Object> m : metrics) {
            if (!(m.get(key) instanceof Number v)) {
                continue;
            }
            String stage = str(m.get("stage"));
            if (!offset.containsKey(stage)) {
                offset.put(stage, end);
            }
            double x = offset.get(stage) + dbl(m.get("epoch"));
            end = Math.max(end, x);
            double y = key.endsWith("accuracy") ? 100 * v.doubleValue() : v.doubleValue();
            series.computeIfAbsent(stage, k -> new ArrayList<>()).add(new double[] {x, y});
        }
        boolean steps = metrics.stream().allMatch(m -> "train".equals(m.get("stage")));
        return line(series, title, steps ? "step" : "epoch (stages one after another)", yLabel, !steps);
    }

    private static byte[] line(Map<String, List<double[]>> series, String title, String x, String y,
                               boolean integerX) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        series.forEach((name, points) -> {
            XYSeries s = new XYSeries(name, false, true);
            points.forEach(p -> s.add(p[0], p[1]));
            data.addSeries(s);
        });
        JFreeChart chart = ChartFactory.createXYLineChart(title, x, y, data, PlotOrientation.VERTICAL, true, false,
                false);
        XYPlot plot = chart.getXYPlot();
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        if (integerX) {
            plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        plot.setRenderer(new XYLineAndShapeRenderer(true, true));
        style(plot);
        return png(chart, W, H);
    }

    private static byte[] bars(Map<String, Map<String, Double>> values, String title, String category, String value)
            throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        values.forEach((s, byCat) -> byCat.forEach((c, v) -> data.addValue(v, s, c)));
        JFreeChart chart = ChartFactory.createBarChart(title, category, value, data, PlotOrientation.VERTICAL, true,
                false, false);
        chart.getCategoryPlot().setBackgroundPaint(Color.WHITE);
        chart.getCategoryPlot().setRangeGridlinePaint(Color.LIGHT_GRAY);
        return png(chart, W, H);
    }

    /** Layers stacked vertically (first layer at the bottom), time on x. */
    private static byte[] raster(Map<String, Object> e) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        int base = 0;
        Map<String, Object> layers = e.get("raster") instanceof Map<?, ?> m ? cast(m) : Map.of();
        for (Map.Entry<String, Object> l : layers.entrySet()) {
            Map<String, Object> layer = l.getValue() instanceof Map<?, ?> m ? cast(m) : Map.of();
            int shown = layer.get("shown") instanceof List<?> s ? s.size() : 0;
            XYSeries s = new XYSeries(l.getKey() + " (" + shown + " of " + num(layer.get("total")) + ")", false, true);
            if (layer.get("spikes") instanceof List<?> spikes) {
                for (Object o : spikes) {
                    if (o instanceof List<?> p && p.size() == 2) {
                        s.add(dbl(p.get(0)), base + dbl(p.get(1)));
                    }
                }
            }
            data.addSeries(s);
            base += shown + 5;
        }
        JFreeChart chart = ChartFactory.createScatterPlot("Spikes of the first test sample, stage "
                        + str(e.get("name")), "time step", "neuron (layers stacked)", data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        // half a step of margin so the dots of the first and last step are not cut by the axes
        plot.getDomainAxis().setRange(-0.5, Math.max(1, dbl(e.get("time_steps"))) - 0.5);
        plot.getRangeAxis().setRange(-2, Math.max(base - 3, 1));
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(false, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesShape(i, new java.awt.geom.Rectangle2D.Double(-1.5, -1.5, 3, 3));
        }
        plot.setRenderer(r);
        style(plot);
        return png(chart, W, 560);
    }

    private static void style(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    }

    private static byte[] png(JFreeChart chart, int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(out, chart, w, h);
        return out.toByteArray();
    }

    private static String img(String alt, byte[] png) {
        return "<p><img alt=\"" + esc(alt) + "\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(png) + "\"></p>\n";
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static String recipe(Map<String, Object> resolved, Map<String, Object> stages, Map<String, Object> eval,
                                 Map<String, Object> results, Map<String, Object> delta) {
        if (eval != null && eval.get("recipe") instanceof String r) {
            return r;
        }
        if (stages != null) {
            return "iir";
        }
        if (delta != null) {
            return "delta";
        }
        if (resolved != null && resolved.get("command") instanceof String c) {
            return c.equals("demo") ? "iir" : c.replace("train ", "");
        }
        if (results != null && results.values().stream().anyMatch(v -> v instanceof Map<?, ?> m
                && m.containsKey("delays"))) {
            return "delays";
        }
        return results != null && results.containsKey("held_out_bits_per_token") ? "spikegpt" : "unknown";
    }

    /** A JSON object file, or null if absent; a clear error naming the file if it is not a JSON object. */
    private static Map<String, Object> json(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            Map<String, Object> m = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), MAP);
            if (m == null) {
                throw new JsonParseException("empty file");
            }
            return m;
        } catch (JsonParseException | IllegalStateException e) {
            throw new IOException(file + ": expected a JSON object: " + e.getMessage(), e);
        }
    }

    private static void putRates(Map<String, Map<String, Double>> rates, String series, Object map) {
        Map<String, Double> r = new LinkedHashMap<>();
        if (map instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
                    r.put(str(k), n.doubleValue());
                }
            });
        }
        rates.put(series, r);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    private static List<Map<String, Object>> maps(Object list) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (list instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> m) {
                    out.add(cast(m));
                }
            }
        }
        return out;
    }

    private static String meanRate(Object map) {
        if (!(map instanceof Map<?, ?> m) || m.isEmpty()) {
            return "-";
        }
        double avg = m.values().stream().filter(v -> v instanceof Number).mapToDouble(v -> ((Number) v).doubleValue())
                .average().orElse(Double.NaN);
        return String.format(Locale.ROOT, "%.4f", avg);
    }

    private static double dbl(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static String num(Object o) {
        if (o instanceof Number n) {
            double d = n.doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d)
                    : String.format(Locale.ROOT, "%.4g", d);
        }
        return "-";
    }

    private static String pct(Object o) {
        return o instanceof Number n ? String.format(Locale.ROOT, "%.2f %%", 100 * n.doubleValue()) : "-";
    }

    private static String str(Object o) {
        return o == null ? "" : String.valueOf(o);
    }

    private static String na(String why) {
        return "<p class=\"na\">Not available: " + why + ".</p>\n";
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
