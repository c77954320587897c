package dev.snn4j.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.snn4j.layer.BatchNorm;
import dev.snn4j.layer.Conv2d;
import dev.snn4j.layer.Dcls1d;
import dev.snn4j.layer.DeltaActivation;
import dev.snn4j.layer.LeakyReadout;
import dev.snn4j.layer.Relu;
import dev.snn4j.layer.Scale;
import dev.snn4j.model.DelayNet;
import dev.snn4j.layer.Dropout;
import dev.snn4j.layer.Flatten;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.MeanOverTime;
import dev.snn4j.layer.MembraneAccumulator;
import dev.snn4j.layer.Pool2d;
import dev.snn4j.layer.RepeatTime;
import dev.snn4j.layer.Sequential;
import dev.snn4j.model.Vgg;
import dev.snn4j.neuron.IfNeuron;
import dev.snn4j.neuron.IirNeuron;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.neuron.Neuron;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;
import dev.snn4j.runtime.SpikingModel;
import dev.snn4j.runtime.io.AtomicFiles;
import dev.snn4j.runtime.io.Safetensors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Exports a trained {@link Sequential} (including {@link Vgg}) for the pure-Java runtime
 * ({@code dev.snn4j.runtime.SpikingModel}): {@code graph.json} + {@code weights.safetensors}, each written
 * atomically.
 *
 * <p>{@code graph.json}: {@code {"format": "snn4j-graph", "version": 1, "input_shape": [C, H, W] or [N],
 * "time_steps": T, "layers": [...]}}, one object per layer in forward order with {@code name} (dotted path for
 * nested {@code Sequential}s), {@code type} and its hyper-parameters:
 * <ul>
 *   <li>{@code linear}: {@code in_features, out_features, weight, bias} (tensor names; bias null if absent)</li>
 *   <li>{@code conv2d}: {@code in_channels, out_channels, kernel, stride, padding, weight, bias}</li>
 *   <li>{@code avg_pool2d | max_pool2d}: {@code kernel, stride}; {@code flatten}; {@code repeat_time}: {@code steps};
 *       {@code dropout}: {@code p} (identity at inference)</li>
 *   <li>{@code lif}: {@code tau, decay_input, threshold, v_reset} (null = soft reset), {@code spiking};
 *       {@code if}: {@code threshold, v_reset, spiking}; {@code iir}: {@code leak, threshold} (learned values)</li>
 *   <li>{@code membrane_accumulator}: {@code mode} ({@code sum | mean}); {@code mean_over_time}</li>
 *   <li>{@code delay_linear} ({@link Dcls1d}: its rounded integer delays, as evaluation mode computes it):
 *       {@code in_features, out_features, taps, max_delay, extend} (the extra output steps, {@code (D-1)/2} when
 *       EXTENDED), tensors {@code weight}, {@code delay} {@code [taps, in, out]}</li>
 *   <li>{@code scale}: {@code factor, offset} per layer / channel / element ({@link BatchNorm} at evaluation,
 *       {@link Scale}); {@link LeakyReadout}: {@code lif} with {@code "output": "membrane"}</li>
 *   <li>delta networks (any {@link DeltaActivation}): a leading {@code delta_encode} layer, {@code delta_activation}
 *       with {@code step} = {@code EPS + |theta|}, and {@code "delta": true} on every linear / conv2d</li>
 * </ul>
 * Weights (float32), laid out for event-driven kernels: linear {@code <name>.weight_t} = W^T {@code [in, out]}
 * (an input spike adds one contiguous row); convolution {@code <name>.weight_ikko} = W permuted from
 * {@code [out, in, k, k]} to {@code [in, k, k, out]} (an input spike scatters contiguous output-channel runs);
 * biases {@code <name>.bias [out]}.
 *
 * <pre>{@code
 * GraphExport.export(vggSnn, Path.of("out/vgg"));                        // input shape and T from the Vgg
 * GraphExport.export(net, new long[] {700}, 100, Path.of("out/shd"));   // any Sequential
 * }</pre>
 */
public final class GraphExport {
    public static final String FORMAT = "snn4j-graph";
    public static final int VERSION = 1;

    private GraphExport() {
    }

    /**
     * Exports any exportable net: a {@link DelayNet} ({@code timeSteps} = its sequence length), a {@link Vgg} (input
     * shape and T taken from it) or another {@link Sequential}.
     *
     * <pre>{@code
     * GraphExport.export(loaded.model(), loaded.inputShape(), loaded.timeSteps(), Path.of("out/rt"));
     * }</pre>
     *
     * @throws IllegalArgumentException for another kind of module, or naming a layer the runtime cannot run
     */
    public static void export(Module net, long[] inputShape, int timeSteps, Path dir) throws IOException {
        if (net instanceof DelayNet d) {
            export(d, timeSteps, dir);
        } else if (net instanceof Vgg v) {
            export(v, dir);
        } else if (net instanceof Sequential s) {
            export(s, inputShape, timeSteps, dir);
        } else {
            throw new IllegalArgumentException("GraphExport: cannot export a " + net.getClass().getSimpleName()
                    + " (expected a DelayNet or a Sequential)");
        }
    }

    /**
     * The net as a runtime model, without leaving files behind: exported ({@link #export(Module, long[], int, Path)})
     * to a temporary directory, loaded, and the directory deleted. What {@code snn4j energy} and the recipes' energy
     * tables run.
     *
     * <pre>{@code
     * SpikingModel rt = GraphExport.toRuntime(vggSnn, null, vggSnn.timeSteps());
     * }</pre>
     */
    public static SpikingModel toRuntime(Module net, long[] inputShape, int timeSteps) throws IOException {
        Path tmp = Files.createTempDirectory("snn4j-model");
        try {
            export(net, inputShape, timeSteps, tmp);
            return SpikingModel.load(tmp);
        } finally {
            try (java.util.stream.Stream<Path> s = Files.walk(tmp)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Exports a {@link Vgg} SNN: input {@code [C, S, S]} from its config, T from its repeat layer. */
    public static void export(Vgg vgg, Path dir) throws IOException {
        var c = vgg.config();
        export(vgg, new long[] {c.inChannels(), c.imageSize(), c.imageSize()}, vgg.timeSteps(), dir);
    }

    /**
     * Exports {@code net} given the shape of one sample (without time and batch axes) and the number of time steps.
     *
     * @throws IllegalArgumentException naming the layer, for a module the runtime cannot run
     */
    public static void export(Sequential net, long[] inputShape, int timeSteps, Path dir) throws IOException {
        if (timeSteps < 1) {
            throw new IllegalArgumentException("GraphExport: time steps must be >= 1, got " + timeSteps);
        }
        JsonArray layers = new JsonArray();
        List<Safetensors.Tensor> tensors = new ArrayList<>();
        List<Map.Entry<String, Module>> flat = new ArrayList<>();
        collect(net, "", flat);
        boolean delta = flat.stream().anyMatch(e -> e.getValue() instanceof DeltaActivation);
        if (delta) {
            // a delta network: the input sends changes, every weight layer keeps its pre-activation
            JsonObject enc = new JsonObject();
            enc.addProperty("name", "input_delta");
            enc.addProperty("type", "delta_encode");
            layers.add(enc);
        }
        for (int i = 0; i < flat.size(); i++) {
            String name = flat.get(i).getKey();
            Module m = flat.get(i).getValue();
            Module next = i + 1 < flat.size() ? flat.get(i + 1).getValue() : null;
            if (m instanceof Relu && next instanceof DeltaActivation) {
                continue;   // DeltaActivation applies the ReLU itself
            }
            JsonObject o = layer(name, m, tensors);
            if (delta && (m instanceof Linear || m instanceof Conv2d)) {
                o.addProperty("delta", true);
            }
            layers.add(o);
        }
        write(inputShape, timeSteps, layers, tensors, dir);
    }

    /**
     * Exports a {@link DelayNet} for sequences of {@code timeSteps} steps (input {@code [inputs]} per step), as its
     * evaluation forward computes it: per delay layer a {@code delay_linear} with the rounded integer delays
     * ({@link Dcls1d#delays()}), batch norm as a {@code scale} (running statistics), LIF, dropout (identity), then
     * the readout membrane ({@code lif} with {@code "output": "membrane"}) and {@code softmax_sum}: the last output of
     * {@code Session.runSequence} is {@link DelayNet#forward}'s class scores.
     *
     * <pre>{@code
     * GraphExport.export(delayNet, 50, Path.of("out/delays"));
     * float[] scores = SpikingModel.load(Path.of("out/delays")).newSession().runSequence(frames)[last];
     * }</pre>
     */
    public static void export(DelayNet net, int timeSteps, Path dir) throws IOException {
        if (timeSteps < 1) {
            throw new IllegalArgumentException("GraphExport: time steps must be >= 1, got " + timeSteps);
        }
        JsonArray layers = new JsonArray();
        List<Safetensors.Tensor> tensors = new ArrayList<>();
        Map<String, Module> kids = net.children();
        for (Map.Entry<String, Module> e : kids.entrySet()) {
            layers.add(layer(e.getKey(), e.getValue(), tensors));
        }
        JsonObject scores = new JsonObject();
        scores.addProperty("name", "scores");
        scores.addProperty("type", "softmax_sum");
        layers.add(scores);
        write(new long[] {net.config().inputs()}, timeSteps, layers, tensors, dir);
    }

    private static void write(long[] inputShape, int timeSteps, JsonArray layers, List<Safetensors.Tensor> tensors,
                              Path dir) throws IOException {
        JsonObject root = new JsonObject();
        root.addProperty("format", FORMAT);
        root.addProperty("version", VERSION);
        JsonArray shape = new JsonArray();
        for (long d : inputShape) {
            shape.add(d);
        }
        root.add("input_shape", shape);
        root.addProperty("time_steps", timeSteps);
        root.add("layers", layers);
        String json = new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(root);
        Files.createDirectories(dir);
        Safetensors.write(dir.resolve("weights.safetensors"), tensors, Map.of("format", FORMAT));
        AtomicFiles.write(dir.resolve("graph.json"), json.getBytes(StandardCharsets.UTF_8));
    }

    private static void collect(Sequential seq, String prefix, List<Map.Entry<String, Module>> out) {
        for (Map.Entry<String, Module> e : seq.children().entrySet()) {
            String name = prefix + e.getKey();
            Module m = e.getValue();
            if (m instanceof Sequential inner && !(m instanceof Vgg)) {
                collect(inner, name + ".", out);
                continue;
            }
            out.add(Map.entry(name, m));
        }
    }

    private static JsonObject layer(String name, Module m, List<Safetensors.Tensor> tensors) {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        if (m instanceof Linear l) {
            o.addProperty("type", "linear");
            o.addProperty("in_features", l.inFeatures());
            o.addProperty("out_features", l.outFeatures());
            int in = l.inFeatures();
            int out = l.outFeatures();
            float[] w = floats(l.weight());
            float[] wt = new float[w.length];
            for (int r = 0; r < out; r++) {
                for (int c = 0; c < in; c++) {
                    wt[c * out + r] = w[r * in + c];
                }
            }
            o.addProperty("weight", name + ".weight_t");
            tensors.add(Safetensors.Tensor.of(name + ".weight_t", wt, in, out));
            bias(o, name, l.bias(), tensors);
        } else if (m instanceof Conv2d c) {
            o.addProperty("type", "conv2d");
            int ci = c.inChannels();
            int co = c.outChannels();
            int k = c.kernelSize();
            o.addProperty("in_channels", ci);
            o.addProperty("out_channels", co);
            o.addProperty("kernel", k);
            o.addProperty("stride", c.stride());
            o.addProperty("padding", c.padding());
            float[] w = floats(c.weight());
            float[] p = new float[w.length];
            for (int a = 0; a < co; a++) {
                for (int b = 0; b < ci; b++) {
                    for (int y = 0; y < k; y++) {
                        for (int x = 0; x < k; x++) {
                            p[((b * k + y) * k + x) * co + a] = w[((a * ci + b) * k + y) * k + x];
                        }
                    }
                }
            }
            o.addProperty("weight", name + ".weight_ikko");
            tensors.add(Safetensors.Tensor.of(name + ".weight_ikko", p, ci, k, k, co));
            bias(o, name, c.bias(), tensors);
        } else if (m instanceof Pool2d p) {
            o.addProperty("type", p.kind() == Pool2d.Kind.AVERAGE ? "avg_pool2d" : "max_pool2d");
            o.addProperty("kernel", p.kernelSize());
            o.addProperty("stride", p.stride());
        } else if (m instanceof Flatten) {
            o.addProperty("type", "flatten");
        } else if (m instanceof RepeatTime r) {
            o.addProperty("type", "repeat_time");
            o.addProperty("steps", r.steps());
        } else if (m instanceof Dropout d) {
            o.addProperty("type", "dropout");
            o.addProperty("p", d.p());
        } else if (m instanceof MembraneAccumulator a) {
            o.addProperty("type", "membrane_accumulator");
            o.addProperty("mode", a.isMean() ? "mean" : "sum");
        } else if (m instanceof MeanOverTime) {
            o.addProperty("type", "mean_over_time");
        } else if (m instanceof IirNeuron n) {
            o.addProperty("type", "iir");
            o.addProperty("leak", (double) floats(n.leak())[0]);
            o.addProperty("threshold", (double) floats(n.thresholdParameter())[0]);
        } else if (m instanceof LifNeuron n && m.getClass() == LifNeuron.class) {
            o.addProperty("type", "lif");
            o.addProperty("tau", n.tau());
            o.addProperty("decay_input", n.decayInput());
            neuron(o, n);
        } else if (m instanceof IfNeuron n && m.getClass() == IfNeuron.class) {
            o.addProperty("type", "if");
            neuron(o, n);
        } else if (m instanceof Dcls1d d) {
            delayLinear(o, name, d, tensors);
        } else if (m instanceof BatchNorm bn) {
            // evaluation batch norm as PyTorch computes it: alpha = gamma / sqrt(var + eps), y = x alpha + (beta - mean alpha)
            float[] g = floats(bn.gamma());
            float[] b = floats(bn.beta());
            float[] mean = floats(bn.runningMean());
            float[] var = floats(bn.runningVar());
            float eps = (float) bn.eps();
            float[] alpha = new float[g.length];
            float[] beta = new float[g.length];
            for (int c = 0; c < g.length; c++) {
                float invstd = 1f / (float) Math.sqrt(var[c] + eps);
                alpha[c] = invstd * g[c];
                beta[c] = b[c] - mean[c] * alpha[c];
            }
            o.addProperty("type", "scale");
            o.addProperty("factor", name + ".factor");
            o.addProperty("offset", name + ".offset");
            tensors.add(Safetensors.Tensor.of(name + ".factor", alpha, alpha.length));
            tensors.add(Safetensors.Tensor.of(name + ".offset", beta, beta.length));
        } else if (m instanceof Scale sc) {
            o.addProperty("type", "scale");
            float[] f = floats(sc.factor());
            o.addProperty("factor", name + ".factor");
            tensors.add(Safetensors.Tensor.of(name + ".factor", f, f.length));
            if (sc.offset() != null) {
                float[] off = floats(sc.offset());
                o.addProperty("offset", name + ".offset");
                tensors.add(Safetensors.Tensor.of(name + ".offset", off, off.length));
            } else {
                o.add("offset", null);
            }
        } else if (m instanceof LeakyReadout li) {
            LifNeuron inner = (LifNeuron) li.children().get("neuron");
            o.addProperty("type", "lif");
            o.addProperty("tau", inner.tau());
            o.addProperty("decay_input", inner.decayInput());
            neuron(o, inner);
            o.addProperty("output", "membrane");
        } else if (m instanceof DeltaActivation da) {
            o.addProperty("type", "delta_activation");
            // the step size as the layer computes it in float32: EPS + |theta|
            float[] th = floats(da.theta());
            float[] a = new float[th.length];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) DeltaActivation.EPS + Math.abs(th[i]);
            }
            o.addProperty("step", name + ".step");
            tensors.add(Safetensors.Tensor.of(name + ".step", a, a.length));
        } else {
            throw new IllegalArgumentException("GraphExport: layer '" + name + "' (" + m.getClass().getSimpleName()
                    + ") is not supported by the runtime; supported: Linear, Conv2d, Pool2d, Flatten, RepeatTime, "
                    + "Dropout, LifNeuron, IfNeuron, IirNeuron, MembraneAccumulator, MeanOverTime, Dcls1d, BatchNorm, "
                    + "Scale, LeakyReadout, DeltaActivation (with Relu before it)");
        }
        return o;
    }

    /** A {@link Dcls1d} as its evaluation-mode integer shift: taps {@code [K, in, out]} of weights and delays. */
    private static void delayLinear(JsonObject o, String name, Dcls1d d, List<Safetensors.Tensor> tensors) {
        int in = d.inChannels();
        int out = d.outChannels();
        int kc = d.kernelCount();
        int[][][] del = d.delays();
        float[] w = floats(d.weight());   // [out, in, K]
        float[] wt = new float[w.length];
        int[] dt = new int[w.length];
        for (int oo = 0; oo < out; oo++) {
            for (int c = 0; c < in; c++) {
                for (int k = 0; k < kc; k++) {
                    int q = (k * in + c) * out + oo;
                    wt[q] = w[(oo * in + c) * kc + k];
                    dt[q] = del[oo][c][k];
                }
            }
        }
        o.addProperty("type", "delay_linear");
        o.addProperty("in_features", in);
        o.addProperty("out_features", out);
        o.addProperty("taps", kc);
        o.addProperty("max_delay", d.maxDelay());
        o.addProperty("extend", d.rightPadding());
        o.addProperty("weight", name + ".weight_kio");
        o.addProperty("delay", name + ".delay_kio");
        tensors.add(Safetensors.Tensor.of(name + ".weight_kio", wt, kc, in, out));
        tensors.add(Safetensors.Tensor.of(name + ".delay_kio", dt, kc, in, out));
    }

    private static void neuron(JsonObject o, Neuron n) {
        boolean spiking = !Double.isInfinite(n.threshold());
        o.addProperty("threshold", spiking ? n.threshold() : null);
        o.addProperty("v_reset", n.vReset());
        o.addProperty("spiking", spiking);
    }

    private static void bias(JsonObject o, String name, Parameter b, List<Safetensors.Tensor> tensors) {
        if (b == null) {
            o.add("bias", null);
            return;
        }
        float[] v = floats(b);
        o.addProperty("bias", name + ".bias");
        tensors.add(Safetensors.Tensor.of(name + ".bias", v, v.length));
    }

    private static float[] floats(Parameter p) {
        NDArray a = p.value();
        return a.getDataType() == DataType.FLOAT32 ? a.toFloatArray()
                : a.toType(DataType.FLOAT32, false).toFloatArray();
    }
}
