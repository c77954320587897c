package dev.snn4j.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Malformed or unsupported input data: thrown by every reader in {@code dev.snn4j.data} instead of a raw exception
 * from deep inside a parser. The message always names the file, the field (HDF5 dataset path, WAV chunk, event index
 * ...) and what was expected, e.g. {@code "shd_train.h5: /spikes/units[3]: unit 700 at position 12 >= declared
 * channel count 700"}.
 *
 * <pre>{@code
 * try {
 *     ShdDataset ds = ShdDataset.read(Path.of("shd_train.h5"));
 * } catch (DataFormatException e) {
 *     System.err.println("bad file " + e.file() + ", field " + e.field() + ": " + e.getMessage());
 * }
 * }</pre>
 */
public class DataFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final String field;

    /**
     * @param file    the offending file (may be {@code null} for in-memory data)
     * @param field   dataset path, chunk or field name that is wrong
     * @param problem what was found and what was expected
     */
    public DataFormatException(Path file, String field, String problem) {
        this(file, field, problem, null);
    }

    /** As {@link #DataFormatException(Path, String, String)}, keeping the underlying cause. */
    public DataFormatException(Path file, String field, String problem, Throwable cause) {
        super(describe(file, field, problem), cause);
        this.file = file == null ? "<memory>" : file.toString();
        this.field = field;
    }

    /** A problem with the file as a whole (or where the location is part of {@code problem}). */
    public DataFormatException(Path file, String problem) {
        this(file, null, problem, null);
    }

    /** As {@link #DataFormatException(Path, String)}, keeping the underlying cause. */
    public DataFormatException(Path file, String problem, Throwable cause) {
        this(file, null, problem, cause);
    }

    private static String describe(Path file, String field, String problem) {
        String f = file == null ? "<memory>" : file.toString();
        return field == null ? f + ": " + problem : f + ": " + field + ": " + problem;
    }

    /** The file name as given to the reader ({@code "<memory>"} for in-memory data). */
    public String file() {
        return file;
    }

    /** The dataset / chunk / field the problem was found in (null when it concerns the whole file). */
    public String field() {
        return field;
    }
}
