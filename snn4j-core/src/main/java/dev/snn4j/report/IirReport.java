package dev.snn4j.report;

import dev.snn4j.recipe.IirSnn;
import dev.snn4j.runtime.io.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The IIR-SNN results as a table (text for the console, Markdown for the report) and an accuracy-vs-T chart.
 *
 * <pre>{@code
 * Path md = IirReport.write(Path.of("runs/demo"), "Fashion-MNIST subset", results);
 * }</pre>
 */
public final class IirReport {
    private IirReport() {
    }

    /** The per-stage table as aligned text. */
    public static String table(List<IirSnn.StageResult> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-10s %3s %9s %10s %10s %10s %12s %12s %12s  %s%n", "stage", "T",
                "accuracy", "DJL ms", "runtime ms", "fire rate", "MACs", "ACs", "energy uJ", "rate per layer"));
        for (IirSnn.StageResult r : rows) {
            sb.append(String.format(Locale.ROOT, "%-10s %3d %8.2f%% %10s %10s %10s %12.4g %12.4g %12.4f  %s%n",
                    r.stage(), r.timeSteps(), 100 * r.accuracy(), ms(r.latencyMs()), ms(r.runtimeLatencyMs()),
                    meanRate(r), r.macs(), r.acs(), r.energyUj(), rates(r)));
        }
        String speedup = speedups(rows);
        if (!speedup.isEmpty()) {
            sb.append(speedup).append('\n');
        }
        return sb.toString();
    }

    /** The file {@link #write} stores the table in, machine-readable (read by {@code snn4j report}). */
    public static final String STAGES_FILE = "stages.json";

    /**
     * Writes {@code report.md}, {@code accuracy_vs_T.png} and {@code stages.json} (the rows as JSON) into {@code dir};
     * returns the Markdown file.
     */
    public static Path write(Path dir, String dataName, List<IirSnn.StageResult> rows) throws IOException {
        Files.createDirectories(dir);
        List<Map<String, Object>> json = new ArrayList<>();
        for (IirSnn.StageResult r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stage", r.stage());
            m.put("time_steps", r.timeSteps());
            m.put("accuracy", r.accuracy());
            m.put("latency_ms", r.latencyMs());
            m.put("runtime_latency_ms", r.runtimeLatencyMs());
            m.put("firing_rates", r.firingRates());
            m.put("macs", r.macs());
            m.put("acs", r.acs());
            m.put("energy_uj", r.energyUj());
            m.put("train_seconds", r.trainSeconds());
            json.add(m);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("recipe", "iir-snn");
        doc.put("data", dataName);
        doc.put("stages", json);
        AtomicFiles.write(dir.resolve(STAGES_FILE), new com.google.gson.GsonBuilder().setPrettyPrinting()
                .serializeSpecialFloatingPointValues().create().toJson(doc).getBytes(StandardCharsets.UTF_8));
        List<double[]> snn = new ArrayList<>();
        double ann = Double.NaN;
        for (IirSnn.StageResult r : rows) {
            if (r.stage().startsWith("snn-")) {
                snn.add(new double[] {r.timeSteps(), 100 * r.accuracy()});
            } else if (r.stage().equals("ann")) {
                ann = 100 * r.accuracy();
            }
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        series.put("SNN (IIR neurons)", snn);
        if (!Double.isNaN(ann) && !snn.isEmpty()) {
            double lo = snn.stream().mapToDouble(p -> p[0]).min().orElse(1);
            double hi = snn.stream().mapToDouble(p -> p[0]).max().orElse(5);
            series.put("ANN", List.of(new double[] {lo, ann}, new double[] {hi, ann}));
        }
        Charts.line(dir.resolve("accuracy_vs_T.png"), "IIR-SNN: test accuracy vs time steps (" + dataName + ")",
                "time steps T", "test accuracy (%)", series);

        StringBuilder md = new StringBuilder();
        md.append("# IIR-SNN report: ").append(dataName).append("\n\n");
        md.append("Each SNN stage starts from the previous one (T = 5, 4, ... 1). Latency is the median per image at batch 1, ")
                .append("all stages timed in one interleaved pass at the end of the run (the converted net, not ")
                .append("timed, costs as much as the first SNN stage), with dense DJL inference (one engine thread) ")
                .append("and on the event-driven runtime (the same weights exported as by `snn4j export`; work only ")
                .append("where spikes occur, one thread). ")
                .append("Operations per image: the first layer (analog input) in MACs, spiking layers in ACs ")
                .append("(input spikes x fan-out, summed over time); energy at 45 nm fp32 (MAC 4.6 pJ, AC 0.9 pJ).\n\n");
        md.append("| stage | T | test accuracy | latency DJL (ms/image) | latency runtime (ms/image) | mean firing rate "
                + "| MACs | ACs | energy (uJ) |\n");
        md.append("|---|---|---|---|---|---|---|---|---|\n");
        for (IirSnn.StageResult r : rows) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.2f %% | %s | %s | %s | %.4g | %.4g | %.4f |%n",
                    r.stage(), r.timeSteps(), 100 * r.accuracy(), ms(r.latencyMs()), ms(r.runtimeLatencyMs()),
                    meanRate(r), r.macs(), r.acs(), r.energyUj()));
        }
        String speedup = speedups(rows);
        if (!speedup.isEmpty()) {
            md.append('\n').append(speedup).append('\n');
        }
        md.append("\n![accuracy vs T](accuracy_vs_T.png)\n\n## Firing rate per layer\n\n");
        for (IirSnn.StageResult r : rows) {
            if (!r.firingRates().isEmpty()) {
                md.append("- ").append(r.stage()).append(": ").append(rates(r)).append('\n');
            }
        }
        Path file = dir.resolve("report.md");
        AtomicFiles.write(file, md.toString().getBytes(StandardCharsets.UTF_8));
        return file;
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    /**
     * "T=1 vs T=5: 2.9x faster with DJL, 5.0x on the runtime" from the first and last SNN stages, or "" when either
     * was not timed.
     */
    static String speedups(List<IirSnn.StageResult> rows) {
        IirSnn.StageResult hi = null;
        IirSnn.StageResult lo = null;
        for (IirSnn.StageResult r : rows) {
            if (r.stage().startsWith("snn-") && !Double.isNaN(r.latencyMs())) {
                hi = hi == null || r.timeSteps() > hi.timeSteps() ? r : hi;
                lo = lo == null || r.timeSteps() < lo.timeSteps() ? r : lo;
            }
        }
        if (hi == null || hi == lo) {
            return "";
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "T=%d vs T=%d: %.2fx faster with DJL",
                lo.timeSteps(), hi.timeSteps(), hi.latencyMs() / lo.latencyMs()));
        if (!Double.isNaN(hi.runtimeLatencyMs()) && !Double.isNaN(lo.runtimeLatencyMs())) {
            sb.append(String.format(Locale.ROOT, ", %.2fx on the event-driven runtime",
                    hi.runtimeLatencyMs() / lo.runtimeLatencyMs()));
        }
        return sb.toString();
    }

    private static String meanRate(IirSnn.StageResult r) {
        if (r.firingRates().isEmpty()) {
            return "-";
        }
        double m = r.firingRates().values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        return String.format(Locale.ROOT, "%.3f", m);
    }

    private static String rates(IirSnn.StageResult r) {
        StringBuilder sb = new StringBuilder();
        r.firingRates().forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ")
                .append(k).append(String.format(Locale.ROOT, " %.3f", v)));
        return sb.toString();
    }
}
