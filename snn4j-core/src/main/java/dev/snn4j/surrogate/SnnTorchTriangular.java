package dev.snn4j.surrogate;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Tensors;

/**
 * snnTorch 0.9.4's {@code surrogate.triangular()}, reproduced for porting: despite its name its gradient is
 * {@code +threshold} for {@code x < 0} and {@code -threshold} for {@code x >= 0} (not a triangle). Prefer
 * {@link PiecewiseLinear} for new models.
 */
public final class SnnTorchTriangular extends Surrogate {
    private final double threshold;

    public SnnTorchTriangular(double threshold) {
        requirePositive(threshold, "threshold", "SnnTorchTriangular");
        this.threshold = threshold;
    }

    @Override
    protected NDArray primitive(NDArray x) {
        // g = thr * x * (1 - 2 H(x)) with H constant: slope +thr left of 0, -thr from 0 on.
        NDArray sign = Tensors.scalar(x, 1.0).sub(Tensors.mul(Tensors.heaviside(x, false), 2.0));
        return Tensors.mul(x.mul(sign), threshold);
    }

    @Override
    public double derivative(double x) {
        return x < 0 ? threshold : -threshold;
    }

    @Override
    public String toString() {
        return "SnnTorchTriangular(threshold=" + threshold + ")";
    }
}
