package dev.snn4j.runtime;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.snn4j.runtime.io.Safetensors;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A spiking net exported by snn4j-core ({@code GraphExport}, {@code snn4j export}), loaded for pure-Java,
 * event-driven inference: no DJL, no native library. Immutable and shareable; each thread runs its own
 * {@link Session}.
 *
 * <p>The directory holds {@value #GRAPH_FILE} (format {@value #FORMAT} version {@value #VERSION}: input shape per
 * sample, time steps, the layers in order with their hyper-parameters and neuron constants) and
 * {@value #WEIGHTS_FILE} (float32): linear weights transposed to {@code [in, out]} (an input event adds one
 * contiguous row), convolution weights as {@code [in, k, k, out]} (an input event scatters contiguous output-channel
 * runs), biases {@code [out]}. Supported layer types: {@code linear, conv2d, avg_pool2d, max_pool2d, flatten,
 * repeat_time, dropout, lif, if, iir, membrane_accumulator, mean_over_time}; sequence models add
 * {@code delay_linear} (per-synapse integer delays: {@code in_features, out_features, taps, max_delay, extend},
 * tensors {@code weight} and {@code delay} {@code [taps, in, out]}), {@code scale} ({@code factor}, {@code offset}
 * per layer, channel or element: an evaluation batch norm or a NIR Scale), {@code softmax_sum} (sum over steps of
 * the softmax), a {@code lif/if} with {@code "output": "membrane"} (non-spiking readout); delta networks add
 * {@code delta_encode}, {@code delta_activation} ({@code step} sizes) and {@code "delta": true} on
 * {@code linear/conv2d} (pre-activation carried across steps, updated by the incoming changes only).
 *
 * <pre>{@code
 * SpikingModel model = SpikingModel.load(Path.of("exported/vgg"));
 * Session session = model.newSession();
 * float[] logits = session.run(image, model.timeSteps());   // image: [C, H, W] flattened, PyTorch order
 * }</pre>
 */
public final class SpikingModel {
    public static final String FORMAT = "snn4j-graph";
    public static final int VERSION = 1;
    public static final String GRAPH_FILE = "graph.json";
    public static final String WEIGHTS_FILE = "weights.safetensors";

    private final int[] inputShape;
    private final int timeSteps;
    private final List<Layer> layers;

    private SpikingModel(int[] inputShape, int timeSteps, List<Layer> layers) {
        this.inputShape = inputShape;
        this.timeSteps = timeSteps;
        this.layers = layers;
    }

    /** Reads {@value #GRAPH_FILE} and {@value #WEIGHTS_FILE} from {@code dir}; checks every shape. */
    public static SpikingModel load(Path dir) throws IOException {
        Path graphFile = dir.resolve(GRAPH_FILE);
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        String text;
        try {
            text = Files.readString(graphFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(graphFile + ": missing (expected a model exported by snn4j)", e);
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(graphFile + ": not valid UTF-8 (" + e + ")", e);
        }
        JsonObject root;
        try {
            JsonElement el = JsonParser.parseString(text);
            if (!el.isJsonObject()) {
                throw new ModelFormatException(graphFile + ": expected a JSON object at the top level");
            }
            root = el.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new ModelFormatException(graphFile + ": malformed JSON: " + e.getMessage(), e);
        }
        Safetensors.Contents weights;
        try {
            weights = Safetensors.read(weightsFile);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(weightsFile + ": missing", e);
        }
        return parse(root, weights, graphFile.toString(), weightsFile.toString());
    }

    private static SpikingModel parse(JsonObject root, Safetensors.Contents weights, String gf, String wf)
            throws ModelFormatException {
        Fields top = new Fields(root, gf);
        String format = top.string("format");
        if (!FORMAT.equals(format)) {
            throw new ModelFormatException(gf + ": field 'format' is '" + format + "', expected '" + FORMAT + "'");
        }
        int version = top.integer("version");
        if (version != VERSION) {
            throw new ModelFormatException(gf + ": field 'version' is " + version + "; this runtime reads version "
                    + VERSION);
        }
        int[] inputShape = top.shape("input_shape");
        if (inputShape.length != 1 && inputShape.length != 3) {
            throw new ModelFormatException(gf + ": field 'input_shape' must be [N] or [C, H, W], got "
                    + Arrays.toString(inputShape));
        }
        int timeSteps = top.integer("time_steps");
        if (timeSteps < 1) {
            throw new ModelFormatException(gf + ": field 'time_steps' must be >= 1, got " + timeSteps);
        }
        JsonArray arr = top.array("layers");
        List<Layer> layers = new ArrayList<>();
        int[] shape = inputShape;
        String deltaStream = null;   // the layer whose changes (deltas) flow at this point, null for values
        for (int i = 0; i < arr.size(); i++) {
            if (!arr.get(i).isJsonObject()) {
                throw new ModelFormatException(gf + ": layers[" + i + "] is not an object");
            }
            JsonObject lo = arr.get(i).getAsJsonObject();
            String where0 = gf + ": layers[" + i + "]";
            String name = new Fields(lo, where0).string("name");
            Fields f = new Fields(lo, where0 + " (" + name + ")");
            Layer layer = parseLayer(f, name, shape, weights, wf);
            deltaStream = checkStream(layer, deltaStream, f);
            layers.add(layer);
            shape = layer.outShape;
        }
        if (deltaStream != null) {
            throw new ModelFormatException(gf + ": the last layer sends changes (from '" + deltaStream + "'); a delta "
                    + "network must end with a linear or conv2d layer that has \"delta\": true");
        }
        if (!Boolean.getBoolean("snn4j.runtime.noLevels")) {
            useLevels(layers);
        }
        return new SpikingModel(inputShape, timeSteps, Collections.unmodifiableList(layers));
    }

    /**
     * Weight layers fed by an average pool of a spiking layer get pre-scaled weight tables: a pooled value is
     * {@code m / k^2} (m spikes in the window), so it adds row {@code m} of the table (an accumulate, the same float as
     * the multiply) instead of a multiply-accumulate. Skipped when the table would exceed 4 MB
     * ({@code -Dsnn4j.runtime.noLevels=true} turns it off).
     */
    private static void useLevels(List<Layer> layers) {
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            boolean linear = l instanceof Layer.Linear lin && !lin.delta;
            boolean conv = l instanceof Layer.Conv2d c && !c.delta;
            if (!linear && !conv) {
                continue;
            }
            int j = i - 1;
            while (j >= 0 && (layers.get(j) instanceof Layer.Flatten || layers.get(j) instanceof Layer.Identity)) {
                j--;
            }
            if (j < 1 || !(layers.get(j) instanceof Layer.Pool2d p) || !p.average) {
                continue;
            }
            int q = j - 1;
            while (q >= 0 && layers.get(q) instanceof Layer.Identity) {
                q--;
            }
            if (q < 0 || !(layers.get(q) instanceof NeuronLayer n) || !n.spiking || n.membraneOut) {
                continue;
            }
            int levels = p.k * p.k;
            if (linear) {
                Layer.Linear lin = (Layer.Linear) l;
                if ((long) lin.wt.length * levels <= Layer.LEVEL_TABLE_LIMIT) {
                    lin.useLevels(levels);
                }
            } else {
                Layer.Conv2d c = (Layer.Conv2d) l;
                if ((long) c.w.length * levels <= Layer.LEVEL_TABLE_LIMIT) {
                    c.useLevels(levels);
                }
            }
        }
    }

    private static Layer parseLayer(Fields f, String name, int[] shape, Safetensors.Contents weights, String wf)
            throws ModelFormatException {
        String type = f.string("type");
        switch (type) {
            case "linear" -> {
                int in = f.integer("in_features");
                int out = f.integer("out_features");
                if (shape.length != 1 || shape[0] != in) {
                    throw f.error("in_features", "is " + in + " but the input is " + Arrays.toString(shape)
                            + (shape.length != 1 ? " (add a flatten layer)" : ""));
                }
                if (out < 1) {
                    throw f.error("out_features", "must be >= 1, got " + out);
                }
                float[] wt = tensor(f, "weight", weights, wf, in, out);
                float[] b = f.has("bias") ? tensor(f, "bias", weights, wf, out) : null;
                return new Layer.Linear(name, in, out, wt, b, f.has("delta") && f.bool("delta"));
            }
            case "conv2d" -> {
                int cin = f.integer("in_channels");
                int cout = f.integer("out_channels");
                int k = f.integer("kernel");
                int stride = f.integer("stride");
                int pad = f.integer("padding");
                if (shape.length != 3 || shape[0] != cin) {
                    throw f.error("in_channels", "is " + cin + " but the input is " + Arrays.toString(shape));
                }
                if (cout < 1 || k < 1 || stride < 1 || pad < 0 || shape[1] + 2 * pad < k || shape[2] + 2 * pad < k) {
                    throw f.error("kernel", "bad hyper-parameters out=" + cout + " k=" + k + " stride=" + stride
                            + " padding=" + pad + " for input " + Arrays.toString(shape));
                }
                float[] w = tensor(f, "weight", weights, wf, cin, k, k, cout);
                float[] b = f.has("bias") ? tensor(f, "bias", weights, wf, cout) : null;
                return new Layer.Conv2d(name, shape, cout, k, stride, pad, w, b, f.has("delta") && f.bool("delta"));
            }
            case "avg_pool2d", "max_pool2d" -> {
                int k = f.integer("kernel");
                int stride = f.integer("stride");
                if (k < 1 || stride != k) {
                    throw f.error("stride", "must equal kernel (>= 1), got kernel " + k + " stride " + stride);
                }
                if (shape.length != 3 || shape[1] < k || shape[2] < k) {
                    throw f.error("kernel", k + " does not fit the input " + Arrays.toString(shape));
                }
                return new Layer.Pool2d(name, shape, type.equals("avg_pool2d"), k);
            }
            case "flatten" -> {
                return new Layer.Flatten(name, shape);
            }
            case "repeat_time", "dropout" -> {
                return new Layer.Identity(name, type, shape);
            }
            case "membrane_accumulator" -> {
                String mode = f.string("mode");
                if (!mode.equals("sum") && !mode.equals("mean")) {
                    throw f.error("mode", "must be 'sum' or 'mean', got '" + mode + "'");
                }
                return new Layer.Accumulator(name, type, shape, mode.equals("mean"));
            }
            case "mean_over_time" -> {
                return new Layer.Accumulator(name, type, shape, true);
            }
            case "delay_linear" -> {
                int in = f.integer("in_features");
                int out = f.integer("out_features");
                int taps = f.integer("taps");
                int maxDelay = f.integer("max_delay");
                int extend = f.integer("extend");
                if (shape.length != 1 || shape[0] != in) {
                    throw f.error("in_features", "is " + in + " but the input is " + Arrays.toString(shape)
                            + (shape.length != 1 ? " (add a flatten layer)" : ""));
                }
                if (out < 1 || taps < 1 || maxDelay < 1 || extend < 0 || extend >= maxDelay) {
                    throw f.error("max_delay", "bad hyper-parameters out_features=" + out + " taps=" + taps
                            + " max_delay=" + maxDelay + " extend=" + extend + " (need >= 1, >= 1, >= 1 and "
                            + "0 <= extend < max_delay)");
                }
                float[] w = tensor(f, "weight", weights, wf, taps, in, out);
                float[] dl = tensor(f, "delay", weights, wf, taps, in, out);
                int[] d = new int[dl.length];
                for (int i = 0; i < d.length; i++) {
                    if (dl[i] != Math.rint(dl[i]) || dl[i] < 0 || dl[i] >= maxDelay) {
                        throw new ModelFormatException(wf + ": tensor '" + f.string("delay") + "' (" + f.where
                                + ") holds " + dl[i] + " at index " + i + "; delays must be integers in 0.."
                                + (maxDelay - 1));
                    }
                    d[i] = (int) dl[i];
                }
                return Layer.DelayLinear.of(name, in, out, taps, maxDelay, extend, w, d);
            }
            case "scale" -> {
                float[] factor = perElement(f, "factor", weights, wf, shape);
                float[] offset = f.has("offset") ? perElement(f, "offset", weights, wf, shape)
                        : new float[Layer.size(shape)];
                return new Layer.Scale(name, shape, factor, offset);
            }
            case "softmax_sum" -> {
                if (shape.length != 1) {
                    throw f.error("type", "softmax_sum needs a vector input, got " + Arrays.toString(shape));
                }
                return new Layer.SoftmaxSum(name, shape);
            }
            case "delta_encode" -> {
                return new Layer.DeltaEncode(name, shape);
            }
            case "delta_activation" -> {
                float[] step = perElement(f, "step", weights, wf, shape);
                for (float a : step) {
                    if (!(a > 0) || Float.isInfinite(a)) {
                        throw f.error("step", "step sizes must be finite and > 0, got " + a);
                    }
                }
                return new Layer.DeltaActivation(name, shape, step);
            }
            case "iir" -> {
                float th = f.number("threshold");
                float leak = f.number("leak");
                if (!(th > 0) || Float.isInfinite(th)) {
                    throw f.error("threshold", "must be finite and > 0, got " + th);
                }
                return new NeuronLayer(name, shape, NeuronLayer.Kind.IIR, 2.0, false, th, Float.NaN, leak, true);
            }
            case "lif", "if" -> {
                boolean spiking = f.bool("spiking");
                float th = spiking ? f.number("threshold") : Float.POSITIVE_INFINITY;
                if (!(th > 0)) {
                    throw f.error("threshold", "must be > 0, got " + th);
                }
                float vr = f.has("v_reset") ? f.number("v_reset") : Float.NaN;
                if (type.equals("if")) {
                    boolean mem = f.has("output") && f.string("output").equals("membrane");
                    return new NeuronLayer(name, shape, NeuronLayer.Kind.IF, 2.0, false, th, vr, 1f, spiking, mem);
                }
                double tau = f.dbl("tau");
                if (!(tau > 1) || Double.isInfinite(tau)) {
                    throw f.error("tau", "must be finite and > 1, got " + tau);
                }
                String output = f.has("output") ? f.string("output") : "spikes";
                if (!output.equals("spikes") && !output.equals("membrane")) {
                    throw f.error("output", "must be 'spikes' or 'membrane', got '" + output + "'");
                }
                return new NeuronLayer(name, shape, NeuronLayer.Kind.LIF, tau, f.bool("decay_input"), th, vr, 1f,
                        spiking, output.equals("membrane"));
            }
            default -> throw f.error("type", "unsupported layer type '" + type + "'");
        }
    }

    /**
     * Delta networks: between a {@code delta_encode} or {@code delta_activation} layer and the next weight layer with
     * {@code "delta": true}, the values flowing are changes, which only linear layers may see. Returns the new state.
     */
    private static String checkStream(Layer layer, String deltaStream, Fields f) throws ModelFormatException {
        boolean deltaWeights = (layer instanceof Layer.Linear l && l.delta) || (layer instanceof Layer.Conv2d c
                && c.delta);
        if (deltaWeights) {
            if (deltaStream == null) {
                throw f.error("delta", "is true but the layer receives values, not changes (put a delta_encode or "
                        + "delta_activation layer before it)");
            }
            return null;
        }
        boolean passes = layer instanceof Layer.Flatten || layer instanceof Layer.Identity
                || (layer instanceof Layer.Pool2d p && p.average);
        if (deltaStream != null && !passes) {
            throw f.error("type", "'" + layer.type + "' receives changes from '" + deltaStream + "'; only linear "
                    + "layers (avg_pool2d, flatten, dropout) may sit between a delta layer and the next linear/conv2d "
                    + "layer with \"delta\": true");
        }
        if (layer instanceof Layer.DeltaEncode || layer instanceof Layer.DeltaActivation) {
            return layer.name;
        }
        return deltaStream;
    }

    private static float[] tensor(Fields f, String field, Safetensors.Contents weights, String wf, int... shape)
            throws ModelFormatException {
        String key = f.string(field);
        Safetensors.Tensor t = weights.tensors().get(key);
        if (t == null) {
            throw new ModelFormatException(wf + ": no tensor '" + key + "' (named by " + f.where + " field '" + field
                    + "')");
        }
        long[] actual = t.shape();
        long[] want = Arrays.stream(shape).asLongStream().toArray();
        if (!Arrays.equals(actual, want)) {
            throw new ModelFormatException(wf + ": tensor '" + key + "' has shape " + Arrays.toString(actual)
                    + " but " + f.where + " needs " + Arrays.toString(want));
        }
        if (t.dtype() == Safetensors.DType.I32 || t.dtype() == Safetensors.DType.I64) {
            long[] l = t.toLongArray();
            float[] out = new float[l.length];
            for (int i = 0; i < l.length; i++) {
                out[i] = l[i];
            }
            return out;
        }
        if (t.dtype() != Safetensors.DType.F32) {
            throw new ModelFormatException(wf + ": tensor '" + key + "' is " + t.dtype() + ", expected F32");
        }
        return t.toFloatArray();
    }

    /**
     * A per-layer ({@code [1]}), per-channel ({@code [C]} for a {@code [C, ...]} input) or per-element (the input
     * shape, PyTorch order) tensor, expanded to one value per element of the channels-last buffer.
     */
    private static float[] perElement(Fields f, String field, Safetensors.Contents weights, String wf, int[] shape)
            throws ModelFormatException {
        String key = f.string(field);
        Safetensors.Tensor t = weights.tensors().get(key);
        if (t == null) {
            throw new ModelFormatException(wf + ": no tensor '" + key + "' (named by " + f.where + " field '" + field
                    + "')");
        }
        if (t.dtype() != Safetensors.DType.F32) {
            throw new ModelFormatException(wf + ": tensor '" + key + "' is " + t.dtype() + ", expected F32");
        }
        float[] v = t.toFloatArray();
        int n = Layer.size(shape);
        int c = shape[0];
        int hw = n / c;
        float[] out = new float[n];
        if (v.length == 1) {
            Arrays.fill(out, v[0]);
        } else if (v.length == c && (t.shape().length == 1)) {
            for (int p = 0; p < n; p++) {
                out[p] = v[shape.length == 3 ? p % c : p];
            }
        } else if (v.length == n) {
            for (int p = 0; p < n; p++) {
                // channels-last position p = (y * W + x) * C + ch  <-  PyTorch index ch * H * W + y * W + x
                out[p] = shape.length == 3 ? v[(p % c) * hw + p / c] : v[p];
            }
        } else {
            throw new ModelFormatException(wf + ": tensor '" + key + "' has shape " + Arrays.toString(t.shape())
                    + " but " + f.where + " field '" + field + "' needs [1], [" + c + "] or "
                    + Arrays.toString(shape));
        }
        return out;
    }

    /** Typed access to the fields of one JSON object; errors name the file, the object and the field. */
    private static final class Fields {
        final JsonObject o;
        final String where;

        Fields(JsonObject o, String where) {
            this.o = o;
            this.where = where;
        }

        ModelFormatException error(String field, String msg) {
            return new ModelFormatException(where + ": field '" + field + "' " + msg);
        }

        boolean has(String k) {
            return o.has(k) && !o.get(k).isJsonNull();
        }

        JsonElement get(String k) throws ModelFormatException {
            if (!has(k)) {
                throw new ModelFormatException(where + ": missing field '" + k + "'");
            }
            return o.get(k);
        }

        String string(String k) throws ModelFormatException {
            JsonElement e = get(k);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw error(k, "must be a string, got " + e);
            }
            return e.getAsString();
        }

        double dbl(String k) throws ModelFormatException {
            JsonElement e = get(k);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw error(k, "must be a number, got " + e);
            }
            return e.getAsDouble();
        }

        float number(String k) throws ModelFormatException {
            double d = dbl(k);
            if (Double.isNaN(d)) {
                throw error(k, "is NaN");
            }
            return (float) d;
        }

        int integer(String k) throws ModelFormatException {
            double d = dbl(k);
            if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
                throw error(k, "must be an integer, got " + d);
            }
            return (int) d;
        }

        boolean bool(String k) throws ModelFormatException {
            JsonElement e = get(k);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
                throw error(k, "must be true or false, got " + e);
            }
            return e.getAsBoolean();
        }

        JsonArray array(String k) throws ModelFormatException {
            JsonElement e = get(k);
            if (!e.isJsonArray()) {
                throw error(k, "must be an array, got " + e);
            }
            return e.getAsJsonArray();
        }

        int[] shape(String k) throws ModelFormatException {
            JsonArray a = array(k);
            int[] s = new int[a.size()];
            for (int i = 0; i < s.length; i++) {
                JsonElement e = a.get(i);
                if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber() || e.getAsDouble() < 1
                        || e.getAsDouble() != Math.rint(e.getAsDouble())) {
                    throw error(k, "must hold positive integers, got " + a);
                }
                s[i] = e.getAsInt();
            }
            return s;
        }
    }

    /**
     * The accumulate kernels in use: {@code "vector <species>"} when {@code jdk.incubator.vector} is resolved
     * ({@code --add-modules jdk.incubator.vector}) and {@code -Dsnn4j.runtime.scalar=true} is not set, else
     * {@code "scalar"}.
     */
    public static String kernels() {
        return Kernels.describe();
    }

    /** A new session (its own membranes, buffers and counters). */
    public Session newSession() {
        return new Session(this);
    }

    /** Input shape per sample, PyTorch order ({@code [C, H, W]} or {@code [N]}). */
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** Number of input values per sample. */
    public int inputSize() {
        return Layer.size(inputShape);
    }

    /** Output shape per sample. */
    public int[] outputShape() {
        return layers.isEmpty() ? inputShape.clone() : layers.get(layers.size() - 1).outShape.clone();
    }

    /** Time steps the net was exported with. */
    public int timeSteps() {
        return timeSteps;
    }

    /** Layer names in order. */
    public List<String> layerNames() {
        return layers.stream().map(l -> l.name).toList();
    }

    /** Layer types in order ({@code linear}, {@code iir}, ...). */
    public List<String> layerTypes() {
        return layers.stream().map(l -> l.type).toList();
    }

    List<Layer> layers() {
        return layers;
    }

    /**
     * Steps the output outlasts a finite input: the sum of the delay layers' {@code extend}.
     * {@link Session#runSequence} runs that many zero steps after the last frame.
     */
    public int tailSteps() {
        int n = 0;
        for (Layer l : layers) {
            n += l.extend();
        }
        return n;
    }

    /** Static facts about every layer, in order (for operation and memory accounting). */
    public List<LayerInfo> layerInfo() {
        List<LayerInfo> out = new ArrayList<>();
        for (Layer l : layers) {
            long fanOut = 0;
            int in = Layer.size(l.inShape);
            long dense = l.denseOpsPerStep();
            if (dense > 0) {
                fanOut = dense / in;
            }
            out.add(new LayerInfo(l.name, l.type, l.inShape.clone(), l.outShape.clone(), l.parameterCount(), dense,
                    fanOut, l.stateFloats(), l instanceof NeuronLayer n && !n.membraneOut));
        }
        return out;
    }

    @Override
    public String toString() {
        return "SpikingModel" + Arrays.toString(inputShape) + " T=" + timeSteps + " " + layerNames();
    }

}
