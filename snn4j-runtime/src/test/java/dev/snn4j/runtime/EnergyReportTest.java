package dev.snn4j.runtime;

import dev.snn4j.runtime.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link EnergyReport} on a hand-built net: measured counts follow the events, {@code toMap} totals its layers. */
class EnergyReportTest {
    @TempDir
    Path dir;

    /** fc1 (4 -> 3, graded input) -> IF spikes -> fc2 (3 -> 2). */
    private SpikingModel model() throws Exception {
        float[] w1 = {0.9f, 0.4f, 0.2f, 0.9f, 0.4f, 0.2f, 0.9f, 0.4f, 0.2f, 0.9f, 0.4f, 0.2f};   // [in 4][out 3]
        float[] w2 = {1f, -1f, 0.5f, 0.5f, -1f, 1f};                                               // [in 3][out 2]
        Safetensors.write(dir.resolve(SpikingModel.WEIGHTS_FILE), List.of(Safetensors.Tensor.of("fc1.w", w1, 4, 3),
                Safetensors.Tensor.of("fc2.w", w2, 3, 2)), Map.of());
        Files.writeString(dir.resolve(SpikingModel.GRAPH_FILE), """
                {"format": "snn4j-graph", "version": 1, "input_shape": [4], "time_steps": 4, "layers": [
                  {"name": "fc1", "type": "linear", "in_features": 4, "out_features": 3, "weight": "fc1.w"},
                  {"name": "sn1", "type": "if", "threshold": 1.0, "v_reset": 0.0, "spiking": true},
                  {"name": "fc2", "type": "linear", "in_features": 3, "out_features": 2, "weight": "fc2.w"}]}
                """);
        return SpikingModel.load(dir);
    }

    @Test
    void measuredCountsFollowEventsAndTheMapTotalsItsLayers() throws Exception {
        SpikingModel m = model();
        Session s = m.newSession();
        float[][][] clips = {
            {{0.5f, 0, 0.5f, 0}, {0, 0, 0, 0}, {1.5f, 0.5f, 0, 0}, {0.5f, 0.5f, 0.5f, 0.5f}},
            {{0, 0, 0, 0.7f}, {0.7f, 0.7f, 0, 0}, {0, 0, 0, 0}, {2f, 0, 0, 0}},
        };
        int nonZeroInputs = 0;
        for (float[][] c : clips) {
            s.runSequence(c);
            for (float[] f : c) {
                for (float v : f) {
                    nonZeroInputs += v != 0 ? 1 : 0;
                }
            }
        }
        long spikes = s.stats().get(1).spikes();
        assertTrue(spikes > 0 && spikes < 3L * 4 * clips.length, "some but not all neurons fire: " + spikes);
        EnergyReport r = EnergyReport.of(m, s.stats(), clips.length, 4.6, 0.9);
        List<EnergyReport.Row> rows = r.rows();
        double n = clips.length;
        // graded input: one MAC per non-zero input and synapse; spikes: one AC per spike and synapse (fan-out 2)
        assertEquals(nonZeroInputs * 3 / n, rows.get(0).macs(), 1e-12);
        assertEquals(0, rows.get(0).acs());
        assertEquals(spikes * 2 / n, rows.get(2).acs(), 1e-12);
        assertEquals(0, rows.get(2).macs());
        // analytical: analog first layer = its dense MACs; fc2 = dense MACs x sn1's firing rate (= spikes x fan-out)
        assertEquals(4 * 3 * 4, rows.get(0).denseMacs(), 1e-12);
        assertEquals(rows.get(0).denseMacs(), rows.get(0).analyticalMacs(), 1e-12);
        double rate = spikes / (3.0 * 4 * clips.length);
        assertEquals(rate, rows.get(1).firingRate(), 1e-12);
        assertEquals(rows.get(2).denseMacs() * rate, rows.get(2).analyticalAcs(), 1e-9);
        assertEquals(rows.get(2).acs(), rows.get(2).analyticalAcs(), 1e-9);

        Map<String, Object> map = r.toMap();
        assertEquals(4.6, map.get("mac_pj"));
        assertEquals((long) clips.length, map.get("samples"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> layers = (List<Map<String, Object>>) map.get("layers");
        @SuppressWarnings("unchecked")
        Map<String, Object> totals = (Map<String, Object>) map.get("totals");
        assertEquals(List.of("fc1", "sn1", "fc2"), layers.stream().map(l -> l.get("name")).toList());
        assertNull(layers.get(0).get("firing_rate"), "a weight layer has no firing rate");
        assertEquals(rate, (double) layers.get(1).get("firing_rate"), 1e-12);
        for (String k : List.of("dense_macs", "acs", "macs", "analytical_acs", "analytical_macs", "energy_pj",
                "analytical_energy_pj")) {
            double sum = layers.stream().mapToDouble(l -> (double) l.get(k)).sum();
            assertEquals(sum, (double) totals.get(k), 1e-9, k);
        }
        assertEquals(layers.stream().mapToLong(l -> (long) l.get("memory_bytes")).sum(), totals.get("memory_bytes"));
        double pj = rows.get(0).macs() * 4.6 + rows.get(2).acs() * 0.9;
        assertEquals(pj, (double) totals.get("energy_pj"), 1e-9);
        @SuppressWarnings("unchecked")
        Map<String, Object> uj = (Map<String, Object>) map.get("energy_uj_per_sample");
        assertEquals(pj / 1e6, (double) uj.get("measured"), 1e-15);
        assertEquals(48 * 4.6 / 1e6 + 24 * 4.6 / 1e6, (double) uj.get("dense"), 1e-15);
    }

    @Test
    void rowsFromElsewhereGetTheSameTotals() {
        EnergyReport r = EnergyReport.fromRows(List.of(
                new EnergyReport.Row("a", "linear", Double.NaN, Double.NaN, 100, 0, 100, 0, 100, 400),
                new EnergyReport.Row("b", "lif", 0.25, Double.NaN, 0, 8, 0, 8, 0, 16)), 3, 2.0, 1.0);
        assertEquals(208, r.energyPj(), 1e-12);
        assertEquals(200, r.densePj(), 1e-12);
        assertEquals(0.25, r.meanFiringRate(), 1e-12);
        assertTrue(r.table().contains("total"));
        assertThrows(IllegalArgumentException.class, () -> EnergyReport.fromRows(List.of(), 0, 1, 1));
    }
}
