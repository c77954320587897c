package dev.snn4j.io.nir;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import io.jhdf.exceptions.HdfException;

import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a {@link NirGraph} as a NIR 1.0 HDF5 file with jHDF, in the layout {@code nir.write} (v1.0.7 and main)
 * produces: {@code /version}, {@code /node/type = "NIRGraph"}, {@code /node/edges (E, 2)},
 * {@code /node/nodes/<name>/{type, <param>...}}, {@code metadata/} groups only when non-empty, nested graphs
 * recursively; groups and datasets in name order (as h5py's symbol tables list them). Numeric datasets keep their
 * {@link NirValue#dtype()} and shape exactly ({@code <f4}, {@code <f8}, {@code <i4}, {@code <i8}, {@code <i2},
 * {@code <i1}; a scalar is a 0-d dataset).
 *
 * <h2>Where the file differs from {@code nir.write}'s</h2>
 * <ul>
 *   <li><b>Strings are fixed-length, not variable-length.</b> {@code nir.write} stores {@code type}, string
 *   parameters ({@code padding = "same"}), string metadata, {@code /version} and {@code edges} as variable-length
 *   UTF-8 strings. jHDF 0.10.0 can read those but its writer has no variable-length datatype:
 *   {@code DataType.fromObject} maps a {@code String} (or {@code String[]...}) to {@code StringData}, a fixed-length
 *   type sized to the longest string; {@code VariableLength} has no {@code writeData}/{@code toBuffer}. So these
 *   datasets are fixed-length UTF-8 strings ({@code H5T_STRING}, {@code STRSIZE} = the longest string's UTF-8 bytes
 *   + 1, {@code H5T_STR_NULLTERM}, {@code H5T_CSET_UTF8}), same rank and shape ({@code edges} is {@code (E, 2)}). h5py returns them as {@code bytes}, which
 *   {@code nir.read} decodes exactly as it does variable-length ones ({@code hdf2dict}'s
 *   {@code a.decode("utf8") if isinstance(a, bytes)}; edges are decoded with {@code .decode("utf8")} per element).</li>
 *   <li>No compression and contiguous storage (jHDF writes no filters), as {@code nir.write} of v1.0.7 and older;
 *   main gzips numeric arrays (level 4, chunked). Values and dtypes are the same.</li>
 *   <li>No HDF5 attributes, as in {@code nir.write}'s files (jHDF's own {@code _jHDF} tag on the root group is
 *   removed). {@code h5dump -H} of our file is line for line that of the reference file except
 *   {@code STRSIZE H5T_VARIABLE} (tested on every reference file).</li>
 *   <li>jHDF writes superblock version 2 with link messages (h5py's {@code libver='earliest'} files: superblock 0,
 *   symbol tables). h5py, h5dump and any HDF5 1.8+ library read it.</li>
 * </ul>
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

    /** Writes {@code graph} to {@code file} (replacing it). */
    public static void write(Path file, NirGraph graph) throws IOException {
        check("", graph);
        try (WritableHdfFile h = HdfFile.write(file)) {
            // jHDF tags every file with a root attribute "_jHDF" (its version); nir files have no attributes at all
            h.removeAttribute("_jHDF");
            h.putDataset("version", graph.version() == null ? DEFAULT_VERSION : graph.version());
            writeGraph(h.putGroup("node"), graph);
        } catch (HdfException e) {
            throw new IOException(file + ": writing NIR failed: " + e.getMessage(), e);
        }
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
            for (NirValue v : e.getValue().params().values()) {
                if (!v.isString() && v.dtype().startsWith("<u")) {
                    throw new IllegalArgumentException("NirWriter: " + p + ": unsigned dtype " + v.dtype()
                            + " cannot be written with jHDF");
                }
            }
        }
    }

    private static void writeGraph(WritableGroup grp, NirGraph g) {
        // h5py lists (and nir.write's file shows) a group's members in name order
        Map<String, Runnable> members = new TreeMap<>();
        String[][] edges = new String[g.edges().size()][];
        for (int i = 0; i < edges.length; i++) {
            edges[i] = new String[] {g.edges().get(i).source(), g.edges().get(i).target()};
        }
        members.put("edges", () -> {
            if (edges.length > 0) {
                grp.putDataset("edges", edges);
            } else {
                grp.putDataset("edges", new double[0]); // what h5py makes of nir's empty edge list
            }
        });
        members.put("nodes", () -> {
            WritableGroup nodes = grp.putGroup("nodes");
            for (var e : new TreeMap<>(g.nodes()).entrySet()) {
                WritableGroup ng = nodes.putGroup(e.getKey());
                if (e.getValue().subgraph() != null) {
                    writeGraph(ng, e.getValue().subgraph());
                } else {
                    writeNode(ng, e.getValue());
                }
            }
        });
        members.put("type", () -> grp.putDataset("type", NirTypes.GRAPH));
        if (!g.metadata().isEmpty()) {
            members.put("metadata", () -> writeMetadata(grp.putGroup("metadata"), g.metadata()));
        }
        members.values().forEach(Runnable::run);
    }

    private static void writeNode(WritableGroup grp, NirNode n) {
        Map<String, Runnable> members = new TreeMap<>();
        n.params().forEach((k, v) -> members.put(k, () -> grp.putDataset(k, data(v))));
        members.put("type", () -> grp.putDataset("type", n.type()));
        if (!n.metadata().isEmpty()) {
            members.put("metadata", () -> writeMetadata(grp.putGroup("metadata"), n.metadata()));
        }
        members.values().forEach(Runnable::run);
    }

    private static void writeMetadata(WritableGroup grp, Map<String, NirValue> meta) {
        Map<String, Map<String, NirValue>> sub = new TreeMap<>();
        Map<String, NirValue> here = new TreeMap<>();
        meta.forEach((k, v) -> {
            int slash = k.indexOf('/');
            if (slash < 0) {
                here.put(k, v);
            } else {
                sub.computeIfAbsent(k.substring(0, slash), x -> new TreeMap<>()).put(k.substring(slash + 1), v);
            }
        });
        List<String> names = new ArrayList<>(here.keySet());
        names.addAll(sub.keySet());
        names.stream().sorted().forEach(k -> {
            if (here.containsKey(k)) {
                grp.putDataset(k, data(here.get(k)));
            } else {
                writeMetadata(grp.putGroup(k), sub.get(k));
            }
        });
    }

    /** The Java object jHDF writes as a dataset of {@code v}'s dtype and shape. */
    static Object data(NirValue v) {
        if (v.isString()) {
            return v.string();
        }
        Class<?> elem = switch (v.dtype()) {
            case "<f4" -> float.class;
            case "<f8" -> double.class;
            case "<i1" -> byte.class;
            case "<i2" -> short.class;
            case "<i4" -> int.class;
            case "<i8" -> long.class;
            default -> throw new IllegalArgumentException("NirWriter: cannot write dtype " + v.dtype());
        };
        double[] d = v.isFloat() ? v.doubles() : null;
        long[] l = v.isInteger() ? v.longs() : null;
        long[] shape = v.shape();
        if (shape.length == 0) {
            return box(elem, d, l, 0);
        }
        int[] dims = new int[shape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = Math.toIntExact(shape[i]);
        }
        Object arr = Array.newInstance(elem, dims);
        fill(arr, elem, d, l, new int[] {0});
        return arr;
    }

    private static void fill(Object arr, Class<?> elem, double[] d, long[] l, int[] pos) {
        int p = pos[0];
        if (arr instanceof double[] a) {
            System.arraycopy(d, p, a, 0, a.length);
            pos[0] += a.length;
        } else if (arr instanceof float[] a) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) d[p + i];
            }
            pos[0] += a.length;
        } else if (arr instanceof long[] a) {
            System.arraycopy(l, p, a, 0, a.length);
            pos[0] += a.length;
        } else if (arr.getClass().getComponentType().isPrimitive()) {
            for (int i = 0; i < Array.getLength(arr); i++) {
                Array.set(arr, i, box(elem, d, l, pos[0]++));
            }
        } else {
            for (int i = 0; i < Array.getLength(arr); i++) {
                fill(Array.get(arr, i), elem, d, l, pos);
            }
        }
    }

    private static Object box(Class<?> elem, double[] d, long[] l, int i) {
        if (elem == float.class) {
            return (float) d[i];
        } else if (elem == double.class) {
            return d[i];
        } else if (elem == byte.class) {
            return (byte) l[i];
        } else if (elem == short.class) {
            return (short) l[i];
        } else if (elem == int.class) {
            return (int) l[i];
        }
        return l[i];
    }
}
