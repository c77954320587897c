package dev.snn4j.neuron;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.snn4j.nn.Parameter;
import dev.snn4j.nn.Tensors;
import dev.snn4j.surrogate.Surrogate;

/**
 * Parametric LIF (Fang et al. 2021, SpikingJelly's {@code ParametricLIFNode}): a LIF whose decay
 * {@code 1/tau = sigmoid(w)} is learned, one scalar per layer, initialised from {@code initTau}
 * ({@code w = -log(initTau - 1)}).
 *
 * <pre>{@code
 * ParametricLifNeuron plif = ParametricLifNeuron.builder(manager).initTau(2.0).build();
 * }</pre>
 */
public class ParametricLifNeuron extends Neuron {
    private final boolean decayInput;
    private final Parameter w;

    public ParametricLifNeuron(NDManager manager, double initTau, boolean decayInput, Surrogate surrogate,
                               double threshold, Double vReset, boolean detachReset) {
        super(surrogate, threshold, vReset, detachReset);
        if (!(initTau > 1.0) || Double.isInfinite(initTau)) {
            throw new IllegalArgumentException("ParametricLifNeuron: initTau must be a finite number > 1, got "
                    + initTau);
        }
        this.decayInput = decayInput;
        this.w = addParameter("w", persistent(manager, manager.create((float) -Math.log(initTau - 1.0))));
    }

    public static Builder builder(NDManager manager) {
        return new Builder(manager);
    }

    /** The learned decay parameter (1/tau = sigmoid(w)). */
    public Parameter w() {
        return w;
    }

    @Override
    protected NDArray charge(NDArray x) {
        double vr = vReset == null ? 0.0 : vReset;
        NDArray k = sigmoidOf(x);
        if (decayInput) {
            NDArray leak = vr == 0.0 ? x.sub(v) : x.sub(v.sub(Tensors.scalar(v, vr)));
            return v.add(leak.mul(k));
        }
        if (vr == 0.0) {
            return v.mul(Tensors.scalar(v, 1.0).sub(k)).add(x);
        }
        return v.sub(v.sub(Tensors.scalar(v, vr)).mul(k)).add(x);
    }

    private NDArray sigmoidOf(NDArray like) {
        // start from the batch array so the result is owned by the step's manager (DESIGN.md pitfall 2)
        return Tensors.scalar(like, 0.0).add(w.value()).getNDArrayInternal().sigmoid();
    }

    /** Builds {@link ParametricLifNeuron}s. */
    public static final class Builder extends NeuronBuilder<Builder> {
        private final NDManager manager;
        private double initTau = 2.0;
        private boolean decayInput = true;

        Builder(NDManager manager) {
            this.manager = manager;
        }

        public Builder initTau(double t) {
            this.initTau = t;
            return this;
        }

        public Builder decayInput(boolean on) {
            this.decayInput = on;
            return this;
        }

        public ParametricLifNeuron build() {
            return new ParametricLifNeuron(manager, initTau, decayInput, surrogate, threshold, vReset, detachReset);
        }
    }
}
