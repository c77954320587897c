package dev.snn4j.layer;

import ai.djl.ndarray.NDManager;

/**
 * 1-D convolution on every step of {@code [T, B, C, L]}; PyTorch weight layout {@code [out, in, k]}.
 *
 * <pre>{@code
 * Conv1d conv = new Conv1d(manager, 2, 8, 5, 1, 2, true);   // [T, B, 2, 64] -> [T, B, 8, 64]
 * }</pre>
 */
public class Conv1d extends Convolution {
    public Conv1d(NDManager manager, int in, int out, int kernel, int stride, int padding, boolean bias) {
        super(manager, 1, in, out, kernel, stride, padding, bias);
    }
}
