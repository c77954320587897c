package dev.snn4j.nn;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The engine's intra-op thread count (PyTorch {@code at::set_num_threads}), settable after start-up.
 *
 * <p>Why: batch-1 inference runs thousands of tiny operations (a SpikeGPT token step is ~200 operations on vectors of
 * a few hundred floats). With two or more intra-op threads every one of them pays an OpenMP fork/join, and when the
 * cores are shared with other processes those barriers stall: measured here, 50 recurrent SpikeGPT steps (d 256, 4
 * blocks) took 25-40 s of wall time with 2 threads against 1.4-2.5 s with 1 thread on the same loaded machine.
 * Training (large matrices) still profits from several threads, so the launcher's default stays as it is and the
 * batch-1 commands set 1 thread.
 *
 * <pre>{@code
 * EngineThreads.set(1);   // before a generation loop
 * }</pre>
 */
public final class EngineThreads {
    private EngineThreads() {
    }

    /** Sets the intra-op thread count (>= 1) of the PyTorch engine. */
    public static void set(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        Engine.getInstance(); // loads the native library
        JniUtils.setNumThreads(threads);
    }

    /** The current intra-op thread count. */
    public static int get() {
        Engine.getInstance();
        return JniUtils.getNumThreads();
    }
}
