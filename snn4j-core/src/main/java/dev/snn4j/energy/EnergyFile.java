package dev.snn4j.energy;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.ToNumberPolicy;
import com.google.gson.reflect.TypeToken;
import dev.snn4j.runtime.EnergyReport;
import dev.snn4j.runtime.Session;
import dev.snn4j.runtime.SpikingModel;
import dev.snn4j.runtime.io.AtomicFiles;

import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-layer energy table a recipe leaves in its run directory: {@value #FILE}, read by
 * {@link dev.snn4j.report.RunReport}. One entry per trained model of the run (IIR: each SNN stage {@code snn-T5} ...
 * {@code snn-T1}; delays: each mode; delta: each variant; SpikeGPT: the model), replaced when the recipe evaluates
 * that model again.
 *
 * <p>Schema ({@code null} where a value does not apply, e.g. the firing rate of a weight layer; all counts per sample,
 * i.e. per image, clip or token):
 * <pre>
 * {"format": "snn4j-energy", "version": 1, "recipe": "iir-snn",
 *  "models": [
 *    {"name": "snn-T1",
 *     "method": "runtime",          // "runtime": measured by running the net event-driven (dev.snn4j.runtime) over
 *                                   //   the samples; "analytical": counted from the shapes and measured firing rates
 *     "data": "first 256 of 1000 test images, direct encoding T=1",
 *     "mac_pj": 4.6, "ac_pj": 0.9,  // the energy figures used
 *     "samples": 256,               // samples counted
 *     "layers": [{"name", "type", "firing_rate", "input_density", "dense_macs", "acs", "macs", "analytical_acs",
 *                 "analytical_macs", "memory_bytes", "energy_pj", "analytical_energy_pj"}, ...],
 *     "totals": {"mean_firing_rate", "dense_macs", "acs", "macs", "analytical_acs", "analytical_macs",
 *                "memory_bytes", "energy_pj", "analytical_energy_pj", "dense_energy_pj"},
 *     "energy_uj_per_sample": {"measured", "analytical", "dense"}}]}
 * </pre>
 * The columns are those of {@link EnergyReport} (see there how each is counted): {@code acs / macs} measured,
 * {@code analytical_*} = dense MACs x the feeding layer's firing rate (analog input: dense MACs), {@code dense_macs}
 * the same net run as an ANN.
 *
 * <pre>{@code
 * SpikingModel rt = dev.snn4j.io.GraphExport.toRuntime(vgg, null, 5);
 * Session s = rt.newSession();
 * for (float[] image : images) s.run(image, rt.timeSteps());
 * EnergyFile.record(runDir, "iir-snn", new EnergyFile.Entry("snn-T5", "runtime", "256 test images",
 *         EnergyFile.report(rt, s, images.size(), EnergyModel.CMOS45_FP32)));
 * }</pre>
 */
public final class EnergyFile {
    /** The file name in a run directory. */
    public static final String FILE = "energy.json";
    /** Value of the {@code format} field. */
    public static final String FORMAT = "snn4j-energy";
    /** Value of the {@code version} field. */
    public static final int VERSION = 1;
    /**
     * Test samples the recipes run through the runtime for the table (the first ones of the test set): enough for
     * stable firing rates, cheap next to an evaluation (a few seconds for the nets of the recipes).
     */
    public static final int DEFAULT_SAMPLES = 256;

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls()
            .serializeSpecialFloatingPointValues().setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
            .disableHtmlEscaping().create();
    private static final Type MAP = new TypeToken<LinkedHashMap<String, Object>>() { }.getType();

    private EnergyFile() {
    }

    /**
     * One model's table.
     *
     * @param name   the model within the run (stage, mode or variant)
     * @param method {@code runtime} (measured event-driven) or {@code analytical}
     * @param data   which samples were counted, in words
     * @param report the table
     */
    public record Entry(String name, String method, String data, EnergyReport report) {
        /** The JSON object of this entry. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("method", method);
            m.put("data", data);
            m.putAll(report.toMap());
            return m;
        }
    }

    /** The report of what {@code session} counted over {@code samples} samples. */
    public static EnergyReport report(SpikingModel model, Session session, long samples, EnergyModel energy) {
        return EnergyReport.of(model, session.stats(), samples, energy.macPj(), energy.acPj());
    }

    /**
     * Adds {@code entry} to {@code runDir/energy.json} (replacing the entry of the same name, keeping the order of the
     * others) and writes the file atomically. An unreadable existing file is replaced: it only holds tables the
     * recipe computes again.
     */
    public static synchronized Path record(Path runDir, String recipe, Entry entry) throws IOException {
        Path file = runDir.resolve(FILE);
        List<Object> models = new ArrayList<>();
        Map<String, Object> old = readOrNull(file);
        if (old != null && old.get("models") instanceof List<?> l) {
            for (Object o : l) {
                if (!(o instanceof Map<?, ?> m) || !entry.name().equals(m.get("name"))) {
                    models.add(o);
                }
            }
        }
        // a model evaluated again keeps its place (a resumed run rewrites its stages in order)
        int before = old != null && old.get("models") instanceof List<?> l ? indexOf(l, entry.name()) : -1;
        int at = before >= 0 ? Math.min(before, models.size()) : models.size();
        models.add(at, entry.toMap());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", FORMAT);
        doc.put("version", VERSION);
        doc.put("recipe", recipe);
        doc.put("models", models);
        AtomicFiles.write(file, GSON.toJson(doc).getBytes(StandardCharsets.UTF_8));
        return file;
    }

    private static int indexOf(List<?> models, String name) {
        for (int i = 0; i < models.size(); i++) {
            if (models.get(i) instanceof Map<?, ?> m && name.equals(m.get("name"))) {
                return i;
            }
        }
        return -1;
    }

    private static Map<String, Object> readOrNull(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), MAP);
        } catch (IOException | JsonParseException | IllegalStateException e) {
            return null;
        }
    }
}
