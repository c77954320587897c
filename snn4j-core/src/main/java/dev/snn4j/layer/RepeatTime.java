package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Module;

/**
 * Repeats a single frame {@code [1, B, ...]} over {@code T} time steps, {@code -> [T, B, ...]}.
 *
 * <p>With direct (analog) input the first layer sees the same image at every step, so its convolution is the same at
 * every step too: placing this layer after the first convolution computes it once instead of T times (and the
 * operation count of that layer is its MACs once). The number of steps can be changed between training stages.
 *
 * <pre>{@code
 * RepeatTime repeat = new RepeatTime(5);   // [1, B, 64, 32, 32] -> [5, B, 64, 32, 32]
 * repeat.setSteps(1);                      // the IIR-SNN schedule shrinks T stage by stage
 * }</pre>
 */
public class RepeatTime extends Module {
    private int steps;

    public RepeatTime(int steps) {
        setSteps(steps);
    }

    /** Sets T (>= 1). */
    public void setSteps(int t) {
        if (t < 1) {
            throw new IllegalArgumentException("RepeatTime: the number of time steps must be >= 1, got " + t);
        }
        this.steps = t;
    }

    public int steps() {
        return steps;
    }

    @Override
    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() < 2 || s.get(0) != 1) {
            throw new IllegalArgumentException(describe() + ": expected one frame [1, B, ...] but got " + s);
        }
        return steps == 1 ? x : x.repeat(0, steps);
    }
}
