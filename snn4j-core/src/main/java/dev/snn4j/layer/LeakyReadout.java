package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.nn.Module;
import dev.snn4j.surrogate.ATan;

/**
 * A LIF neuron with an infinite threshold whose membrane trace is the output, {@code [T, B, C] -> [T, B, C]}
 * (the readout of the SNN-delays network: the loss is taken on {@code sum_t softmax(V[t])}).
 *
 * <pre>{@code
 * LeakyReadout out = new LeakyReadout(10.05, false);   // tau in steps, decay_input=false
 * }</pre>
 */
public class LeakyReadout extends Module {
    private final LifNeuron neuron;

    public LeakyReadout(double tau, boolean decayInput) {
        neuron = addChild("neuron", new LifNeuron(tau, decayInput, new ATan(2.0), Double.POSITIVE_INFINITY, 0.0,
                false));
        neuron.storeVoltages(true);
    }

    @Override
    public NDArray forward(NDArray x) {
        neuron.forward(x);
        return neuron.voltageSequence();
    }

    public double tau() {
        return neuron.tau();
    }
}
