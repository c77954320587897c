package dev.snn4j.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file that is not what its reader expects: the message names the file, where in it the problem is (byte
 * offset, record, field) when known, and what was expected.
 *
 * <pre>{@code
 * try { CifarBinary.read(dir); } catch (DataFormatException e) { System.err.println(e.getMessage()); }
 * // data_batch_1.bin: record 17 (byte 52241): label 200, expected 0..9
 * }</pre>
 */
public class DataFormatException extends IOException {
    private final Path file;

    public DataFormatException(Path file, String message) {
        super((file == null ? "" : file + ": ") + message);
        this.file = file;
    }

    public DataFormatException(Path file, String message, Throwable cause) {
        super((file == null ? "" : file + ": ") + message, cause);
        this.file = file;
    }

    /** The offending file (may be null for in-memory data). */
    public Path file() {
        return file;
    }
}
