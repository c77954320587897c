package dev.snn4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.snn4j.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradClipTest {
    @Test
    void clipsByGlobalNormLikeTorch() {
        try (NDManager m = NDManager.newBaseManager()) {
            Toy toy = new Toy(m, AdamTest.A0, AdamTest.B0);
            AdamTest.backward(m, toy, 1.0);
            double[] ga = AdamTest.grad(AdamTest.CA, AdamTest.A0, 1);
            double[] gb = AdamTest.grad(AdamTest.CB, AdamTest.B0, 1);
            double norm = 0;
            for (double x : ga) {
                norm += x * x;
            }
            for (double x : gb) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            Map<String, Parameter> ps = toy.trainableParameters();
            assertEquals(norm, GradClip.globalNorm(ps), 1e-14);
            assertEquals(norm, GradClip.clipGlobalNorm(ps, 10.0), 1e-14); // above the norm: unchanged
            assertArrayEquals(ga, grad(ps, "a"), 0.0);
            assertEquals(norm, GradClip.clipGlobalNorm(ps, 1.0), 1e-14);
            double coef = 1.0 / (norm + 1e-6);
            assertArrayEquals(AdamTest.scaled(ga, coef), grad(ps, "a"), 1e-15);
            assertArrayEquals(AdamTest.scaled(gb, coef), grad(ps, "b"), 1e-15);
            assertEquals(1.0, GradClip.globalNorm(ps), 1e-5);
        }
    }

    @Test
    void nonFiniteGradientNamesTheParameter() {
        try (NDManager m = NDManager.newBaseManager()) {
            Toy toy = new Toy(m, AdamTest.A0, AdamTest.B0);
            try (NDManager batch = m.newSubManager();
                 GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray nan = batch.full(new ai.djl.ndarray.types.Shape(2, 2), Float.NaN)
                        .toType(ai.djl.ndarray.types.DataType.FLOAT64, false);
                gc.backward(nan.mul(toy.namedParameters().get("b").value()).sum());
            }
            NonFiniteException e = assertThrows(NonFiniteException.class,
                    () -> GradClip.clipGlobalNorm(toy.trainableParameters(), 1.0));
            assertEquals("b", e.parameter());
            assertEquals("parameter 'b' has a non-finite gradient: NaN at [0, 0]", e.getMessage());
            assertEquals("step 7: parameter 'b' has a non-finite gradient: NaN at [0, 0]", e.atStep(7).getMessage());
        }
    }

    static double[] grad(Map<String, Parameter> ps, String name) {
        try (NDArray g = ps.get(name).value().getGradient()) {
            return g.toDoubleArray();
        }
    }
}
