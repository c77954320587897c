package dev.snn4j.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed (detected by the gzip magic bytes,
 * not the file name). Only unsigned-byte data (type code 0x08) is supported.
 *
 * <p>Layout: two zero bytes, the type code, the number of dimensions, each dimension as a big-endian int32, then the
 * values in row-major order. Dimension sizes are checked against {@link #MAX_BYTES} before anything is allocated, and
 * every error names the file and the byte offset.
 *
 * <pre>{@code
 * Idx.Labelled train = Idx.readLabelled(dir.resolve("train-images-idx3-ubyte.gz"),
 *                                       dir.resolve("train-labels-idx1-ubyte.gz"));
 * int label = train.labels()[0];   // 0..9, image pixels train.images()[0 .. rows*cols)
 * }</pre>
 */
public final class Idx {
    /** The largest payload read (1 GiB): larger dimension products are rejected as corrupt. */
    public static final long MAX_BYTES = 1L << 30;
    private static final int UBYTE = 0x08;

    private Idx() {
    }

    /** An IDX array of unsigned bytes: {@code shape} and the values (read them with {@code & 0xFF}). */
    public record Array(Path source, int[] shape, byte[] data) {
        /** Number of values per item (product of all dimensions but the first). */
        public int itemSize() {
            int n = 1;
            for (int i = 1; i < shape.length; i++) {
                n *= shape[i];
            }
            return n;
        }

        @Override
        public String toString() {
            return "Idx.Array(" + source + ", " + Arrays.toString(shape) + ")";
        }
    }

    /** Images {@code [n, rows, cols]} with one label per image. */
    public record Labelled(byte[] images, byte[] labels, int count, int rows, int cols) {
    }

    /** Reads one IDX file of unsigned bytes. */
    public static Array read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "no such IDX file");
        }
        long fileSize = Files.size(file);
        CountingInputStream counted = null;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            InputStream in = raw;
            if (gzip) {
                counted = new CountingInputStream(new GZIPInputStream(raw, 1 << 16));
                in = new BufferedInputStream(counted, 1 << 16);
            }
            return read(file, new DataInputStream(in), gzip ? " (decompressed)" : "", gzip ? -1 : fileSize);
        } catch (java.util.zip.ZipException e) {
            throw new IdxFormatException(file, counted == null ? 0 : counted.count, "corrupt gzip data: "
                    + e.getMessage());
        } catch (EOFException e) {
            // only the gzip layer throws EOFException here (the IDX parser checks its own lengths): the compressed
            // stream ends before its end-of-stream marker
            throw new IdxFormatException(file, counted == null ? 0 : counted.count, "truncated gzip data: the "
                    + "compressed stream ends early (" + (e.getMessage() == null ? "no end marker" : e.getMessage())
                    + ")");
        }
    }

    /** Counts decompressed bytes so that gzip errors can name the offset. */
    private static final class CountingInputStream extends java.io.FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    /** @param fileSize the file's size for plain files (checked before allocating), -1 for gzip */
    private static Array read(Path file, DataInputStream in, String where, long fileSize) throws IOException {
        int[] magic = new int[4];
        for (int i = 0; i < 4; i++) {
            magic[i] = in.read();
            if (magic[i] < 0) {
                throw new IdxFormatException(file, i, "truncated header" + where
                        + ": expected the 4-byte IDX magic, the file ends after " + i + " bytes");
            }
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IdxFormatException(file, 0, String.format(
                    "bad magic%s: expected 00 00 <type> <ndims>, found %02x %02x %02x %02x (not an IDX file?)",
                    where, magic[0], magic[1], magic[2], magic[3]));
        }
        if (magic[2] != UBYTE) {
            throw new IdxFormatException(file, 2, String.format(
                    "unsupported data type 0x%02x%s: only 0x08 (unsigned byte) is supported", magic[2], where));
        }
        int ndims = magic[3];
        if (ndims < 1 || ndims > 8) {
            throw new IdxFormatException(file, 3, "bad number of dimensions " + ndims + where + ": expected 1 to 8");
        }
        int[] shape = new int[ndims];
        long size = 1;
        for (int i = 0; i < ndims; i++) {
            long offset = 4 + 4L * i;
            try {
                shape[i] = in.readInt();
            } catch (EOFException e) {
                throw new IdxFormatException(file, offset, "truncated header" + where + ": expected " + ndims
                        + " dimension sizes");
            }
            if (shape[i] < 0) {
                throw new IdxFormatException(file, offset, "dimension " + i + " has negative size " + shape[i] + where);
            }
            size *= shape[i];
            if (size > MAX_BYTES) {
                throw new IdxFormatException(file, offset, "dimension sizes " + Arrays.toString(
                        Arrays.copyOf(shape, i + 1)) + where + " exceed " + MAX_BYTES + " bytes: corrupt header?");
            }
        }
        long dataStart = 4 + 4L * ndims;
        if (fileSize >= 0 && dataStart + size > fileSize) {
            throw new IdxFormatException(file, fileSize, "data truncated: expected " + size + " bytes for shape "
                    + Arrays.toString(shape) + ", found " + (fileSize - dataStart));
        }
        // readNBytes(len) grows its buffer as data arrives: a gzip header cannot make us allocate what the
        // compressed stream does not hold
        byte[] data = in.readNBytes((int) size);
        int n = data.length;
        if (n < size) {
            throw new IdxFormatException(file, dataStart + n, "data truncated" + where + ": expected " + size
                    + " bytes for shape " + Arrays.toString(shape) + ", found " + n);
        }
        if (in.read() >= 0) {
            throw new IdxFormatException(file, dataStart + n, "expected the end of the file" + where + " after "
                    + n + " bytes of data for shape " + Arrays.toString(shape) + ", found more bytes");
        }
        return new Array(file, shape, data);
    }

    /** Reads images {@code [n, rows, cols]} and labels {@code [n]} and checks that they match. */
    public static Labelled readLabelled(Path images, Path labels) throws IOException {
        Array x = read(images);
        Array y = read(labels);
        if (x.shape().length != 3) {
            throw new IdxFormatException(images, 3, "expected 3 dimensions [n, rows, cols] for images, found "
                    + Arrays.toString(x.shape()));
        }
        if (y.shape().length != 1) {
            throw new IdxFormatException(labels, 3, "expected 1 dimension [n] for labels, found "
                    + Arrays.toString(y.shape()));
        }
        if (x.shape()[0] != y.shape()[0]) {
            throw new IdxFormatException(labels, 4, "label count " + y.shape()[0] + " does not match the image count "
                    + x.shape()[0] + " of " + images);
        }
        return new Labelled(x.data(), y.data(), x.shape()[0], x.shape()[1], x.shape()[2]);
    }
}
