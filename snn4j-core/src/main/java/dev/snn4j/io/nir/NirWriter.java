package dev.snn4j.io.nir;

import dev.snn4j.io.hdf5.Hdf5Type;
import dev.snn4j.io.hdf5.Hdf5WriteException;
import dev.snn4j.io.hdf5.Hdf5Writer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a {@link NirGraph} as a NIR 1.0 HDF5 file in the layout {@code nir.write} (v1.0.7 and main) produces, with
 * {@link Hdf5Writer}: {@code /version}, {@code /node/type = "NIRGraph"}, {@code /node/edges (E, 2)},
 * {@code /node/nodes/<name>/{type, <param>...}}, {@code metadata/} groups only when non-empty, nested graphs
 * recursively; members in name order (as h5py's symbol tables list them). Numeric datasets keep their
 * {@link NirValue#dtype()} and shape exactly ({@code <f2}, {@code <f4}, {@code <f8}, {@code <i1..<i8},
 * {@code <u1..<u8}; a scalar is a 0-d dataset). Strings ({@code type}, string parameters such as
 * {@code padding = "same"}, string metadata, {@code /version}, {@code edges}) are variable-length UTF-8 strings, as
 * h5py writes a Python {@code str}; an empty edge list is a float64 {@code (0,)} dataset (h5py's
 * {@code np.array([])}). No HDF5 attributes, as in {@code nir.write}'s files.
 *
 * <h2>Where the file differs from {@code nir.write}'s</h2>
 * <ul>
 *   <li>No compression and contiguous storage, as {@code nir.write} of v1.0.7 and older; main gzips numeric arrays
 *   (level 4, chunked). Values, dtypes and shapes are the same, so {@code h5dump -H} of our file is line for line
 *   that of the reference file (tested on every reference file), and against nir v1.0.7's files even
 *   {@code h5dump -H -p} (storage layout and size, fill value, allocation time) is, except the offsets.</li>
 *   <li>Superblock version 2 with link messages (h5py's {@code libver='earliest'} files: superblock 0, symbol
 *   tables). h5py, h5dump and any HDF5 1.8+ library read it.</li>
 * </ul>
 * (Until snn4j wrote HDF5 itself, strings were fixed-length: jHDF cannot write variable-length data.)
 * {@code /version} is {@link NirGraph#version()} if set, else {@value #DEFAULT_VERSION} (the NIR release whose
 * layout this follows).
 *
 * <pre>{@code
 * NirGraph g = NirConverter.export(net, new long[] {700}, 1e-3);
 * NirWriter.write(Path.of("net.nir"), g);            // h5dump -H net.nir shows the layout
 * }</pre>
 */
public final class NirWriter {
    /** The version written when the graph has none. */
    public static final String DEFAULT_VERSION = "1.0.7";

    private NirWriter() {
    }

    /** Writes {@code graph} to {@code file} (atomically replaced). */
    public static void write(Path file, NirGraph graph) throws IOException {
        check("", graph);
        Hdf5Writer h = Hdf5Writer.create();
        try {
            h.root().string("version", graph.version() == null ? DEFAULT_VERSION : graph.version());
            writeGraph(h.root().group("node"), graph);
        } catch (Hdf5WriteException e) {
            throw new IllegalArgumentException("NirWriter: " + e.getMessage(), e);
        }
        h.write(file);
    }

    private static void check(String path, NirGraph g) {
        for (var e : g.nodes().entrySet()) {
            String p = path + "/nodes/" + e.getKey();
            if (e.getValue().subgraph() != null) {
                check(p, e.getValue().subgraph());
                continue;
            }
            try {
                NirNode n = NirTypes.normalise(p, e.getValue());
                if (n != e.getValue()) {
                    throw new NirTypes.Invalid(p + "/v_reset", "missing (write it explicitly)");
                }
            } catch (NirTypes.Invalid inv) {
                throw new IllegalArgumentException("NirWriter: " + inv.field + ": " + inv.getMessage());
            }
        }
    }

    private static void writeGraph(Hdf5Writer.Group grp, NirGraph g) {
        String[] edges = new String[2 * g.edges().size()];
        for (int i = 0; i < g.edges().size(); i++) {
            edges[2 * i] = g.edges().get(i).source();
            edges[2 * i + 1] = g.edges().get(i).target();
        }
        if (edges.length > 0) {
            grp.dataset("edges", Hdf5Type.VLEN_STRING, new long[] {g.edges().size(), 2}, edges);
        } else {
            grp.dataset("edges", Hdf5Type.FLOAT64, new long[] {0}, new double[0]); // h5py's np.array([])
        }
        Hdf5Writer.Group nodes = grp.group("nodes");
        for (var e : new TreeMap<>(g.nodes()).entrySet()) {
            Hdf5Writer.Group ng = nodes.group(e.getKey());
            if (e.getValue().subgraph() != null) {
                writeGraph(ng, e.getValue().subgraph());
            } else {
                writeNode(ng, e.getValue());
            }
        }
        grp.string("type", NirTypes.GRAPH);
        if (!g.metadata().isEmpty()) {
            writeMetadata(grp.group("metadata"), g.metadata());
        }
    }

    private static void writeNode(Hdf5Writer.Group grp, NirNode n) {
        n.params().forEach((k, v) -> put(grp, k, v));
        grp.string("type", n.type());
        if (!n.metadata().isEmpty()) {
            writeMetadata(grp.group("metadata"), n.metadata());
        }
    }

    /** Metadata keys with {@code '/'} are nested dicts: {@code "a/b"} is dataset {@code b} in subgroup {@code a}. */
    private static void writeMetadata(Hdf5Writer.Group grp, Map<String, NirValue> meta) {
        Map<String, Map<String, NirValue>> sub = new TreeMap<>();
        meta.forEach((k, v) -> {
            int slash = k.indexOf('/');
            if (slash < 0) {
                put(grp, k, v);
            } else {
                sub.computeIfAbsent(k.substring(0, slash), x -> new TreeMap<>()).put(k.substring(slash + 1), v);
            }
        });
        sub.forEach((k, m) -> writeMetadata(grp.group(k), m));
    }

    /** One value as a dataset of its dtype and shape (strings: scalar vlen UTF-8). */
    private static void put(Hdf5Writer.Group grp, String name, NirValue v) {
        if (v.isString()) {
            grp.string(name, v.string());
            return;
        }
        grp.dataset(name, type(v.dtype()), v.shape(), v.isFloat() ? v.doubles() : v.longs());
    }

    /** The HDF5 type of a numpy dtype label. */
    static Hdf5Type type(String dtype) {
        return switch (dtype) {
            case "<f2" -> Hdf5Type.FLOAT16;
            case "<f4" -> Hdf5Type.FLOAT32;
            case "<f8" -> Hdf5Type.FLOAT64;
            case "<i1" -> Hdf5Type.INT8;
            case "<i2" -> Hdf5Type.INT16;
            case "<i4" -> Hdf5Type.INT32;
            case "<i8" -> Hdf5Type.INT64;
            case "<u1" -> Hdf5Type.UINT8;
            case "<u2" -> Hdf5Type.UINT16;
            case "<u4" -> Hdf5Type.UINT32;
            case "<u8" -> Hdf5Type.UINT64;
            default -> throw new IllegalArgumentException("NirWriter: cannot write dtype " + dtype);
        };
    }
}
