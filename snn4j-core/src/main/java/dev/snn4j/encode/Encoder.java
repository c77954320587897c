package dev.snn4j.encode;

import ai.djl.ndarray.NDArray;

/**
 * Turns a static input {@code [B, ...]} into a time-major sequence {@code [T, B, ...]} for a spiking network.
 *
 * <pre>{@code
 * Encoder enc = new PoissonEncoder(25);
 * NDArray spikes = enc.encode(images);   // images in [0, 1], [B, 1, 28, 28] -> [25, B, 1, 28, 28]
 * }</pre>
 */
public interface Encoder {
    /** The sequence for {@code x}; never modifies {@code x}. */
    NDArray encode(NDArray x);

    /** Number of time steps produced. */
    int timeSteps();

    static void requireSteps(int t, String who) {
        if (t <= 0) {
            throw new IllegalArgumentException(who + ": the number of time steps must be >= 1, got " + t);
        }
    }

    static void requireBatch(NDArray x, String who) {
        if (x.getShape().dimension() < 1) {
            throw new IllegalArgumentException(who + ": expected an input [B, ...] but got a scalar");
        }
    }
}
