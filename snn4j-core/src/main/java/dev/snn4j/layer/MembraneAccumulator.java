package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Tensors;

/**
 * Non-spiking readout: a neuron that only integrates its input and never fires, {@code [T, B, C] -> [B, C]}.
 * With leak 1 it is IIR-SNN's output accumulator {@code sum_t W s_t}; with {@code mean} it divides by T so the scale
 * does not change when T does.
 *
 * <pre>{@code
 * MembraneAccumulator out = MembraneAccumulator.sum();   // logits = sum over time of the last layer's input
 * }</pre>
 */
public class MembraneAccumulator extends Module {
    private final boolean mean;

    private MembraneAccumulator(boolean mean) {
        this.mean = mean;
    }

    /** {@code sum_t x_t}. */
    public static MembraneAccumulator sum() {
        return new MembraneAccumulator(false);
    }

    /** {@code (1/T) sum_t x_t}. */
    public static MembraneAccumulator mean() {
        return new MembraneAccumulator(true);
    }

    /** {@code true} for the mean over time, {@code false} for the sum. */
    public boolean isMean() {
        return mean;
    }

    @Override
    public NDArray forward(NDArray x) {
        Tensors.requireSequence(x, 2, describe());
        return mean ? x.mean(new int[] {0}) : x.sum(new int[] {0});
    }
}
