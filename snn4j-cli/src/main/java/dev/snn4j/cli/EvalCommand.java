package dev.snn4j.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.snn4j.data.CifarLoader;
import dev.snn4j.data.ImageDataset;
import dev.snn4j.data.MnistLoader;
import dev.snn4j.model.spikegpt.SpikeGptDir;
import dev.snn4j.recipe.Delays;
import dev.snn4j.recipe.RunEval;
import dev.snn4j.recipe.SpikeGptRecipe;
import dev.snn4j.report.RunReport;
import dev.snn4j.train.Checkpoint;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code snn4j eval RUN_DIR}: evaluates a trained run on its test set and writes {@code RUN_DIR/eval.json} (read by
 * {@code snn4j report}). RUN_DIR is a run folder ({@code runs/demo}: every stage or variant in it) or one stage's
 * checkpoint folder ({@code runs/demo/snn-T1}). IIR-SNN, delays and delta runs print the test accuracy and the firing
 * rate per layer (and record a spike raster of the first test sample); a SpikeGPT model directory prints held-out
 * bits per character. The data location comes from the run's {@code resolved-config.json} unless {@code --data}
 * gives it.
 *
 * <pre>{@code
 * ./snn4j eval runs/demo
 * ./snn4j eval runs/fmnist/snn-T1 --data ../shared/data/fashion_mnist
 * ./snn4j eval runs/sg --eval-tokens 20000
 * }</pre>
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate a trained run (IIR-SNN, delays, delta: accuracy + firing rates; SpikeGPT: held-out "
                + "bits per character)", "and write RUN_DIR/eval.json for 'snn4j report'."})
final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "Run folder or one stage's checkpoint folder.")
    Path run;

    @Option(names = "--data", description = "Data folder (IIR: MNIST-format or CIFAR-10; delays: FSDD recordings "
            + "when the run holds no spike cache; delta: N-MNIST / IDX folder; SpikeGPT: the corpus file). Default: "
            + "the one the run recorded.")
    Path data;

    @Option(names = "--format", description = "IIR data layout: mnist or cifar (default: the run's, else mnist).")
    String format;

    @Option(names = "--eval-batch", defaultValue = "200", description = "Images per batch (default ${DEFAULT-VALUE}).")
    int evalBatch;

    @Option(names = "--eval-tokens", defaultValue = "0", description = "SpikeGPT: score at most this many held-out "
            + "tokens (0 = all).")
    int evalTokens;

    @Override
    public Integer call() throws IOException {
        TrainCommand.require(spec.commandLine(), evalBatch >= 1, "--eval-batch", "must be >= 1", evalBatch);
        TrainCommand.require(spec.commandLine(), evalTokens >= 0, "--eval-tokens", "must be >= 0", evalTokens);
        TrainCommand.require(spec.commandLine(), format == null || format.equals("mnist") || format.equals("cifar"),
                "--format", "expected mnist or cifar", format);
        if (!Files.isDirectory(run)) {
            throw new IllegalStateException(run + ": not a directory (expected a run folder written by snn4j train "
                    + "or demo)");
        }
        PrintWriter w = spec.commandLine().getOut();
        if (Files.isRegularFile(run.resolve(SpikeGptDir.CONFIG)) && Files.isRegularFile(run.resolve(SpikeGptDir.WEIGHTS))) {
            return spikeGpt(w);
        }
        List<Path> stages = stages(run);
        if (stages.isEmpty()) {
            throw new IllegalStateException(run + ": no checkpoints found (expected stage folders such as snn-T1/ "
                    + "with step-N/checkpoint.json, or a SpikeGPT model directory)");
        }
        String recipe = String.valueOf(RunEval.latest(stages.get(0)).state().config().get("recipe"));
        Path root = stages.size() == 1 && stages.get(0).equals(run) ? run.toAbsolutePath().getParent() : run;
        Map<String, Object> resolved = resolvedConfig(run, root);
        List<RunEval.Evaluation> evals = new ArrayList<>();
        switch (recipe) {
            case "iir-snn" -> {
                Path dir = data != null ? data : path(resolved, "data");
                String fmt = format != null ? format : resolved.getOrDefault("format", "mnist").toString();
                ImageDataset train = fmt.equals("cifar") ? CifarLoader.load(dir, CifarLoader.Split.TRAIN)
                        : MnistLoader.load(dir, true);
                ImageDataset test = fmt.equals("cifar") ? CifarLoader.load(dir, CifarLoader.Split.TEST)
                        : MnistLoader.load(dir, false);
                for (Path s : stages) {
                    evals.add(RunEval.iir(s, train, test, evalBatch));
                    print(w, evals.get(evals.size() - 1));
                }
            }
            case "delays" -> {
                Path recordings = data != null ? data : resolved.containsKey("data") ? path(resolved, "data") : root;
                Delays.Data d = Delays.loadFsdd(recordings, root);
                for (Path s : stages) {
                    evals.add(RunEval.delays(s, d));
                    print(w, evals.get(evals.size() - 1));
                }
            }
            case "delta" -> {
                for (Path s : stages) {
                    evals.add(RunEval.delta(s, data));
                    print(w, evals.get(evals.size() - 1));
                }
            }
            default -> throw new IllegalStateException(stages.get(0) + ": checkpoints of recipe '" + recipe
                    + "', which snn4j eval does not know (iir-snn, delays, delta, SpikeGPT model directories)");
        }
        Path file = RunReport.writeEvaluations(run, recipe, evals, Map.of());
        w.printf("wrote %s; ./snn4j report %s draws it%n", file, run);
        w.flush();
        return 0;
    }

    private int spikeGpt(PrintWriter w) throws IOException {
        Map<String, Double> rates = new LinkedHashMap<>();
        double[] r = SpikeGptRecipe.evaluate(run, data, evalTokens, rates);
        JsonObject cfg = JsonParser.parseString(Files.readString(run.resolve(SpikeGptDir.CONFIG))).getAsJsonObject();
        JsonElement tok = cfg.has("training") ? cfg.getAsJsonObject("training").get("tokenizer") : null;
        String unit = tok == null || tok.getAsString().equals("char") ? "character" : "token";
        w.printf(Locale.ROOT, "held-out: %.4f bits per %s over %.0f tokens%n", r[0], unit, r[1]);
        if (!rates.isEmpty()) {
            w.print("firing rates:");
            rates.forEach((k, v) -> w.printf(Locale.ROOT, " %s %.4f", k, v));
            w.println();
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("bits_per_token", r[0]);
        extra.put("token", unit);
        extra.put("tokens", r[1]);
        RunEval.Evaluation e = new RunEval.Evaluation("held-out", 1, Double.NaN, (long) r[1], rates, Map.of(),
                Map.of("bits_per_token", r[0]));
        Path file = RunReport.writeEvaluations(run, "spikegpt", List.of(e), extra);
        w.printf("wrote %s%n", file);
        w.flush();
        return 0;
    }

    private static void print(PrintWriter w, RunEval.Evaluation e) {
        w.printf(Locale.ROOT, "%-22s T=%-3d test accuracy %6.2f %% (%d samples)", e.name(), e.timeSteps(),
                100 * e.accuracy(), e.samples());
        if (!e.firingRates().isEmpty()) {
            w.print(", firing rates");
            e.firingRates().forEach((k, v) -> w.printf(Locale.ROOT, " %s %.4f", k, v));
        }
        w.println();
        w.flush();
    }

    /** The folder itself if it holds checkpoints, else its sub-folders that do (IIR: ann first, then T down). */
    static List<Path> stages(Path dir) throws IOException {
        if (Checkpoint.loadLatest(dir).isPresent()) {
            return List.of(dir);
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path p : ds) {
                if (!p.getFileName().toString().startsWith(".") && Checkpoint.loadLatest(p).isPresent()) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.comparingInt(EvalCommand::rank).thenComparing(p -> p.getFileName().toString()));
        return out;
    }

    private static int rank(Path p) {
        String n = p.getFileName().toString();
        if (n.equals("ann")) {
            return -1000;
        }
        return n.startsWith("snn-T") && n.substring(5).matches("\\d+") ? -Integer.parseInt(n.substring(5)) : 0;
    }

    /** The run's resolved-config.json (in the folder or, for a stage folder, its parent), or an empty map. */
    private static Map<String, Object> resolvedConfig(Path run, Path root) throws IOException {
        for (Path p : new Path[] {run.resolve(ConfigOption.RESOLVED), root.resolve(ConfigOption.RESOLVED)}) {
            if (Files.isRegularFile(p)) {
                try {
                    Map<String, Object> m = new LinkedHashMap<>();
                    JsonParser.parseString(Files.readString(p)).getAsJsonObject().entrySet().forEach(e ->
                            m.put(e.getKey(), e.getValue().isJsonPrimitive() ? e.getValue().getAsString()
                                    : e.getValue().toString()));
                    return m;
                } catch (RuntimeException e) {
                    throw new IOException(p + ": expected a JSON object: " + e.getMessage(), e);
                }
            }
        }
        return Map.of();
    }

    private Path path(Map<String, Object> resolved, String key) {
        Object v = resolved.get(key);
        if (v == null || v.toString().equals("null")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing option '--data': the run records no "
                    + "data folder (no " + ConfigOption.RESOLVED + "), so give it with --data");
        }
        return Path.of(v.toString());
    }
}
