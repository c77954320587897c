package dev.snn4j.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code snn4j train delta}'s fine-tuning / sweep options (usage errors before any data is read, config files), and
 * a tiny fine-tuned run on the repository's Fashion-MNIST subset followed by {@code eval} and {@code report} on its
 * run folder (fine-tuned variants and the sp 0 control included).
 */
class TrainDeltaCliTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void newOptionsAreValidatedBeforeTheDataIsRead() {
        String nowhere = tmp.resolve("no-such-data").toString();
        Map<List<String>, String> bad = new LinkedHashMap<>();
        bad.put(List.of("--sp", "1", "--sweep", "1,4"), "--sweep");
        bad.put(List.of("--sweep", "1,0"), "--sweep");
        bad.put(List.of("--sweep", "4,4"), "--sweep");
        bad.put(List.of("--finetune-epochs", "-1"), "--finetune-epochs");
        bad.put(List.of("--finetune-epochs", "2", "--epochs", "0"), "--epochs");
        bad.put(List.of("--finetune-lr", "1e-3"), "--finetune-lr");
        bad.put(List.of("--theta-scale", "2"), "--theta-scale");
        bad.put(List.of("--control", "false"), "--control");
        bad.put(List.of("--finetune-epochs", "2", "--theta-scale", "0"), "--theta-scale");
        bad.put(List.of("--finetune-epochs", "2", "--finetune-lr", "-1"), "--finetune-lr");
        bad.put(List.of("--layer-weights", "4,1"), "--layer-weights");
        bad.put(List.of("--layer-weights", "4,-1,1"), "--layer-weights");
        bad.put(List.of("--granularity", "pixel"), "--granularity");
        bad.put(List.of("--sp-norm", "l2"), "--sp-norm");
        bad.put(List.of("--sp-theta-grad", "maybe"), "--sp-theta-grad");
        bad.forEach((opts, option) -> {
            List<String> args = new java.util.ArrayList<>(List.of("train", "delta", "--data", nowhere));
            args.addAll(opts);
            CliRun r = run(args.toArray(String[]::new));
            assertEquals(2, r.code(), opts + ": " + r.err());
            assertTrue(r.err().contains(option), opts + ": " + r.err());
        });
        // valid fine-tuning options: past validation, the missing data folder is the error
        CliRun r = run("train", "delta", "--data", nowhere, "--out", tmp.resolve("o").toString(), "--finetune-epochs",
                "2", "--sweep", "1,4", "--theta-scale", "2", "--sp-norm", "activity", "--layer-weights", "4,1,1",
                "--granularity", "layer", "--sp-theta-grad", "false", "--control", "false");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("snn4j: error: " + nowhere), r.err());
    }

    @Test
    void configFileSweepAndCommandLinePrecedence() throws Exception {
        Path cfg = tmp.resolve("d.json");
        Files.writeString(cfg, "{\"command\": \"train delta\", \"sp\": 2, \"layer-weights\": [4, 1, 1], "
                + "\"finetune-epochs\": 3}");
        CommandLine cl = Snn4j.newCommandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        CommandLine.ParseResult pr = cl.parseArgs("train", "delta", "--config", cfg.toString(), "--sweep", "1,4");
        TrainDeltaCommand c = pr.subcommand().subcommand().commandSpec().commandLine().getCommand();
        c.config.apply();
        assertArrayEquals(new double[] {4, 1, 1}, c.layerWeights);
        assertEquals(3, c.finetuneEpochs);
        assertEquals(List.of(4.0, 1.0, 1.0), c.config.resolved().get("layer-weights"));
        // --sp from the file, --sweep on the command line: the command line wins (no "not both" error)
        CliRun r = run("train", "delta", "--config", cfg.toString(), "--sweep", "1,4", "--data",
                tmp.resolve("none").toString(), "--out", tmp.resolve("o").toString());
        assertEquals(1, r.code(), r.err());
        Files.writeString(cfg, "{\"layer-weights\": [4, \"x\", 1]}");
        r = run("train", "delta", "--config", cfg.toString(), "--data", tmp.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("key 'layer-weights'") && r.err().contains("element 1"), r.err());
    }

    /** (a), the fine-tuned sp 0 control and one fine-tuned sp 2 variant, one theta per layer; then eval and report. */
    @Test
    void fineTunedRunThenEvalAndReport() throws Exception {
        Path data = Path.of("..", "data", "fashion-mnist-small");
        Assumptions.assumeTrue(Files.isDirectory(data), "no " + data);
        Path out = tmp.resolve("run");
        CliRun r = run("train", "delta", "--dataset", "moving", "--data", data.toString(), "--train-clips", "8",
                "--test-clips", "4", "--frames", "3", "--epochs", "1", "--batch", "4", "--finetune-epochs", "1",
                "--sweep", "2", "--granularity", "layer", "--timed-clips", "1", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> variants = List.of("a-no-sparsity-loss-layer", "b-sp0-ft1-lr0.0001-layer",
                "b-sp2-ft1-lr0.0001-layer");
        JsonObject results = JsonParser.parseString(Files.readString(out.resolve("moving-results.json")))
                .getAsJsonObject();
        JsonArray rows = results.getAsJsonArray("variants");
        assertEquals(variants, rows.asList().stream().map(v -> v.getAsJsonObject().get("variant").getAsString())
                .toList());
        assertTrue(!rows.get(0).getAsJsonObject().has("finetuned_from"), "(a) is trained from scratch");
        assertEquals(variants.get(0), rows.get(2).getAsJsonObject().get("finetuned_from").getAsString());
        for (String v : variants) {
            assertTrue(Files.isDirectory(out.resolve("moving-" + v)), v);
        }
        assertTrue(Files.readString(out.resolve("metrics.jsonl")).contains("moving-" + variants.get(2)));

        r = run("eval", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonObject eval = JsonParser.parseString(Files.readString(out.resolve("eval.json"))).getAsJsonObject();
        Map<String, Double> evalAcc = new LinkedHashMap<>();
        for (JsonElement e : eval.getAsJsonArray("evaluations")) {
            evalAcc.put(e.getAsJsonObject().get("name").getAsString(),
                    e.getAsJsonObject().get("accuracy").getAsDouble());
        }
        assertEquals(new java.util.TreeSet<>(variants), evalAcc.keySet().stream()
                .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new)));
        // the rebuilt nets (one theta per layer, from the checkpoints) score what training reported
        for (JsonElement row : rows) {
            JsonObject o = row.getAsJsonObject();
            assertEquals(o.get("accuracy").getAsDouble(), evalAcc.get(o.get("variant").getAsString()), 1e-9,
                    o.get("variant").getAsString());
        }

        // export rebuilds the net from the checkpoint's recorded granularity (one theta per layer here)
        Path exported = tmp.resolve("exported");
        r = run("export", out.resolve("moving-" + variants.get(2)).toString(), "--format", "runtime", "--out",
                exported.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(exported.resolve("graph.json")), r.out());

        r = run("report", out.toString());
        assertEquals(0, r.code(), r.err());
        String page = Files.readString(out.resolve("report.html"));
        for (String v : variants) {
            assertTrue(page.contains("<tr><td>" + v + "</td>"), v);
        }
        assertTrue(page.contains("<tr><td>" + variants.get(0) + "</td><td>0.0</td><td>-</td>"), "(a) from scratch");
        assertTrue(page.contains("<tr><td>" + variants.get(2) + "</td><td>2.0</td><td>" + variants.get(0) + "</td>"),
                "a fine-tuned row names (a)");
        // the per-layer energy table of every variant (energy.json, written by the recipe)
        for (String v : variants) {
            assertTrue(page.contains("<h4>moving-" + v + "</h4>"), v);
        }
        assertTrue(page.contains("<td>input_delta</td><td>delta_encode</td>") && page.contains("<td><b>total</b></td>"),
                "rows and totals");
    }
}
