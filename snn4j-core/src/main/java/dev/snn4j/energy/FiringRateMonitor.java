package dev.snn4j.energy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.snn4j.neuron.Neuron;
import dev.snn4j.nn.Module;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts spikes per neuron layer while attached: installs a {@link Neuron.SpikeObserver} on every neuron of a module
 * tree and reports each layer's firing rate (spikes / neuron-steps) under its dotted path. Counts accumulate on the
 * tensor side (a few small ops per neuron step, no host synchronisation); the host reads them only when
 * {@link #rates()} is called. Detached, neurons have no observer and training pays nothing.
 *
 * <pre>{@code
 * try (FiringRateMonitor mon = FiringRateMonitor.attach(model)) { model.forward(x); System.out.println(mon.rates()); }
 * }</pre>
 */
public final class FiringRateMonitor implements AutoCloseable {
    private final Map<String, Neuron> neurons = new LinkedHashMap<>();
    private final Map<Neuron, Neuron.SpikeObserver> previous = new LinkedHashMap<>();
    private final Map<Neuron, Counter> counters = new LinkedHashMap<>();
    private NDManager manager;
    private boolean attached;

    private static final class Counter {
        NDArray spikes; // 0-d float64, lives in the monitor's manager
        long elements;
    }

    private FiringRateMonitor() {
    }

    /** Attaches to every neuron under {@code model} (chaining any observer already installed). */
    public static FiringRateMonitor attach(Module model) {
        FiringRateMonitor mon = new FiringRateMonitor();
        mon.collect("", model);
        if (mon.neurons.isEmpty()) {
            throw new IllegalArgumentException("FiringRateMonitor: " + model.describe() + " contains no neurons");
        }
        mon.neurons.values().forEach(n -> {
            mon.counters.put(n, new Counter());
            Neuron.SpikeObserver before = n.observer();
            mon.previous.put(n, before);
            n.setObserver((neuron, s) -> {
                mon.observe(neuron, s);
                if (before != null) {
                    before.onSpikes(neuron, s);
                }
            });
        });
        mon.attached = true;
        return mon;
    }

    private void collect(String path, Module m) {
        if (m instanceof Neuron n) {
            neurons.put(path.isEmpty() ? m.describe() : path, n);
        }
        m.children().forEach((k, c) -> collect(path.isEmpty() ? k : path + "." + k, c));
    }

    private void observe(Neuron n, NDArray s) {
        Counter c = counters.get(n);
        if (manager == null) {
            manager = NDManager.newBaseManager(s.getDevice());
        }
        if (c.spikes == null) {
            c.spikes = manager.zeros(new ai.djl.ndarray.types.Shape(), DataType.FLOAT64);
            NDScope.unregister(c.spikes);
        }
        try (NDArray detached = s.stopGradient(); NDArray sum = detached.sum()) {
            NDArray sum64 = sum.toType(DataType.FLOAT64, false);
            c.spikes.addi(sum64);
            if (sum64 != sum) {
                sum64.close();
            }
        }
        c.elements += s.getShape().size();
    }

    /** Firing rate per layer (dotted path), in [0, 1]; NaN for a layer that has not run. Synchronises once per layer. */
    public Map<String, Double> rates() {
        Map<String, Double> out = new LinkedHashMap<>();
        neurons.forEach((path, n) -> {
            Counter c = counters.get(n);
            out.put(path, c.elements == 0 ? Double.NaN : c.spikes.getDouble() / c.elements);
        });
        return Collections.unmodifiableMap(out);
    }

    /** Spikes over all layers divided by neuron-steps over all layers. */
    public double overallRate() {
        double spikes = 0;
        long elements = 0;
        for (Counter c : counters.values()) {
            if (c.elements > 0) {
                spikes += c.spikes.getDouble();
                elements += c.elements;
            }
        }
        return elements == 0 ? Double.NaN : spikes / elements;
    }

    /** Neuron-steps seen per layer (batch x neurons x time steps). */
    public Map<String, Long> elements() {
        Map<String, Long> out = new LinkedHashMap<>();
        neurons.forEach((path, n) -> out.put(path, counters.get(n).elements));
        return Collections.unmodifiableMap(out);
    }

    /** Zeroes the counts (keeps observing). */
    public void reset() {
        counters.values().forEach(c -> {
            if (c.spikes != null) {
                c.spikes.close();
                c.spikes = null;
            }
            c.elements = 0;
        });
    }

    /** Removes the observers (restoring any that were there before) and frees the counters. */
    @Override
    public void close() {
        if (!attached) {
            return;
        }
        previous.forEach(Neuron::setObserver);
        attached = false;
        if (manager != null) {
            manager.close();
            manager = null;
        }
        counters.values().forEach(c -> c.spikes = null);
    }
}
