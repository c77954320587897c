package dev.snn4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.snn4j.nn.Module;

/** A model with two float64 parameters {@code a [3]} and {@code b [2, 2]}; forward is unused. */
class Toy extends Module {
    Toy(NDManager m, double[] a, double[] b) {
        addParameter("a", persistent(m, m.create(a)));
        addParameter("b", persistent(m, m.create(b, new ai.djl.ndarray.types.Shape(2, 2))));
    }

    @Override
    public NDArray forward(NDArray input) {
        throw new UnsupportedOperationException();
    }
}
