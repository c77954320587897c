package dev.snn4j.runtime;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD accumulate loops on {@code jdk.incubator.vector} (16 float lanes with AVX-512). Only loaded when that module
 * is resolved ({@code --add-modules jdk.incubator.vector}); {@link Kernels} falls back to scalar loops otherwise.
 */
final class VectorKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorKernels() {
    }

    static String species() {
        return S.toString();
    }

    static void add(float[] w, int wOff, float[] y, int yOff, int n) {
        int j = 0;
        int up = S.loopBound(n);
        for (; j < up; j += S.length()) {
            FloatVector.fromArray(S, y, yOff + j).add(FloatVector.fromArray(S, w, wOff + j)).intoArray(y, yOff + j);
        }
        for (; j < n; j++) {
            y[yOff + j] += w[wOff + j];
        }
    }

    static void axpy(float a, float[] w, int wOff, float[] y, int yOff, int n) {
        int j = 0;
        int up = S.loopBound(n);
        FloatVector av = FloatVector.broadcast(S, a);
        for (; j < up; j += S.length()) {
            FloatVector.fromArray(S, w, wOff + j).mul(av).add(FloatVector.fromArray(S, y, yOff + j))
                    .intoArray(y, yOff + j);
        }
        for (; j < n; j++) {
            y[yOff + j] += a * w[wOff + j];
        }
    }
}
