package dev.snn4j.io.nir;

import dev.snn4j.data.DataFormatException;
import dev.snn4j.data.Hdf5;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.exceptions.HdfException;
import io.jhdf.object.datatype.DataType;
import io.jhdf.object.datatype.FixedPoint;
import io.jhdf.object.datatype.FloatingPoint;
import io.jhdf.object.datatype.StringData;
import io.jhdf.object.datatype.VariableLength;

import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads a NIR file ({@code .nir}, HDF5) into a {@link NirGraph}, with jHDF. Accepts what {@code nir.write} writes in
 * v1.0.7 (contiguous datasets) and on main (gzip-compressed, chunked arrays), files written by older {@code nir}
 * versions (0.1.x, 0.2.x: Norse, Rockpool, Sinabs, snnTorch exports) and files written by {@link NirWriter}
 * (fixed-length strings). Strings may be variable- or fixed-length.
 *
 * <p>Layout: {@code /version} (string, optional: {@code nir.read} does not check it either) and {@code /node}, the
 * top-level graph: {@code type = "NIRGraph"}, {@code nodes/<name>/} one group per node with a {@code type} string
 * and one dataset per parameter, {@code edges} an {@code (E, 2)} string array, optional {@code metadata/} groups on
 * the graph and on any node. Node types and parameter checks: {@link NirTypes}.
 *
 * <p>Decisions: an <b>unknown node type is an error</b> (as in {@code nir.read}: a graph with a node whose meaning
 * is unknown cannot be run or converted faithfully, and keeping it opaque would make a later export silently differ
 * from the input). A missing {@code v_reset} of IF/LIF/CubaLIF becomes zeros. Units are not converted: values are
 * what the file holds (real files use seconds, see {@link NirConverter}). Every problem is a
 * {@link DataFormatException} naming the file and the HDF5 path of the node or dataset, e.g.
 * {@code "net.nir: /node/nodes/lif/v_reset: shape [4] differs from tau's [3] ..."}.
 *
 * <pre>{@code
 * NirGraph g = NirReader.read(Path.of("nir_lif_affine.nir"));
 * NirNode lif = g.node("lif");
 * double[] tau = lif.get("tau").doubles();          // seconds, as stored
 * List<NirGraph.Edge> edges = g.edges();
 * String version = g.version();                      // e.g. "1.0.7"
 * }</pre>
 */
public final class NirReader {
    private final Path file;

    private NirReader(Path file) {
        this.file = file;
    }

    /** Reads the whole graph; throws {@link DataFormatException} for malformed files. */
    public static NirGraph read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString());
        }
        NirReader r = new NirReader(file);
        try (HdfFile h = Hdf5.open(file)) {
            return r.readRoot(h);
        } catch (HdfException | UnsupportedOperationException | ClassCastException e) {
            throw new DataFormatException(file, "not a readable NIR/HDF5 file: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // jHDF throws plain runtime exceptions (IllegalArgumentException "Couldn't read 0 bytes as int",
            // ArithmeticException on unsigned overflow, out-of-range buffer slices) on corrupt structure
            throw new DataFormatException(file, "corrupt or unsupported HDF5 content (" + e + ")", e);
        }
    }

    private NirGraph readRoot(HdfFile h) throws IOException {
        Node nodeGroup = h.getChildren().get("node");
        if (nodeGroup == null || !nodeGroup.isGroup()) {
            throw new DataFormatException(file, "/node", "missing: a NIR file holds its graph in group /node");
        }
        NirGraph g = readGraph((Group) nodeGroup);
        Node version = h.getChildren().get("version");
        if (version != null) {
            NirValue v = value(dataset(version, "/version"), "/version");
            if (!v.isString()) {
                throw new DataFormatException(file, "/version", "expected a string but found " + v);
            }
            g.version(v.string());
        }
        return g;
    }

    private NirGraph readGraph(Group grp) throws IOException {
        String path = grp.getPath().replaceAll("/$", "");
        String type = typeOf(grp, path);
        if (!NirTypes.GRAPH.equals(type)) {
            throw new DataFormatException(file, path + "/type", "expected \"NIRGraph\" but found \"" + type + "\"");
        }
        NirGraph g = new NirGraph();
        for (var e : grp.getChildren().entrySet()) {
            String k = e.getKey();
            if (!k.equals("type") && !k.equals("nodes") && !k.equals("edges") && !k.equals("metadata")) {
                throw new DataFormatException(file, path + "/" + k, "unexpected entry in a NIRGraph (expected type,"
                        + " nodes, edges, metadata)");
            }
        }
        Node nodes = grp.getChildren().get("nodes");
        if (nodes == null || !nodes.isGroup()) {
            throw new DataFormatException(file, path + "/nodes", "missing group of nodes");
        }
        for (var e : ((Group) nodes).getChildren().entrySet()) {
            String name = e.getKey();
            String npath = path + "/nodes/" + name;
            if (!e.getValue().isGroup()) {
                throw new DataFormatException(file, npath, "expected a node group but found a dataset");
            }
            g.add(name, readNode((Group) e.getValue(), npath));
        }
        readMetadata(grp, path, g.metadata());
        Node edges = grp.getChildren().get("edges");
        if (edges == null || edges.isGroup()) {
            throw new DataFormatException(file, path + "/edges", "missing dataset of edges");
        }
        Dataset ed = dataset(edges, path + "/edges");
        String epath = path + "/edges";
        if (ed.getSize() == 0) {
            return g; // nir writes an empty edge list as an empty float array
        }
        int[] dims = ed.getDimensions();
        Object flat = Hdf5.dataFlat(file, epath, ed);
        if (dims.length != 2 || dims[1] != 2 || !(flat instanceof String[] names)) {
            throw new DataFormatException(file, epath, "expected an (E, 2) string array but found " + ed.getJavaType()
                    .getSimpleName() + " " + Arrays.toString(dims));
        }
        for (int i = 0; i < dims[0]; i++) {
            String a = names[2 * i];
            String b = names[2 * i + 1];
            for (String n : new String[] {a, b}) {
                if (g.node(n) == null) {
                    throw new DataFormatException(file, epath, "edge " + i + " (" + a + " -> " + b + ") names node '" + n
                            + "', which is not in " + path + "/nodes");
                }
            }
            g.connect(a, b);
        }
        return g;
    }

    private NirNode readNode(Group grp, String path) throws IOException {
        String type = typeOf(grp, path);
        if (NirTypes.GRAPH.equals(type)) {
            return NirNode.of(readGraph(grp));
        }
        NirNode n = new NirNode(type);
        for (var e : grp.getChildren().entrySet()) {
            String k = e.getKey();
            if (k.equals("type") || k.equals("metadata")) {
                continue;
            }
            n.param(k, value(dataset(e.getValue(), path + "/" + k), path + "/" + k));
        }
        readMetadata(grp, path, n.metadata());
        try {
            return NirTypes.normalise(path, n);
        } catch (NirTypes.Invalid inv) {
            throw new DataFormatException(file, inv.field, inv.getMessage());
        }
    }

    /** {@code n} as a dataset, or a typed error naming what it is (a group, a committed datatype, ...). */
    private Dataset dataset(Node n, String path) throws DataFormatException {
        if (n instanceof Dataset d) {
            return d;
        }
        throw new DataFormatException(file, path, "expected a dataset but found "
                + (n.isGroup() ? "a group" : "a " + n.getType().toString().toLowerCase(java.util.Locale.ROOT)));
    }

    private String typeOf(Group grp, String path) throws IOException {
        Node t = grp.getChildren().get("type");
        if (t == null || t.isGroup()) {
            throw new DataFormatException(file, path + "/type", "missing: every NIR node has a 'type' string");
        }
        NirValue v = value(dataset(t, path + "/type"), path + "/type");
        if (!v.isString()) {
            throw new DataFormatException(file, path + "/type", "expected a string but found " + v);
        }
        return v.string();
    }

    private void readMetadata(Group grp, String path, Map<String, NirValue> into) throws IOException {
        Node m = grp.getChildren().get("metadata");
        if (m == null) {
            return;
        }
        if (!m.isGroup()) {
            throw new DataFormatException(file, path + "/metadata", "expected a group but found a dataset");
        }
        metadataRecursive((Group) m, path + "/metadata", "", into);
    }

    private void metadataRecursive(Group g, String path, String prefix, Map<String, NirValue> into)
            throws IOException {
        for (var e : g.getChildren().entrySet()) {
            if (e.getValue().isGroup()) {
                metadataRecursive((Group) e.getValue(), path + "/" + e.getKey(), prefix + e.getKey() + "/", into);
            } else {
                into.put(prefix + e.getKey(), value(dataset(e.getValue(), path + "/" + e.getKey()),
                        path + "/" + e.getKey()));
            }
        }
    }

    /** One dataset as a NirValue: numeric arrays with their numpy dtype, scalar strings. */
    private NirValue value(Dataset d, String path) throws IOException {
        DataType t = d.getDataType();
        int[] dims = d.getDimensions();
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = dims[i];
        }
        try {
            if (t instanceof StringData || (t instanceof VariableLength v && v.isVariableLengthString())) {
                Object data = Hdf5.data(file, path, d);
                if (data instanceof String s) {
                    return NirValue.string(s);
                }
                throw new DataFormatException(file, path, "expected a scalar string but found a string array of shape "
                        + Arrays.toString(dims));
            }
            Object data = d.isScalar() ? Hdf5.data(file, path, d) : Hdf5.dataFlat(file, path, d);
            if (t instanceof FloatingPoint) {
                return NirValue.floating("<f" + t.getSize(), doubles(data), shape);
            }
            if (t instanceof FixedPoint fp) {
                return NirValue.integer((fp.isSigned() ? "<i" : "<u") + t.getSize(), longs(data), shape);
            }
        } catch (HdfException | IllegalArgumentException e) {
            throw new DataFormatException(file, path, "cannot read dataset: " + e.getMessage(), e);
        }
        throw new DataFormatException(file, path, "unsupported HDF5 datatype " + t.getClass().getSimpleName()
                + " (NIR stores numbers and strings only)");
    }

    private static double[] doubles(Object data) {
        if (data instanceof double[] a) {
            return a;
        }
        if (data instanceof float[] a) {
            double[] v = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                v[i] = a[i];
            }
            return v;
        }
        List<Number> nums = new ArrayList<>();
        flatten(data, nums);
        return nums.stream().mapToDouble(Number::doubleValue).toArray();
    }

    private static long[] longs(Object data) {
        if (data instanceof long[] a) {
            return a;
        }
        if (data instanceof int[] a) {
            return java.util.Arrays.stream(a).asLongStream().toArray();
        }
        List<Number> nums = new ArrayList<>();
        flatten(data, nums);
        return nums.stream().mapToLong(Number::longValue).toArray(); // BigInteger (uint64) keeps the low 64 bits
    }

    private static void flatten(Object o, List<Number> out) {
        if (o instanceof Number n) {
            out.add(n);
        } else if (o != null && o.getClass().isArray()) {
            int n = Array.getLength(o);
            for (int i = 0; i < n; i++) {
                flatten(Array.get(o, i), out);
            }
        } else {
            throw new IllegalArgumentException("unexpected element " + (o == null ? "null" : o.getClass()));
        }
    }
}
