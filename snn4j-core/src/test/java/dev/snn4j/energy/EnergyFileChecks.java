package dev.snn4j.energy;

import com.google.gson.Gson;
import com.google.gson.ToNumberPolicy;
import com.google.gson.reflect.TypeToken;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reads a run directory's {@code energy.json} and checks the arithmetic every entry must satisfy. */
public final class EnergyFileChecks {
    private EnergyFileChecks() {
    }

    /** The {@code models} of {@code runDir/energy.json}, after checking the header. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> models(Path runDir, String recipe) throws IOException {
        Path f = runDir.resolve(EnergyFile.FILE);
        assertTrue(Files.isRegularFile(f), f + " written");
        Map<String, Object> doc = new Gson().newBuilder().setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
                .create().fromJson(Files.readString(f), new TypeToken<LinkedHashMap<String, Object>>() { }.getType());
        assertEquals(EnergyFile.FORMAT, doc.get("format"));
        assertEquals(recipe, doc.get("recipe"));
        return (List<Map<String, Object>>) doc.get("models");
    }

    /** Names of the models in file order. */
    public static List<Object> names(List<Map<String, Object>> models) {
        return models.stream().map(m -> m.get("name")).toList();
    }

    /** The layer row named {@code name}. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> layer(Map<String, Object> model, String name) {
        return ((List<Map<String, Object>>) model.get("layers")).stream().filter(l -> name.equals(l.get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no layer " + name + " in " + model.get("layers")));
    }

    static double d(Object o) {
        return ((Number) o).doubleValue();
    }

    /**
     * Totals = sum of the layers; energy = MACs x MAC pJ + ACs x AC pJ per layer; the first weight layer is counted as
     * MACs analytically; a linear layer right after a spiking layer does (measured and analytically) dense MACs x
     * that layer's firing rate ACs.
     */
    @SuppressWarnings("unchecked")
    public static void assertConsistent(Map<String, Object> model) {
        String who = String.valueOf(model.get("name"));
        List<Map<String, Object>> layers = (List<Map<String, Object>>) model.get("layers");
        Map<String, Object> totals = (Map<String, Object>) model.get("totals");
        double mac = d(model.get("mac_pj"));
        double ac = d(model.get("ac_pj"));
        assertTrue(d(model.get("samples")) >= 1, who);
        for (String k : List.of("dense_macs", "acs", "macs", "analytical_acs", "analytical_macs", "energy_pj",
                "analytical_energy_pj", "memory_bytes")) {
            double sum = layers.stream().mapToDouble(l -> d(l.get(k))).sum();
            assertEquals(sum, d(totals.get(k)), 1e-9 * Math.max(1, Math.abs(sum)), who + " total " + k);
        }
        boolean firstWeight = true;
        Map<String, Object> feeder = null;   // the spiking layer directly before (through flatten / dropout)
        for (Map<String, Object> l : layers) {
            String name = who + "/" + l.get("name");
            assertEquals(d(l.get("macs")) * mac + d(l.get("acs")) * ac, d(l.get("energy_pj")),
                    1e-9 * Math.max(1, d(l.get("energy_pj"))), name);
            assertEquals(d(l.get("analytical_macs")) * mac + d(l.get("analytical_acs")) * ac,
                    d(l.get("analytical_energy_pj")), 1e-9 * Math.max(1, d(l.get("analytical_energy_pj"))), name);
            if (d(l.get("dense_macs")) > 0) {
                if (firstWeight && !String.valueOf(l.get("type")).startsWith("delta")) {
                    assertEquals(d(l.get("dense_macs")), d(l.get("analytical_macs")), 1e-9, name + " analog input");
                }
                firstWeight = false;
                if (feeder != null && l.get("type").equals("linear")) {
                    double want = d(l.get("dense_macs")) * d(feeder.get("firing_rate"));
                    assertEquals(want, d(l.get("analytical_acs")), 1e-9 * Math.max(1, want), name + " analytical");
                    assertEquals(want, d(l.get("acs")), 1e-6 * Math.max(1, want), name + " measured = spikes x fan-out");
                }
            }
            String type = String.valueOf(l.get("type"));
            if (l.get("firing_rate") instanceof Number r && Set.of("iir", "lif", "if").contains(type)) {
                assertTrue(r.doubleValue() >= 0 && r.doubleValue() <= 1, name + " rate " + r);
                feeder = l;
            } else if (!Set.of("flatten", "dropout").contains(type)) {
                feeder = null;
            }
        }
    }
}
