package dev.snn4j.surrogate;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Tensors;

/**
 * Arc-tangent surrogate (SpikingJelly's default): {@code g'(x) = alpha/2 / (1 + (pi/2 * alpha * x)^2)}.
 * Primitive {@code g(x) = atan(pi/2 * alpha * x) / pi}.
 */
public final class ATan extends Surrogate {
    private final double alpha;

    /** @param alpha sharpness; 2.0 in SpikingJelly and SpikeGPT, 5.0 in SNN-delays */
    public ATan(double alpha) {
        requirePositive(alpha, "alpha", "ATan");
        this.alpha = alpha;
    }

    public double alpha() {
        return alpha;
    }

    @Override
    protected NDArray primitive(NDArray x) {
        return Tensors.div(Tensors.mul(x, Math.PI / 2 * alpha).atan(), Math.PI);
    }

    @Override
    public double derivative(double x) {
        double a = Math.PI / 2 * alpha * x;
        return alpha / 2 / (1 + a * a);
    }

    @Override
    public String toString() {
        return "ATan(alpha=" + alpha + ")";
    }
}
