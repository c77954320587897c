package dev.snn4j.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Random;

/**
 * Parameter initialisation with one seedable generator, so a model built after {@link #seed(long)} is the same on
 * every run. Defaults follow PyTorch: weights and biases of linear and convolution layers are uniform in
 * {@code [-1/sqrt(fanIn), 1/sqrt(fanIn)]}.
 */
public final class Init {
    private static Random random = new Random(42);

    private Init() {
    }

    /** Seeds parameter initialisation and the engine's generator (dropout masks, Poisson encoding). */
    public static synchronized void seed(long seed) {
        random = new Random(seed);
        Engine.getInstance().setRandomSeed((int) seed);
    }

    /** The shared generator (for data shuffling that must follow the model seed). */
    public static synchronized Random random() {
        return random;
    }

    /** A float32 tensor uniform in {@code [-bound, bound]}, created on {@code manager}. */
    public static synchronized NDArray uniform(NDManager manager, Shape shape, double bound) {
        long n = shape.size();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("parameter of shape " + shape + " is too large");
        }
        float[] data = new float[(int) n];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return manager.create(data, shape);
    }
}
