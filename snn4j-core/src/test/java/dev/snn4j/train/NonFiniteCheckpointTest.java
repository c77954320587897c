package dev.snn4j.train;

import ai.djl.ndarray.NDManager;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.Sequential;
import dev.snn4j.nn.Init;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A poisoned state is never checkpointed: the error names step, parameter and value; the last good one stays. */
class NonFiniteCheckpointTest {
    @TempDir
    Path root;

    private List<String> entries() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aNonFiniteParameterIsNotSavedAndTheLastGoodCheckpointStaysLatest() throws IOException {
        Init.seed(1);
        try (NDManager m = NDManager.newBaseManager()) {
            Sequential net = new Sequential().add("fc1", new Linear(m, 3, 4, true)).add("fc2", new Linear(m, 4, 2,
                    false));
            Adam opt = Adam.adam(ParamGroup.all(net));
            Path good = Checkpoint.save(root, net, opt, new Checkpoint.State(4, 1, 1, null, null));
            byte[] weights = Files.readAllBytes(good.resolve(Checkpoint.MODEL_FILE));
            List<String> before = entries();

            float[] w = net.namedParameters().get("fc2.weight").value().toFloatArray();
            w[5] = Float.NEGATIVE_INFINITY; // [2, 4] -> index [1, 1]
            net.namedParameters().get("fc2.weight").copyFrom(m.create(w, new ai.djl.ndarray.types.Shape(2, 4)));
            NonFiniteException e = assertThrows(NonFiniteException.class,
                    () -> Checkpoint.save(root, net, opt, new Checkpoint.State(5, 2, 1, null, null)));
            assertEquals("step 5: parameter 'fc2.weight' holds -Infinity at [1, 1]; checkpoint not written",
                    e.getMessage());
            assertEquals(before, entries(), "nothing written, nothing left behind");
            Checkpoint latest = Checkpoint.loadLatest(root).orElseThrow();
            assertEquals(4, latest.state().step());
            assertArrayEquals(weights, Files.readAllBytes(latest.dir().resolve(Checkpoint.MODEL_FILE)));
        }
    }

    @Test
    void staleTemporariesOfAnInterruptedSaveAreRemovedByTheNextSave() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Sequential net = new Sequential().add("fc1", new Linear(m, 2, 2, true));
            Files.createDirectories(root.resolve(".step-000000003.123/sub"));
            Files.writeString(root.resolve(".latest.99.tmp"), "step-000000003");
            Checkpoint.save(root, net, null, new Checkpoint.State(3, 0, 0, null, null));
            assertEquals(List.of("latest", "step-000000003"), entries());
        }
    }
}
