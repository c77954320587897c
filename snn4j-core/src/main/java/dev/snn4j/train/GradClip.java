package dev.snn4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.snn4j.nn.Parameter;

import java.util.Map;

import static dev.snn4j.nn.Tensors.scalar;

/**
 * Gradient clipping by global L2 norm, as {@code torch.nn.utils.clip_grad_norm_} (DJL's {@code optClipGrad} only
 * clamps the positive side on this engine: DESIGN.md pitfall 5). Call it after {@code backward}, before the
 * optimizer step, outside any gradient collector.
 *
 * <pre>{@code
 * double norm = GradClip.clipGlobalNorm(model.trainableParameters(), 1.0);
 * }</pre>
 */
public final class GradClip {
    private GradClip() {
    }

    /** The L2 norm of all gradients taken together, computed in float64; one host synchronisation. */
    public static double globalNorm(Map<String, Parameter> params) {
        try (NDScope ignored = new NDScope()) {
            NDArray total = null;
            for (Parameter p : params.values()) {
                NDArray g = p.value().getGradient();
                NDArray sq = g.toType(DataType.FLOAT64, false).square().sum();
                total = total == null ? sq : total.add(sq);
            }
            return total == null ? 0.0 : Math.sqrt(total.getDouble());
        }
    }

    /**
     * Scales all gradients so their global norm is at most {@code maxNorm} (factor
     * {@code maxNorm / (norm + 1e-6)} when below 1, as PyTorch) and returns the norm before clipping.
     *
     * @throws NonFiniteException naming the first parameter whose gradient holds a NaN or infinity
     */
    public static double clipGlobalNorm(Map<String, Parameter> params, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("clipGlobalNorm: maxNorm must be > 0, got " + maxNorm);
        }
        double norm = globalNorm(params);
        if (!Double.isFinite(norm)) {
            throw nonFinite(params, norm);
        }
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1) {
            try (NDScope ignored = new NDScope()) {
                for (Parameter p : params.values()) {
                    NDArray g = p.value().getGradient(); // shares storage with the gradient
                    g.muli(scalar(g, coef));
                }
            }
        }
        return norm;
    }

    /**
     * The exception for a non-finite global norm: finds the first parameter whose gradient is not finite (only
     * called once the cheap global check has failed).
     */
    public static NonFiniteException nonFinite(Map<String, Parameter> params, double norm) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String where = Finite.firstNonFinite(e.getValue().value().getGradient());
            if (where != null) {
                return new NonFiniteException(-1, e.getKey(), "has a non-finite gradient: " + where);
            }
        }
        return new NonFiniteException(-1, null, "the gradient norm is " + norm
                + " although every gradient is finite (overflow in the sum of squares)");
    }
}
