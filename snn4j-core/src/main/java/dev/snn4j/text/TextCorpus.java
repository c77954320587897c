package dev.snn4j.text;

import dev.snn4j.data.DataFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a UTF-8 text corpus and normalises it: a leading byte-order mark is dropped and CR LF and lone CR (old Mac)
 * line endings become LF, so the same text gives the same characters whatever its origin.
 *
 * <pre>{@code
 * String text = TextCorpus.read(Path.of("../shared/data/warpeace/warpeace_input.txt"));
 * }</pre>
 */
public final class TextCorpus {
    private TextCorpus() {
    }

    /** The normalised text of {@code file}; malformed UTF-8 is a {@link DataFormatException} naming the file. */
    public static String read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "corpus file not found");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new DataFormatException(file, "not valid UTF-8 (" + e + ")", e);
        }
        return normalize(text);
    }

    /** Drops a leading BOM (U+FEFF) and turns CR LF and CR into LF. */
    public static String normalize(String text) {
        String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
        return t.replace("\r\n", "\n").replace('\r', '\n');
    }
}
