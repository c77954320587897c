package dev.snn4j.data;

import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.dataset.ChunkedDataset;
import io.jhdf.object.message.DataLayout;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Guards around jHDF for the HDF5 readers ({@link ShdDataset}, {@code NirReader}): a corrupt file must give a
 * {@link DataFormatException}, never a huge allocation, a hang or a raw exception.
 *
 * <ul>
 *   <li>{@link #open} memory-maps files up to 2 GiB and hands jHDF the mapped buffer. jHDF then reads object
 *       headers, heaps and B-tree nodes as slices of that buffer, so a length field corrupted to 2 GiB fails at once
 *       with an out-of-range slice instead of allocating (and zero-filling) a heap buffer of that size, which is what
 *       jHDF's file-channel backend does. Larger files fall back to that backend.</li>
 *   <li>{@link #data} checks a dataset's declared size before jHDF allocates the array for it: uncompressed
 *       (contiguous, compact) data must fit in the file; chunked data, which may be compressed, at most
 *       {@value #MAX_EXPANSION} times the file size plus 1 MiB (real spike times and weights compress 1-3x); the same
 *       bound applies to one chunk.</li>
 * </ul>
 *
 * <pre>{@code
 * try (HdfFile h5 = Hdf5.open(path)) {
 *     Object labels = Hdf5.data(path, "/labels", (Dataset) Hdf5.find(h5, "/labels"));
 * }
 * }</pre>
 */
public final class Hdf5 {
    /** Largest accepted ratio of a chunked (possibly compressed) dataset's size to the file size. */
    public static final long MAX_EXPANSION = 16;
    private static final long SLACK = 1L << 20;

    private Hdf5() {
    }

    /** Opens {@code file} for reading (memory-mapped when it is at most 2 GiB). */
    public static HdfFile open(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8L) {
            return new HdfFile(file);
        }
        MappedByteBuffer map;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
        return HdfFile.fromByteBuffer(map);
    }

    /**
     * The node at an absolute {@code path} ({@code "/spikes/times"}), or {@code null} if it does not exist. Used
     * instead of {@link HdfFile#getByPath}, which on a memory-mapped file reports a missing path as "No backing
     * file" rather than {@code HdfInvalidPathException}.
     */
    public static Node find(HdfFile h5, String path) {
        Node n = h5;
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (!(n instanceof Group g)) {
                return null;
            }
            n = g.getChildren().get(part);
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    /** {@link Dataset#getData()} after checking the declared size against the file size. */
    public static Object data(Path file, String field, Dataset d) throws IOException {
        check(file, field, d);
        return d.getData();
    }

    /** {@link Dataset#getDataFlat()} after the same check as {@link #data}. */
    public static Object dataFlat(Path file, String field, Dataset d) throws IOException {
        check(file, field, d);
        return d.getDataFlat();
    }

    /** {@link Attribute#getData()} after checking that the attribute is small (attributes live in object headers). */
    public static Object attribute(Path file, String field, Attribute a) throws IOException {
        long bytes = a.getSizeInBytes();
        if (a.getSize() < 0 || bytes < 0 || bytes > 64 * 1024) {
            throw new DataFormatException(file, field, "attribute declares " + a.getSize() + " elements ("
                    + bytes + " bytes); attributes are at most 64 KiB");
        }
        return a.getData();
    }

    private static void check(Path file, String field, Dataset d) throws IOException {
        long fileSize = Files.size(file);
        long elements = d.getSize();
        long bytes = d.getSizeInBytes();
        boolean chunked = d.getDataLayout() == DataLayout.CHUNKED;
        long limit = chunked ? MAX_EXPANSION * fileSize + SLACK : fileSize;
        if (elements < 0 || bytes < 0 || bytes > limit) {
            throw new DataFormatException(file, field, "dataset declares " + elements + " elements (" + bytes
                    + " bytes) but the file has " + fileSize + " bytes" + (chunked ? " (chunked data may be at most "
                    + MAX_EXPANSION + "x the file size)" : "; uncompressed data must fit in the file"));
        }
        if (d instanceof ChunkedDataset cd) {
            long chunk = d.getDataType().getSize();
            for (int k : cd.getChunkDimensions()) {
                if (k < 0) {
                    throw new DataFormatException(file, field, "negative chunk dimension " + k);
                }
                try {
                    chunk = Math.multiplyExact(chunk, k);
                } catch (ArithmeticException e) {
                    chunk = Long.MAX_VALUE;
                }
            }
            if (chunk > limit) {
                throw new DataFormatException(file, field, "one chunk declares " + chunk + " bytes but the file has "
                        + fileSize + " bytes");
            }
        }
    }
}
