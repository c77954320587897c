package dev.snn4j.runtime;

/**
 * What one layer did since the session's counters were last cleared.
 *
 * <p>Operation counting: a binary (spike) input event to a linear or convolution layer costs one accumulate (AC) per
 * synapse it reaches; a graded input event (analog image, average-pooled spikes) costs one multiply-accumulate (MAC)
 * per synapse; zeros cost nothing. Average pooling counts one AC per input event (its window sum); neurons are not
 * counted as synaptic operations (their dense update is {@code neuronSteps} membrane updates).
 *
 * <pre>{@code
 * for (LayerStats s : session.stats()) System.out.println(s.name() + " rate " + s.firingRate());
 * }</pre>
 *
 * @param name        layer name
 * @param type        layer type ({@code iir}, {@code linear}, ...)
 * @param spikes      spikes emitted (neuron layers)
 * @param neuronSteps neuron updates (neurons x steps; 0 for non-neuron layers)
 * @param events      non-zero input values processed (weight and pooling layers)
 * @param acs         accumulates
 * @param macs        multiply-accumulates
 * @param steps       time steps the layer ran (a layer before {@code repeat_time} runs once per sample)
 */
public record LayerStats(String name, String type, long spikes, long neuronSteps, long events, long acs, long macs,
                         long steps) {
    /** Spikes per neuron per step, or NaN for a non-neuron layer. */
    public double firingRate() {
        return neuronSteps == 0 ? Double.NaN : (double) spikes / neuronSteps;
    }
}
