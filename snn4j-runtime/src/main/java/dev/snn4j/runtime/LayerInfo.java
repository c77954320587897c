package dev.snn4j.runtime;

/**
 * Static facts about one layer of a {@link SpikingModel}, for analytical operation counts and memory footprints.
 *
 * <pre>{@code
 * for (LayerInfo l : model.layerInfo()) System.out.println(l.name() + " dense MACs/step " + l.denseOpsPerStep());
 * }</pre>
 *
 * @param name            layer name
 * @param type            layer type
 * @param inShape         input shape per sample (PyTorch order)
 * @param outShape        output shape per sample
 * @param parameters      stored values (weights, biases, delays, step sizes)
 * @param denseOpsPerStep multiply-accumulates of one dense step (every input x every synapse it reaches; zero
 *                        padding excluded); 0 for layers without synapses
 * @param fanOut          mean synapses per input value ({@code denseOpsPerStep / inputs})
 * @param stateFloats     floats of per-session state (output buffer, membranes, ring buffers, accumulators)
 * @param spiking         whether it emits spikes (a neuron layer that is not a membrane readout)
 */
public record LayerInfo(String name, String type, int[] inShape, int[] outShape, long parameters,
                        long denseOpsPerStep, long fanOut, long stateFloats, boolean spiking) {
    /** Bytes of weights plus state at float32. */
    public long memoryBytes() {
        return 4 * (parameters + stateFloats);
    }
}
