package dev.snn4j.surrogate;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Tensors;

/**
 * Piecewise-linear (triangle) surrogate used by IIR-SNN: {@code g'(x) = gamma * max(0, 1 - |x|)}.
 * Primitive {@code g(x) = gamma * (c - c|c|/2)} with {@code c = clip(x, -1, 1)}.
 */
public final class PiecewiseLinear extends Surrogate {
    private final double gamma;

    /** @param gamma peak height of the triangle (0.3 in IIR-SNN) */
    public PiecewiseLinear(double gamma) {
        requirePositive(gamma, "gamma", "PiecewiseLinear");
        this.gamma = gamma;
    }

    @Override
    protected NDArray primitive(NDArray x) {
        NDArray c = x.clip(-1.0, 1.0);
        return Tensors.mul(c.sub(Tensors.mul(c.mul(c.abs()), 0.5)), gamma);
    }

    @Override
    public double derivative(double x) {
        return gamma * Math.max(0, 1 - Math.abs(x));
    }

    @Override
    public String toString() {
        return "PiecewiseLinear(gamma=" + gamma + ")";
    }
}
