package dev.snn4j.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Strict UTF-8 reading for text inputs (label lists, vocabularies, JSON sidecars): malformed bytes are a
 * {@link DataFormatException} naming the file and the byte offset, where {@link Files#readString} throws a
 * {@code MalformedInputException} that names neither.
 *
 * <pre>{@code
 * String json = TextFiles.readUtf8(dir.resolve("vocab.json"));
 * }</pre>
 */
public final class TextFiles {
    private TextFiles() {
    }

    /** The text of {@code file}, exactly as stored (no normalisation). */
    public static String readUtf8(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new DataFormatException(file, "at byte " + bytes.position(), "not valid UTF-8 (" + e + ")", e);
        }
    }
}
