package dev.snn4j.text;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.snn4j.data.DataFormatException;
import dev.snn4j.data.TextFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Character-level tokenizer: one id per distinct Unicode code point of a corpus, ids in code-point order (so the
 * same corpus always gives the same vocabulary). The corpus is normalised first ({@link TextCorpus#normalize}: no
 * BOM, LF line endings). Saved as {@code vocab.json}: {@code {"type": "char", "chars": ["\n", " ", "!", ...]}}, the
 * index in {@code chars} being the id.
 *
 * <pre>{@code
 * CharTokenizer tok = CharTokenizer.fromCorpus(text);
 * tok.save(modelDir);                                  // modelDir/vocab.json
 * int[] ids = CharTokenizer.load(modelDir.resolve("vocab.json")).encode("Natasha");
 * }</pre>
 */
public final class CharTokenizer implements Tokenizer {
    /** File name inside a model directory. */
    public static final String FILE = "vocab.json";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private final int[] codePoints;
    private final Map<Integer, Integer> ids = new HashMap<>();

    /** A tokenizer with exactly these code points, id = index; they must be distinct. */
    public CharTokenizer(int[] codePoints) {
        if (codePoints.length == 0) {
            throw new IllegalArgumentException("CharTokenizer: empty vocabulary");
        }
        this.codePoints = codePoints.clone();
        for (int i = 0; i < codePoints.length; i++) {
            if (ids.put(codePoints[i], i) != null) {
                throw new IllegalArgumentException("CharTokenizer: character " + describe(codePoints[i])
                        + " appears twice in the vocabulary");
            }
        }
    }

    /** The vocabulary of {@code text} (normalised first); an empty text is an error. */
    public static CharTokenizer fromCorpus(String text) {
        String t = TextCorpus.normalize(text);
        if (t.isEmpty()) {
            throw new IllegalArgumentException("CharTokenizer: the corpus is empty");
        }
        TreeSet<Integer> set = new TreeSet<>();
        t.codePoints().forEach(set::add);
        return new CharTokenizer(set.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public int vocabSize() {
        return codePoints.length;
    }

    @Override
    public String kind() {
        return "char";
    }

    /** Ids of the normalised {@code text}; an unknown character is an error naming it and its position. */
    @Override
    public int[] encode(String text) {
        String t = TextCorpus.normalize(text);
        int[] out = new int[t.codePointCount(0, t.length())];
        int n = 0;
        for (int i = 0; i < t.length(); ) {
            int cp = t.codePointAt(i);
            Integer id = ids.get(cp);
            if (id == null) {
                throw new IllegalArgumentException("character " + describe(cp) + " at position " + n
                        + " is not in the vocabulary (" + codePoints.length + " characters)");
            }
            out[n++] = id;
            i += Character.charCount(cp);
        }
        return out;
    }

    @Override
    public String decode(int[] tokenIds) {
        StringBuilder sb = new StringBuilder(tokenIds.length);
        for (int id : tokenIds) {
            if (id < 0 || id >= codePoints.length) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                        + codePoints.length + ")");
            }
            sb.appendCodePoint(codePoints[id]);
        }
        return sb.toString();
    }

    /** The code point of each id. */
    public int[] codePoints() {
        return codePoints.clone();
    }

    @Override
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        JsonObject o = new JsonObject();
        o.addProperty("type", "char");
        JsonArray chars = new JsonArray();
        for (int cp : codePoints) {
            chars.add(new String(Character.toChars(cp)));
        }
        o.add("chars", chars);
        Files.writeString(dir.resolve(FILE), GSON.toJson(o), StandardCharsets.UTF_8);
    }

    /**
     * Reads a {@code vocab.json} written by {@link #save}; anything else (malformed UTF-8 or JSON, entries that are
     * not single characters, duplicates) is a {@link DataFormatException} naming the file and the entry.
     */
    public static CharTokenizer load(Path file) throws IOException {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(TextFiles.readUtf8(file));
            o = e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (JsonParseException e) {
            throw new DataFormatException(file, "invalid JSON: " + e.getMessage(), e);
        }
        if (o == null || !o.has("chars") || !o.get("chars").isJsonArray()) {
            throw new DataFormatException(file, "expected {\"type\": \"char\", \"chars\": [...]}");
        }
        JsonArray a = o.getAsJsonArray("chars");
        int[] cps = new int[a.size()];
        for (int i = 0; i < cps.length; i++) {
            JsonElement el = a.get(i);
            if (!el.isJsonPrimitive() || !el.getAsJsonPrimitive().isString()) {
                throw new DataFormatException(file, "chars[" + i + "]", "expected a one-character string, got " + el);
            }
            String s = el.getAsString();
            if (s.codePointCount(0, s.length()) != 1) {
                throw new DataFormatException(file, "chars[" + i + "]", "not a single character: \"" + s + "\"");
            }
            cps[i] = s.codePointAt(0);
        }
        try {
            return new CharTokenizer(cps);
        } catch (IllegalArgumentException e) {
            throw new DataFormatException(file, "chars", e.getMessage(), e);
        }
    }

    /** 'x' (U+0078), or just U+000A for control characters. */
    static String describe(int cp) {
        String hex = String.format("U+%04X", cp);
        return Character.isISOControl(cp) || Character.isWhitespace(cp) ? hex
                : "'" + new String(Character.toChars(cp)) + "' (" + hex + ")";
    }
}
