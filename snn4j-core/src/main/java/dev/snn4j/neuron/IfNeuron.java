package dev.snn4j.neuron;

import ai.djl.ndarray.NDArray;
import dev.snn4j.surrogate.Surrogate;

/**
 * Integrate-and-fire: {@code H = V + X}.
 *
 * <pre>{@code
 * IfNeuron n = IfNeuron.builder().softReset().build();
 * }</pre>
 */
public class IfNeuron extends Neuron {

    public IfNeuron(Surrogate surrogate, double threshold, Double vReset, boolean detachReset) {
        super(surrogate, threshold, vReset, detachReset);
    }

    /** A builder with SpikingJelly's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    protected NDArray charge(NDArray x) {
        return v.add(x);
    }

    /** Builds {@link IfNeuron}s. */
    public static final class Builder extends NeuronBuilder<Builder> {
        public IfNeuron build() {
            return new IfNeuron(surrogate, threshold, vReset, detachReset);
        }
    }
}
