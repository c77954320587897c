package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Module;

/** Flattens everything after the time and batch axes: {@code [T, B, d1, d2, ...] -> [T, B, d1*d2*...]}. */
public class Flatten extends Module {
    @Override
    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() < 3) {
            throw new IllegalArgumentException(describe() + ": expected input [T, B, ...] of rank >= 3 but got " + s);
        }
        return x.reshape(s.get(0), s.get(1), s.slice(2).size());
    }
}
