package dev.snn4j.model.spikegpt;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.snn4j.text.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained SpikeGPT as a directory:
 * <pre>
 *   dir/config.json          the model shape ({@link SpikeGptConfig}) under "model", plus the training settings
 *   dir/model.safetensors    the weights under SpikeGPT's names ({@link SpikeGpt#save})
 *   dir/vocab.json           the character vocabulary, or dir/tokenizer.json (BPE)
 *   dir/checkpoints/         training checkpoints (resume)
 * </pre>
 *
 * <pre>{@code
 * try (SpikeGptDir.Loaded m = SpikeGptDir.load(Path.of("runs/spikegpt"), manager)) {
 *     new Generator(m.model(), m.tokenizer()).generate("The ", 100, 0.8, 0.9, 1, System.out::print);
 * }
 * }</pre>
 */
public final class SpikeGptDir {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
            .serializeSpecialFloatingPointValues().create();

    private SpikeGptDir() {
    }

    /**
     * A model, its tokenizer and the settings it was trained with.
     *
     * <pre>{@code
     * try (SpikeGptDir.Loaded m = SpikeGptDir.load(dir, manager)) { m.model().forward(tokens); }
     * }</pre>
     */
    public record Loaded(SpikeGpt model, Tokenizer tokenizer, Map<String, Object> settings) implements AutoCloseable {
        @Override
        public void close() {
            if (tokenizer instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** Writes {@code config.json}: the model shape under "model" and {@code settings} under "training". */
    public static void writeConfig(Path dir, SpikeGptConfig cfg, Map<String, Object> settings) throws IOException {
        Files.createDirectories(dir);
        JsonObject o = new JsonObject();
        o.add("model", GSON.toJsonTree(modelMap(cfg)));
        o.add("training", GSON.toJsonTree(settings));
        Files.writeString(dir.resolve(CONFIG), GSON.toJson(o), StandardCharsets.UTF_8);
    }

    /** The model shape as a JSON-friendly map. */
    public static Map<String, Object> modelMap(SpikeGptConfig cfg) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab_size", cfg.vocabSize());
        m.put("n_embd", cfg.nEmbd());
        m.put("n_layer", cfg.nLayer());
        m.put("spiking", cfg.spiking());
        m.put("wkv_chunk", cfg.wkvChunk());
        m.put("dropout", cfg.dropout());
        return m;
    }

    /** The model shape saved in {@code dir/config.json}. */
    public static SpikeGptConfig readConfig(Path dir) throws IOException {
        Path f = dir.resolve(CONFIG);
        if (!Files.isRegularFile(f)) {
            throw new IOException(dir + ": not a SpikeGPT model directory (no " + CONFIG + ")");
        }
        try {
            JsonObject o = GSON.fromJson(Files.readString(f, StandardCharsets.UTF_8), JsonObject.class);
            JsonObject m = o.getAsJsonObject("model");
            return new SpikeGptConfig(m.get("vocab_size").getAsInt(), m.get("n_embd").getAsInt(),
                    m.get("n_layer").getAsInt(), m.get("spiking").getAsBoolean(), m.get("wkv_chunk").getAsInt(),
                    m.get("dropout").getAsDouble());
        } catch (JsonParseException | NullPointerException | ClassCastException | IllegalStateException e) {
            throw new IOException(f + ": expected {\"model\": {\"vocab_size\", \"n_embd\", \"n_layer\", \"spiking\", "
                    + "\"wkv_chunk\", \"dropout\"}}: " + e.getMessage(), e);
        }
    }

    /**
     * Loads config, tokenizer and weights. The tokenizer's size must equal the config's vocabulary and the weights
     * must fit the config (the error names every mismatched tensor).
     */
    @SuppressWarnings("unchecked")
    public static Loaded load(Path dir, NDManager manager) throws IOException {
        SpikeGptConfig cfg = readConfig(dir);
        Tokenizer tok = Tokenizer.load(dir);
        if (tok.vocabSize() != cfg.vocabSize()) {
            throw new IOException(dir + ": the vocabulary has " + tok.vocabSize() + " tokens but " + CONFIG
                    + " says vocab_size " + cfg.vocabSize());
        }
        Path w = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(w)) {
            throw new IOException(dir + ": no weights (" + WEIGHTS + ")");
        }
        SpikeGpt model = new SpikeGpt(manager, cfg);
        model.load(w);
        model.eval();
        JsonObject o = GSON.fromJson(Files.readString(dir.resolve(CONFIG), StandardCharsets.UTF_8), JsonObject.class);
        Map<String, Object> settings = o.has("training") ? GSON.fromJson(o.get("training"), LinkedHashMap.class)
                : Map.of();
        return new Loaded(model, tok, settings);
    }
}
