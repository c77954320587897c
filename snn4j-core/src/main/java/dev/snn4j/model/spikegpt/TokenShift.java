package dev.snn4j.model.spikegpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Tensors;

/**
 * RWKV's token shift and mixing, on time-major {@code [T, B, C]}: {@code xx_t = x_{t-1}} (zero, or the carried
 * previous token, before the first one), and {@code mix(x, xx, mu) = x * mu + xx * (1 - mu)} with {@code mu [1, 1, C]}.
 *
 * <pre>{@code
 * NDArray xk = TokenShift.mix(x, TokenShift.shift(x, null), timeMixK);
 * }</pre>
 */
public final class TokenShift {
    private TokenShift() {
    }

    /** {@code x} delayed by one token along axis 0; {@code previous} ([1, B, C] or null = zeros) fills slot 0. */
    public static NDArray shift(NDArray x, NDArray previous) {
        Shape s = x.getShape();
        NDArray first = previous != null ? previous : x.getManager().zeros(new Shape(1, s.get(1), s.get(2)),
                x.getDataType());
        if (s.get(0) == 1) {
            return first;
        }
        if (previous != null) {
            first = x.getManager().zeros(first.getShape(), x.getDataType()).add(previous); // into x's manager
        }
        return NDArrays.concat(new NDList(first, x.get(new NDIndex("0:" + (s.get(0) - 1)))), 0);
    }

    /** {@code x * mu + xx * (1 - mu)}, evaluated as SpikeGPT does (so float64 results agree bit for bit). */
    public static NDArray mix(NDArray x, NDArray xx, NDArray mu) {
        return x.mul(mu).add(xx.mul(Tensors.scalar(x, 1.0).sub(mu)));
    }
}
