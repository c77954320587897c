package dev.snn4j.surrogate;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Tensors;

/**
 * A surrogate gradient for the spike non-linearity.
 *
 * <p>Forward is exactly the Heaviside step; backward is the derivative of a smooth primitive {@code g}. DJL has no
 * custom autograd functions, so the straight-through form is built from ordinary ops:
 * {@code spike = H(x) + (g(x) - stopGradient(g(x)))}. The bracket is exactly zero in floating point, so the forward
 * value is bit-exact Heaviside, and its gradient is {@code g'(x)}.
 *
 * <p>Each subclass only defines the primitive {@link #primitive} and, for documentation and tests, its derivative
 * {@link #derivative(double)}.
 *
 * <pre>{@code
 * Surrogate sg = new ATan(2.0);
 * NDArray spikes = sg.spike(v.sub(threshold));   // 0/1 forward, alpha/2/(1+(pi/2 alpha x)^2) backward
 * }</pre>
 */
public abstract class Surrogate {

    /** The smooth primitive g(x) whose derivative is the surrogate gradient. Must be differentiable with DJL ops. */
    protected abstract NDArray primitive(NDArray x);

    /** g'(x) as a plain number: the surrogate gradient at {@code x}. */
    public abstract double derivative(double x);

    /** Heaviside {@code x >= 0} forward (SpikingJelly's convention), surrogate gradient backward. */
    public NDArray spike(NDArray x) {
        return spike(x, false);
    }

    /**
     * Heaviside forward with the chosen tie rule: {@code strict} gives {@code x > 0} (snnTorch, IIR-SNN),
     * otherwise {@code x >= 0} (SpikingJelly).
     */
    public NDArray spike(NDArray x, boolean strict) {
        NDArray g = primitive(x);
        return Tensors.heaviside(x, strict).add(g.sub(g.stopGradient()));
    }

    static void requirePositive(double v, String what, String who) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(who + ": " + what + " must be a positive finite number, got " + v);
        }
    }
}
