package dev.snn4j.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Text to token ids and back, with a vocabulary that can be saved next to a model and loaded again.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizer.load(modelDir);          // vocab.json (characters) or tokenizer.json (BPE)
 * int[] ids = tok.encode("Pierre");  String back = tok.decode(ids);
 * }</pre>
 */
public interface Tokenizer {
    /** Number of token ids (ids are {@code 0 .. vocabSize()-1}). */
    int vocabSize();

    /**
     * Ids of {@code text}; throws {@link IllegalArgumentException} naming the first character (and its position)
     * that the vocabulary cannot represent.
     */
    int[] encode(String text);

    /** The text of {@code ids}. */
    String decode(int[] ids);

    /** "char" or "bpe". */
    String kind();

    /** Writes the vocabulary into {@code dir} (the file {@link #load} looks for). */
    void save(Path dir) throws IOException;

    /**
     * The tokenizer saved in {@code dir}: {@link CharTokenizer#FILE} if present, else {@link BpeTokenizer#FILE}.
     */
    static Tokenizer load(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve(CharTokenizer.FILE))) {
            return CharTokenizer.load(dir.resolve(CharTokenizer.FILE));
        }
        if (Files.isRegularFile(dir.resolve(BpeTokenizer.FILE))) {
            return BpeTokenizer.load(dir.resolve(BpeTokenizer.FILE));
        }
        throw new IOException(dir + ": no vocabulary (" + CharTokenizer.FILE + " or " + BpeTokenizer.FILE + ")");
    }
}
