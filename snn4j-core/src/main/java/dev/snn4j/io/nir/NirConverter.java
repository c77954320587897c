package dev.snn4j.io.nir;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.layer.Conv1d;
import dev.snn4j.layer.Conv2d;
import dev.snn4j.layer.Convolution;
import dev.snn4j.layer.Dcls1d;
import dev.snn4j.layer.Flatten;
import dev.snn4j.layer.LeakyReadout;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.Pool2d;
import dev.snn4j.layer.Scale;
import dev.snn4j.layer.Sequential;
import dev.snn4j.neuron.IfNeuron;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;
import dev.snn4j.surrogate.ATan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Converts a feed-forward chain of snn4j modules to a NIR graph and back.
 *
 * <h2>Modules and nodes</h2>
 * <table>
 * <caption>Mapping (dt = the model's time step in seconds; tau_d = snn4j's tau in steps)</caption>
 * <tr><th>snn4j</th><th>NIR</th><th>exact?</th></tr>
 * <tr><td>{@link Linear} with / without bias</td><td>Affine (weight [out, in], bias) / Linear</td><td>exact</td></tr>
 * <tr><td>{@link Conv1d}, {@link Conv2d}</td><td>Conv1d / Conv2d: stride, padding, dilation 1, groups 1, bias
 *     (zeros when absent), input_shape; on import padding "valid" = 0, "same" = (k-1)/2 (stride 1, odd k)</td>
 *     <td>exact</td></tr>
 * <tr><td>{@link Pool2d} average</td><td>AvgPool2d (padding 0). Import of <b>SumPool2d</b> = a {@link Sequential}
 *     of the average pool and a {@link Scale} by k*k (sum = k^2 x mean, exact up to rounding)</td><td>exact</td></tr>
 * <tr><td>{@link Flatten}</td><td>Flatten start_dim 0, end_dim -1, input_type (NIR shapes have no batch axis)</td>
 *     <td>exact</td></tr>
 * <tr><td>{@link Scale}</td><td>Scale (per element of the feature shape)</td><td>exact</td></tr>
 * <tr><td>{@link LifNeuron} (hard reset)</td><td>LIF: tau = tau_d dt, v_leak = v_reset = V_reset, v_threshold;
 *     r = 1 for decay_input, r = tau_d without (a {@link Scale} in front folds into r and v_leak)</td>
 *     <td>see below</td></tr>
 * <tr><td>{@link IfNeuron} (hard reset)</td><td>IF: r = 1/dt, v_threshold, v_reset</td><td>see below</td></tr>
 * <tr><td>{@link LeakyReadout}</td><td>LI: tau = tau_d dt, v_leak = 0, r as for LIF</td><td>see below</td></tr>
 * <tr><td>{@link Dcls1d} (its integer delays)</td><td>per distinct delay value k: Linear {@code <name>.w<k>}
 *     [out, in] (the weights of the synapses with delay k) then Delay {@code <name>.delay<k>} = k dt for every output;
 *     all branches fan out of the previous node and sum into the next</td><td>exact</td></tr>
 * </table>
 *
 * <h2>Neuron dynamics and units</h2>
 * NIR neurons are continuous-time ODEs; parameters are taken in the unit the file uses (real exports use
 * <b>seconds</b>, although the NIR docs say ms: pass {@code dt} in the same unit). LIF is
 * {@code tau dv/dt = (v_leak - v) + r I}. One forward-Euler step of length dt gives
 * {@code v' = v + (dt/tau) (v_leak - v + r I)}: with {@code tau_d = tau/dt} and {@code r = 1} this is SpikingJelly's
 * decay_input form {@code H = V + (X - (V - V_reset))/tau_d} (leaking towards {@code V_reset = v_leak}), with
 * {@code r = tau_d} the form {@code H = V - (V - V_reset)/tau_d + X}. So snn4j's discrete neuron <b>is exactly</b>
 * the Euler discretisation of the NIR neuron at step dt; it is <b>not</b> the exact solution of the ODE (which would
 * decay by {@code exp(-dt/tau)}; the two differ by O((dt/tau)^2) per step). IF is {@code dv/dt = r I}: Euler gives
 * {@code H = V + r dt X}, so {@code r = 1/dt}. On import any other r (also one per neuron) and a {@code v_leak}
 * other than {@code v_reset} become a {@link Scale} {@code x -> r x + (v_leak - v_reset)} in front of a decay_input
 * neuron (exact: {@code H = V + (r X + v_leak - V)/tau_d}; for IF {@code x -> r dt x}); the export folds such a
 * Scale back into the neuron's r and v_leak, so third-party LIF nodes survive a round trip as one node. NIR fires
 * on {@code v > v_threshold}, snn4j on {@code >=} (differs only when the membrane hits the threshold exactly). The
 * surrogate gradient and detach_reset are training choices that NIR does not store: imported neurons get ATan(2),
 * no detach. Soft (subtractive) reset has no NIR LIF/IF equivalent: exporting it is an error. snn4j neurons have one
 * tau, threshold and reset value per layer: importing per-neuron values of these that differ is an error (r and
 * v_leak may differ, see above). Round trips snn4j -> NIR -> snn4j reproduce the outputs up to the rounding of
 * {@code (tau_d dt)/dt}.
 *
 * <h2>Learned delays: the lossless path</h2>
 * A {@link Dcls1d} in evaluation mode is {@code y[t, o] = sum_{c,k} w[o,c,k] x[t - d[o,c,k], c]}: per-synapse
 * delays, while a NIR Delay delays whole signals (one value per neuron). The export groups synapses by delay value:
 * for each value k present, a Linear holding only the weights of synapses with delay k, followed by a Delay of k dt on
 * its outputs. Since delay and weighting commute and NIR sums the edges into a node, the graph computes exactly the
 * same sum (at most D branches; taps of one synapse with equal delays are summed). The price is size: each branch
 * is a dense {@code [out, in]} matrix that is zero outside its synapses, so the file holds up to D times the weights
 * (SNN-delays' SHD layer, 140 -> 256 with D = 25: 25 x 35,840 float32 = 3.6 MB uncompressed instead of 143 kB). Import recognises this pattern,
 * and also the generic {@code Linear/Affine (zero bias) -> Delay (per output)} chains other tools write, and builds a
 * Dcls1d whose integer delays ({@link Dcls1d#delays()}) reproduce every tap, in eval mode. The Linear nodes carry
 * metadata {@code snn4j_module = "Dcls1d"}, {@code snn4j_max_delay}, {@code snn4j_kernel_count} and
 * {@code snn4j_output_length} so the round trip also restores D, KC and the output length (NIR has no sequence
 * length: a graph without this metadata imports as {@link Dcls1d.OutputLength#CROPPED}, the streaming view; an
 * EXTENDED layer's extra {@code (D-1)//2} steps are what the graph gives when run on that many further zero input
 * steps). Delays must be whole multiples of dt (within 1e-6 relative). The export always takes the rounded integer
 * delays {@link Dcls1d#delays()}, i.e. what eval mode with {@link Dcls1d#integerDelaysAtEval(boolean)} computes, not
 * the smooth Gaussian kernel used during training.
 *
 * <pre>{@code
 * Sequential net = new Sequential().add("fc1", new Linear(m, 4, 8, true)).add("lif1", LifNeuron.builder().tau(2).build())
 *         .add("fc2", new Linear(m, 8, 3, true)).add("out", new LeakyReadout(10, false));
 * NirGraph g = NirConverter.export(net, new long[] {4}, 1e-3);   // dt = 1 ms, stored as metadata "dt"
 * NirWriter.write(Path.of("net.nir"), g);
 * Sequential back = NirConverter.toModule(NirReader.read(Path.of("net.nir")), m, DataType.FLOAT64);
 * }</pre>
 */
public final class NirConverter {
    /** Relative tolerance when recognising r = 1, r = tau_d, r dt = 1 and whole-step delays. */
    public static final double TOLERANCE = 1e-6;
    static final String META_MODULE = "snn4j_module";
    static final String META_MAX_DELAY = "snn4j_max_delay";
    static final String META_KERNEL_COUNT = "snn4j_kernel_count";
    static final String META_OUTPUT_LENGTH = "snn4j_output_length";

    private NirConverter() {
    }

    // ------------------------------------------------------------------------------------------------ export

    /**
     * The NIR graph of {@code net} (a module or a {@link Sequential} chain, nested Sequentials flattened with dotted
     * names) for inputs of feature shape {@code inputShape} (no time or batch axis), with time step {@code dt}.
     * Graph metadata {@code dt} records the step.
     */
    public static NirGraph export(Module net, long[] inputShape, double dt) {
        if (!(dt > 0) || Double.isInfinite(dt)) {
            throw new IllegalArgumentException("NirConverter: dt must be > 0, got " + dt);
        }
        Exporter e = new Exporter(dt, floatType(net));
        e.graph.add("input", NirTypes.input(inputShape));
        e.frontier = List.of("input");
        e.shape = inputShape.clone();
        String name = net instanceof Sequential ? "" : net.label() != null ? net.label()
                : net.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        e.visit(net, name);
        e.add("output", NirTypes.output(e.shape));
        e.graph.metadata().put("dt", NirValue.scalar(dt));
        return e.graph;
    }

    private static String floatType(Module net) {
        for (Parameter p : net.namedParameters().values()) {
            return p.value().getDataType() == DataType.FLOAT32 ? "<f4" : "<f8";
        }
        return "<f8";
    }

    private static final class Exporter {
        final NirGraph graph = new NirGraph();
        final double dt;
        final String ft;
        List<String> frontier;
        long[] shape;

        Exporter(double dt, String ft) {
            this.dt = dt;
            this.ft = ft;
        }

        void add(String name, NirNode node) {
            if (graph.node(name) != null) {
                throw new IllegalArgumentException("NirConverter: two nodes named '" + name + "'");
            }
            graph.add(name, node);
            frontier.forEach(f -> graph.connect(f, name));
            frontier = List.of(name);
        }

        NirValue floats(double[] v, long... s) {
            return NirValue.floating(ft, ft.equals("<f4") ? NirValue.float32(v, s).doubles() : v, s);
        }

        NirValue filled(double v) {
            double[] a = new double[Math.toIntExact(size(shape))];
            Arrays.fill(a, v);
            return floats(a, shape);
        }

        void visit(Module m, String name) {
            if (m instanceof Sequential) {
                List<String> keys = new ArrayList<>(m.children().keySet());
                List<Module> kids = new ArrayList<>(m.children().values());
                if (kids.size() == 2 && kids.get(0) instanceof Scale sc && isNeuron(kids.get(1))) {
                    // a Scale in front of a neuron (what the importer makes of r and v_leak) is one NIR neuron
                    neuron(kids.get(1), name.isEmpty() ? keys.get(1) : name, values(sc.factor()),
                            sc.offset() == null ? new double[] {0} : values(sc.offset()));
                    return;
                }
                m.children().forEach((k, c) -> visit(c, name.isEmpty() ? k : name + "." + k));
                return;
            }
            if (isNeuron(m)) {
                neuron(m, name, new double[] {1}, new double[] {0});
                return;
            }
            String who = m.describe() + " ('" + name + "')";
            if (m instanceof Linear l) {
                requireShape(who, l.inFeatures());
                NirValue w = floats(values(l.weight()), l.outFeatures(), l.inFeatures());
                add(name, l.bias() == null ? NirTypes.linear(w)
                        : NirTypes.affine(w, floats(values(l.bias()), l.outFeatures())));
                shape = new long[] {l.outFeatures()};
            } else if (m instanceof Convolution c) {
                int dims = c instanceof Conv1d ? 1 : 2;
                if (shape.length != dims + 1 || shape[0] != c.inChannels()) {
                    throw new IllegalArgumentException("NirConverter: " + who + " expects [" + c.inChannels()
                            + ", spatial x" + dims + "] but the input is " + Arrays.toString(shape));
                }
                long[] w = c.weight().value().getShape().getShape();
                double[] bias = c.bias() == null ? new double[c.outChannels()] : values(c.bias());
                long[] spatial = Arrays.copyOfRange(shape, 1, shape.length);
                NirNode n = new NirNode(dims == 1 ? "Conv1d" : "Conv2d")
                        .param("weight", floats(values(c.weight()), w))
                        .param("bias", floats(bias, c.outChannels()))
                        .param("stride", axes(dims, c.stride()))
                        .param("padding", axes(dims, c.padding()))
                        .param("dilation", axes(dims, 1))
                        .param("groups", NirValue.scalar(1L))
                        .param("input_shape", dims == 1 ? NirValue.scalar(spatial[0]) : NirValue.int64(spatial, 2));
                add(name, n);
                long[] out = new long[dims + 1];
                out[0] = c.outChannels();
                for (int d = 0; d < dims; d++) {
                    out[d + 1] = c.outputSize(spatial[d]);
                }
                shape = out;
            } else if (m instanceof Pool2d p) {
                if (p.kind() != Pool2d.Kind.AVERAGE) {
                    throw new IllegalArgumentException("NirConverter: " + who + ": NIR has no max pooling");
                }
                if (shape.length != 3) {
                    throw new IllegalArgumentException("NirConverter: " + who + " needs a [C, H, W] input, got "
                            + Arrays.toString(shape));
                }
                add(name, new NirNode("AvgPool2d").param("kernel_size", axes(2, p.kernelSize()))
                        .param("stride", axes(2, p.stride())).param("padding", axes(2, 0)));
                shape = new long[] {shape[0], (shape[1] - p.kernelSize()) / p.stride() + 1,
                    (shape[2] - p.kernelSize()) / p.stride() + 1};
            } else if (m instanceof Flatten) {
                add(name, new NirNode("Flatten").param("start_dim", NirValue.scalar(0L))
                        .param("end_dim", NirValue.scalar(-1L)).param("input_type", NirValue.int64(shape, shape.length)));
                shape = new long[] {size(shape)};
            } else if (m instanceof Scale s) {
                if (s.offset() != null && Arrays.stream(values(s.offset())).anyMatch(x -> x != 0)) {
                    throw new IllegalArgumentException("NirConverter: " + who + " adds an offset, which NIR can only"
                            + " express as part of a following LIF/LI neuron's v_leak");
                }
                double[] f = values(s.factor());
                add(name, new NirNode("Scale").param("scale", f.length == 1 ? filled(f[0]) : floats(f, shape)));
            } else if (m instanceof Dcls1d d) {
                delays(d, name, who);
            } else {
                throw new IllegalArgumentException("NirConverter: no NIR node for " + who);
            }
        }

        boolean isNeuron(Module m) {
            return (m instanceof LifNeuron && m.getClass() == LifNeuron.class) || m instanceof IfNeuron
                    || m instanceof LeakyReadout;
        }

        /** Per-neuron values: a one-element array fills the current shape. */
        NirValue perNeuron(double[] v) {
            return v.length == 1 ? filled(v[0]) : floats(v, shape);
        }

        static double[] times(double[] v, double c) {
            return Arrays.stream(v).map(x -> x * c).toArray();
        }

        static double[] plus(double[] v, double c) {
            return Arrays.stream(v).map(x -> x + c).toArray();
        }

        /**
         * A neuron whose input is first mapped by {@code x -> s x + b} (s, b: one value or one per element): LIF/LI
         * with decay_input get {@code r = s, v_leak = V_reset + b}; without, {@code r = s tau_d, v_leak = V_reset +
         * b tau_d}; IF gets {@code r = s / dt} (and cannot take an offset).
         */
        void neuron(Module m, String name, double[] s, double[] b) {
            String who = m.describe() + " ('" + name + "')";
            if (m instanceof LifNeuron lif) {
                double vr = hardReset(who, lif.vReset());
                if (Double.isInfinite(lif.threshold())) {
                    throw new IllegalArgumentException("NirConverter: " + who + " has an infinite threshold: use"
                            + " LeakyReadout (NIR LI) for a non-spiking readout");
                }
                double k = lif.decayInput() ? 1.0 : lif.tau();
                add(name, new NirNode("LIF").param("tau", filled(lif.tau() * dt))
                        .param("r", perNeuron(times(s, k)))
                        .param("v_leak", perNeuron(plus(times(b, k), vr))).param("v_threshold", filled(lif.threshold()))
                        .param("v_reset", filled(vr)));
            } else if (m instanceof IfNeuron n) {
                double vr = hardReset(who, n.vReset());
                if (Arrays.stream(b).anyMatch(x -> x != 0)) {
                    throw new IllegalArgumentException("NirConverter: " + who + ": NIR IF has no leak potential to"
                            + " carry an input offset");
                }
                add(name, new NirNode("IF").param("r", perNeuron(times(s, 1.0 / dt)))
                        .param("v_threshold", filled(n.threshold())).param("v_reset", filled(vr)));
            } else {
                LeakyReadout li = (LeakyReadout) m;
                LifNeuron inner = (LifNeuron) li.children().get("neuron");
                double k = inner.decayInput() ? 1.0 : li.tau();
                add(name, new NirNode("LI").param("tau", filled(li.tau() * dt))
                        .param("r", perNeuron(times(s, k))).param("v_leak", perNeuron(times(b, k))));
            }
        }

        void delays(Dcls1d d, String name, String who) {
            requireShape(who, d.inChannels());
            int out = d.outChannels();
            int in = d.inChannels();
            int kc = d.kernelCount();
            int[][][] del = d.delays();
            double[] w = values(d.weight());
            TreeMap<Integer, double[]> groups = new TreeMap<>();
            for (int o = 0; o < out; o++) {
                for (int c = 0; c < in; c++) {
                    for (int k = 0; k < kc; k++) {
                        groups.computeIfAbsent(del[o][c][k], x -> new double[out * in])[o * in + c]
                                += w[(o * in + c) * kc + k];
                    }
                }
            }
            List<String> from = frontier;
            List<String> ends = new ArrayList<>();
            for (var g : groups.entrySet()) {
                frontier = from;
                NirNode lin = NirTypes.linear(floats(g.getValue(), out, in))
                        .meta(META_MODULE, NirValue.string("Dcls1d"))
                        .meta(META_MAX_DELAY, NirValue.scalar((long) d.maxDelay()))
                        .meta(META_KERNEL_COUNT, NirValue.scalar((long) kc))
                        .meta(META_OUTPUT_LENGTH, NirValue.string(d.outputLength().name()));
                add(name + ".w" + g.getKey(), lin);
                shape = new long[] {out};
                add(name + ".delay" + g.getKey(), NirTypes.delay(filled(g.getKey() * dt)));
                ends.add(name + ".delay" + g.getKey());
            }
            frontier = ends;
        }

        void requireShape(String who, long features) {
            if (shape.length != 1 || shape[0] != features) {
                throw new IllegalArgumentException("NirConverter: " + who + " expects [" + features
                        + "] but the input is " + Arrays.toString(shape) + " (add a Flatten)");
            }
        }

        double hardReset(String who, Double vReset) {
            if (vReset == null) {
                throw new IllegalArgumentException("NirConverter: " + who + " uses soft (subtractive) reset, which NIR"
                        + " LIF/IF cannot express (they reset to v_reset)");
            }
            return vReset;
        }
    }

    private static NirValue axes(int dims, long v) {
        if (dims == 1) {
            return NirValue.scalar(v);
        }
        long[] a = new long[dims];
        Arrays.fill(a, v);
        return NirValue.int64(a, dims);
    }

    private static long size(long[] shape) {
        long s = 1;
        for (long d : shape) {
            s *= d;
        }
        return s;
    }

    private static double[] values(Parameter p) {
        NDArray a = p.value();
        if (a.getDataType() == DataType.FLOAT64) {
            return a.toDoubleArray();
        }
        if (a.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("NirConverter: parameter '" + p.name() + "' has dtype "
                    + a.getDataType() + "; only FLOAT32 and FLOAT64 are exported");
        }
        float[] f = a.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    // ------------------------------------------------------------------------------------------------ import

    /** As {@link #toModule(NirGraph, double, NDManager, DataType)} with dt from the graph metadata {@code dt}. */
    public static Sequential toModule(NirGraph graph, NDManager manager, DataType type) {
        NirValue dt = graph.metadata().get("dt");
        if (dt == null || dt.isString() || dt.size() != 1) {
            throw new IllegalArgumentException("NirConverter: the graph has no scalar metadata 'dt'; pass dt explicitly");
        }
        return toModule(graph, dt.doubleValue(), manager, type);
    }

    /**
     * A {@link Sequential} (in eval mode) computing the feed-forward chain {@code graph} describes, one child per
     * node (or per delay group) named after it ({@code '.'} replaced by {@code '_'}), parameters in {@code type}.
     *
     * @throws IllegalArgumentException naming the node when the graph is not a chain from one Input to one Output, or
     *                                  holds a node or parameter value snn4j cannot represent
     */
    public static Sequential toModule(NirGraph graph, double dt, NDManager manager, DataType type) {
        if (!(dt > 0) || Double.isInfinite(dt)) {
            throw new IllegalArgumentException("NirConverter: dt must be > 0, got " + dt);
        }
        return new Importer(graph, dt, manager, type).run();
    }

    private static final class Importer {
        final NirGraph g;
        final double dt;
        final NDManager m;
        final DataType type;
        final Sequential net = new Sequential();
        final Set<String> visited = new HashSet<>();

        Importer(NirGraph g, double dt, NDManager m, DataType type) {
            this.g = g;
            this.dt = dt;
            this.m = m;
            this.type = type;
        }

        IllegalArgumentException fail(String node, String problem) {
            NirNode n = g.node(node);
            return new IllegalArgumentException("NirConverter: node '" + node + "'" + (n == null ? "" : " ("
                    + n.type() + ")") + ": " + problem);
        }

        String only(String type) {
            List<String> names = new ArrayList<>();
            g.nodes().forEach((k, v) -> {
                if (v.type().equals(type)) {
                    names.add(k);
                }
            });
            if (names.size() != 1) {
                throw new IllegalArgumentException("NirConverter: a chain needs exactly one " + type + " node, found "
                        + names);
            }
            return names.get(0);
        }

        Sequential run() {
            String input = only("Input");
            String output = only("Output");
            Set<String> frontier = Set.of(input);
            visited.add(input);
            while (true) {
                Set<String> next = null;
                for (String f : frontier) {
                    Set<String> s = new LinkedHashSet<>(g.successors(f));
                    if (next == null) {
                        next = s;
                    } else if (!next.equals(s)) {
                        throw fail(f, "feeds " + s + " but its siblings feed " + next + ": not a feed-forward chain");
                    }
                }
                if (next.isEmpty()) {
                    throw fail(frontier.iterator().next(), "has no successor before the Output node");
                }
                for (String n : next) {
                    if (!visited.add(n)) {
                        throw fail(n, "reached twice: recurrent graphs are not a feed-forward chain");
                    }
                    if (!new LinkedHashSet<>(g.predecessors(n)).equals(frontier)) {
                        throw fail(n, "has inputs " + g.predecessors(n) + ", expected " + frontier
                                + ": not a feed-forward chain");
                    }
                }
                if (next.equals(Set.of(output))) {
                    break;
                }
                if (next.contains(output)) {
                    throw fail(output, "is fed alongside other nodes: not a feed-forward chain");
                }
                boolean delayGroup = next.size() > 1 || isDelayBranch(next.iterator().next());
                if (delayGroup) {
                    frontier = delayGroup(new ArrayList<>(next));
                } else {
                    String n = next.iterator().next();
                    convert(n);
                    frontier = Set.of(n);
                }
            }
            for (String n : g.nodes().keySet()) {
                if (!visited.contains(n)) {
                    throw fail(n, "is not on the chain from '" + input + "' to '" + output + "'");
                }
            }
            net.eval();
            return net;
        }

        boolean isDelayBranch(String n) {
            String t = g.node(n).type();
            List<String> s = g.successors(n);
            return (t.equals("Linear") || t.equals("Affine")) && s.size() == 1 && g.node(s.get(0)).type().equals("Delay");
        }

        String childName(String node) {
            String base = node.replace('.', '_');
            String name = base;
            for (int i = 2; net.children().containsKey(name); i++) {
                name = base + "_" + i;
            }
            return name;
        }

        <M extends Module> M typed(M module) {
            module.to(type);
            return module;
        }

        void set(Parameter p, double[] values) {
            p.copyFrom(m.create(values, p.value().getShape()));
        }

        double uniform(String node, String param) {
            double[] v = g.node(node).get(param).doubles();
            for (double x : v) {
                if (x != v[0]) {
                    throw fail(node, "per-neuron '" + param + "' values differ (" + v[0] + " vs " + x
                            + "); snn4j neurons have one value per layer");
                }
            }
            if (v.length == 0) {
                throw fail(node, "'" + param + "' is empty");
            }
            return v[0];
        }

        static boolean close(double a, double b) {
            return Math.abs(a - b) <= TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
        }

        long[] neuronShape(String node, String param) {
            return g.node(node).get(param).shape();
        }

        void convert(String name) {
            NirNode n = g.node(name);
            String child = childName(name);
            try {
                switch (n.type()) {
                    case "Affine", "Linear" -> {
                        long[] ws = n.get("weight").shape();
                        Linear l = typed(new Linear(m, Math.toIntExact(ws[1]), Math.toIntExact(ws[0]),
                                n.type().equals("Affine")));
                        set(l.weight(), n.get("weight").doubles());
                        if (l.bias() != null) {
                            set(l.bias(), n.get("bias").doubles());
                        }
                        net.add(child, l);
                    }
                    case "Conv1d", "Conv2d" -> net.add(child, conv(name, n));
                    case "AvgPool2d", "SumPool2d" -> {
                        long[] k = NirTypes.perAxis(n.get("kernel_size"), 2);
                        long[] s = NirTypes.perAxis(n.get("stride"), 2);
                        long[] p = NirTypes.perAxis(n.get("padding"), 2);
                        if (k[0] != k[1] || s[0] != s[1] || p[0] != 0 || p[1] != 0) {
                            throw fail(name, "snn4j pools need a square kernel, equal strides and padding 0, got kernel "
                                    + Arrays.toString(k) + " stride " + Arrays.toString(s) + " padding "
                                    + Arrays.toString(p));
                        }
                        Pool2d pool = new Pool2d(Pool2d.Kind.AVERAGE, (int) k[0], (int) s[0]);
                        if (n.type().equals("AvgPool2d")) {
                            net.add(child, pool);
                        } else {
                            net.add(child, new Sequential().add("avg", pool)
                                    .add("k2", typed(Scale.scalar(m, (double) k[0] * k[1]))));
                        }
                    }
                    case "Flatten" -> {
                        long start = n.get("start_dim").longValue();
                        long end = n.get("end_dim").longValue();
                        NirValue it = n.get("input_type");
                        boolean lastAxis = end == -1 || (it != null && end == it.size() - 1);
                        if (start != 0 || !lastAxis) {
                            throw fail(name, "snn4j's Flatten flattens all feature axes (start_dim 0, end_dim -1), got "
                                    + start + ".." + end);
                        }
                        net.add(child, new Flatten());
                    }
                    case "Scale" -> net.add(child, scale(n.get("scale").doubles(), null, n.get("scale").shape()));
                    case "LIF" -> {
                        double tauD = uniform(name, "tau") / dt;
                        double vReset = uniform(name, "v_reset");
                        double thr = uniform(name, "v_threshold");
                        leaky(name, child, tauD, vReset, (decayInput) -> new LifNeuron(tauD, decayInput,
                                new ATan(2.0), thr, vReset, false));
                    }
                    case "IF" -> {
                        double[] rdt = Arrays.stream(n.get("r").doubles()).map(x -> x * dt).toArray();
                        IfNeuron nrn = new IfNeuron(new ATan(2.0), uniform(name, "v_threshold"),
                                uniform(name, "v_reset"), false);
                        boolean plain = Arrays.stream(rdt).allMatch(x -> close(x, 1.0));
                        addNeuron(child, nrn, plain ? null : scale(rdt, null, n.get("r").shape()));
                    }
                    case "LI" -> {
                        double tauD = uniform(name, "tau") / dt;
                        leaky(name, child, tauD, 0.0, (decayInput) -> new LeakyReadout(tauD, decayInput));
                    }
                    case "Delay" -> throw fail(name, "a Delay must follow a Linear/Affine (it becomes a Dcls1d)");
                    default -> throw fail(name, "no snn4j module for NIR type " + n.type());
                }
            } catch (IllegalArgumentException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("NirConverter:")) {
                    throw e;
                }
                throw fail(name, e.getMessage());
            }
        }

        /**
         * LIF / LI: {@code tau dv/dt = (v_leak - v) + r I}. With {@code v_leak = v_reset} and one r: r = 1 is
         * decay_input, r = tau_d is its absence. Otherwise (r per neuron, other r, v_leak != v_reset) a Scale
         * {@code x -> r x + (v_leak - v_reset)} feeds a decay_input neuron: {@code H = V + (r X + v_leak - V)/tau_d}.
         */
        void leaky(String name, String child, double tauD, double vReset,
                   java.util.function.Function<Boolean, Module> make) {
            NirNode n = g.node(name);
            double[] r = n.get("r").doubles();
            double[] off = Arrays.stream(n.get("v_leak").doubles()).map(x -> x - vReset).toArray();
            boolean oneR = Arrays.stream(r).allMatch(x -> x == r[0]);
            boolean noOffset = Arrays.stream(off).allMatch(x -> x == 0);
            if (oneR && noOffset && close(r[0], 1.0)) {
                net.add(child, make.apply(true));
            } else if (oneR && noOffset && close(r[0], tauD)) {
                net.add(child, make.apply(false));
            } else {
                addNeuron(child, make.apply(true), scale(r, noOffset ? null : off, n.get("r").shape()));
            }
        }

        void addNeuron(String child, Module neuron, Scale scale) {
            if (scale == null) {
                net.add(child, neuron);
            } else {
                net.add(child, new Sequential().add("r", scale).add("neuron", neuron));
            }
        }

        /** A Scale of the given factors and offsets (null: none); uniform arrays become scalars. */
        Scale scale(double[] f, double[] off, long[] shape) {
            boolean same = Arrays.stream(f).allMatch(x -> x == f[0])
                    && (off == null || Arrays.stream(off).allMatch(x -> x == off[0]));
            return typed(same ? new Scale(m, new double[] {f[0]}, off == null ? null : new double[] {off[0]}, new Shape())
                    : new Scale(m, f, off, new Shape(shape)));
        }

        Module conv(String name, NirNode n) {
            int dims = n.type().equals("Conv1d") ? 1 : 2;
            long[] w = n.get("weight").shape();
            for (int d = 3; d < w.length; d++) {
                if (w[d] != w[2]) {
                    throw fail(name, "snn4j convolutions need a square kernel, got " + Arrays.toString(w));
                }
            }
            long[] stride = NirTypes.perAxis(n.get("stride"), dims);
            long[] dil = NirTypes.perAxis(n.get("dilation"), dims);
            if (Arrays.stream(stride).anyMatch(s -> s != stride[0]) || Arrays.stream(dil).anyMatch(x -> x != 1)
                    || n.get("groups").longValue() != 1) {
                throw fail(name, "snn4j convolutions need equal strides, dilation 1 and groups 1, got stride "
                        + Arrays.toString(stride) + " dilation " + Arrays.toString(dil) + " groups "
                        + n.get("groups").longValue());
            }
            int k = (int) w[2];
            long pad;
            NirValue p = n.get("padding");
            if (p.isString()) {
                if (p.string().equals("valid")) {
                    pad = 0;
                } else if (stride[0] == 1 && k % 2 == 1) {
                    pad = (k - 1) / 2;
                } else {
                    throw fail(name, "padding \"same\" needs stride 1 and an odd kernel here");
                }
            } else {
                long[] pa = NirTypes.perAxis(p, dims);
                if (Arrays.stream(pa).anyMatch(x -> x != pa[0])) {
                    throw fail(name, "snn4j convolutions need equal padding on every axis, got " + Arrays.toString(pa));
                }
                pad = pa[0];
            }
            int in = (int) w[1];
            int out = (int) w[0];
            Convolution c = typed(dims == 1 ? new Conv1d(m, in, out, k, (int) stride[0], (int) pad, true)
                    : new Conv2d(m, in, out, k, (int) stride[0], (int) pad, true));
            set(c.weight(), n.get("weight").doubles());
            set(c.bias(), n.get("bias").doubles());
            return c;
        }

        /** Linear/Affine -> Delay branches from one frontier into one join: a Dcls1d. Returns the delay nodes. */
        Set<String> delayGroup(List<String> branches) {
            record Branch(double[] w, long[] delay) { }
            List<Branch> bs = new ArrayList<>();
            Set<String> delays = new LinkedHashSet<>();
            long in = -1;
            long out = -1;
            Map<String, NirValue> meta = new LinkedHashMap<>();
            for (String b : branches) {
                if (!isDelayBranch(b)) {
                    throw fail(b, "parallel branches are only supported as Linear/Affine -> Delay groups (learned"
                            + " delays)");
                }
                NirNode lin = g.node(b);
                String dn = g.successors(b).get(0);
                if (!visited.add(dn) || !g.predecessors(dn).equals(List.of(b))) {
                    throw fail(dn, "must be fed by " + b + " only");
                }
                long[] ws = lin.get("weight").shape();
                if (in < 0) {
                    in = ws[1];
                    out = ws[0];
                    meta.putAll(lin.metadata());
                } else if (in != ws[1] || out != ws[0]) {
                    throw fail(b, "weight " + Arrays.toString(ws) + " differs from the other branches' [" + out
                            + ", " + in + "]");
                }
                if (lin.get("bias") != null && Arrays.stream(lin.get("bias").doubles()).anyMatch(x -> x != 0)) {
                    throw fail(b, "Dcls1d has no bias: a Linear/Affine before a Delay must have a zero bias");
                }
                NirValue dv = g.node(dn).get("delay");
                if (dv.size() != out && dv.size() != 1) {
                    throw fail(dn, "expected one delay per output (" + out + "), got shape "
                            + Arrays.toString(dv.shape()));
                }
                double[] d = dv.doubles();
                long[] steps = new long[(int) out];
                for (int o = 0; o < out; o++) {
                    double x = d[d.length == 1 ? 0 : o] / dt;
                    long r = Math.round(x);
                    if (Math.abs(x - r) > TOLERANCE * Math.max(1, Math.abs(x))) {
                        throw fail(dn, "delay " + d[d.length == 1 ? 0 : o] + " is not a whole number of steps of dt "
                                + dt);
                    }
                    steps[o] = r;
                }
                bs.add(new Branch(lin.get("weight").doubles(), steps));
                delays.add(dn);
            }
            // taps per synapse: the non-zero branch weights of each (o, c)
            int nIn = (int) in;
            int nOut = (int) out;
            int need = 1;
            long maxD = 0;
            for (int o = 0; o < nOut; o++) {
                for (int c = 0; c < nIn; c++) {
                    int cnt = 0;
                    for (Branch b : bs) {
                        cnt += b.w()[o * nIn + c] != 0 ? 1 : 0;
                        maxD = Math.max(maxD, b.delay()[o]);
                    }
                    need = Math.max(need, cnt);
                }
            }
            int kc = need;
            if (meta.get(META_KERNEL_COUNT) != null && meta.get(META_KERNEL_COUNT).longValue() >= need) {
                kc = (int) meta.get(META_KERNEL_COUNT).longValue();
            }
            long maxDelay = maxD + 1;
            if (meta.get(META_MAX_DELAY) != null && meta.get(META_MAX_DELAY).longValue() > maxD) {
                maxDelay = meta.get(META_MAX_DELAY).longValue();
            }
            Dcls1d dcls = typed(new Dcls1d(m, nIn, nOut, kc, (int) maxDelay));
            int half = dcls.maxDelay() / 2;
            double[] w = new double[nOut * nIn * kc];
            double[] pos = new double[nOut * nIn * kc];
            Arrays.fill(pos, half); // unused taps: weight 0, delay 0
            for (int o = 0; o < nOut; o++) {
                for (int c = 0; c < nIn; c++) {
                    int k = 0;
                    for (Branch b : bs) {
                        double x = b.w()[o * nIn + c];
                        if (x != 0) {
                            int i = (o * nIn + c) * kc + k++;
                            w[i] = x;
                            pos[i] = half - b.delay()[o];
                        }
                    }
                }
            }
            set(dcls.weight(), w);
            set(dcls.positions(), pos);
            NirValue ol = meta.get(META_OUTPUT_LENGTH);
            dcls.outputLength(ol != null && ol.isString() && ol.string().equals("EXTENDED")
                    ? Dcls1d.OutputLength.EXTENDED : Dcls1d.OutputLength.CROPPED);
            String first = branches.get(0);
            int dot = first.lastIndexOf(".w");
            net.add(childName(dot > 0 && meta.containsKey(META_MODULE) ? first.substring(0, dot) : first), dcls);
            return delays;
        }
    }
}
