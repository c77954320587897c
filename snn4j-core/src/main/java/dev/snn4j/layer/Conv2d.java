package dev.snn4j.layer;

import ai.djl.ndarray.NDManager;

/**
 * 2-D convolution on every frame of {@code [T, B, C, H, W]}; square kernel, PyTorch weight layout
 * {@code [out, in, k, k]}.
 *
 * <pre>{@code
 * Conv2d conv = new Conv2d(manager, 1, 16, 3, 1, 1, false);   // [T, B, 1, 28, 28] -> [T, B, 16, 28, 28]
 * }</pre>
 */
public class Conv2d extends Convolution {
    public Conv2d(NDManager manager, int in, int out, int kernel, int stride, int padding, boolean bias) {
        super(manager, 2, in, out, kernel, stride, padding, bias);
    }
}
