package dev.snn4j.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.ToNumberPolicy;
import com.google.gson.reflect.TypeToken;
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
import java.util.Objects;

/**
 * Per-epoch training metrics as JSON lines ({@code metrics.jsonl} in a run directory), one object per (stage, epoch),
 * for training curves in reports.
 *
 * <p>Every {@link #record} rewrites the whole file atomically (temp + rename), replacing a line with the same stage and
 * epoch: the line is written before the epoch's checkpoint, so an epoch that is re-run after a crash replaces its
 * line instead of duplicating it, and a crash never leaves a half-written line. The files stay small (one line per
 * epoch).
 *
 * <pre>{@code
 * MetricsLog.record(out.resolve(MetricsLog.FILE), "snn-T5", 3, Map.of("train_loss", 0.41, "train_accuracy", 0.87));
 * List<Map<String, Object>> rows = MetricsLog.read(out.resolve(MetricsLog.FILE));
 * }</pre>
 */
public final class MetricsLog {
    /** The file name recipes use in their output folder. */
    public static final String FILE = "metrics.jsonl";
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues()
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).disableHtmlEscaping().create();
    private static final Type ROW = new TypeToken<LinkedHashMap<String, Object>>() { }.getType();

    private MetricsLog() {
    }

    /** Adds (or replaces) the line of {@code stage} / {@code epoch} (1-based) with {@code values}. */
    public static synchronized void record(Path file, String stage, int epoch, Map<String, ?> values)
            throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> r : read(file)) {
            if (!(Objects.equals(r.get("stage"), stage) && r.get("epoch") instanceof Number n && n.intValue() == epoch)) {
                rows.add(r);
            }
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("stage", stage);
        row.put("epoch", epoch);
        row.putAll(values);
        rows.add(row);
        StringBuilder sb = new StringBuilder();
        rows.forEach(r -> sb.append(GSON.toJson(r)).append('\n'));
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The lines of {@code file} in order (empty if it does not exist).
     *
     * @throws IOException naming the file and line if a line is not a JSON object
     */
    public static List<Map<String, Object>> read(Path file) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return rows;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                Map<String, Object> r = GSON.fromJson(line, ROW);
                if (r == null) {
                    throw new JsonParseException("empty");
                }
                rows.add(r);
            } catch (JsonParseException | IllegalStateException e) {
                throw new IOException(file + ": line " + (i + 1) + " is not a JSON object: " + e.getMessage(), e);
            }
        }
        return rows;
    }
}
