package dev.snn4j.io.nir;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The NIR 1.0 node types (as {@code nir} v1.0.7 and main define them) with their parameter datasets, the checks
 * the reader and writer apply, and small factories.
 *
 * <table>
 * <caption>Node types</caption>
 * <tr><th>type</th><th>required</th><th>optional</th><th>checks</th></tr>
 * <tr><td>Input, Output</td><td>shape</td><td></td><td>integer, rank 1</td></tr>
 * <tr><td>Affine</td><td>weight, bias</td><td></td><td>weight rank 2 [out, in], bias [out]</td></tr>
 * <tr><td>Linear</td><td>weight</td><td></td><td>rank 2</td></tr>
 * <tr><td>Scale</td><td>scale</td><td></td><td>numeric</td></tr>
 * <tr><td>Conv1d, Conv2d</td><td>weight, stride, padding, dilation, groups, bias</td><td>input_shape</td>
 *     <td>weight rank 3 / 4, bias [Cout]; stride, dilation, input_shape integers (scalar or one per spatial axis);
 *     padding likewise or the string "same" / "valid"</td></tr>
 * <tr><td>SumPool2d, AvgPool2d</td><td>kernel_size, stride, padding</td><td></td><td>integers, scalar or [2]</td></tr>
 * <tr><td>Flatten</td><td>start_dim, end_dim</td><td>input_type</td><td>integer scalars; input_type integer rank 1</td></tr>
 * <tr><td>Delay</td><td>delay</td><td></td><td>numeric, &gt;= 0</td></tr>
 * <tr><td>Threshold</td><td>threshold</td><td></td><td>numeric</td></tr>
 * <tr><td>I</td><td>r</td><td></td><td></td></tr>
 * <tr><td>IF</td><td>r, v_threshold</td><td>v_reset (zeros)</td><td rowspan="5">numeric, all of one shape
 *     (w_in may be a scalar)</td></tr>
 * <tr><td>LI</td><td>tau, r, v_leak</td><td></td></tr>
 * <tr><td>LIF</td><td>tau, r, v_leak, v_threshold</td><td>v_reset (zeros)</td></tr>
 * <tr><td>CubaLI</td><td>tau_syn, tau_mem, r, v_leak, w_in</td><td></td></tr>
 * <tr><td>CubaLIF</td><td>tau_syn, tau_mem, r, v_leak, v_threshold, w_in</td><td>v_reset (zeros)</td></tr>
 * <tr><td>NIRGraph</td><td>nodes/, edges</td><td>metadata/</td><td>edges (E, 2) strings naming nodes of the same
 *     graph</td></tr>
 * </table>
 * A missing {@code v_reset} is filled with zeros of {@code v_threshold}'s dtype and shape, as {@code nir.read} does
 * (old Norse, Rockpool, Sinabs and snnTorch files have none). Any other dataset is an error, as in
 * {@code nir}'s {@code from_dict}. Every node may have a {@code metadata} group.
 *
 * <pre>{@code
 * NirNode in = NirTypes.input(2, 16);
 * NirNode d = NirTypes.delay(NirValue.float64(new double[] {0.001, 0.003}, 2));
 * boolean known = NirTypes.isKnown("CubaLIF");   // true
 * }</pre>
 */
public final class NirTypes {
    public static final String GRAPH = "NIRGraph";

    private record Spec(List<String> required, List<String> optional) { }

    private static final Map<String, Spec> SPECS = new LinkedHashMap<>();

    static {
        spec("Input", "shape");
        spec("Output", "shape");
        spec("Affine", "weight", "bias");
        spec("Linear", "weight");
        spec("Scale", "scale");
        SPECS.put("Conv1d", new Spec(List.of("weight", "stride", "padding", "dilation", "groups", "bias"),
                List.of("input_shape")));
        SPECS.put("Conv2d", SPECS.get("Conv1d"));
        spec("SumPool2d", "kernel_size", "stride", "padding");
        spec("AvgPool2d", "kernel_size", "stride", "padding");
        SPECS.put("Flatten", new Spec(List.of("start_dim", "end_dim"), List.of("input_type")));
        spec("Delay", "delay");
        spec("Threshold", "threshold");
        spec("I", "r");
        SPECS.put("IF", new Spec(List.of("r", "v_threshold"), List.of("v_reset")));
        spec("LI", "tau", "r", "v_leak");
        SPECS.put("LIF", new Spec(List.of("tau", "r", "v_leak", "v_threshold"), List.of("v_reset")));
        spec("CubaLI", "tau_syn", "tau_mem", "r", "v_leak", "w_in");
        SPECS.put("CubaLIF", new Spec(List.of("tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "w_in"),
                List.of("v_reset")));
    }

    private static final Set<String> NEURONS = Set.of("I", "IF", "LI", "LIF", "CubaLI", "CubaLIF");

    private NirTypes() {
    }

    private static void spec(String type, String... required) {
        SPECS.put(type, new Spec(List.of(required), List.of()));
    }

    /** Whether {@code type} is a NIR 1.0 node type (including {@code NIRGraph}). */
    public static boolean isKnown(String type) {
        return GRAPH.equals(type) || SPECS.containsKey(type);
    }

    /** The NIR 1.0 node types other than {@code NIRGraph}. */
    public static Set<String> types() {
        return java.util.Collections.unmodifiableSet(SPECS.keySet());
    }

    /** A problem with one field of a node (turned into a DataFormatException or IllegalArgumentException). */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final String field;

        Invalid(String field, String problem) {
            super(problem);
            this.field = field;
        }
    }

    /**
     * Fills a missing {@code v_reset} with zeros (as {@code nir.read}) and checks a non-graph node against its spec.
     *
     * @param path the node's HDF5 path, used in messages
     */
    static NirNode normalise(String path, NirNode node) throws Invalid {
        Spec spec = SPECS.get(node.type());
        if (spec == null) {
            throw new Invalid(path + "/type", "unknown NIR node type '" + node.type() + "' (known: " + SPECS.keySet()
                    + ", NIRGraph)");
        }
        for (String req : spec.required()) {
            if (node.get(req) == null) {
                throw new Invalid(path + "/" + req, node.type() + " node has no '" + req + "' dataset");
            }
        }
        for (String k : node.params().keySet()) {
            if (!spec.required().contains(k) && !spec.optional().contains(k)) {
                throw new Invalid(path + "/" + k, "unexpected dataset '" + k + "' in a " + node.type()
                        + " node (expected " + spec.required() + (spec.optional().isEmpty() ? "" : " and optionally "
                        + spec.optional()) + ")");
            }
        }
        NirNode n = node;
        if (spec.optional().contains("v_reset") && node.get("v_reset") == null) {
            NirValue thr = node.get("v_threshold");
            n = new NirNode(node.type());
            for (var e : node.params().entrySet()) {
                n.param(e.getKey(), e.getValue());
            }
            n.param("v_reset", zerosLike(thr));
            n.metadata().putAll(node.metadata());
        }
        check(path, n);
        return n;
    }

    private static NirValue zerosLike(NirValue v) {
        return v.isInteger() ? NirValue.integer(v.dtype(), new long[v.size()], v.shape())
                : NirValue.floating(v.dtype(), new double[v.size()], v.shape());
    }

    private static void check(String path, NirNode n) throws Invalid {
        for (var e : n.params().entrySet()) {
            boolean stringOk = e.getKey().equals("padding") && n.type().startsWith("Conv");
            if (e.getValue().isString() && !stringOk) {
                throw new Invalid(path + "/" + e.getKey(), "expected a number but found the string " + e.getValue());
            }
        }
        switch (n.type()) {
            case "Input", "Output" -> {
                NirValue s = n.get("shape");
                integers(path, "shape", s, 1);
                for (long d : s.longs()) {
                    if (d < 0) {
                        throw new Invalid(path + "/shape", "negative dimension in " + s);
                    }
                }
            }
            case "Affine", "Linear" -> {
                NirValue w = n.get("weight");
                rank(path, "weight", w, 2, "[out, in]");
                if (n.get("bias") != null) {
                    shape(path, "bias", n.get("bias"), w.shape()[0]);
                }
            }
            case "Conv1d", "Conv2d" -> {
                int dims = n.type().equals("Conv1d") ? 1 : 2;
                NirValue w = n.get("weight");
                rank(path, "weight", w, 2 + dims, dims == 1 ? "[Cout, Cin, K]" : "[Cout, Cin, Kx, Ky]");
                shape(path, "bias", n.get("bias"), w.shape()[0]);
                perAxis(path, "stride", n.get("stride"), dims);
                perAxis(path, "dilation", n.get("dilation"), dims);
                integers(path, "groups", n.get("groups"), 0);
                if (n.get("input_shape") != null) {
                    perAxis(path, "input_shape", n.get("input_shape"), dims);
                }
                NirValue p = n.get("padding");
                if (p.isString()) {
                    if (!p.string().equals("same") && !p.string().equals("valid")) {
                        throw new Invalid(path + "/padding", "string padding must be \"same\" or \"valid\", got " + p);
                    }
                } else {
                    perAxis(path, "padding", p, dims);
                }
            }
            case "SumPool2d", "AvgPool2d" -> {
                for (String k : new String[] {"kernel_size", "stride", "padding"}) {
                    perAxis(path, k, n.get(k), 2);
                }
            }
            case "Flatten" -> {
                integers(path, "start_dim", n.get("start_dim"), 0);
                integers(path, "end_dim", n.get("end_dim"), 0);
                if (n.get("input_type") != null) {
                    integers(path, "input_type", n.get("input_type"), 1);
                }
            }
            case "Delay" -> {
                for (double d : n.get("delay").doubles()) {
                    if (!(d >= 0)) {
                        throw new Invalid(path + "/delay", "delays must be >= 0, found " + d);
                    }
                }
            }
            default -> {
                if (NEURONS.contains(n.type())) {
                    long[] ref = null;
                    String refName = null;
                    // compare in the spec's order, so the first listed parameter (tau, r, tau_syn) sets the shape
                    Spec spec = SPECS.get(n.type());
                    List<String> order = new java.util.ArrayList<>(spec.required());
                    order.addAll(spec.optional());
                    Map<String, NirValue> ordered = new LinkedHashMap<>();
                    order.forEach(k -> ordered.put(k, n.get(k)));
                    for (var e : ordered.entrySet()) {
                        if (e.getKey().equals("w_in") && e.getValue().rank() == 0) {
                            continue; // nir broadcasts a scalar w_in
                        }
                        if (ref == null) {
                            ref = e.getValue().shape();
                            refName = e.getKey();
                        } else if (!Arrays.equals(ref, e.getValue().shape())) {
                            throw new Invalid(path + "/" + e.getKey(), "shape " + Arrays.toString(e.getValue().shape())
                                    + " differs from " + refName + "'s " + Arrays.toString(ref)
                                    + " (all parameters of a " + n.type() + " node must have one shape)");
                        }
                    }
                }
            }
        }
    }

    private static void rank(String path, String name, NirValue v, int rank, String layout) throws Invalid {
        if (v.rank() != rank) {
            throw new Invalid(path + "/" + name, "expected rank " + rank + " " + layout + " but found shape "
                    + Arrays.toString(v.shape()));
        }
    }

    private static void shape(String path, String name, NirValue v, long len) throws Invalid {
        if (v.rank() != 1 || v.shape()[0] != len) {
            throw new Invalid(path + "/" + name, "expected shape [" + len + "] but found "
                    + Arrays.toString(v.shape()));
        }
    }

    private static void integers(String path, String name, NirValue v, int rank) throws Invalid {
        if (!v.isInteger() || v.rank() != rank) {
            throw new Invalid(path + "/" + name, "expected an integer " + (rank == 0 ? "scalar" : "array of rank "
                    + rank) + " but found " + v.dtype() + " " + Arrays.toString(v.shape()));
        }
    }

    private static void perAxis(String path, String name, NirValue v, int dims) throws Invalid {
        if (!v.isInteger() || !(v.rank() == 0 || (v.rank() == 1 && (v.shape()[0] == dims || v.shape()[0] == 1)))) {
            throw new Invalid(path + "/" + name, "expected an integer scalar or " + dims + " integers but found "
                    + v.dtype() + " " + Arrays.toString(v.shape()));
        }
    }

    /** The per-axis values of an integer scalar or array parameter, repeated to {@code dims} entries. */
    public static long[] perAxis(NirValue v, int dims) {
        long[] l = v.longs();
        if (l.length == dims) {
            return l;
        }
        long[] r = new long[dims];
        Arrays.fill(r, l[0]);
        return r;
    }

    /** An {@code Input} node of the given shape (no batch axis). */
    public static NirNode input(long... shape) {
        return new NirNode("Input").param("shape", NirValue.int64(shape, shape.length));
    }

    /** An {@code Output} node of the given shape (no batch axis). */
    public static NirNode output(long... shape) {
        return new NirNode("Output").param("shape", NirValue.int64(shape, shape.length));
    }

    /** An {@code Affine} node {@code y = W x + b}, weight {@code [out, in]}. */
    public static NirNode affine(NirValue weight, NirValue bias) {
        return new NirNode("Affine").param("weight", weight).param("bias", bias);
    }

    /** A {@code Linear} node {@code y = W x}, weight {@code [out, in]}. */
    public static NirNode linear(NirValue weight) {
        return new NirNode("Linear").param("weight", weight);
    }

    /** A {@code Delay} node {@code y_i(t) = x_i(t - delay_i)}, delays in seconds. */
    public static NirNode delay(NirValue delay) {
        return new NirNode("Delay").param("delay", delay);
    }
}
