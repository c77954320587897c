package dev.snn4j.io.nir;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One node of a NIR graph: its {@code type} ({@code "LIF"}, {@code "Affine"}, ..., or {@code "NIRGraph"} for a
 * nested graph), its parameters by dataset name (exactly what the file stores, e.g. {@code weight}, {@code tau},
 * {@code padding}), and its optional {@code metadata} (keys of nested metadata groups are joined with {@code '/'}).
 * A nested graph node carries its {@link #subgraph()} instead of parameters.
 *
 * <p>The node name is the key in {@link NirGraph#nodes()}. Node types and their parameters are listed in
 * {@link NirTypes}.
 *
 * <pre>{@code
 * NirNode lif = new NirNode("LIF")
 *         .param("tau", NirValue.float64(new double[] {0.02, 0.02}, 2))
 *         .param("r", NirValue.float64(new double[] {1, 1}, 2))
 *         .param("v_leak", NirValue.float64(new double[] {0, 0}, 2))
 *         .param("v_threshold", NirValue.float64(new double[] {1, 1}, 2))
 *         .param("v_reset", NirValue.float64(new double[] {0, 0}, 2))
 *         .meta("comment", NirValue.string("hidden layer"));
 * double tau0 = lif.get("tau").doubles()[0];
 * }</pre>
 */
public final class NirNode {
    private final String type;
    private final Map<String, NirValue> params = new LinkedHashMap<>();
    private final Map<String, NirValue> metadata = new LinkedHashMap<>();
    private final NirGraph subgraph;

    /** A node of {@code type} with no parameters yet. */
    public NirNode(String type) {
        this.type = Objects.requireNonNull(type, "type");
        if (type.equals(NirTypes.GRAPH)) {
            throw new IllegalArgumentException("NirNode: use NirNode.of(NirGraph) for a nested graph");
        }
        this.subgraph = null;
    }

    private NirNode(NirGraph subgraph) {
        this.type = NirTypes.GRAPH;
        this.subgraph = Objects.requireNonNull(subgraph, "subgraph");
    }

    /** A nested-graph node ({@code type = "NIRGraph"}); its metadata is the subgraph's. */
    public static NirNode of(NirGraph subgraph) {
        return new NirNode(subgraph);
    }

    /** Sets a parameter (a dataset of this node's group); returns this. */
    public NirNode param(String name, NirValue value) {
        if (subgraph != null) {
            throw new IllegalStateException("NirNode: a nested NIRGraph has nodes and edges, not parameters");
        }
        if (name.equals("type") || name.equals("metadata")) {
            throw new IllegalArgumentException("NirNode: '" + name + "' is reserved");
        }
        params.put(Objects.requireNonNull(name), Objects.requireNonNull(value, name));
        return this;
    }

    /** Sets a metadata entry; returns this. */
    public NirNode meta(String key, NirValue value) {
        metadata().put(Objects.requireNonNull(key), Objects.requireNonNull(value, key));
        return this;
    }

    public String type() {
        return type;
    }

    /** The parameters by dataset name, in insertion (or file) order; unmodifiable. */
    public Map<String, NirValue> params() {
        return Collections.unmodifiableMap(params);
    }

    /** A parameter, or null. */
    public NirValue get(String name) {
        return params.get(name);
    }

    /** The metadata entries (mutable; for a nested graph, the subgraph's metadata). */
    public Map<String, NirValue> metadata() {
        return subgraph != null ? subgraph.metadata() : metadata;
    }

    /** The nested graph of a {@code NIRGraph} node, or null. */
    public NirGraph subgraph() {
        return subgraph;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NirNode n && type.equals(n.type) && params.equals(n.params)
                && metadata().equals(n.metadata()) && Objects.equals(subgraph, n.subgraph);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, params, subgraph);
    }

    @Override
    public String toString() {
        return subgraph != null ? subgraph.toString() : type + params + (metadata.isEmpty() ? "" : " meta" + metadata);
    }
}
