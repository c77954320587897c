package dev.snn4j.neuron;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Tensors;
import dev.snn4j.surrogate.Surrogate;

/**
 * Leaky integrate-and-fire with a fixed time constant, SpikingJelly's {@code LIFNode}:
 * <ul>
 *   <li>{@code decayInput = true}: {@code H = V + (X - (V - V_reset)) / tau}</li>
 *   <li>{@code decayInput = false}: {@code H = V - (V - V_reset) / tau + X}</li>
 * </ul>
 * (with soft reset, {@code V_reset} is 0 in the charge equation).
 *
 * <pre>{@code
 * LifNeuron lif = LifNeuron.builder().tau(2.0).decayInput(false).detachReset(true)
 *         .surrogate(new ATan(5.0)).build();
 * }</pre>
 */
public class LifNeuron extends Neuron {
    private final double tau;
    private final boolean decayInput;

    public LifNeuron(double tau, boolean decayInput, Surrogate surrogate, double threshold, Double vReset,
                     boolean detachReset) {
        super(surrogate, threshold, vReset, detachReset);
        if (!(tau > 1.0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("LifNeuron: tau must be a finite number > 1 (in time steps), got " + tau);
        }
        this.tau = tau;
        this.decayInput = decayInput;
    }

    /** A builder with SpikingJelly's defaults (tau 2, decay_input, hard reset to 0, ATan(2)). */
    public static Builder builder() {
        return new Builder();
    }

    public double tau() {
        return tau;
    }

    public boolean decayInput() {
        return decayInput;
    }

    @Override
    protected NDArray charge(NDArray x) {
        // Expressions mirror SpikingJelly's so float64 results agree to the last bit.
        double vr = vReset == null ? 0.0 : vReset;
        NDArray tauC = Tensors.scalar(x, tau);
        if (decayInput) {
            NDArray leak = vr == 0.0 ? x.sub(v) : x.sub(v.sub(Tensors.scalar(v, vr)));
            return v.add(leak.div(tauC));
        }
        if (vr == 0.0) {
            return v.mul(Tensors.scalar(v, 1.0 - 1.0 / tau)).add(x);
        }
        return v.sub(v.sub(Tensors.scalar(v, vr)).div(tauC)).add(x);
    }

    /** Builds {@link LifNeuron}s. */
    public static final class Builder extends NeuronBuilder<Builder> {
        private double tau = 2.0;
        private boolean decayInput = true;

        /** Membrane time constant in time steps (> 1). */
        public Builder tau(double t) {
            this.tau = t;
            return this;
        }

        /** Whether the input is divided by tau too. */
        public Builder decayInput(boolean on) {
            this.decayInput = on;
            return this;
        }

        public LifNeuron build() {
            return new LifNeuron(tau, decayInput, surrogate, threshold, vReset, detachReset);
        }
    }
}
