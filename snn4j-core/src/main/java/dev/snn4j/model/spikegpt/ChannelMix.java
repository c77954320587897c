package dev.snn4j.model.spikegpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.layer.Linear;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;
import dev.snn4j.nn.Tensors;

/**
 * RWKV-4 channel mixing (SpikeGPT's {@code RWKV_ChannelMix}) on time-major {@code [T, B, d]}:
 * {@code sigmoid(receptance(xr)) * value(relu(key(xk))^2)}, with {@code xk, xr} token-shift mixes of x.
 *
 * <p>Parameters: {@code time_mix_k/r [1, 1, d]}, {@code key.weight [4d, d]}, {@code receptance.weight [d, d]},
 * {@code value.weight [d, 4d]}.
 *
 * <pre>{@code
 * ChannelMix ffn = new ChannelMix(manager, 512, 0, 12);   // [T, B, 512] -> [T, B, 512]
 * }</pre>
 */
public class ChannelMix extends Module {
    private final int d;
    private final Parameter mixK;
    private final Parameter mixR;
    private final Linear key;
    private final Linear receptance;
    private final Linear value;

    public ChannelMix(NDManager manager, int d, int layerId, int nLayer) {
        this.d = d;
        double r10 = 1.0 - (double) layerId / nLayer;
        float[] mk = new float[d];
        for (int h = 0; h < d; h++) {
            mk[h] = (float) Math.pow((double) h / d, r10);
        }
        Shape mixShape = new Shape(1, 1, d);
        mixK = addParameter("time_mix_k", persistent(manager, manager.create(mk, mixShape)));
        mixR = addParameter("time_mix_r", persistent(manager, manager.create(mk.clone(), mixShape)));
        key = addChild("key", new Linear(manager, d, 4 * d, false));
        receptance = addChild("receptance", new Linear(manager, d, d, false));
        value = addChild("value", new Linear(manager, 4 * d, d, false));
    }

    /** A whole window {@code [T, B, d]} (the token before the first one is zero). */
    @Override
    public NDArray forward(NDArray x) {
        Tensors.requireRank(x, 3, describe(), "[T, B, " + d + "]");
        Tensors.requireDim(x, 2, d, describe(), "[T, B, " + d + "]");
        return step(x, null);
    }

    /** {@code x [T, B, d]} continuing after the token {@code prev} ([1, B, d]; null = zeros). */
    public NDArray step(NDArray x, NDArray prev) {
        NDArray xx = TokenShift.shift(x, prev);
        NDArray k = key.forward(TokenShift.mix(x, xx, mixK.value())).getNDArrayInternal().relu().square();
        NDArray kv = value.forward(k);
        return receptance.forward(TokenShift.mix(x, xx, mixR.value())).getNDArrayInternal().sigmoid().mul(kv);
    }
}
