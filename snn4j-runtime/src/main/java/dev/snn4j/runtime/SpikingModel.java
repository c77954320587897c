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
 * repeat_time, dropout, lif, if, iir, membrane_accumulator, mean_over_time}.
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
        for (int i = 0; i < arr.size(); i++) {
            if (!arr.get(i).isJsonObject()) {
                throw new ModelFormatException(gf + ": layers[" + i + "] is not an object");
            }
            JsonObject lo = arr.get(i).getAsJsonObject();
            String where0 = gf + ": layers[" + i + "]";
            String name = new Fields(lo, where0).string("name");
            Fields f = new Fields(lo, where0 + " (" + name + ")");
            Layer layer = parseLayer(f, name, shape, weights, wf);
            layers.add(layer);
            shape = layer.outShape;
        }
        return new SpikingModel(inputShape, timeSteps, Collections.unmodifiableList(layers));
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
                return new Layer.Linear(name, in, out, wt, b);
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
                return new Layer.Conv2d(name, shape, cout, k, stride, pad, w, b);
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
                    return new NeuronLayer(name, shape, NeuronLayer.Kind.IF, 2.0, false, th, vr, 1f, spiking);
                }
                double tau = f.dbl("tau");
                if (!(tau > 1) || Double.isInfinite(tau)) {
                    throw f.error("tau", "must be finite and > 1, got " + tau);
                }
                return new NeuronLayer(name, shape, NeuronLayer.Kind.LIF, tau, f.bool("decay_input"), th, vr, 1f,
                        spiking);
            }
            default -> throw f.error("type", "unsupported layer type '" + type + "'");
        }
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
        if (t.dtype() != Safetensors.DType.F32) {
            throw new ModelFormatException(wf + ": tensor '" + key + "' is " + t.dtype() + ", expected F32");
        }
        return t.toFloatArray();
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

    @Override
    public String toString() {
        return "SpikingModel" + Arrays.toString(inputShape) + " T=" + timeSteps + " " + layerNames();
    }

}
