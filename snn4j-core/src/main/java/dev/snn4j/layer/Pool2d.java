package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Module;

/**
 * Average or max pooling on every frame of {@code [T, B, C, H, W]}. Average pooling of spikes gives graded values;
 * IIR-SNN and most spiking VGGs use it (2x2) because it keeps the layer linear.
 *
 * <pre>{@code
 * Pool2d pool = Pool2d.average(2);   // [T, B, C, 28, 28] -> [T, B, C, 14, 14]
 * }</pre>
 */
public class Pool2d extends Module {
    /** Pooling kind. */
    public enum Kind { AVERAGE, MAX }

    private final Kind kind;
    private final int kernel;
    private final int stride;

    public Pool2d(Kind kind, int kernel, int stride) {
        if (kernel <= 0 || stride <= 0) {
            throw new IllegalArgumentException("Pool2d: kernel and stride must be > 0, got " + kernel + ", " + stride);
        }
        this.kind = kind;
        this.kernel = kernel;
        this.stride = stride;
    }

    /** Average pooling with stride = kernel. */
    public static Pool2d average(int kernel) {
        return new Pool2d(Kind.AVERAGE, kernel, kernel);
    }

    /** Max pooling with stride = kernel. */
    public static Pool2d max(int kernel) {
        return new Pool2d(Kind.MAX, kernel, kernel);
    }

    @Override
    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 5 || s.get(3) < kernel || s.get(4) < kernel) {
            throw new IllegalArgumentException(describe() + ": expected input [T, B, C, H, W] with H, W >= " + kernel
                    + " but got " + s);
        }
        Shape k = new Shape(kernel, kernel);
        Shape st = new Shape(stride, stride);
        Shape pad = new Shape(0, 0);
        return TimeFold.apply(x, f -> kind == Kind.AVERAGE
                ? f.getNDArrayInternal().avgPool(k, st, pad, false, true)
                : f.getNDArrayInternal().maxPool(k, st, pad, false));
    }

    public Kind kind() {
        return kind;
    }

    public int kernelSize() {
        return kernel;
    }

    public int stride() {
        return stride;
    }
}
