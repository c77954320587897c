package dev.snn4j.layer;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input gives an {@link IllegalArgumentException} whose message names the layer (with its label inside a
 * {@link Sequential}) and the expected shape, instead of an engine error from deep inside libtorch.
 */
class ShapeValidationTest {
    private NDManager m;

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private static void assertIae(Executable ex, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ex);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should contain '" + p + "'");
        }
    }

    @Test
    void linear() {
        Linear fc = new Linear(m, 4, 3, true);
        assertIae(() -> fc.forward(m.zeros(new Shape(2, 3, 5))), "Linear", "[..., 4]", "(2, 3, 5)");
        assertIae(() -> fc.forward(m.create(1f)), "Linear", "[..., 4]");
        Sequential net = new Sequential().add("fc1", new Linear(m, 6, 5, true));
        assertIae(() -> net.forward(m.zeros(new Shape(2, 3, 4))), "Linear 'fc1'", "[..., 6]");
        assertIae(() -> new Linear(m, 0, 3, true), "Linear", "> 0");
    }

    @Test
    void conv1d() {
        Conv1d c = new Conv1d(m, 2, 4, 3, 1, 0, true);
        c.label("conv1");
        assertIae(() -> c.forward(m.zeros(new Shape(2, 3, 2))), "Conv1d 'conv1'", "[T, B, 2, L]", "(2, 3, 2)");
        assertIae(() -> c.forward(m.zeros(new Shape(2, 3, 5, 9))), "Conv1d 'conv1'", "[T, B, 2, L]");
        assertIae(() -> c.forward(m.zeros(new Shape(2, 3, 2, 2))), "Conv1d 'conv1'", "smaller than the kernel 3");
        assertIae(() -> new Conv1d(m, 2, 4, 0, 1, 0, true), "Conv1d", "kernel");
    }

    @Test
    void conv2d() {
        Conv2d c = new Conv2d(m, 2, 4, 3, 1, 1, false);
        assertIae(() -> c.forward(m.zeros(new Shape(3, 2, 8, 8))), "Conv2d", "[T, B, 2, H, W]", "(3, 2, 8, 8)");
        assertIae(() -> c.forward(m.zeros(new Shape(1, 3, 5, 8, 8))), "Conv2d", "[T, B, 2, H, W]", "(1, 3, 5, 8, 8)");
        assertIae(() -> new Conv2d(m, 2, 4, 3, 0, 1, false), "Conv2d", "stride");
    }

    @Test
    void batchNorm() {
        BatchNorm bn = new BatchNorm(m, 3);
        assertIae(() -> bn.forward(m.zeros(new Shape(2, 3))), "BatchNorm", "[T, B, 3, ...]", "(2, 3)");
        assertIae(() -> bn.forward(m.zeros(new Shape(2, 3, 4))), "BatchNorm", "[T, B, 3, ...]", "(2, 3, 4)");
        assertIae(() -> new BatchNorm(m, 0), "BatchNorm", "channels > 0");
        assertIae(() -> new BatchNorm(m, 3, 1e-5, 1.5), "BatchNorm", "momentum");
    }

    @Test
    void pool2d() {
        assertIae(() -> Pool2d.average(2).forward(m.zeros(new Shape(2, 3, 8, 8))), "Pool2d", "[T, B, C, H, W]",
                "(2, 3, 8, 8)");
        assertIae(() -> Pool2d.max(3).forward(m.zeros(new Shape(1, 1, 1, 2, 8))), "Pool2d", "[T, B, C, H, W]",
                "H, W >= 3");
        assertIae(() -> Pool2d.max(0), "Pool2d", "kernel");
    }

    @Test
    void flattenAndSequenceLayers() {
        assertIae(() -> new Flatten().forward(m.zeros(new Shape(2, 3))), "Flatten", "[T, B, ...]", "rank >= 3");
        assertIae(() -> new MeanOverTime().forward(m.zeros(new Shape(0, 3))), "MeanOverTime", "T = 0");
        assertIae(() -> MembraneAccumulator.sum().forward(m.zeros(new Shape(4))), "MembraneAccumulator",
                "[T, B, ...]");
        assertIae(() -> new Dropout(0.1).forward(m.zeros(new Shape(0, 2, 3))), "Dropout", "T = 0");
        assertIae(() -> new LeakyReadout(2.0, true).forward(m.zeros(new Shape(0, 2, 3))), "LifNeuron", "T = 0");
    }

    @Test
    void dropoutProbabilityOutOfRange() {
        for (double p : new double[] {-0.1, 1.0, 1.5, Double.NaN}) {
            assertIae(() -> new Dropout(p), "Dropout", "p must be in [0, 1)");
        }
    }
}
