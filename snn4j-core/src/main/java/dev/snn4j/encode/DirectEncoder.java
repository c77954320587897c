package dev.snn4j.encode;

import ai.djl.ndarray.NDArray;

/**
 * Direct (analog) encoding: the same input at every step, {@code [B, ...] -> [T, B, ...]}; the first layer turns it
 * into spikes. IIR-SNN uses it. Differentiable with respect to the input.
 */
public final class DirectEncoder implements Encoder {
    private final int steps;

    public DirectEncoder(int steps) {
        Encoder.requireSteps(steps, "DirectEncoder");
        this.steps = steps;
    }

    @Override
    public NDArray encode(NDArray x) {
        Encoder.requireBatch(x, "DirectEncoder");
        return x.expandDims(0).repeat(0, steps);
    }

    @Override
    public int timeSteps() {
        return steps;
    }
}
