package dev.snn4j.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-layer operations, firing rates, memory and energy of a {@link SpikingModel} over a run, per sample, both
 * <b>measured</b> (what a {@link Session} counted: a spike reaching a synapse = one accumulate (AC), a graded value
 * reaching a synapse = one multiply-accumulate (MAC), zeros = nothing) and <b>analytical</b> (the usual formula:
 * a weight layer fed by a spiking layer does {@code dense MACs x that layer's firing rate} ACs, flattening in between
 * passing the spikes on and a {@code k x k} average pool multiplying by {@code k^2}, since each pooled spike still costs
 * one AC (of the weight divided by {@code k^2}); a weight layer fed by analog values, such as the direct-input first
 * layer, does its dense MACs). The runtime itself scatters average-pooled values as graded events, so its measured
 * count after a pool is MACs (one per non-zero pooled value and synapse). Energy uses one figure per MAC and per AC (default 45 nm CMOS, fp32: 4.6 pJ and 0.9 pJ,
 * Horowitz 2014); the dense column is the same net run as an ANN (every synapse a MAC every step). An average pool's
 * window sums are measured as ACs (one per input spike) and priced with them; the analytical column does not count
 * them. Neuron updates and memory traffic are not priced. Memory = parameters + per-session state, float32.
 *
 * <pre>{@code
 * Session s = model.newSession();
 * for (float[] x : images) s.run(x, model.timeSteps());
 * EnergyReport r = EnergyReport.of(model, s.stats(), images.length, 4.6, 0.9);
 * System.out.print(r.table());
 * }</pre>
 */
public final class EnergyReport {
    /** MAC energy at 45 nm, fp32 (pJ). */
    public static final double MAC_PJ_45NM = 4.6;
    /** AC energy at 45 nm, fp32 (pJ). */
    public static final double AC_PJ_45NM = 0.9;

    /**
     * One layer, per sample.
     *
     * @param firingRate     spikes per neuron and step (neuron layers; for delta_activation / delta_encode: changes
     *                       sent per element and step), NaN otherwise
     * @param inputDensity   non-zero inputs per input value and step (weight and pooling layers), NaN otherwise
     * @param denseMacs      MACs of a dense execution of the steps the layer ran
     * @param acs            measured accumulates
     * @param macs           measured multiply-accumulates
     * @param analyticalAcs  dense MACs x the feeding spiking layer's firing rate (x k^2 after a k x k average pool; 0 for
 *                       analog input)
     * @param analyticalMacs dense MACs for analog input, else 0
     * @param memoryBytes    parameters + state, float32
     */
    public record Row(String name, String type, double firingRate, double inputDensity, double denseMacs, double acs,
                      double macs, double analyticalAcs, double analyticalMacs, long memoryBytes) {
        /** Measured energy (pJ) with the given figures. */
        public double energyPj(double macPj, double acPj) {
            return macs * macPj + acs * acPj;
        }

        /** Analytical energy (pJ). */
        public double analyticalPj(double macPj, double acPj) {
            return analyticalMacs * macPj + analyticalAcs * acPj;
        }
    }

    private final List<Row> rows;
    private final long samples;
    private final double macPj;
    private final double acPj;

    private EnergyReport(List<Row> rows, long samples, double macPj, double acPj) {
        this.rows = rows;
        this.samples = samples;
        this.macPj = macPj;
        this.acPj = acPj;
    }

    /**
     * Builds the report from a session's counters over {@code samples} samples.
     *
     * @throws IllegalArgumentException if the stats do not belong to the model or the figures are not positive
     */
    public static EnergyReport of(SpikingModel model, List<LayerStats> stats, long samples, double macPj,
                                  double acPj) {
        List<LayerInfo> info = model.layerInfo();
        if (stats.size() != info.size()) {
            throw new IllegalArgumentException("EnergyReport: " + stats.size() + " layer counters for a model of "
                    + info.size() + " layers");
        }
        if (samples < 1 || !(macPj >= 0) || !(acPj >= 0)) {
            throw new IllegalArgumentException("EnergyReport: need samples >= 1 and energies >= 0, got " + samples
                    + ", " + macPj + ", " + acPj);
        }
        List<Row> rows = new ArrayList<>();
        double upstreamRate = Double.NaN;   // firing rate of the spiking layer feeding the current position, NaN: analog
        double pooled = 1;                  // spikes per value after average pooling (k * k per k x k pool)
        double n = samples;
        for (int i = 0; i < info.size(); i++) {
            LayerInfo l = info.get(i);
            LayerStats s = stats.get(i);
            int in = size(l.inShape());
            double rate = s.neuronSteps() > 0 ? (double) s.spikes() / s.neuronSteps() : Double.NaN;
            double dense = (double) l.denseOpsPerStep() * s.steps() / n;
            boolean consumes = l.denseOpsPerStep() > 0 || l.type().endsWith("pool2d");
            double density = consumes && s.steps() > 0 ? (double) s.events() / ((double) in * s.steps()) : Double.NaN;
            double aAcs = 0;
            double aMacs = 0;
            if (l.denseOpsPerStep() > 0) {
                if (Double.isNaN(upstreamRate)) {
                    aMacs = dense;
                } else {
                    aAcs = dense * upstreamRate * pooled;
                }
            }
            rows.add(new Row(l.name(), l.type(), rate, density, dense, s.acs() / n, s.macs() / n, aAcs, aMacs,
                    l.memoryBytes()));
            if (l.spiking()) {
                upstreamRate = rate;
                pooled = 1;
            } else if (l.type().equals("avg_pool2d")) {
                pooled *= (double) size(l.inShape()) / size(l.outShape());
            } else if (!passesSpikes(l.type())) {
                upstreamRate = Double.NaN;
            }
        }
        return new EnergyReport(rows, samples, macPj, acPj);
    }

    /**
     * A report from rows computed elsewhere (a model the runtime cannot run, such as SpikeGPT, whose per-layer counts
     * come from its shapes and measured firing rates), so that its totals, {@link #table()} and {@link #toMap()} are
     * those of a measured report.
     *
     * <pre>{@code
     * EnergyReport r = EnergyReport.fromRows(List.of(new EnergyReport.Row("head", "linear", Double.NaN, Double.NaN,
     *         8192, 0, 8192, 0, 8192, 32768)), 1000, 4.6, 0.9);
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code samples < 1} or a figure is negative
     */
    public static EnergyReport fromRows(List<Row> rows, long samples, double macPj, double acPj) {
        if (samples < 1 || !(macPj >= 0) || !(acPj >= 0)) {
            throw new IllegalArgumentException("EnergyReport: need samples >= 1 and energies >= 0, got " + samples
                    + ", " + macPj + ", " + acPj);
        }
        return new EnergyReport(List.copyOf(rows), samples, macPj, acPj);
    }

    private static boolean passesSpikes(String type) {
        return switch (type) {
            case "flatten", "dropout", "repeat_time", "avg_pool2d", "max_pool2d" -> true;
            default -> false;
        };
    }

    private static int size(int[] s) {
        int n = 1;
        for (int d : s) {
            n *= d;
        }
        return n;
    }

    public List<Row> rows() {
        return rows;
    }

    public long samples() {
        return samples;
    }

    /** Energy per MAC used (pJ). */
    public double macPj() {
        return macPj;
    }

    /** Energy per AC used (pJ). */
    public double acPj() {
        return acPj;
    }

    /**
     * The report as nested maps for a JSON writer (per sample; values that do not apply, such as the firing rate of a
     * weight layer, are {@code null}):
     * <pre>
     * {"mac_pj": 4.6, "ac_pj": 0.9, "samples": 256,
     *  "layers": [{"name", "type", "firing_rate", "input_density", "dense_macs", "acs", "macs", "analytical_acs",
     *              "analytical_macs", "memory_bytes", "energy_pj", "analytical_energy_pj"}, ...],
     *  "totals": {"mean_firing_rate", "dense_macs", "acs", "macs", "analytical_acs", "analytical_macs",
     *             "memory_bytes", "energy_pj", "analytical_energy_pj", "dense_energy_pj"},
     *  "energy_uj_per_sample": {"measured", "analytical", "dense"}}
     * </pre>
     * Each total is the sum of its layer column ({@code mean_firing_rate}: {@link #meanFiringRate()}).
     *
     * <pre>{@code
     * String json = new Gson().toJson(report.toMap());
     * }</pre>
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mac_pj", macPj);
        m.put("ac_pj", acPj);
        m.put("samples", samples);
        List<Map<String, Object>> layers = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("name", r.name());
            l.put("type", r.type());
            l.put("firing_rate", orNull(r.firingRate()));
            l.put("input_density", orNull(r.inputDensity()));
            l.put("dense_macs", r.denseMacs());
            l.put("acs", r.acs());
            l.put("macs", r.macs());
            l.put("analytical_acs", r.analyticalAcs());
            l.put("analytical_macs", r.analyticalMacs());
            l.put("memory_bytes", r.memoryBytes());
            l.put("energy_pj", r.energyPj(macPj, acPj));
            l.put("analytical_energy_pj", r.analyticalPj(macPj, acPj));
            layers.add(l);
        }
        m.put("layers", layers);
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("mean_firing_rate", orNull(meanFiringRate()));
        t.put("dense_macs", total(Row::denseMacs));
        t.put("acs", total(Row::acs));
        t.put("macs", total(Row::macs));
        t.put("analytical_acs", total(Row::analyticalAcs));
        t.put("analytical_macs", total(Row::analyticalMacs));
        t.put("memory_bytes", rows.stream().mapToLong(Row::memoryBytes).sum());
        t.put("energy_pj", energyPj());
        t.put("analytical_energy_pj", analyticalPj());
        t.put("dense_energy_pj", densePj());
        m.put("totals", t);
        Map<String, Object> uj = new LinkedHashMap<>();
        uj.put("measured", energyPj() / 1e6);
        uj.put("analytical", analyticalPj() / 1e6);
        uj.put("dense", densePj() / 1e6);
        m.put("energy_uj_per_sample", uj);
        return m;
    }

    private static Double orNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** Sum of a column over the layers. */
    private double total(java.util.function.ToDoubleFunction<Row> f) {
        return rows.stream().mapToDouble(f).sum();
    }

    /** Measured energy per sample (pJ). */
    public double energyPj() {
        return total(r -> r.energyPj(macPj, acPj));
    }

    /** Analytical energy per sample (pJ). */
    public double analyticalPj() {
        return total(r -> r.analyticalPj(macPj, acPj));
    }

    /** Dense (every synapse a MAC) energy per sample (pJ). */
    public double densePj() {
        return total(r -> r.denseMacs() * macPj);
    }

    /** Mean firing rate over the spiking layers' neuron steps, as given per layer (unweighted mean of layers). */
    public double meanFiringRate() {
        return rows.stream().filter(r -> !Double.isNaN(r.firingRate()) && !r.type().startsWith("delta"))
                .mapToDouble(Row::firingRate).average().orElse(Double.NaN);
    }

    /** The per-layer table and totals (per sample), plain text. */
    public String table() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "per sample, mean over %d samples; MAC %.3g pJ, AC %.3g pJ%n", samples,
                macPj, acPj));
        b.append(String.format(Locale.ROOT, "%-14s %-16s %8s %8s %11s %11s %11s %11s %11s %9s %10s %10s%n", "layer",
                "type", "firing", "in nz", "dense MACs", "ACs", "MACs", "ACs (an.)", "MACs (an.)", "mem KiB",
                "uJ", "uJ (an.)"));
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "%-14s %-16s %8s %8s %11s %11s %11s %11s %11s %9.1f %10s %10s%n",
                    clip(r.name(), 14), clip(r.type(), 16), pct(r.firingRate()), pct(r.inputDensity()),
                    num(r.denseMacs()), num(r.acs()), num(r.macs()), num(r.analyticalAcs()), num(r.analyticalMacs()),
                    r.memoryBytes() / 1024.0, uj(r.energyPj(macPj, acPj)), uj(r.analyticalPj(macPj, acPj))));
        }
        b.append(String.format(Locale.ROOT, "%-14s %-16s %8s %8s %11s %11s %11s %11s %11s %9.1f %10s %10s%n",
                "total", "", pct(meanFiringRate()), "", num(total(Row::denseMacs)), num(total(Row::acs)),
                num(total(Row::macs)), num(total(Row::analyticalAcs)), num(total(Row::analyticalMacs)),
                rows.stream().mapToLong(Row::memoryBytes).sum() / 1024.0, uj(energyPj()), uj(analyticalPj())));
        b.append(String.format(Locale.ROOT, "energy per sample: measured %.4g uJ, analytical %.4g uJ, dense (ANN, "
                + "every synapse a MAC) %.4g uJ: %.2fx less than dense%n", energyPj() / 1e6, analyticalPj() / 1e6,
                densePj() / 1e6, densePj() / energyPj()));
        return b.toString();
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "~";
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    private static String num(double v) {
        return v == 0 ? "0" : String.format(Locale.ROOT, "%.3g", v);
    }

    private static String uj(double pj) {
        return pj == 0 ? "0" : String.format(Locale.ROOT, "%.4g", pj / 1e6);
    }
}
