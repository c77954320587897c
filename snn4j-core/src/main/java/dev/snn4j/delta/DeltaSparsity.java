package dev.snn4j.delta;

import ai.djl.ndarray.NDArray;
import dev.snn4j.layer.DeltaActivation;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Tensors;
import dev.snn4j.train.Losses;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The delta sparsity loss of the Delta Activation Layer paper:
 * {@code spRate * sum_l w_l * ||d_l||_1 / numel(d_l)}, over every {@link DeltaActivation} {@code l} in a model, using
 * the deltas of the last forward pass. Dividing by the element count scales each layer to its size; the per-layer
 * weights {@code w_l} (default 1) allow further scaling.
 *
 * <p>{@link Normalisation#ACTIVITY} divides each layer's term by the layer's activity instead:
 * {@code ||d_l||_1 / (||y_l||_1 + numel * EPS)}. That term is invariant to the scale of the activations, so a layer
 * cannot lower it by merely shrinking its outputs (which the NUMEL form rewards); only relative temporal change
 * counts. Both forms are differentiable through the straight-through estimator and are checked against float64
 * finite differences.
 *
 * <p>Gradient: through the layer's straight-through estimator for the input (sign of the deltas), and through the
 * exact piecewise derivative for theta (see {@link DeltaActivation}). Checked against finite differences in
 * {@code DeltaActivationTest}.
 *
 * <pre>{@code
 * DeltaSparsity sp = new DeltaSparsity(model, 1e-2);
 * Trainer trainer = new Trainer(model, adam).loss(sp.plus(Losses::crossEntropy));
 * }</pre>
 */
public final class DeltaSparsity {
    /** How each layer's L1 delta norm is scaled. */
    public enum Normalisation {
        /** {@code ||d||_1 / numel}: the mean absolute delta (the paper's form; the default). */
        NUMEL,
        /** {@code ||d||_1 / (||y||_1 + numel * EPS)}: relative to the layer's own activity (scale-invariant). */
        ACTIVITY
    }

    /** Keeps the ACTIVITY denominator away from 0 for a silent layer (per element). */
    public static final double ACTIVITY_EPS = 1e-6;

    private final Map<String, DeltaActivation> layers;
    private Normalisation normalisation = Normalisation.NUMEL;
    private boolean thetaGradient = true;
    private final Map<String, Double> weights = new LinkedHashMap<>();
    private final double spRate;

    /** @param spRate the weight of the penalty ({@code 0} = off) */
    public DeltaSparsity(Module model, double spRate) {
        if (!(spRate >= 0)) {
            throw new IllegalArgumentException("DeltaSparsity: spRate must be >= 0, got " + spRate);
        }
        this.layers = layers(model);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("DeltaSparsity: " + model.describe() + " has no DeltaActivation");
        }
        this.spRate = spRate;
        layers.keySet().forEach(k -> weights.put(k, 1.0));
    }

    /** Sets the weight of one layer (by dotted path, as in {@link #layers(Module)}). */
    public DeltaSparsity layerWeight(String layer, double w) {
        if (!layers.containsKey(layer)) {
            throw new IllegalArgumentException("DeltaSparsity: no DeltaActivation named '" + layer + "'; have "
                    + layers.keySet());
        }
        weights.put(layer, w);
        return this;
    }

    /** Selects how each layer's term is scaled (default {@link Normalisation#NUMEL}). */
    public DeltaSparsity normalisation(Normalisation n) {
        this.normalisation = java.util.Objects.requireNonNull(n, "normalisation");
        return this;
    }

    public Normalisation normalisation() {
        return normalisation;
    }

    /**
     * Whether the penalty's gradient reaches the step sizes theta (default true). Its exact derivative there is
     * {@code |k_t - k_{t-1}| >= 0} per delta, so it always shrinks the steps, i.e. makes the quantiser finer and
     * deltas more frequent, the opposite of what the loss is for; with {@code false} only the task loss moves theta
     * and the penalty acts through the activations (straight-through) alone.
     */
    public DeltaSparsity thetaGradient(boolean on) {
        this.thetaGradient = on;
        return this;
    }

    /** The penalty on the last forward's deltas, a scalar (autograd-safe: no scalar overloads). */
    public NDArray penalty() {
        NDArray total = null;
        for (Map.Entry<String, DeltaActivation> e : layers.entrySet()) {
            NDArray d = thetaGradient ? e.getValue().lastDelta() : e.getValue().lastDeltaThetaDetached();
            if (d == null) {
                throw new IllegalStateException("DeltaSparsity: layer '" + e.getKey() + "' has not run a forward "
                        + "pass since its last resetState()");
            }
            NDArray l1 = normalisation == Normalisation.NUMEL ? d.abs().mean()
                    : d.abs().sum().div((thetaGradient ? e.getValue().lastOutput()
                            : e.getValue().lastOutputThetaDetached()).abs().sum()
                            .add(Tensors.scalar(d, ACTIVITY_EPS * d.getShape().size())));
            NDArray term = Tensors.mul(l1, spRate * weights.get(e.getKey()));
            total = total == null ? term : total.add(term);
        }
        return total;
    }

    /** {@code task(output, labels) + penalty()}, for {@link dev.snn4j.train.Trainer#loss}. */
    public Losses.Loss plus(Losses.Loss task) {
        return (out, labels) -> {
            NDArray l = task.apply(out, labels);
            return spRate == 0 ? l : l.add(penalty());
        };
    }

    public double spRate() {
        return spRate;
    }

    /** Every DeltaActivation in {@code model}, keyed by dotted path, in forward (registration) order. */
    public static Map<String, DeltaActivation> layers(Module model) {
        Map<String, DeltaActivation> out = new LinkedHashMap<>();
        collect("", model, out);
        return Collections.unmodifiableMap(out);
    }

    private static void collect(String prefix, Module m, Map<String, DeltaActivation> out) {
        if (m instanceof DeltaActivation da) {
            out.put(prefix.isEmpty() ? "delta" : prefix.substring(0, prefix.length() - 1), da);
        }
        m.children().forEach((k, c) -> collect(prefix + k + ".", c, out));
    }
}
