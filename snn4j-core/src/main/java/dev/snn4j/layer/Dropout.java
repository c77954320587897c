package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Tensors;

/**
 * Dropout whose mask is drawn once per sample and shared by every time step (SpikingJelly's multi-step
 * {@code Dropout}): a neuron dropped at t=0 stays dropped for the whole sequence, so dropout does not inject
 * step-to-step noise into the membranes. Identity in evaluation mode.
 *
 * <pre>{@code
 * Dropout drop = new Dropout(0.2);   // [T, B, ...] -> [T, B, ...]
 * }</pre>
 */
public class Dropout extends Module {
    private final double p;

    /** @param p probability of dropping a unit, in [0, 1) */
    public Dropout(double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        }
        this.p = p;
    }

    @Override
    public NDArray forward(NDArray x) {
        Tensors.requireSequence(x, 2, describe());
        if (!isTraining() || p == 0) {
            return x;
        }
        Shape s = x.getShape();
        Shape maskShape = new Shape(1).addAll(s.slice(1));
        NDArray keep = x.getManager().randomUniform(0f, 1f, maskShape, x.getDataType())
                .gte(Tensors.scalar(x, p)).toType(x.getDataType(), false);
        return x.mul(Tensors.mul(keep, 1.0 / (1 - p)));
    }

    public double p() {
        return p;
    }
}
