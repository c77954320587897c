package dev.snn4j.runtime;

/**
 * The accumulate loops of the event-driven layers. Plain counted loops over contiguous arrays: HotSpot's C2
 * compiler turns them into SIMD code on its own (SuperWord), so no incubator module is needed at run time.
 */
final class Kernels {
    private Kernels() {
    }

    /** {@code y[0..n) += w[off..off+n)}: one accumulate (AC) per synapse of a binary input event. */
    static void add(float[] w, int off, float[] y, int n) {
        for (int j = 0; j < n; j++) {
            y[j] += w[off + j];
        }
    }

    /** {@code y[yOff..yOff+n) += w[wOff..wOff+n)}. */
    static void add(float[] w, int wOff, float[] y, int yOff, int n) {
        for (int j = 0; j < n; j++) {
            y[yOff + j] += w[wOff + j];
        }
    }

    /** {@code y[0..n) += a * w[off..off+n)}: one multiply-accumulate (MAC) per synapse of a graded event. */
    static void axpy(float a, float[] w, int off, float[] y, int n) {
        for (int j = 0; j < n; j++) {
            y[j] += a * w[off + j];
        }
    }

    /** {@code y[yOff..yOff+n) += a * w[wOff..wOff+n)}. */
    static void axpy(float a, float[] w, int wOff, float[] y, int yOff, int n) {
        for (int j = 0; j < n; j++) {
            y[yOff + j] += a * w[wOff + j];
        }
    }
}
