package dev.snn4j.surrogate;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Tensors;

/**
 * SpikingJelly's piecewise-quadratic surrogate: {@code g'(x) = alpha - alpha^2 |x|} for {@code |x| <= 1/alpha}, else 0.
 * Primitive {@code alpha c - alpha^2 c|c|/2} with {@code c = clip(x, -1/alpha, 1/alpha)}.
 */
public final class PiecewiseQuadratic extends Surrogate {
    private final double alpha;

    public PiecewiseQuadratic(double alpha) {
        requirePositive(alpha, "alpha", "PiecewiseQuadratic");
        this.alpha = alpha;
    }

    @Override
    protected NDArray primitive(NDArray x) {
        NDArray c = x.clip(-1.0 / alpha, 1.0 / alpha);
        return Tensors.mul(c, alpha).sub(Tensors.mul(c.mul(c.abs()), alpha * alpha / 2));
    }

    @Override
    public double derivative(double x) {
        return Math.abs(x) <= 1 / alpha ? alpha - alpha * alpha * Math.abs(x) : 0.0;
    }

    @Override
    public String toString() {
        return "PiecewiseQuadratic(alpha=" + alpha + ")";
    }
}
