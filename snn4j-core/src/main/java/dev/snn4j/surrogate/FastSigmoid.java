package dev.snn4j.surrogate;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Tensors;

/**
 * Fast sigmoid / SuperSpike surrogate: {@code g'(x) = 1 / (1 + k|x|)^2}, primitive {@code x / (1 + k|x|)}.
 * snnTorch's {@code fast_sigmoid(slope)} is this with k = slope.
 */
public final class FastSigmoid extends Surrogate {
    private final double k;

    /** @param k slope (25 in snnTorch) */
    public FastSigmoid(double k) {
        requirePositive(k, "k", "FastSigmoid");
        this.k = k;
    }

    @Override
    protected NDArray primitive(NDArray x) {
        return x.div(Tensors.mul(x.abs(), k).add(Tensors.scalar(x, 1.0)));
    }

    @Override
    public double derivative(double x) {
        double d = 1 + k * Math.abs(x);
        return 1 / (d * d);
    }

    @Override
    public String toString() {
        return "FastSigmoid(k=" + k + ")";
    }
}
