package dev.snn4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LossesAndMetricsTest {
    static final double[] LOGITS = {1.0, 2.0, 0.5, -1.0, 0.0, 3.0};

    @Test
    void crossEntropyMatchesTheDefinitionAndItsGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(LOGITS, new Shape(2, 3));
            logits.setRequiresGradient(true);
            NDArray labels = m.create(new int[] {1, 0});
            double expected = 0;
            double[] grad = new double[6];
            int[] y = {1, 0};
            for (int b = 0; b < 2; b++) {
                double z = 0;
                for (int c = 0; c < 3; c++) {
                    z += Math.exp(LOGITS[3 * b + c]);
                }
                expected += -(LOGITS[3 * b + y[b]] - Math.log(z)) / 2;
                for (int c = 0; c < 3; c++) {
                    grad[3 * b + c] = (Math.exp(LOGITS[3 * b + c]) / z - (c == y[b] ? 1 : 0)) / 2;
                }
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = Losses.crossEntropy(logits, labels);
                assertEquals(expected, loss.getDouble(), 1e-14);
                gc.backward(loss);
            }
            assertArrayEquals(grad, logits.getGradient().toDoubleArray(), 1e-14);
            assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(logits, m.create(new int[] {1})));
        }
    }

    @Test
    void accuracyAndRunningMean() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(LOGITS, new Shape(2, 3));
            assertEquals(1, Metrics.correct(logits, m.create(new float[] {1, 0})));
            assertEquals(1.0, Metrics.accuracy(logits, m.create(new long[] {1, 2})));
        }
        RunningMean mean = new RunningMean().add(0.7, 16).add(0.4, 8);
        assertEquals(0.6, mean.mean(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> mean.add(1, 0));
    }
}
