package dev.snn4j.encode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Rate (Poisson / Bernoulli) encoding: at each step a unit spikes with probability equal to its value, clipped to
 * [0, 1]. Random numbers come from the engine's generator ({@link dev.snn4j.nn.Init#seed}).
 */
public final class PoissonEncoder implements Encoder {
    private final int steps;

    public PoissonEncoder(int steps) {
        Encoder.requireSteps(steps, "PoissonEncoder");
        this.steps = steps;
    }

    @Override
    public NDArray encode(NDArray x) {
        Encoder.requireBatch(x, "PoissonEncoder");
        NDArray p = x.clip(0.0, 1.0).expandDims(0);
        NDArray u = x.getManager().randomUniform(0f, 1f, new Shape(steps).addAll(x.getShape()), x.getDataType());
        return u.lt(p).toType(x.getDataType(), false);
    }

    @Override
    public int timeSteps() {
        return steps;
    }
}
