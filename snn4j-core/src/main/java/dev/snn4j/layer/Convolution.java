package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;

import java.util.Arrays;

/**
 * N-d convolution applied to every frame of a time-major input {@code [T, B, C, spatial...]}, time folded into the
 * batch. Weight layout is PyTorch's {@code [out, in, k...]}; the kernel, stride and padding are the same on every
 * spatial axis. See {@link Conv1d} and {@link Conv2d}.
 */
public abstract class Convolution extends Module {
    private final int dims;
    private final int in;
    private final int out;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final Parameter weight;
    private final Parameter bias;

    protected Convolution(NDManager manager, int dims, int in, int out, int kernel, int stride, int padding,
                          boolean bias) {
        if (in <= 0 || out <= 0 || kernel <= 0 || stride <= 0 || padding < 0) {
            throw new IllegalArgumentException(getClass().getSimpleName()
                    + ": channels, kernel and stride must be > 0 and padding >= 0, got in=" + in + " out=" + out
                    + " kernel=" + kernel + " stride=" + stride + " padding=" + padding);
        }
        this.dims = dims;
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        long[] wShape = new long[2 + dims];
        wShape[0] = out;
        wShape[1] = in;
        Arrays.fill(wShape, 2, wShape.length, kernel);
        double bound = 1.0 / Math.sqrt(in * Math.pow(kernel, dims));
        this.weight = addParameter("weight", persistent(manager, Init.uniform(manager, new Shape(wShape), bound)));
        this.bias = bias ? addParameter("bias", persistent(manager, Init.uniform(manager, new Shape(out), bound)))
                : null;
    }

    @Override
    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() != 3 + dims || s.get(2) != in) {
            throw new IllegalArgumentException(describe() + ": expected input of shape [T, B, " + in
                    + (dims == 1 ? ", L]" : ", H, W]") + " but got " + s);
        }
        for (int d = 0; d < dims; d++) {
            if (s.get(3 + d) + 2L * padding < kernel) {
                throw new IllegalArgumentException(describe() + ": input " + s + " is smaller than the kernel "
                        + kernel + " (padding " + padding + ")");
            }
        }
        return TimeFold.apply(x, f -> dev.snn4j.nn.Tensors.convolution(f, weight.value(),
                bias == null ? null : bias.value(), repeat(stride), repeat(padding), repeat(1), 1));
    }

    private Shape repeat(long v) {
        long[] a = new long[dims];
        Arrays.fill(a, v);
        return new Shape(a);
    }

    /** Output size along one spatial axis for an input of size {@code n}. */
    public long outputSize(long n) {
        return (n + 2L * padding - kernel) / stride + 1;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null. */
    public Parameter bias() {
        return bias;
    }

    public int inChannels() {
        return in;
    }

    public int outChannels() {
        return out;
    }

    public int kernelSize() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }
}
