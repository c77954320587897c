package dev.snn4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --config} precedence and errors, the example files under docs/configs, the new subcommands' usage errors
 * (all detected before any data is read) and {@code snn4j report} on a synthetic run directory. No engine work.
 */
class ConfigAndReportCliTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.run(args);
    }

    /** Parses {@code args} for {@code train delays} and applies the config, without running anything. */
    private static TrainDelaysCommand parseDelays(String... args) {
        CommandLine cl = Snn4j.newCommandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        CommandLine.ParseResult pr = cl.parseArgs(args);
        CommandLine sub = pr.subcommand().subcommand().commandSpec().commandLine();
        TrainDelaysCommand cmd = sub.getCommand();
        cmd.config.apply();
        return cmd;
    }

    private Path write(String name, String json) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, json);
        return p;
    }

    @Test
    void precedenceIsDefaultsThenFileThenFlags() throws Exception {
        Path cfg = write("d.json", "{\"command\": \"train delays\", \"epochs\": 3, \"batch\": 16, "
                + "\"hidden\": [32, 16], \"mode\": \"fixed_random\"}");
        TrainDelaysCommand c = parseDelays("train", "delays", "--config", cfg.toString(), "--batch", "8");
        assertEquals(3, c.epochs, "file beats default");
        assertEquals(8, c.batch, "flag beats file");
        assertArrayEquals(new int[] {32, 16}, c.hidden);
        assertEquals(TrainDelaysCommand.Mode.fixed_random, c.mode);
        assertEquals(13, c.maxDelay, "default when neither sets it");
        assertTrue(c.config.fromFile("--epochs") && !c.config.fromFile("--batch"));
        Map<String, Object> resolved = c.config.resolved();
        assertEquals("train delays", resolved.get("command"));
        assertEquals(8, resolved.get("batch"));
        assertEquals(0L, resolved.get("seed"));
        assertFalse(resolved.containsKey("config") || resolved.containsKey("help") || resolved.containsKey("verbose"));
    }

    @Test
    void resolvedConfigIsWrittenAtomicallyAndReadsBack() throws Exception {
        TrainDelaysCommand c = parseDelays("train", "delays", "--epochs", "2", "--hidden", "8,8", "--out",
                tmp.resolve("run").toString());
        assertEquals("", c.config.writeResolved(tmp.resolve("run")));
        Path file = tmp.resolve("run").resolve(ConfigOption.RESOLVED);
        assertTrue(Files.isRegularFile(file));
        try (var s = Files.list(tmp.resolve("run"))) {
            assertEquals(1, s.count(), "no temporary file left behind");
        }
        TrainDelaysCommand again = parseDelays("train", "delays", "--config", file.toString());
        assertEquals(c.config.resolved(), again.config.resolved(), "a rerun from the file has the same settings");
        TrainDelaysCommand changed = parseDelays("train", "delays", "--config", file.toString(), "--epochs", "5");
        assertTrue(changed.config.writeResolved(tmp.resolve("run")).contains("epochs 2 -> 5"));
    }

    @Test
    void configErrorsNameTheFileTheKeyAndWhatWasExpected() throws Exception {
        String[][] cases = {
            {"{\"btach\": 3}", "unknown key 'btach'"},
            {"{\"epochs\": \"six\"}", "key 'epochs': expected an integer, got the string \"six\""},
            {"{\"epochs\": 2.5}", "key 'epochs': expected an integer"},
            {"{\"hidden\": [128, \"x\"]}", "key 'hidden': expected an array of integers"},
            {"{\"mode\": \"sometimes\"}", "key 'mode': expected one of \"none\" \"fixed_random\" \"learned\" \"all\""},
            {"{\"dropout\": true}", "key 'dropout': expected a number, got the boolean true"},
            {"{\"batch\": 0}", "key 'batch': must be >= 1, got 0"},
            {"{\"dropout\": 1.5}", "key 'dropout': must be in [0, 1), got 1.5"},
            {"{\"command\": \"train iir\"}", "written for 'snn4j train iir', not 'snn4j train delays'"},
            {"[1, 2]", "expected a JSON object"},
            {"{\"epochs\": 3,}", "not valid JSON"},
        };
        for (String[] c : cases) {
            Path f = write("bad.json", c[0]);
            CliRun r = run("train", "delays", "--config", f.toString(), "--data", tmp.toString());
            assertEquals(2, r.code(), c[0] + " -> " + r.err());
            String first = r.err().lines().findFirst().orElse("");
            assertTrue(first.contains(f.toString()) && first.contains(c[1]), c[0] + " -> " + first);
            assertFalse(r.err().contains("Exception"), r.err());
        }
        CliRun missing = run("train", "delays", "--config", tmp.resolve("nope.json").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().startsWith("config file not found: "), missing.err());
    }

    @Test
    void flagsStillGetOptionStyleMessages() {
        CliRun r = run("train", "delays", "--batch", "0", "--data", tmp.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("Invalid value for option '--batch': must be >= 1, got 0"), r.err());
    }

    @Test
    void exampleConfigsParseForTheirCommands() throws Exception {
        Path dir = Path.of(System.getProperty("user.dir")).resolveSibling("docs").resolve("configs");
        Map<String, List<String>> files = Map.of("demo.json", List.of("demo"), "iir.json", List.of("train", "iir"),
                "delays.json", List.of("train", "delays"), "delta.json", List.of("train", "delta"),
                "spikegpt.json", List.of("train", "spikegpt"));
        for (Map.Entry<String, List<String>> e : files.entrySet()) {
            Path f = dir.resolve(e.getKey());
            assertTrue(Files.isRegularFile(f), f.toString());
            CommandLine cl = Snn4j.newCommandLine(new PrintWriter(new StringWriter()),
                    new PrintWriter(new StringWriter()));
            List<String> args = new java.util.ArrayList<>(e.getValue());
            args.add("--config");
            args.add(f.toString());
            CommandLine.ParseResult pr = cl.parseArgs(args.toArray(new String[0]));
            while (pr.hasSubcommand()) {
                pr = pr.subcommand();
            }
            Object cmd = pr.commandSpec().commandLine().getCommand();
            ConfigOption config = (ConfigOption) pr.commandSpec().mixins().get("config").userObject();
            config.apply();   // throws a ParameterException on any unknown key or wrong type
            assertEquals(String.join(" ", e.getValue()), config.resolved().get("command"), e.getKey());
            if (cmd instanceof TrainDelaysCommand d) {
                assertEquals(6, d.epochs);
            }
        }
    }

    @Test
    void newSubcommandsHaveHelpAndReportUsageErrorsBeforeReadingData() {
        for (String[] help : new String[][] {{"train", "delays", "--help"}, {"train", "delta", "--help"},
                {"eval", "--help"}, {"report", "--help"}}) {
            CliRun r = run(help);
            assertEquals(0, r.code(), String.join(" ", help));
            assertTrue(r.out().contains("--") && r.out().contains("Usage"), r.out());
        }
        assertTrue(run("train", "delays", "--help").out().contains("--config"));
        // the data folders do not exist: a usage error must win over the missing data
        String nowhere = tmp.resolve("no-such-data").toString();
        assertEquals(2, run("train", "delays", "--data", nowhere, "--hidden", "0").code());
        assertEquals(2, run("train", "delays", "--data", nowhere, "--mode", "sometimes").code());
        assertEquals(2, run("train", "delays", "--data", nowhere, "--bin-ms", "30", "--max-seconds", "0.01").code());
        assertEquals(2, run("train", "delays", "--out", tmp.resolve("fresh").toString()).code(), "--data is required");
        assertEquals(2, run("train", "delta", "--data", nowhere, "--sp", "0").code());
        assertEquals(2, run("train", "delta", "--data", nowhere, "--batch", "64", "--train-clips", "10").code());
        assertEquals(2, run("train", "delta", "--dataset", "cifar", "--data", nowhere).code());
        assertEquals(2, run("train", "delta").code(), "--data is required");
        assertEquals(2, run("train", "iir").code(), "--data is required");
        assertEquals(2, run("eval").code(), "RUN_DIR is required");
        assertEquals(2, run("eval", tmp.toString(), "--eval-batch", "0").code());
        assertEquals(2, run("report").code());
        // and with valid options, a missing folder is a one-line failure
        CliRun r = run("train", "delays", "--data", nowhere, "--out", tmp.resolve("o").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("snn4j: error: " + nowhere), r.err());
        assertEquals(1, run("eval", nowhere).code());
        assertEquals(1, run("report", nowhere).code());
    }

    @Test
    void reportOnASyntheticRunDirIsSelfContainedHtml() throws Exception {
        Path dir = tmp.resolve("iir-run");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("metrics.jsonl"), """
                {"stage":"ann","epoch":1,"train_loss":1.2,"train_accuracy":0.6}
                {"stage":"ann","epoch":2,"train_loss":0.8,"train_accuracy":0.75}
                {"stage":"snn-T5","epoch":1,"time_steps":5,"train_loss":0.9,"train_accuracy":0.7}
                {"stage":"snn-T1","epoch":1,"time_steps":1,"train_loss":1.0,"train_accuracy":0.68}
                """);
        Files.writeString(dir.resolve("stages.json"), """
                {"recipe":"iir-snn","data":"synthetic","stages":[
                 {"stage":"ann","time_steps":1,"accuracy":0.85,"latency_ms":1.0,"firing_rates":{},"macs":1e6,
                  "acs":0,"energy_uj":4.6,"train_seconds":3},
                 {"stage":"snn-T5","time_steps":5,"accuracy":0.84,"latency_ms":2.0,"firing_rates":{"act1":0.2,
                  "act2":0.1},"macs":2e5,"acs":3e5,"energy_uj":1.2,"train_seconds":5},
                 {"stage":"snn-T1","time_steps":1,"accuracy":0.83,"latency_ms":0.7,"firing_rates":{"act1":0.3,
                  "act2":0.15},"macs":2e5,"acs":1e5,"energy_uj":1.0,"train_seconds":4}]}
                """);
        Files.writeString(dir.resolve("eval.json"), """
                {"recipe":"iir-snn","evaluations":[{"name":"snn-T5","time_steps":5,"accuracy":0.84,"samples":10,
                 "firing_rates":{"act1":0.2,"act2":0.1},"raster":{"act1":{"total":400,"shown":[0,4,8],
                 "spikes":[[0,1],[2,0],[4,2]]},"act2":{"total":2,"shown":[0,1],"spikes":[[1,1]]}}}]}
                """);
        Files.writeString(dir.resolve("energy.json"), """
                {"format":"snn4j-energy","version":1,"recipe":"iir-snn","models":[{"name":"snn-T1",
                 "method":"runtime","data":"first 10 of 10 test images","mac_pj":4.6,"ac_pj":0.9,"samples":10,
                 "layers":[
                  {"name":"conv1","type":"conv2d","firing_rate":null,"input_density":1.0,"dense_macs":1000,"acs":0,
                   "macs":1000,"analytical_acs":0,"analytical_macs":1000,"memory_bytes":2048,"energy_pj":4600,
                   "analytical_energy_pj":4600},
                  {"name":"act1","type":"iir","firing_rate":0.25,"input_density":null,"dense_macs":0,"acs":0,
                   "macs":0,"analytical_acs":0,"analytical_macs":0,"memory_bytes":1024,"energy_pj":0,
                   "analytical_energy_pj":0},
                  {"name":"fc1","type":"linear","firing_rate":null,"input_density":0.25,"dense_macs":400,"acs":100,
                   "macs":0,"analytical_acs":100,"analytical_macs":0,"memory_bytes":1600,"energy_pj":90,
                   "analytical_energy_pj":90}],
                 "totals":{"mean_firing_rate":0.25,"dense_macs":1400,"acs":100,"macs":1000,"analytical_acs":100,
                  "analytical_macs":1000,"memory_bytes":4672,"energy_pj":4690,"analytical_energy_pj":4690,
                  "dense_energy_pj":6440},
                 "energy_uj_per_sample":{"measured":0.00469,"analytical":0.00469,"dense":0.00644}}]}
                """);
        Files.writeString(dir.resolve("resolved-config.json"), "{\"command\": \"demo\", \"seed\": 1}");
        CliRun r = run("report", dir.toString());
        assertEquals(0, r.code(), r.err());
        Path html = dir.resolve("report.html");
        String page = Files.readString(html);
        assertTrue(page.startsWith("<!DOCTYPE html>") && page.strip().endsWith("</html>"));
        for (String id : List.of("evaluation", "curves", "raster", "rates", "accuracy-vs-t", "ops", "config")) {
            assertTrue(page.contains("<h2 id=\"" + id + "\">"), "section " + id);
        }
        assertFalse(page.contains("Not available"), "every section of this run has its data");
        assertTrue(page.contains("<td>snn-T1</td>") && page.contains("83.00 %"), "ops / energy table");
        // the per-layer table of energy.json, with its totals and the energy per sample
        assertTrue(page.contains("<h4>snn-T1</h4>") && page.contains("(10 samples); MAC 4.6 pJ, AC 0.9 pJ."), page);
        assertTrue(page.contains("<b>measured 0.004690 uJ</b>, analytical 0.004690 uJ, dense 0.006440 uJ "
                + "(1.37x less than dense)"), page);
        assertTrue(page.contains("<tr><td>fc1</td><td>linear</td><td>-</td><td>25.00 %</td><td>400</td><td>100</td>"
                + "<td>0</td><td>100</td><td>0</td><td>1.6</td><td>9.000e-05</td><td>9.000e-05</td></tr>"), page);
        assertTrue(page.contains("<tr><td><b>total</b></td><td></td><td>25.00 %</td><td>-</td><td>1400</td>"
                + "<td>100</td><td>1000</td>"), page);
        Matcher m = Pattern.compile("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"").matcher(page);
        int images = 0;
        while (m.find()) {
            byte[] png = Base64.getDecoder().decode(m.group(1));
            assertTrue(png.length > 1000, "a real chart");
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                    java.util.Arrays.copyOf(png, 8), "PNG signature");
            images++;
        }
        assertEquals(5, images, "loss, accuracy, raster, rates, accuracy vs T");
        assertFalse(page.contains("src=\"http") || page.contains("<script"), "self-contained");
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "atomic write leaves no temp");
        }
    }

    @Test
    void reportOnAnEmptyRunDirSaysWhatIsMissing() throws Exception {
        CliRun r = run("report", tmp.toString());
        assertEquals(0, r.code(), r.err());
        String page = Files.readString(tmp.resolve("report.html"));
        assertTrue(page.contains("Not available: no eval.json") && page.contains("snn4j eval"), page);
        assertTrue(page.contains("Not available: no energy.json") && page.contains("snn4j energy"), page);
    }
}
