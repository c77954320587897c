package dev.snn4j.model.spikegpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.layer.Linear;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;
import dev.snn4j.nn.Tensors;

/**
 * RWKV-4 time mixing (SpikeGPT's {@code RWKV_TimeMix}) on time-major {@code [T, B, d]}:
 * {@code xk, xv, xr} = token-shift mixes of x with {@code time_mix_k/v/r}; {@code k = key(xk)},
 * {@code v = value(xv)}, {@code r = sigmoid(receptance(xr))}; output {@code output(r * WKV(time_decay, time_first, k,
 * v))} (see {@link Wkv}; the decay rate is {@code exp(time_decay)}).
 *
 * <p>Parameters (SpikeGPT's names): {@code time_decay [d]}, {@code time_first [d]}, {@code time_mix_k/v/r [1, 1, d]},
 * {@code key/value/receptance/output.weight [d, d]} (no biases). The time parameters start at SpikeGPT's
 * deterministic layer-dependent values, the matrices at PyTorch's {@code nn.Linear} default.
 *
 * <pre>{@code
 * TimeMix att = new TimeMix(manager, 512, 0, 12, 8);    // [T, B, 512] -> [T, B, 512]
 * }</pre>
 */
public class TimeMix extends Module {
    private final int d;
    private final int chunk;
    private final Parameter timeDecay;
    private final Parameter timeFirst;
    private final Parameter mixK;
    private final Parameter mixV;
    private final Parameter mixR;
    private final Linear key;
    private final Linear value;
    private final Linear receptance;
    private final Linear output;
    private boolean record;
    private NDArray lastK;
    private NDArray lastV;
    private NDArray lastWkv;

    /**
     * @param layerId index of the block (sets the initial time parameters)
     * @param nLayer  number of blocks
     * @param chunk   tokens per chunk of the parallel WKV
     */
    public TimeMix(NDManager manager, int d, int layerId, int nLayer, int chunk) {
        this.d = d;
        this.chunk = chunk;
        double r01 = nLayer > 1 ? (double) layerId / (nLayer - 1) : 0.0;
        double r10 = 1.0 - (double) layerId / nLayer;
        float[] decay = new float[d];
        float[] first = new float[d];
        float[] mk = new float[d];
        float[] mv = new float[d];
        float[] mr = new float[d];
        for (int h = 0; h < d; h++) {
            double frac = d > 1 ? (double) h / (d - 1) : 0.0;
            decay[h] = (float) (-5 + 8 * Math.pow(frac, 0.7 + 1.3 * r01));
            first[h] = (float) (Math.log(0.3) + ((h + 1) % 3 - 1) * 0.5);
            double x = (double) h / d;
            mk[h] = (float) Math.pow(x, r10);
            mv[h] = (float) (Math.pow(x, r10) + 0.3 * r01);
            mr[h] = (float) Math.pow(x, 0.5 * r10);
        }
        Shape mixShape = new Shape(1, 1, d);
        timeDecay = addParameter("time_decay", persistent(manager, manager.create(decay)));
        timeFirst = addParameter("time_first", persistent(manager, manager.create(first)));
        mixK = addParameter("time_mix_k", persistent(manager, manager.create(mk, mixShape)));
        mixV = addParameter("time_mix_v", persistent(manager, manager.create(mv, mixShape)));
        mixR = addParameter("time_mix_r", persistent(manager, manager.create(mr, mixShape)));
        key = addChild("key", new Linear(manager, d, d, false));
        value = addChild("value", new Linear(manager, d, d, false));
        receptance = addChild("receptance", new Linear(manager, d, d, false));
        output = addChild("output", new Linear(manager, d, d, false));
    }

    /** A whole window {@code [T, B, d]}, starting from an empty state. */
    @Override
    public NDArray forward(NDArray x) {
        Tensors.requireRank(x, 3, describe(), "[T, B, " + d + "]");
        Tensors.requireDim(x, 2, d, describe(), "[T, B, " + d + "]");
        NDArray xx = TokenShift.shift(x, null);
        NDArray k = key.forward(TokenShift.mix(x, xx, mixK.value()));
        NDArray v = value.forward(TokenShift.mix(x, xx, mixV.value()));
        NDArray r = receptance.forward(TokenShift.mix(x, xx, mixR.value())).getNDArrayInternal().sigmoid();
        NDArray wkv = Wkv.parallel(decayRate(k), timeFirst.value(), k, v, null, chunk, false).y();
        if (record) {
            lastK = k;
            lastV = v;
            lastWkv = wkv;
        }
        return output.forward(r.mul(wkv));
    }

    /** {@code exp(time_decay)}, created in {@code like}'s manager. */
    private NDArray decayRate(NDArray like) {
        return Tensors.scalar(like, 0.0).add(timeDecay.value()).exp();
    }

    /**
     * One token {@code x [1, B, d]} (already layer-normalised) given the previous token's input {@code prev}
     * ({@code [1, B, d]}, null at the start) and the WKV state (null at the start).
     */
    public Wkv.Result step(NDArray x, NDArray prev, Wkv.State state) {
        NDArray xx = TokenShift.shift(x, prev);
        NDArray k = key.forward(TokenShift.mix(x, xx, mixK.value()));
        NDArray v = value.forward(TokenShift.mix(x, xx, mixV.value()));
        NDArray r = receptance.forward(TokenShift.mix(x, xx, mixR.value())).getNDArrayInternal().sigmoid();
        Wkv.Result res = Wkv.step(decayRate(k), timeFirst.value(), k, v, state);
        return new Wkv.Result(output.forward(r.mul(res.y())), res.state());
    }

    /** Keep k, v and the WKV output of the next forward calls (for inspection and tests). */
    public TimeMix record(boolean on) {
        this.record = on;
        return this;
    }

    /** k [T, B, d] of the last recorded forward. */
    public NDArray lastK() {
        return lastK;
    }

    /** v [T, B, d] of the last recorded forward. */
    public NDArray lastV() {
        return lastV;
    }

    /** WKV [T, B, d] of the last recorded forward. */
    public NDArray lastWkv() {
        return lastWkv;
    }

    public Parameter timeDecay() {
        return timeDecay;
    }

    public Parameter timeFirst() {
        return timeFirst;
    }
}
