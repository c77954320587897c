package dev.snn4j.cli;

import ai.djl.ndarray.NDManager;
import dev.snn4j.model.DelayNet;
import dev.snn4j.nn.Init;
import dev.snn4j.runtime.SpikingModel;
import dev.snn4j.train.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code snn4j export} and {@code snn4j energy} on a small delay-net checkpoint, and their errors. */
class ExportEnergyCommandTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.run(args);
    }

    /** A delays-recipe checkpoint of a small random net (what {@code recipe.Delays} writes). */
    private Path delayCheckpoint() throws Exception {
        Init.seed(2);
        Path dir = tmp.resolve("run");
        try (NDManager m = NDManager.newBaseManager()) {
            DelayNet net = new DelayNet(m, new DelayNet.Config(8, new int[] {12}, 3, 5, 0.4, 1.5,
                    DelayNet.Mode.LEARNED));
            Map<String, Object> cfg = new LinkedHashMap<>();
            cfg.put("recipe", "delays");
            cfg.put("net", net.config().toString());
            cfg.put("bin_seconds", 0.02);
            cfg.put("max_seconds", 0.4);
            Checkpoint.save(dir, net, null, new Checkpoint.State(10, 1, 2, cfg, Map.of()));
        }
        return dir;
    }

    @Test
    void exportsACheckpointToRuntimeAndNirAndReportsEnergy() throws Exception {
        Path ck = delayCheckpoint();
        CliRun r = run("export", ck.toString(), "--format", "runtime", "--out", tmp.resolve("rt").toString());
        assertEquals(0, r.code(), r.err());
        SpikingModel m = SpikingModel.load(tmp.resolve("rt"));
        assertEquals(20, m.timeSteps());
        assertTrue(m.layerTypes().contains("delay_linear"), m.layerTypes().toString());

        r = run("export", ck.toString(), "--format", "nir", "--out", tmp.resolve("net.nir").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(tmp.resolve("net.nir")) > 0);
        r = run("export", tmp.resolve("net.nir").toString(), "--format", "runtime", "--out",
                tmp.resolve("from-nir").toString(), "-T", "20");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("delay_linear"), r.out());

        r = run("energy", tmp.resolve("rt").toString(), "--rate", "0.2", "--limit", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("RANDOM inputs"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("delay1") && l.contains("delay_linear")), r.out());
        assertTrue(r.out().contains("energy per sample: measured"), r.out());
        // the same from the checkpoint directly, with other energy figures
        r = run("energy", ck.toString(), "--limit", "2", "--mac-pj", "3.1", "--ac-pj", "0.1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("MAC 3.10 pJ, AC 0.100 pJ"), r.out());
    }

    @Test
    void wrongFilesGiveOneLineErrorsNamingTheFile() throws Exception {
        CliRun r = run("export", tmp.resolve("missing").toString(), "--format", "runtime", "--out", "x");
        assertEquals(Snn4j.USAGE, r.code());
        assertTrue(r.err().contains("missing"), r.err());

        r = run("export", tmp.toString(), "--format", "onnx", "--out", "x");
        assertEquals(Snn4j.USAGE, r.code());
        assertTrue(r.err().contains("onnx"), r.err());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        r = run("export", empty.toString(), "--format", "runtime", "--out", tmp.resolve("o").toString());
        assertEquals(Snn4j.FAILURE, r.code());
        assertTrue(r.err().contains("empty") && r.err().contains("no checkpoint"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());

        Path bad = Files.createDirectories(tmp.resolve("bad"));
        Files.writeString(bad.resolve("graph.json"), "{\"format\": \"snn4j-graph\", \"version\": 1}");
        Files.write(bad.resolve("weights.safetensors"), new byte[] {1, 2, 3});
        r = run("energy", bad.toString());
        assertEquals(Snn4j.FAILURE, r.code());
        assertTrue(r.err().contains("weights.safetensors") || r.err().contains("graph.json"), r.err());

        Path ck = delayCheckpoint();
        Path data = tmp.resolve("data.safetensors");
        dev.snn4j.runtime.io.Safetensors.write(data, java.util.List.of(
                dev.snn4j.runtime.io.Safetensors.Tensor.of("frames", new float[8], 1, 8)), Map.of());
        r = run("energy", ck.toString(), "--data", data.toString());
        assertEquals(Snn4j.FAILURE, r.code());
        assertTrue(r.err().contains("data.safetensors") && r.err().contains("'inputs'"), r.err());
    }
}
