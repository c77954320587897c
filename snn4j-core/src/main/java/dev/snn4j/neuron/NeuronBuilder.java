package dev.snn4j.neuron;

import dev.snn4j.surrogate.ATan;
import dev.snn4j.surrogate.Surrogate;

/**
 * Options shared by every neuron builder, with SpikingJelly's defaults: threshold 1, hard reset to 0, ATan(2)
 * surrogate, reset not detached.
 *
 * @param <B> the concrete builder, for chaining
 */
public abstract class NeuronBuilder<B extends NeuronBuilder<B>> {
    protected Surrogate surrogate = new ATan(2.0);
    protected double threshold = 1.0;
    protected Double vReset = 0.0;
    protected boolean detachReset;

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** The surrogate gradient of the spike function. */
    public B surrogate(Surrogate s) {
        this.surrogate = s;
        return self();
    }

    /** Firing threshold (> 0; {@code Double.POSITIVE_INFINITY} makes a non-spiking integrator). */
    public B threshold(double v) {
        this.threshold = v;
        return self();
    }

    /** Hard reset: the membrane is set to {@code v} after a spike. */
    public B hardReset(double v) {
        this.vReset = v;
        return self();
    }

    /** Soft (subtractive) reset: the threshold is subtracted after a spike. */
    public B softReset() {
        this.vReset = null;
        return self();
    }

    /** Stop the gradient through the spike inside the reset (SpikingJelly's {@code detach_reset}). */
    public B detachReset(boolean on) {
        this.detachReset = on;
        return self();
    }
}
