package dev.snn4j.runtime;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SIMD kernels give the same floats as the scalar loops (no fused multiply-add), tails included. */
class KernelsTest {
    @Test
    void vectorPathIsActiveUnderTheTestsAndEqualsScalarLoops() {
        assertTrue(Kernels.VECTOR, "surefire adds jdk.incubator.vector: " + Kernels.describe());
        Random r = new Random(5);
        for (int n : new int[] {1, 7, 16, 33, 128, 250}) {
            float[] w = new float[n + 9];
            float[] y0 = new float[n + 5];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextFloat() * 2 - 1;
            }
            for (int i = 0; i < y0.length; i++) {
                y0[i] = r.nextFloat();
            }
            float a = 0.37f;
            float[] yv = y0.clone();
            float[] ys = y0.clone();
            VectorKernels.axpy(a, w, 9, yv, 5, n);
            for (int j = 0; j < n; j++) {
                ys[5 + j] += a * w[9 + j];
            }
            assertArrayEquals(ys, yv, 0f, "axpy n=" + n);
            VectorKernels.add(w, 3, yv, 2, n);
            for (int j = 0; j < n; j++) {
                ys[2 + j] += w[3 + j];
            }
            assertArrayEquals(ys, yv, 0f, "add n=" + n);
        }
    }
}
