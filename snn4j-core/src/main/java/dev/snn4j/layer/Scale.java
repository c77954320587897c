package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;

/**
 * Element-wise {@code y = s * x} (NIR's {@code Scale} node), optionally {@code y = s * x + b}, with {@code s} and
 * {@code b} of the feature shape (or scalars) broadcast over the time and batch axes. Neither is trained (buffers).
 * It also carries what the NIR importer needs where an snn4j module has no such parameter: a {@code SumPool2d} is an
 * average pool times {@code k*k}; a neuron's input resistance {@code r} and a leak potential {@code v_leak} other
 * than the reset value become {@code s = r}, {@code b = v_leak - v_reset} in front of the neuron.
 *
 * <pre>{@code
 * Scale s = new Scale(manager, new double[] {0.5, 2.0}, new Shape(2));   // [T, B, 2] -> [T, B, 2]
 * Scale k = Scale.scalar(manager, 4.0);                                  // any shape
 * Scale a = Scale.affine(manager, 2.0, 0.1);                             // y = 2 x + 0.1
 * }</pre>
 */
public class Scale extends Module {
    private final Parameter factor;
    private final Parameter offset;

    /** Factors {@code values} laid out row-major in {@code shape} (the feature shape, without T and B). */
    public Scale(NDManager manager, double[] values, Shape shape) {
        this(manager, values, null, shape);
    }

    /**
     * Factors and offsets (null for none), each row-major in {@code shape}; a one-element array stands for every
     * element.
     */
    public Scale(NDManager manager, double[] values, double[] offsets, Shape shape) {
        this.factor = addBuffer("scale", persistent(manager, manager.create(values, fit("factors", values, shape))));
        this.offset = offsets == null ? null
                : addBuffer("offset", persistent(manager, manager.create(offsets, fit("offsets", offsets, shape))));
    }

    private static Shape fit(String what, double[] v, Shape shape) {
        if (v.length == 1) {
            return new Shape();
        }
        if (v.length != shape.size()) {
            throw new IllegalArgumentException("Scale: " + v.length + " " + what + " do not fill shape " + shape);
        }
        return shape;
    }

    /** One factor for every element. */
    public static Scale scalar(NDManager manager, double value) {
        return new Scale(manager, new double[] {value}, new Shape());
    }

    /** {@code y = factor * x + offset} for every element. */
    public static Scale affine(NDManager manager, double factor, double offset) {
        return new Scale(manager, new double[] {factor}, new double[] {offset}, new Shape());
    }

    @Override
    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        for (Parameter p : offset == null ? new Parameter[] {factor} : new Parameter[] {factor, offset}) {
            Shape f = p.value().getShape();
            if (s.dimension() < 2 || (f.dimension() > 0 && !s.slice(2).equals(f))) {
                throw new IllegalArgumentException(describe() + ": expected input [T, B" + (f.dimension() > 0 ? ", "
                        + f.toString().replaceAll("[()]", "") : ", ...") + "] but got " + s);
            }
        }
        NDArray y = x.mul(factor.value());
        return offset == null ? y : y.add(offset.value());
    }

    /** The factor tensor (feature shape, or 0-d). */
    public Parameter factor() {
        return factor;
    }

    /** The offset tensor (feature shape, or 0-d), or null. */
    public Parameter offset() {
        return offset;
    }
}
