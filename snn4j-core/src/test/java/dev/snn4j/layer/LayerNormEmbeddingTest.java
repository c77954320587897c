package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.GradCheck;
import dev.snn4j.GradCheck.Var;
import dev.snn4j.nn.Init;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** LayerNorm against its definition and finite differences; Embedding lookups and gradients. */
class LayerNormEmbeddingTest {
    private NDManager m;

    @BeforeEach
    void setUp() {
        Init.seed(3);
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    @Test
    void layerNormMatchesDefinition() {
        LayerNorm ln = new LayerNorm(m, 4, 1e-5);
        ln.to(DataType.FLOAT64);
        double[] x = {1, 2, 3, 10, -1, 0.5, 0.25, 7};
        double[] y = ln.forward(m.create(x, new Shape(2, 4))).toDoubleArray();
        for (int r = 0; r < 2; r++) {
            double mean = 0;
            for (int i = 0; i < 4; i++) {
                mean += x[r * 4 + i] / 4;
            }
            double var = 0;
            for (int i = 0; i < 4; i++) {
                var += (x[r * 4 + i] - mean) * (x[r * 4 + i] - mean) / 4;
            }
            for (int i = 0; i < 4; i++) {
                assertEquals((x[r * 4 + i] - mean) / Math.sqrt(var + 1e-5), y[r * 4 + i], 1e-14);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ln.forward(m.zeros(new Shape(2, 5), DataType.FLOAT64)));
    }

    @Test
    void layerNormGradients() {
        LayerNorm ln = new LayerNorm(m, 5, 1e-5);
        ln.to(DataType.FLOAT64);
        ln.weight().copyFrom(GradCheck.randn(m, 1, 1, 0.3, 5));
        ln.bias().copyFrom(GradCheck.randn(m, 2, 0, 0.3, 5));
        GradCheck gc = new GradCheck(m);
        Var x = gc.input("x", GradCheck.randn(m, 3, 0.5, 2, 3, 2, 5));
        gc.check("LayerNorm(5)", () -> GradCheck.weightedSum(ln.forward(x.value()), 4), x,
                gc.param("weight", ln.weight()), gc.param("bias", ln.bias()));
    }

    @Test
    void embeddingLooksUpRowsAndScattersGradients() {
        Embedding emb = new Embedding(m, 5, 3);
        emb.to(DataType.FLOAT64);
        NDArray idx = m.create(new long[] {4, 0, 4, 2}, new Shape(2, 2));
        NDArray out = emb.forward(idx);
        assertEquals(new Shape(2, 2, 3), out.getShape());
        assertArrayEquals(emb.weight().value().get(4).toDoubleArray(), out.get(0, 0).toDoubleArray(), 0.0);
        assertArrayEquals(emb.weight().value().get(2).toDoubleArray(), out.get(1, 1).toDoubleArray(), 0.0);
        GradCheck gc = new GradCheck(m);
        gc.check("Embedding(5, 3)", () -> GradCheck.weightedSum(emb.forward(idx), 6), gc.param("weight",
                emb.weight()));
    }
}
