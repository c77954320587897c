package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;
import dev.snn4j.nn.Tensors;

/**
 * Layer normalisation over the last axis, as {@code torch.nn.LayerNorm(features, eps)} with an elementwise affine
 * transform: {@code y = (x - mean) * rsqrt(var + eps) * weight + bias}, {@code var} the biased variance. Parameters
 * {@code weight} (ones) and {@code bias} (zeros), shape {@code [features]}.
 *
 * <p>Built from ordinary autograd ops rather than DJL's {@code layerNorm}, whose {@code eps} is a {@code float}
 * (1e-5f is not 1e-5: float64 results would differ from PyTorch's in the 13th digit). The constants are made with
 * {@link Tensors#scalar} and every expression starts from the input, so nothing piles up in the parameters' manager.
 *
 * <pre>{@code
 * LayerNorm ln = new LayerNorm(manager, 512, 1e-5);   // [..., 512] -> [..., 512]
 * }</pre>
 */
public class LayerNorm extends Module {
    private final int features;
    private final double eps;
    private final Parameter weight;
    private final Parameter bias;

    /** @param eps added to the variance (PyTorch's default is 1e-5) */
    public LayerNorm(NDManager manager, int features, double eps) {
        if (features <= 0) {
            throw new IllegalArgumentException("LayerNorm: features must be > 0, got " + features);
        }
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("LayerNorm: eps must be a positive finite number, got " + eps);
        }
        this.features = features;
        this.eps = eps;
        this.weight = addParameter("weight", persistent(manager, manager.ones(new Shape(features))));
        this.bias = addParameter("bias", persistent(manager, manager.zeros(new Shape(features))));
    }

    @Override
    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != features) {
            throw new IllegalArgumentException(describe() + ": expected input of shape [..., " + features
                    + "] but got " + s);
        }
        int[] last = {-1};
        NDArray centred = x.sub(x.mean(last, true));
        NDArray var = centred.square().mean(last, true);
        NDArray rstd = Tensors.scalar(x, 1.0).div(var.add(Tensors.scalar(var, eps)).sqrt());
        return centred.mul(rstd).mul(weight.value()).add(bias.value());
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public int features() {
        return features;
    }

    public double eps() {
        return eps;
    }
}
