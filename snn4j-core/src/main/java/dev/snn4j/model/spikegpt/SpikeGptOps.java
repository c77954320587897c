package dev.snn4j.model.spikegpt;

import dev.snn4j.energy.OpCounter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Synaptic operations per token of a {@link SpikeGpt}, counted honestly for SpikeGPT's block layout.
 *
 * <p>Every weight matrix ({@code Linear}) is counted as dense multiply-accumulates (MACs) <em>in both models</em>,
 * because in this layout no matrix is ever fed binary spikes:
 * <ul>
 *   <li>{@code att.key/value/receptance}: input = token-shift mix of {@code ln1(x)} (LayerNorm output, analog);</li>
 *   <li>{@code att.output}: input = {@code sigmoid(r) * wkv} (analog);</li>
 *   <li>{@code ffn.key/receptance}: input = token-shift mix of {@code ln2(x)} (analog);</li>
 *   <li>{@code ffn.value}: input = {@code relu(k)^2} (analog);</li>
 *   <li>{@code head}: input = {@code ln_out(x)} (analog).</li>
 * </ul>
 * The spikes (the binary embedding and the two LIF outputs of each block) only enter the residual stream, through
 * {@code ln0} (block 0) and the additions {@code x + LIF(...)}. Those additions are the only accumulate-only
 * operations: {@code d x rate} accumulates per LIF per token (rows {@code blocks.N.lif1/lif2 (residual add)}). They
 * are not synaptic operations in the usual sense and are reported separately. The embedding lookup is a gather
 * (0 operations). Element-wise work (LayerNorm, token shift, WKV exponentials, sigmoid, relu^2) is not counted.
 *
 * <pre>{@code
 * List<OpCounter.LayerOps> ops = SpikeGptOps.perToken(cfg, monitor.rates());   // rates empty for the twin
 * double macs = OpCounter.totalMacs(ops), acs = OpCounter.totalAcs(ops);
 * }</pre>
 */
public final class SpikeGptOps {
    private SpikeGptOps() {
    }

    /**
     * Operations per token, one row per weight matrix and (spiking model) per LIF residual addition.
     *
     * @param rates firing rate per LIF layer under its dotted path ({@code blocks.N.lif1}, as
     *              {@link dev.snn4j.energy.FiringRateMonitor} names them); required for a spiking config
     */
    public static List<OpCounter.LayerOps> perToken(SpikeGptConfig cfg, Map<String, Double> rates) {
        double d = cfg.nEmbd();
        List<OpCounter.LayerOps> out = new ArrayList<>();
        for (int i = 0; i < cfg.nLayer(); i++) {
            String p = "blocks." + i + ".";
            for (String m : new String[] {"att.key", "att.value", "att.receptance", "att.output"}) {
                out.add(mac(p + m, d * d));
            }
            out.add(mac(p + "ffn.key", 4 * d * d));
            out.add(mac(p + "ffn.receptance", d * d));
            out.add(mac(p + "ffn.value", 4 * d * d));
            if (cfg.spiking()) {
                for (String lif : new String[] {"lif1", "lif2"}) {
                    Double r = rates.get(p + lif);
                    if (r == null || r.isNaN()) {
                        throw new IllegalArgumentException("SpikeGptOps: no firing rate for " + p + lif + "; have "
                                + rates.keySet());
                    }
                    out.add(new OpCounter.LayerOps(p + lif + " (residual add)", d, 0, d * r, r));
                }
            }
        }
        out.add(mac("head", d * cfg.vocabSize()));
        return out;
    }

    private static OpCounter.LayerOps mac(String name, double n) {
        return new OpCounter.LayerOps(name, n, n, 0, Double.NaN);
    }
}
