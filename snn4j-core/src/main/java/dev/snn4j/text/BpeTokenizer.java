package dev.snn4j.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * BPE (or any other Hugging Face {@code tokenizer.json}: WordPiece, Unigram...) through DJL's Hugging Face tokenizers
 * ({@code ai.djl.huggingface:tokenizers}, a Rust library whose native code ships inside the jar for linux-x86_64 and
 * is extracted on first use; it loads offline). The user supplies the {@code tokenizer.json}, e.g. GPT-NeoX's, which
 * SpikeGPT's 216M model uses; it is copied into the model directory. The vocabulary size is the largest id of the
 * model's vocabulary and added tokens, plus one. No special tokens are added when encoding.
 *
 * <pre>{@code
 * try (BpeTokenizer tok = BpeTokenizer.load(Path.of("tokenizer.json"))) {
 *     int[] ids = tok.encode("Prince Andrew");
 * }
 * }</pre>
 */
public final class BpeTokenizer implements Tokenizer, AutoCloseable {
    /** File name inside a model directory. */
    public static final String FILE = "tokenizer.json";

    private final Path source;
    private final HuggingFaceTokenizer hf;
    private final int vocabSize;

    private BpeTokenizer(Path source, HuggingFaceTokenizer hf, int vocabSize) {
        this.source = source;
        this.hf = hf;
        this.vocabSize = vocabSize;
    }

    /**
     * Loads a Hugging Face {@code tokenizer.json}. A missing or malformed file is an {@link IOException}; a native
     * library that cannot be loaded is an {@link IllegalStateException} saying so.
     */
    public static BpeTokenizer load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": tokenizer file not found");
        }
        int size = vocabSizeOf(file);
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false"));
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new IllegalStateException("the Hugging Face tokenizers native library could not be loaded ("
                    + e + "); use a character-level vocabulary instead", e);
        } catch (RuntimeException e) {
            throw new IOException(file + ": not a Hugging Face tokenizer.json: " + e.getMessage(), e);
        }
        return new BpeTokenizer(file, hf, size);
    }

    private static int vocabSizeOf(Path file) throws IOException {
        try {
            return vocabSizeOfJson(file);
        } catch (RuntimeException e) { // wrong JSON types (ClassCastException, IllegalStateException, ...)
            throw new IOException(file + ": not a Hugging Face tokenizer.json (" + e.getMessage() + ")", e);
        }
    }

    private static int vocabSizeOfJson(Path file) throws IOException {
        JsonObject o;
        try {
            o = new Gson().fromJson(Files.readString(file, StandardCharsets.UTF_8), JsonObject.class);
        } catch (JsonParseException e) {
            throw new IOException(file + ": invalid JSON: " + e.getMessage(), e);
        }
        if (o == null || !o.has("model") || !o.get("model").isJsonObject()
                || !o.getAsJsonObject("model").has("vocab")) {
            throw new IOException(file + ": expected a Hugging Face tokenizer.json with model.vocab");
        }
        long max = -1;
        JsonElement vocab = o.getAsJsonObject("model").get("vocab");
        if (vocab.isJsonObject()) {            // BPE / WordPiece / WordLevel: {"token": id}
            for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) {
                max = Math.max(max, e.getValue().getAsLong());
            }
        } else if (vocab.isJsonArray()) {      // Unigram: [[token, score], ...]
            max = vocab.getAsJsonArray().size() - 1;
        }
        if (o.has("added_tokens") && o.get("added_tokens").isJsonArray()) {
            for (JsonElement e : o.getAsJsonArray("added_tokens")) {
                max = Math.max(max, e.getAsJsonObject().get("id").getAsLong());
            }
        }
        if (max < 0) {
            throw new IOException(file + ": the vocabulary is empty");
        }
        return Math.toIntExact(max + 1);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public String kind() {
        return "bpe";
    }

    /** Ids of the normalised text (BOM dropped, LF line endings); characters the model cannot encode are an error. */
    @Override
    public int[] encode(String text) {
        long[] ids = hf.encode(TextCorpus.normalize(text), false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        if (out.length == 0 && !text.isEmpty()) {
            throw new IllegalArgumentException("the tokenizer gives no tokens for a text of " + text.length()
                    + " characters");
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + ids[i] + " is outside the vocabulary [0, "
                        + vocabSize + ")");
            }
            l[i] = ids[i];
        }
        return hf.decode(l, false);
    }

    /** Copies the {@code tokenizer.json} into {@code dir}. */
    @Override
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(FILE);
        if (!Files.exists(target) || !Files.isSameFile(source, target)) {
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public void close() {
        hf.close();
    }
}
