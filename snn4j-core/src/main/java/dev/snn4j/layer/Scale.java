package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;

/**
 * Element-wise multiplication by a fixed factor, {@code y = s * x}, with {@code s} of the feature shape (or a
 * scalar) broadcast over the time and batch axes: NIR's {@code Scale} node. It also carries the factors the NIR
 * importer needs to keep a graph's semantics where an snn4j module has none (a {@code SumPool2d} becomes an average
 * pool times {@code k*k}; a neuron input resistance {@code r} becomes a scale in front of the neuron).
 *
 * <pre>{@code
 * Scale s = new Scale(manager, new double[] {0.5, 2.0}, new Shape(2));   // [T, B, 2] -> [T, B, 2]
 * Scale k = Scale.scalar(manager, 4.0);                                  // any shape
 * }</pre>
 */
public class Scale extends Module {
    private final Parameter factor;

    /** Factors {@code values} laid out row-major in {@code shape} (the feature shape, without T and B). */
    public Scale(NDManager manager, double[] values, Shape shape) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException("Scale: " + values.length + " values do not fill shape " + shape);
        }
        this.factor = addBuffer("scale", persistent(manager, manager.create(values, shape)));
    }

    /** One factor for every element. */
    public static Scale scalar(NDManager manager, double value) {
        return new Scale(manager, new double[] {value}, new Shape());
    }

    @Override
    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        Shape f = factor.value().getShape();
        if (s.dimension() < 2 + f.dimension() || (f.dimension() > 0 && !s.slice(2).equals(f))) {
            throw new IllegalArgumentException(describe() + ": expected input [T, B" + (f.dimension() > 0 ? ", "
                    + f.toString().replaceAll("[()]", "") : ", ...") + "] but got " + s);
        }
        return x.mul(factor.value());
    }

    /** The factor tensor (feature shape, or 0-d). */
    public Parameter factor() {
        return factor;
    }
}
