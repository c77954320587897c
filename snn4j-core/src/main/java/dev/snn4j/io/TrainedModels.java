package dev.snn4j.io;

import ai.djl.ndarray.NDManager;
import dev.snn4j.io.nir.NirConverter;
import dev.snn4j.io.nir.NirGraph;
import dev.snn4j.layer.Sequential;
import dev.snn4j.model.DelayNet;
import dev.snn4j.model.Vgg;
import dev.snn4j.model.VggConfig;
import dev.snn4j.nn.Module;
import dev.snn4j.recipe.Delta;
import dev.snn4j.runtime.io.Safetensors;
import dev.snn4j.surrogate.PiecewiseLinear;
import dev.snn4j.train.Checkpoint;
import dev.snn4j.train.StateDict;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Rebuilds a trained model from a recipe's checkpoint (the {@code config} its {@code checkpoint.json} records plus
 * {@code model.safetensors}) and exports it for the runtime or as NIR. Recipes: {@code iir-snn} (an IIR VGG SNN stage;
 * image size, channels and classes read from the weight shapes), {@code delays} ({@link DelayNet}; sequence length
 * {@code max_seconds / bin_seconds}), {@code delta} (the {@link Delta} CNN; frames from the data set name).
 *
 * <p>The source may be a checkpoint directory ({@code step-N/} with {@code checkpoint.json}), a stage directory with a
 * {@code latest} pointer, or a run directory holding such stage directories: then the most recently written spiking
 * stage is taken ({@link Loaded#note()} says which).
 *
 * <pre>{@code
 * TrainedModels.Loaded l = TrainedModels.load(Path.of("runs/fmnist"), manager);   // the newest SNN stage
 * TrainedModels.exportRuntime(l, Path.of("out/fmnist-rt"));
 * }</pre>
 */
public final class TrainedModels {
    private TrainedModels() {
    }

    /**
     * A rebuilt model in evaluation mode.
     *
     * @param model      the module ({@link Vgg}, {@link DelayNet} or a {@link Sequential})
     * @param recipe     the recipe that trained it
     * @param inputShape one sample's (or one frame's) shape
     * @param timeSteps  its time steps (sequence length for sequence models)
     * @param checkpoint the checkpoint directory read
     * @param note       which checkpoint was chosen and why
     */
    public record Loaded(Module model, String recipe, long[] inputShape, int timeSteps, Path checkpoint, String note) {
    }

    /** Loads the model of {@code source} (see the class comment). */
    public static Loaded load(Path source, NDManager manager) throws IOException {
        if (!Files.isDirectory(source)) {
            throw new IOException(source + ": not a directory (expected a run, stage or checkpoint directory)");
        }
        Checkpoint ck;
        String note;
        if (Files.isRegularFile(source.resolve(Checkpoint.INFO_FILE))) {
            ck = Checkpoint.open(source);
            note = "checkpoint " + source;
        } else if (Files.exists(source.resolve(Checkpoint.LATEST))) {
            ck = Checkpoint.loadLatest(source).orElseThrow(() -> new IOException(source
                    + ": its 'latest' pointer names no complete checkpoint"));
            note = "latest checkpoint of " + source + ": " + ck.dir().getFileName();
        } else {
            List<Checkpoint> stages = new ArrayList<>();
            try (Stream<Path> s = Files.list(source)) {
                for (Path p : s.filter(Files::isDirectory).sorted().toList()) {
                    Optional<Checkpoint> c = Checkpoint.loadLatest(p);
                    c.ifPresent(stages::add);
                }
            }
            List<Checkpoint> spiking = stages.stream().filter(c -> !"ann".equals(c.state().config().get("stage")))
                    .toList();
            if (spiking.isEmpty()) {
                throw new IOException(source + ": no checkpoint found (expected checkpoint.json, a 'latest' pointer, "
                        + "or stage directories holding them)");
            }
            ck = spiking.stream().max(Comparator.comparing(Checkpoint::created)).orElseThrow();
            note = "newest of " + spiking.size() + " stages in " + source + ": " + source.relativize(ck.dir())
                    + " (pass a stage directory to choose another)";
        }
        Map<String, Object> cfg = ck.state().config();
        Object recipe = cfg.get("recipe");
        Path weights = ck.dir().resolve(Checkpoint.MODEL_FILE);
        if (recipe == null) {
            throw new IOException(ck.dir().resolve(Checkpoint.INFO_FILE) + ": field 'config.recipe' is missing; "
                    + "cannot tell which model to rebuild");
        }
        return switch (recipe.toString()) {
            case "iir-snn" -> iir(ck, cfg, weights, manager, note);
            case "delays" -> delays(ck, cfg, weights, manager, note);
            case "delta" -> delta(ck, cfg, weights, manager, note);
            default -> throw new IOException(ck.dir().resolve(Checkpoint.INFO_FILE) + ": field 'config.recipe' is '"
                    + recipe + "'; export knows iir-snn, delays and delta");
        };
    }

    /** Writes {@code graph.json + weights.safetensors} for the runtime. */
    public static void exportRuntime(Loaded l, Path dir) throws IOException {
        GraphExport.export(l.model(), l.inputShape(), l.timeSteps(), dir);
    }

    /**
     * The NIR graph with time step {@code dt} (seconds). A {@link DelayNet} goes through
     * {@link DelayNet#evaluationChain} (batch norm folded; learned delays as Linear + Delay branches).
     *
     * @throws IllegalArgumentException naming the module NIR cannot express (IIR neurons, delta activations...)
     */
    public static NirGraph toNir(Loaded l, double dt, NDManager manager) {
        Module m = l.model() instanceof DelayNet d ? d.evaluationChain(manager) : l.model();
        try {
            return NirConverter.export(m, l.inputShape(), dt);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot export the " + l.recipe() + " model of " + l.checkpoint()
                    + " to NIR: " + e.getMessage(), e);
        }
    }

    private static IOException bad(Checkpoint ck, String field, Object value, String expected) {
        return new IOException(ck.dir().resolve(Checkpoint.INFO_FILE) + ": field 'config." + field + "' is " + value
                + "; expected " + expected);
    }

    private static String str(Checkpoint ck, Map<String, Object> cfg, String field) throws IOException {
        Object v = cfg.get(field);
        if (v == null) {
            throw bad(ck, field, "missing", "a value");
        }
        return v.toString();
    }

    private static double num(Checkpoint ck, Map<String, Object> cfg, String field) throws IOException {
        Object v = cfg.get(field);
        if (!(v instanceof Number n)) {
            throw bad(ck, field, v, "a number");
        }
        return n.doubleValue();
    }

    private static long[] shape(Safetensors.Contents c, Path file, String name) throws IOException {
        Safetensors.Tensor t = c.tensors().get(name);
        if (t == null) {
            throw new IOException(file + ": no tensor '" + name + "'");
        }
        return t.shape();
    }

    private static Loaded iir(Checkpoint ck, Map<String, Object> cfg, Path weights, NDManager m, String note)
            throws IOException {
        if ("ann".equals(cfg.get("stage"))) {
            throw new IOException(ck.dir() + ": the 'ann' stage is the non-spiking twin; export an snn-T* stage");
        }
        List<String> features = Arrays.asList(str(ck, cfg, "features").split(","));
        int[] hidden = ints(ck, "hidden", str(ck, cfg, "hidden"));
        int t = (int) num(ck, cfg, "time_steps");
        Safetensors.Contents c = Safetensors.read(weights);
        long[] w1 = shape(c, weights, "conv1.weight");
        long[] cls = shape(c, weights, "classifier.weight");
        long flat = shape(c, weights, hidden.length > 0 ? "fc1.weight" : "classifier.weight")[1];
        long lastC = 0;
        int pools = 0;
        for (String f : features) {
            if (f.equals("A")) {
                pools++;
            } else {
                lastC = Long.parseLong(f.trim());
            }
        }
        long side = Math.round(Math.sqrt((double) flat / lastC));
        if (side * side * lastC != flat) {
            throw new IOException(weights + ": fc input " + flat + " is not " + lastC + " x S x S");
        }
        int size = (int) (side << pools);
        VggConfig vc = new VggConfig(str(ck, cfg, "model"), (int) w1[1], size, features, hidden, (int) cls[0], 0.1);
        double gamma = cfg.get("gamma") instanceof Number g ? g.doubleValue() : 0.3;
        Vgg snn = Vgg.snn(m, vc, new PiecewiseLinear(gamma), t);
        StateDict.load(weights, snn);
        snn.eval();
        return new Loaded(snn, "iir-snn", new long[] {vc.inChannels(), size, size}, t, ck.dir(), note);
    }

    private static int[] ints(Checkpoint ck, String field, String s) throws IOException {
        String body = s.replaceAll("[\\[\\]\\s]", "");
        if (body.isEmpty()) {
            return new int[0];
        }
        try {
            return Arrays.stream(body.split(",")).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw bad(ck, field, "'" + s + "'", "a list of integers like [256]");
        }
    }

    private static final Pattern DELAY_NET = Pattern.compile("inputs=(\\d+), hidden=\\[([\\d, ]*)], classes=(\\d+), "
            + "D=(\\d+), dropout=([-\\d.eE]+), tau=([-\\d.eE]+), mode=(\\w+)");

    private static Loaded delays(Checkpoint ck, Map<String, Object> cfg, Path weights, NDManager m, String note)
            throws IOException {
        String net = str(ck, cfg, "net");
        Matcher x = DELAY_NET.matcher(net);
        if (!x.find()) {
            throw bad(ck, "net", "'" + net + "'", "DelayNet.Config[inputs=.., hidden=[..], classes=.., D=.., "
                    + "dropout=.., tau=.., mode=..]");
        }
        DelayNet.Mode mode;
        try {
            mode = DelayNet.Mode.valueOf(x.group(7));
        } catch (IllegalArgumentException e) {
            throw bad(ck, "net", "mode '" + x.group(7) + "'", "NONE, FIXED_RANDOM or LEARNED");
        }
        DelayNet.Config dc = new DelayNet.Config(Integer.parseInt(x.group(1)), ints(ck, "net", x.group(2)),
                Integer.parseInt(x.group(3)), Integer.parseInt(x.group(4)), Double.parseDouble(x.group(5)),
                Double.parseDouble(x.group(6)), mode);
        DelayNet d = new DelayNet(m, dc);
        StateDict.load(weights, d);
        d.eval();
        int t = (int) Math.round(num(ck, cfg, "max_seconds") / num(ck, cfg, "bin_seconds"));
        return new Loaded(d, "delays", new long[] {dc.inputs()}, t, ck.dir(), note);
    }

    private static Loaded delta(Checkpoint ck, Map<String, Object> cfg, Path weights, NDManager m, String note)
            throws IOException {
        String data = str(ck, cfg, "data");
        int[] chw = switch (data) {
            case "nmnist" -> new int[] {2, 34, 34};
            case "moving" -> new int[] {1, 64, 64};
            default -> throw bad(ck, "data", "'" + data + "'", "nmnist or moving");
        };
        Safetensors.Contents c = Safetensors.read(weights);
        int classes = (int) shape(c, weights, "fc2.weight")[0];
        // theta0 is overwritten by the loaded weights; the granularity fixes the theta shapes
        Sequential net = Delta.model(m, chw, classes, 0.05,
                Delta.granularity(cfg, ck.dir().resolve(Checkpoint.INFO_FILE)));
        StateDict.load(weights, net);
        net.eval();
        int frames = (int) num(ck, cfg, "frames");
        return new Loaded(net, "delta", new long[] {chw[0], chw[1], chw[2]}, frames, ck.dir(), note);
    }
}
