package dev.snn4j.energy;

import dev.snn4j.layer.Convolution;
import dev.snn4j.layer.Flatten;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.Pool2d;
import dev.snn4j.layer.RepeatTime;
import dev.snn4j.neuron.Neuron;
import dev.snn4j.nn.Module;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Counts the synaptic operations of a feed-forward network (the children of a {@link Module}, in order), the way the
 * SNN papers do: a layer fed by analog values costs multiply-accumulates (MACs, dense); a layer fed by spikes costs
 * accumulates (ACs): one per input spike per fan-out, summed over time steps.
 *
 * <p>With measured firing rates, a spiking layer's ACs = dense MACs per step x T x (spikes per input position),
 * where spikes per input position is the rate of the neuron layer before it, times {@code k^2} when a k x k average
 * pooling sits in between (each pooled value is the mean of k^2 spikes, and each of them is one accumulate of
 * {@code w / k^2}). A layer before any neuron sees analog input: its MACs are counted once per step, or once in all
 * when a {@link RepeatTime} follows it (direct encoding computes the first convolution once).
 *
 * <pre>{@code
 * List<OpCounter.LayerOps> ops = OpCounter.count(snn, new long[] {1, 28, 28}, 5, monitor.rates());
 * double pj = OpCounter.energyPicojoules(ops, EnergyModel.CMOS45_FP32);
 * }</pre>
 */
public final class OpCounter {
    private OpCounter() {
    }

    /**
     * One weight layer's operations per sample.
     *
     * @param layer        child name
     * @param densePerStep dense MACs of one time step
     * @param macs         MACs counted (analog input)
     * @param acs          ACs counted (spike input)
     * @param inputRate    spikes per input position per step (NaN for analog input)
     */
    public record LayerOps(String layer, double densePerStep, double macs, double acs, double inputRate) {
    }

    /**
     * @param net         the network; its direct children are walked in order
     * @param sampleShape shape of one input sample without batch and time (e.g. {@code {1, 28, 28}})
     * @param timeSteps   T (1 for an ANN)
     * @param rates       firing rate per neuron child name (from {@link FiringRateMonitor}, keys may be dotted paths
     *                    whose last part is the child name); empty for an ANN, whose layers then all count MACs
     */
    public static List<LayerOps> count(Module net, long[] sampleShape, int timeSteps, Map<String, Double> rates) {
        if (timeSteps < 1) {
            throw new IllegalArgumentException("OpCounter: timeSteps must be >= 1, got " + timeSteps);
        }
        List<LayerOps> out = new ArrayList<>();
        long[] shape = sampleShape.clone();
        Double spikeRate = null;      // spikes per input position, null while the signal is analog
        String pendingAnalog = null;  // last analog layer, to be counted once if RepeatTime follows
        for (Map.Entry<String, Module> e : net.children().entrySet()) {
            String name = e.getKey();
            Module m = e.getValue();
            if (m instanceof Convolution c) {
                long[] outShape = new long[shape.length];
                outShape[0] = c.outChannels();
                long positions = 1;
                for (int d = 1; d < shape.length; d++) {
                    outShape[d] = c.outputSize(shape[d]);
                    positions *= outShape[d];
                }
                double dense = (double) positions * c.outChannels() * c.inChannels()
                        * Math.pow(c.kernelSize(), shape.length - 1);
                out.add(layerOps(name, dense, timeSteps, spikeRate));
                pendingAnalog = spikeRate == null ? name : null;
                shape = outShape;
            } else if (m instanceof Linear l) {
                double dense = (double) l.inFeatures() * l.outFeatures();
                out.add(layerOps(name, dense, timeSteps, spikeRate));
                pendingAnalog = spikeRate == null ? name : null;
                shape = new long[] {l.outFeatures()};
            } else if (m instanceof Pool2d p) {
                shape = new long[] {shape[0], shape[1] / p.kernelSize(), shape[2] / p.kernelSize()};
                if (spikeRate != null && p.kind() == Pool2d.Kind.AVERAGE) {
                    spikeRate = spikeRate * p.kernelSize() * p.kernelSize();
                }
            } else if (m instanceof Flatten) {
                shape = new long[] {Arrays.stream(shape).reduce(1, (a, b) -> a * b)};
            } else if (m instanceof RepeatTime && pendingAnalog != null) {
                LayerOps last = out.remove(out.size() - 1);
                out.add(new LayerOps(last.layer(), last.densePerStep(), last.densePerStep(), 0, Double.NaN));
            } else if (m instanceof Neuron) {
                spikeRate = rateOf(rates, name);
            }
        }
        return out;
    }

    private static LayerOps layerOps(String name, double dense, int t, Double spikeRate) {
        if (spikeRate == null) {
            return new LayerOps(name, dense, dense * t, 0, Double.NaN);
        }
        return new LayerOps(name, dense, 0, dense * t * spikeRate, spikeRate);
    }

    private static double rateOf(Map<String, Double> rates, String name) {
        for (Map.Entry<String, Double> r : rates.entrySet()) {
            String k = r.getKey();
            if (k.equals(name) || k.endsWith("." + name)) {
                return r.getValue();
            }
        }
        throw new IllegalArgumentException("OpCounter: no firing rate measured for neuron layer '" + name
                + "'; have " + rates.keySet());
    }

    /** Total energy in picojoules per sample. */
    public static double energyPicojoules(List<LayerOps> ops, EnergyModel model) {
        return ops.stream().mapToDouble(o -> model.picojoules(o.macs(), o.acs())).sum();
    }

    /** Total MACs per sample. */
    public static double totalMacs(List<LayerOps> ops) {
        return ops.stream().mapToDouble(LayerOps::macs).sum();
    }

    /** Total ACs per sample. */
    public static double totalAcs(List<LayerOps> ops) {
        return ops.stream().mapToDouble(LayerOps::acs).sum();
    }
}
