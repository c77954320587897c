package dev.snn4j.data;

import java.nio.file.Path;

/**
 * A malformed IDX file: the message names the file, the byte offset (in the decompressed stream for gzip files) and
 * what was expected there.
 *
 * <pre>{@code
 * try { Idx.read(path); } catch (IdxFormatException e) { System.err.println(e.getMessage()); }
 * // train-images-idx3-ubyte.gz: at byte 16 (decompressed): data truncated: expected 47040000 bytes, found 1000
 * }</pre>
 */
public final class IdxFormatException extends DataFormatException {
    private final long offset;

    public IdxFormatException(Path file, long offset, String message) {
        super(file, "at byte " + offset, message);
        this.offset = offset;
    }

    /** Byte offset of the problem (in the decompressed data for gzip files). */
    public long offset() {
        return offset;
    }
}
