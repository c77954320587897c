package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;

/**
 * Fully connected layer applied at every time step: {@code y = x W^T + b} over the last axis, with PyTorch's layout
 * {@code weight [out, in]}. Time and batch axes are not looped over: the whole {@code [T, B, in]} goes through one
 * matrix product.
 *
 * <pre>{@code
 * Linear fc = new Linear(manager, 700, 256, false);   // [T, B, 700] -> [T, B, 256]
 * }</pre>
 */
public class Linear extends Module {
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;

    public Linear(NDManager manager, int in, int out, boolean bias) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Linear: in and out features must be > 0, got " + in + " -> " + out);
        }
        this.in = in;
        this.out = out;
        double bound = 1.0 / Math.sqrt(in);
        this.weight = addParameter("weight", persistent(manager, Init.uniform(manager, new Shape(out, in), bound)));
        this.bias = bias ? addParameter("bias", persistent(manager, Init.uniform(manager, new Shape(out), bound)))
                : null;
    }

    @Override
    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() < 1 || s.get(s.dimension() - 1) != in) {
            throw new IllegalArgumentException(describe() + ": expected input of shape [..., " + in + "] but got " + s);
        }
        return x.getNDArrayInternal().linear(x, weight.value(), bias == null ? null : bias.value()).singletonOrThrow();
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null. */
    public Parameter bias() {
        return bias;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }
}
