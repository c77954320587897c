package dev.snn4j.io.nir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A NIR graph in memory: named {@link NirNode}s, directed edges {@code (source, target)} between node names of this
 * graph (several edges into one node are summed, as in NIR), graph metadata, and for the top-level graph the file's
 * {@code /version} string. Cycles (recurrence) and nested graphs are allowed, as in NIR.
 *
 * <pre>{@code
 * NirGraph g = new NirGraph()
 *         .add("input", NirTypes.input(4))
 *         .add("fc", NirTypes.affine(NirValue.float64(w, 3, 4), NirValue.float64(b, 3)))
 *         .add("output", NirTypes.output(3))
 *         .connect("input", "fc").connect("fc", "output");
 * g.metadata().put("dt", NirValue.scalar(1e-3));
 * NirWriter.write(Path.of("net.nir"), g);
 * NirGraph back = NirReader.read(Path.of("net.nir"));
 * }</pre>
 */
public final class NirGraph {
    /**
     * A directed edge between two node names of the same graph (a row of the {@code edges} dataset).
     *
     * <pre>{@code
     * for (NirGraph.Edge e : graph.edges()) {
     *     System.out.println(e.source() + " -> " + e.target());
     * }
     * }</pre>
     */
    public record Edge(String source, String target) {
        public Edge {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(target, "target");
        }
    }

    private final Map<String, NirNode> nodes = new LinkedHashMap<>();
    private final List<Edge> edges = new ArrayList<>();
    private final Map<String, NirValue> metadata = new LinkedHashMap<>();
    private String version;

    /** Adds (or replaces) the node {@code name}; returns this. */
    public NirGraph add(String name, NirNode node) {
        if (name == null || name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("NirGraph: node name must be non-empty and contain no '/': " + name);
        }
        nodes.put(name, Objects.requireNonNull(node, name));
        return this;
    }

    /** Adds the edge {@code source -> target}; both nodes must exist. Returns this. */
    public NirGraph connect(String source, String target) {
        for (String n : new String[] {source, target}) {
            if (!nodes.containsKey(n)) {
                throw new IllegalArgumentException("NirGraph: edge " + source + " -> " + target + " names unknown node '"
                        + n + "'");
            }
        }
        edges.add(new Edge(source, target));
        return this;
    }

    /** The nodes by name, in insertion (file: alphabetical) order; unmodifiable. */
    public Map<String, NirNode> nodes() {
        return Collections.unmodifiableMap(nodes);
    }

    /** A node, or null. */
    public NirNode node(String name) {
        return nodes.get(name);
    }

    /** The edges in order; unmodifiable. */
    public List<Edge> edges() {
        return Collections.unmodifiableList(edges);
    }

    /** Names of the nodes {@code name} feeds, in edge order. */
    public List<String> successors(String name) {
        List<String> out = new ArrayList<>();
        edges.forEach(e -> {
            if (e.source().equals(name)) {
                out.add(e.target());
            }
        });
        return out;
    }

    /** Names of the nodes feeding {@code name}, in edge order. */
    public List<String> predecessors(String name) {
        List<String> out = new ArrayList<>();
        edges.forEach(e -> {
            if (e.target().equals(name)) {
                out.add(e.source());
            }
        });
        return out;
    }

    /** Graph metadata (mutable; keys of nested metadata groups joined with {@code '/'}). */
    public Map<String, NirValue> metadata() {
        return metadata;
    }

    /** The file's {@code /version} (top-level graphs read from a file), or null. */
    public String version() {
        return version;
    }

    /** Sets the version string written to {@code /version}; returns this. */
    public NirGraph version(String v) {
        this.version = v;
        return this;
    }

    /** Structural equality of nodes, edges (as a list) and metadata; the version is not compared. */
    @Override
    public boolean equals(Object o) {
        return o instanceof NirGraph g && nodes.equals(g.nodes) && edges.equals(g.edges)
                && metadata.equals(g.metadata);
    }

    @Override
    public int hashCode() {
        return Objects.hash(nodes, edges, metadata);
    }

    @Override
    public String toString() {
        return "NIRGraph{nodes=" + nodes + ", edges=" + edges + (metadata.isEmpty() ? "" : ", metadata=" + metadata)
                + "}";
    }
}
