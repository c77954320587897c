package dev.snn4j.surrogate;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Tensors;

/**
 * SpikingJelly's soft-sign surrogate: {@code g'(x) = 1 / (2 alpha (1/alpha + |x|)^2)}, primitive
 * {@code (alpha/2) x / (1 + alpha|x|)}.
 */
public final class SoftSign extends Surrogate {
    private final double alpha;

    public SoftSign(double alpha) {
        requirePositive(alpha, "alpha", "SoftSign");
        this.alpha = alpha;
    }

    @Override
    protected NDArray primitive(NDArray x) {
        NDArray denom = Tensors.mul(x.abs(), alpha).add(Tensors.scalar(x, 1.0));
        return Tensors.mul(x.div(denom), alpha / 2);
    }

    @Override
    public double derivative(double x) {
        double d = 1 / alpha + Math.abs(x);
        return 1 / (2 * alpha * d * d);
    }

    @Override
    public String toString() {
        return "SoftSign(alpha=" + alpha + ")";
    }
}
