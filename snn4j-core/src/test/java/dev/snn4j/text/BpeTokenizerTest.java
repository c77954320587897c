package dev.snn4j.text;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BPE through DJL's Hugging Face tokenizers on a tiny hand-written tokenizer.json (no download). */
@Tag("hf-tokenizers")
class BpeTokenizerTest {
    @TempDir
    Path tmp;

    /** A byte-level-free BPE over the letters a, b, c with merges a b -> ab, ab c -> abc, and whitespace splitting. */
    static final String TOKENIZER = """
            {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [
               {"id": 0, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false,
                "normalized": false, "special": true}],
             "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null,
             "decoder": null,
             "model": {"type": "BPE", "dropout": null, "unk_token": "[UNK]", "continuing_subword_prefix": null,
               "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
               "vocab": {"[UNK]": 0, "a": 1, "b": 2, "c": 3, "ab": 4, "abc": 5},
               "merges": ["a b", "ab c"]}}
            """;

    @Test
    void encodesWithMergesAndSavesTheFile() throws IOException {
        Path f = tmp.resolve("tokenizer.json");
        Files.writeString(f, TOKENIZER);
        try (BpeTokenizer tok = BpeTokenizer.load(f)) {
            assertEquals(6, tok.vocabSize());
            assertArrayEquals(new int[] {5, 4, 3}, tok.encode("abc ab c"));
            assertTrue(tok.decode(new int[] {5, 4}).replace(" ", "").equals("abcab"));
            Path dir = tmp.resolve("model");
            tok.save(dir);
            assertTrue(Files.isRegularFile(dir.resolve(BpeTokenizer.FILE)));
            Tokenizer again = Tokenizer.load(dir);
            assertEquals("bpe", again.kind());
            assertArrayEquals(tok.encode("abc"), again.encode("abc"));
            ((BpeTokenizer) again).close();
        }
    }

    @Test
    void malformedFileIsAClearError() throws IOException {
        Path f = tmp.resolve("tokenizer.json");
        Files.writeString(f, "{\"model\": 3}");
        IOException e = assertThrows(IOException.class, () -> BpeTokenizer.load(f));
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
        assertThrows(IOException.class, () -> BpeTokenizer.load(tmp.resolve("missing.json")));
    }
}
