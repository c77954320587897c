package dev.snn4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.snn4j.layer.BatchNorm;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.Sequential;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Module;
import dev.snn4j.runtime.io.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointTest {
    static final int N = 10;
    static final int K = 4;

    @TempDir
    Path root;

    private static Adam optimizer(Module net) {
        return Adam.adamW(ParamGroup.of("weights", net, n -> n.endsWith("weight")).lr(2e-2).weightDecay(1e-3),
                        ParamGroup.of("biases", net, n -> n.endsWith("bias")).lr(1e-2).weightDecay(0))
                .amsgrad(true).schedule(LrSchedule.oneCycle(N));
    }

    /** Runs steps {@code from+1 .. to} on deterministic batches (batch k depends only on k). */
    private static void run(NDManager m, Trainer t, int from, int to) {
        for (int k = from + 1; k <= to; k++) {
            try (NDManager data = m.newSubManager()) {
                NDArray[] xy = TrainerTest.batch(data, new Random(1000 + k), DataType.FLOAT64);
                assertEquals(k, t.step(xy[0], xy[1]).step());
            }
        }
    }

    private static Map<String, double[]> values(Module net) {
        Map<String, double[]> out = new LinkedHashMap<>();
        net.namedParameters().forEach((k, p) -> out.put(k, p.value().toDoubleArray()));
        return out;
    }

    @Test
    void resumingFromStepKGivesTheSameParametersAsAnUninterruptedRun() throws IOException {
        Map<String, double[]> uninterrupted;
        try (NDManager m = NDManager.newBaseManager()) {
            Init.seed(21);
            Module net = TrainerTest.lifNet(m).to(DataType.FLOAT64);
            Trainer t = new Trainer(net, optimizer(net)).clipGradNorm(0.5);
            run(m, t, 0, K);
            Checkpoint.save(root, net, t.optimizer(), new Checkpoint.State(K, 1, 21, Map.of("lr", 0.02, "T", 8),
                    Map.of("loss", 1.25)));
            run(m, t, K, N);
            uninterrupted = values(net);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            Init.seed(999); // a different initialisation: everything must come from the checkpoint
            Module net = TrainerTest.lifNet(m).to(DataType.FLOAT64);
            Adam opt = optimizer(net);
            Checkpoint c = Checkpoint.loadLatest(root).orElseThrow();
            assertEquals(K, c.state().step());
            assertEquals(1, c.state().epoch());
            assertEquals(21, c.state().seed());
            assertEquals(8L, c.state().config().get("T"));
            assertEquals(0.02, c.state().config().get("lr"));
            assertEquals(1.25, c.state().metrics().get("loss"));
            assertEquals(Checkpoint.FORMAT_VERSION, c.formatVersion());
            c.restore(net, opt);
            assertEquals(K, opt.stepCount());
            run(m, new Trainer(net, opt).clipGradNorm(0.5), K, N);
            Map<String, double[]> resumed = values(net);
            assertEquals(uninterrupted.keySet(), resumed.keySet());
            uninterrupted.forEach((k, v) -> assertArrayEquals(v, resumed.get(k), 0.0, k));
        }
    }

    @Test
    void restoredOptimizerStateSurvivesGarbageCollection() throws Exception {
        // Checkpoint.restore reads the optimizer state into temporary arrays backed by Java direct buffers. The
        // restored state must be copies: views of them pointed into buffers that the garbage collector frees, and
        // Adam's in-place updates then wrote into freed native memory (glibc "corrupted double-linked list").
        try (NDManager m = NDManager.newBaseManager()) {
            Init.seed(21);
            Module net = TrainerTest.lifNet(m).to(DataType.FLOAT64);
            Trainer t = new Trainer(net, optimizer(net)).clipGradNorm(0.5);
            run(m, t, 0, K);
            Checkpoint.save(root, net, t.optimizer(), new Checkpoint.State(K, 1, 21, Map.of(), Map.of()));
            Map<String, double[]> saved = moments(t.optimizer());
            Module net2 = TrainerTest.lifNet(m).to(DataType.FLOAT64);
            Adam opt2 = optimizer(net2);
            Checkpoint.loadLatest(root).orElseThrow().restore(net2, opt2);
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(50);
            }
            // reuse freed native memory, so that a state still pointing into it would show other values
            java.util.List<java.nio.ByteBuffer> fill = new java.util.ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(16 + (i % 64) * 16);
                while (b.hasRemaining()) {
                    b.put((byte) 0x7f);
                }
                fill.add(b);
            }
            Map<String, double[]> restored = moments(opt2);
            assertEquals(saved.keySet(), restored.keySet());
            saved.forEach((k, v) -> assertArrayEquals(v, restored.get(k), 0.0, k));
            assertEquals(2000, fill.size());
        }
    }

    private static Map<String, double[]> moments(Adam opt) {
        Map<String, double[]> out = new LinkedHashMap<>();
        try (NDManager tmp = NDManager.newBaseManager()) {
            opt.stateDict(tmp).forEach((k, v) -> {
                if (v.getDataType() == DataType.FLOAT64) {
                    out.put(k, v.toDoubleArray());
                }
            });
        }
        return out;
    }

    @Test
    void incompleteCheckpointsAreIgnored() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Module net = TrainerTest.lifNet(m);
            Adam opt = Adam.adam(ParamGroup.all(net));
            assertFalse(Checkpoint.loadLatest(root).isPresent());
            Checkpoint.save(root, net, opt, new Checkpoint.State(5, 0, 1, null, null));
            // a crash mid-write leaves a hidden temp dir; a half-copied step dir lacks its sidecar
            Files.createDirectories(root.resolve(".step-000000009.12345"));
            Files.createDirectories(root.resolve("step-000000008"));
            Files.writeString(root.resolve("step-000000008/model.safetensors"), "garbage");
            assertEquals(5, Checkpoint.loadLatest(root).orElseThrow().state().step());
            Files.writeString(root.resolve("latest"), "step-000000008\n"); // a stale pointer
            assertEquals(5, Checkpoint.loadLatest(root).orElseThrow().state().step());
            Path p7 = Checkpoint.save(root, net, opt, new Checkpoint.State(7, 0, 1, null, null));
            assertEquals("step-000000007", Files.readString(root.resolve("latest")).trim());
            Checkpoint.save(root, net, opt, new Checkpoint.State(7, 0, 1, null, null)); // re-save same step
            assertTrue(Files.isRegularFile(p7.resolve(Checkpoint.INFO_FILE)));
            assertEquals(7, Checkpoint.loadLatest(root).orElseThrow().state().step());
            try (var files = Files.list(root)) {
                assertEquals(0, files.filter(p -> p.getFileName().toString().startsWith(".step-000000007")).count(),
                        "no temporary directories of step 7 are left behind");
            }
        }
    }

    @Test
    void loadingIntoAnotherArchitectureListsTheDifferences() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Module a = new Sequential().add("fc1", new Linear(m, 4, 3, true)).add("bn", new BatchNorm(m, 3));
            Module b = new Sequential().add("fc1", new Linear(m, 5, 3, true)).add("fc2", new Linear(m, 3, 2, false));
            Checkpoint.save(root, a, null, new Checkpoint.State(1, 0, 0, null, null));
            Checkpoint c = Checkpoint.loadLatest(root).orElseThrow();
            float[] before = b.namedParameters().get("fc1.bias").value().toFloatArray();
            String msg = assertThrows(CheckpointFormatException.class, () -> c.restore(b, null)).getMessage();
            assertTrue(msg.contains("missing [fc2.weight]"), msg);
            assertTrue(msg.contains("unexpected [bn.weight, bn.bias, bn.running_mean, bn.running_var]"), msg);
            assertTrue(msg.contains("fc1.weight: file (3, 4) vs model (3, 5)"), msg);
            assertArrayEquals(before, b.namedParameters().get("fc1.bias").value().toFloatArray(), "unchanged");
            // buffers are saved too, under their dotted names, in their dtype
            Safetensors.Contents file = Safetensors.read(c.dir().resolve(Checkpoint.MODEL_FILE));
            assertEquals(Safetensors.DType.F32, file.tensor("bn.running_var").dtype());
            assertNotEquals(null, file.tensor("fc1.weight"));
        }
    }
}
