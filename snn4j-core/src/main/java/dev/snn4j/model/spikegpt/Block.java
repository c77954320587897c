package dev.snn4j.model.spikegpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.snn4j.layer.LayerNorm;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Tensors;
import dev.snn4j.surrogate.ATan;

/**
 * One SpikeGPT block on time-major {@code [T, B, d]}; the token axis is the neurons' time axis:
 * <pre>
 *   x = ln0(x)                                  (block 0 only)
 *   x = x + LIF1(att(ln1(x)))                   att = {@link TimeMix}
 *   x = x + LIF2(ffn(ln2(x)))                   ffn = {@link ChannelMix}
 *   x = dropout(x)                              (training mode, if configured)
 * </pre>
 * LIF = {@link LifNeuron} with tau 2, decay_input, threshold 1, hard reset to 0, ATan(2) surrogate, reset not
 * detached (SpikingJelly's {@code MultiStepLIFNode} defaults used by SpikeGPT). In the non-spiking twin the LIFs are
 * identities. Children: {@code ln1}, {@code ln2}, {@code ln0} (block 0), {@code att}, {@code ffn}
 * (+ parameter-free {@code lif1}, {@code lif2}).
 *
 * <pre>{@code
 * Block b = new Block(manager, SpikeGptConfig.of(256, 512, 12), 0);   // [T, B, 512] -> [T, B, 512]
 * }</pre>
 */
public class Block extends Module {
    /** LayerNorm epsilon (PyTorch's default, used by SpikeGPT). */
    public static final double LN_EPS = 1e-5;

    private final int layerId;
    private final LayerNorm ln0;
    private final LayerNorm ln1;
    private final LayerNorm ln2;
    private final TimeMix att;
    private final ChannelMix ffn;
    private final LifNeuron lif1;
    private final LifNeuron lif2;
    private final double dropout;
    private boolean record;
    private NDArray[] recorded;

    public Block(NDManager manager, SpikeGptConfig cfg, int layerId) {
        this.layerId = layerId;
        this.dropout = cfg.dropout();
        int d = cfg.nEmbd();
        ln1 = addChild("ln1", new LayerNorm(manager, d, LN_EPS));
        ln2 = addChild("ln2", new LayerNorm(manager, d, LN_EPS));
        ln0 = layerId == 0 ? addChild("ln0", new LayerNorm(manager, d, LN_EPS)) : null;
        att = addChild("att", new TimeMix(manager, d, layerId, cfg.nLayer(), cfg.wkvChunk()));
        ffn = addChild("ffn", new ChannelMix(manager, d, layerId, cfg.nLayer()));
        lif1 = cfg.spiking() ? addChild("lif1", newLif()) : null;
        lif2 = cfg.spiking() ? addChild("lif2", newLif()) : null;
    }

    /** The neuron SpikeGPT puts after each mix (a fresh one: recurrent states own theirs). */
    public static LifNeuron newLif() {
        return LifNeuron.builder().tau(2.0).decayInput(true).threshold(1.0).hardReset(0.0)
                .surrogate(new ATan(2.0)).detachReset(false).build();
    }

    @Override
    public NDArray forward(NDArray x) {
        NDArray h = ln0 != null ? ln0.forward(x) : x;
        NDArray a = att.forward(ln1.forward(h));
        NDArray sa = lif1 != null ? lif1.forward(a) : a;
        h = h.add(sa);
        NDArray f = ffn.forward(ln2.forward(h));
        NDArray sf = lif2 != null ? lif2.forward(f) : f;
        if (record) {
            recorded = new NDArray[] {a, sa, f, sf};
        }
        return dropout(h.add(sf));
    }

    /** Element-wise dropout (mask independent over tokens, as SpikeGPT's {@code nn.Dropout}); identity in eval. */
    private NDArray dropout(NDArray x) {
        if (!isTraining() || dropout == 0) {
            return x;
        }
        NDArray keep = x.getManager().randomUniform(0f, 1f, x.getShape(), x.getDataType())
                .gte(Tensors.scalar(x, dropout)).toType(x.getDataType(), false);
        return x.mul(Tensors.mul(keep, 1.0 / (1 - dropout)));
    }

    /** Recurrent state of one block: the two LIF membranes, the two token-shift inputs and the WKV sums. */
    static final class StepState {
        final LifNeuron lif1 = newLif();
        final LifNeuron lif2 = newLif();
        NDArray attPrev;
        NDArray ffnPrev;
        Wkv.State wkv;
    }

    /** One token {@code x [1, B, d]}; updates {@code s} (arrays stay in the step's managers: the caller keeps them). */
    NDArray step(NDArray x, StepState s, boolean spiking) {
        NDArray h = ln0 != null ? ln0.forward(x) : x;
        NDArray xa = ln1.forward(h);
        Wkv.Result r = att.step(xa, s.attPrev, s.wkv);
        s.attPrev = xa;
        s.wkv = r.state();
        h = h.add(spiking ? s.lif1.step(r.y()) : r.y());
        NDArray xf = ln2.forward(h);
        NDArray f = ffn.step(xf, s.ffnPrev);
        s.ffnPrev = xf;
        return h.add(spiking ? s.lif2.step(f) : f);
    }

    /** Keep the LIF inputs and spikes (and the attention's k, v, WKV) of the next forward calls. */
    public Block record(boolean on) {
        this.record = on;
        att.record(on);
        return this;
    }

    /** {att output = LIF1 input, LIF1 spikes, ffn output = LIF2 input, LIF2 spikes}, each [T, B, d]. */
    public NDArray[] recorded() {
        return recorded;
    }

    public TimeMix att() {
        return att;
    }

    public ChannelMix ffn() {
        return ffn;
    }

    public int layerId() {
        return layerId;
    }
}
