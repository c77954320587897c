package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

import java.util.function.UnaryOperator;

/**
 * Runs a per-frame operation on a time-major tensor by folding time into the batch: {@code [T, B, ...]} to
 * {@code [T*B, ...]}, one kernel call, and back. Stateless layers (convolution, pooling, batch norm) use it instead of
 * a Java loop over time (one big call costs the same overhead as one small one).
 */
final class TimeFold {
    private TimeFold() {
    }

    static NDArray apply(NDArray x, UnaryOperator<NDArray> op) {
        Shape s = x.getShape();
        long t = s.get(0);
        long b = s.get(1);
        NDArray folded = x.reshape(new Shape(t * b).addAll(s.slice(2)));
        NDArray y = op.apply(folded);
        return y.reshape(new Shape(t, b).addAll(y.getShape().slice(1)));
    }
}
