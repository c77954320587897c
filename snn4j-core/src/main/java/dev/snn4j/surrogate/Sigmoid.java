package dev.snn4j.surrogate;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Tensors;

/**
 * Sigmoid surrogate: {@code g(x) = sigmoid(alpha x)}, {@code g'(x) = alpha s (1 - s)}. SpikingJelly's
 * {@code Sigmoid(alpha)} and snnTorch's {@code sigmoid(slope)} are this with alpha = slope.
 */
public final class Sigmoid extends Surrogate {
    private final double alpha;

    /** @param alpha sharpness (4 in SpikingJelly, 25 in snnTorch) */
    public Sigmoid(double alpha) {
        requirePositive(alpha, "alpha", "Sigmoid");
        this.alpha = alpha;
    }

    @Override
    protected NDArray primitive(NDArray x) {
        return Tensors.mul(x, alpha).getNDArrayInternal().sigmoid();
    }

    @Override
    public double derivative(double x) {
        double s = 1 / (1 + Math.exp(-alpha * x));
        return alpha * s * (1 - s);
    }

    @Override
    public String toString() {
        return "Sigmoid(alpha=" + alpha + ")";
    }
}
