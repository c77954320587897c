package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;
import dev.snn4j.nn.Tensors;

/**
 * Delta Activation Layer (Yousefzadeh and Sifalakis, "Training for temporal sparsity in deep neural networks"): a
 * ReLU followed by a trainable quantiser, over a time-major sequence {@code [T, B, C, ...]}:
 * <pre>
 *   y_t = Q(relu(x_t)),   Q(r) = round(r / a) * a,   a = |theta| + eps
 *   d_t = y_t - y_{t-1},  d_1 = y_1 (the first frame against zero)
 * </pre>
 * A delta-driven receiver ({@link dev.snn4j.delta.DeltaInference}) only needs the non-zero {@code d_t}; the
 * {@link dev.snn4j.delta.DeltaSparsity} loss pushes them to zero during training.
 *
 * <p><b>Gradients.</b> {@code round} has zero derivative almost everywhere, so the layer uses a straight-through
 * estimator for the input: {@code dy/dx = 1} where {@code x > 0} and 0 elsewhere (ReLU's derivative). For the step
 * size the gradient is the exact piecewise derivative {@code dy/da = round(r / a)} (the rounded level is constant
 * between rounding boundaries, so {@code y = a * k} is linear in {@code a} there), times {@code sign(theta)}. Built
 * as {@code y = r - stopGradient(r) + stopGradient(round(r/a)) * a}: forward value exactly {@code Q(r)}.
 *
 * <p><b>Granularity</b> of theta: one per layer, one per channel (axis 2, the default; for {@code [T, B, F]} inputs
 * that is one per feature), or one per neuron (every non-time, non-batch position).
 *
 * <p>The last forward's delta tensor is kept (until {@link #resetState()}) for the sparsity loss; with
 * {@link #recordStats(boolean)} every evaluation forward also counts zero activations and zero deltas.
 *
 * <pre>{@code
 * DeltaActivation da = new DeltaActivation(manager, DeltaActivation.Granularity.CHANNEL, new long[] {16}, 0.05);
 * NDArray y = da.forward(x);          // x [T, B, 16, H, W] -> quantised activations of the same shape
 * NDArray d = da.lastDelta();         // y_t - y_{t-1}
 * }</pre>
 */
public class DeltaActivation extends Module {
    /** How many step sizes theta has. */
    public enum Granularity { LAYER, CHANNEL, NEURON }

    /** Added to |theta| so the step size never reaches 0. */
    public static final double EPS = 1e-4;

    private final Granularity granularity;
    private final long[] featureShape;
    private final Parameter theta;
    private NDArray lastOutput;
    private NDArray lastDelta;
    private NDArray lastStraight;
    private NDArray lastLevel;
    private NDArray lastStep;
    private NDArray lastDeltaNoTheta;
    private NDArray lastOutputNoTheta;
    private boolean recordStats;
    private long elements;
    private long zeroActivations;
    private long zeroDeltas;

    /**
     * @param featureShape the per-sample shape after {@code [T, B]}, e.g. {@code {C, H, W}} or {@code {F}} (for
     *                     CHANNEL only its first entry is used; for LAYER it is ignored but checked at forward)
     * @param theta0       initial step size (> 0)
     */
    public DeltaActivation(NDManager manager, Granularity granularity, long[] featureShape, double theta0) {
        this(manager, granularity, featureShape, theta0, true);
    }

    /** As above; {@code trainable = false} keeps theta fixed (a buffer). */
    public DeltaActivation(NDManager manager, Granularity granularity, long[] featureShape, double theta0,
                           boolean trainable) {
        if (!(theta0 > 0)) {
            throw new IllegalArgumentException("DeltaActivation: theta0 must be > 0, got " + theta0);
        }
        if (featureShape.length == 0) {
            throw new IllegalArgumentException("DeltaActivation: featureShape must have at least one axis");
        }
        this.granularity = granularity;
        this.featureShape = featureShape.clone();
        Shape s = switch (granularity) {
            case LAYER -> new Shape(1);
            case CHANNEL -> {
                long[] a = new long[featureShape.length];
                java.util.Arrays.fill(a, 1);
                a[0] = featureShape[0];
                yield new Shape(a);
            }
            case NEURON -> new Shape(featureShape);
        };
        NDArray init = persistent(manager, manager.full(s, (float) theta0));
        this.theta = trainable ? addParameter("theta", init) : addBuffer("theta", init);
    }

    @Override
    public NDArray forward(NDArray x) {
        Tensors.requireSequence(x, 2 + featureShape.length, describe());
        Shape s = x.getShape();
        if (granularity != Granularity.LAYER && !s.slice(2).equals(new Shape(featureShape))) {
            throw new IllegalArgumentException(describe() + ": expected input [T, B, "
                    + new Shape(featureShape).toString().replaceAll("[()]", "") + "] but got " + s);
        }
        NDArray r = x.getNDArrayInternal().relu();
        NDArray a = stepSize(x);
        NDArray level = r.stopGradient().div(a.stopGradient()).round();   // k = round(r / a), constant for autograd
        // forward: r - r + k a = Q(r); d/dr = 1 (straight-through), d/da = k (exact between rounding boundaries)
        NDArray straight = r.sub(r.stopGradient());
        NDArray y = straight.add(level.mul(a));
        lastOutput = y;
        lastDelta = null;
        lastStraight = straight;
        lastLevel = level;
        lastStep = a;
        lastDeltaNoTheta = null;
        lastOutputNoTheta = null;
        if (recordStats && !isTraining()) {
            elements += s.size();
            zeroActivations += countZeros(y);
            zeroDeltas += countZeros(lastDelta());
        }
        return y;
    }

    /** {@code |theta| + EPS}, in x's dtype and with x's manager first (DESIGN.md pitfall 2). */
    private NDArray stepSize(NDArray x) {
        NDArray eps = Tensors.scalar(x, EPS);
        return eps.add(theta.value().abs());
    }

    private static long countZeros(NDArray v) {
        NDArray z = v.eq(Tensors.scalar(v, 0.0)).toType(DataType.INT64, false).sum();
        long n = z.getLong();
        z.close();
        return n;
    }

    /**
     * The delta {@code y_t - y_{t-1}} of the last forward (null before the first or after {@link #resetState()}).
     * Computed on first request (a dense forward pass that never asks pays nothing for it), in the output's manager.
     */
    public NDArray lastDelta() {
        if (lastDelta == null && lastOutput != null) {
            lastDelta = delta(lastOutput);
        }
        return lastDelta;
    }

    /**
     * As {@link #lastDelta()}, but with theta held constant for autograd: the same values, the same gradient in the
     * input (straight-through), and no gradient in theta. A loss built on it cannot move the step size (the sparsity
     * loss would otherwise shrink it, see {@link dev.snn4j.delta.DeltaSparsity#thetaGradient(boolean)}).
     */
    public NDArray lastDeltaThetaDetached() {
        if (lastDeltaNoTheta == null && lastOutput != null) {
            lastDeltaNoTheta = delta(lastOutputThetaDetached());
        }
        return lastDeltaNoTheta;
    }

    /** As {@link #lastOutput()} with theta held constant for autograd (see {@link #lastDeltaThetaDetached()}). */
    public NDArray lastOutputThetaDetached() {
        if (lastOutputNoTheta == null && lastOutput != null) {
            lastOutputNoTheta = lastStraight.add(lastLevel.mul(lastStep.stopGradient()));
        }
        return lastOutputNoTheta;
    }

    private static NDArray delta(NDArray y) {
        long t = y.getShape().get(0);
        NDArray first = y.get("0:1");
        NDArray prev = t == 1 ? first.zerosLike() : first.zerosLike().concat(y.get("0:" + (t - 1)), 0);
        return y.sub(prev);
    }

    /** The quantised output of the last forward (null before the first or after {@link #resetState()}). */
    public NDArray lastOutput() {
        return lastOutput;
    }

    @Override
    public void resetState() {
        lastOutput = null;
        lastDelta = null;
        lastStraight = null;
        lastLevel = null;
        lastStep = null;
        lastDeltaNoTheta = null;
        lastOutputNoTheta = null;
        super.resetState();
    }

    /** Count zero activations and deltas on every forward in evaluation mode (one host sync per forward). */
    public DeltaActivation recordStats(boolean on) {
        this.recordStats = on;
        return this;
    }

    /** Clears the counters of {@link #recordStats(boolean)}. */
    public void clearStats() {
        elements = 0;
        zeroActivations = 0;
        zeroDeltas = 0;
    }

    /** Fraction of zero activations (spatial sparsity) seen since {@link #clearStats()}; NaN if nothing was seen. */
    public double spatialSparsity() {
        return elements == 0 ? Double.NaN : (double) zeroActivations / elements;
    }

    /** Fraction of zero deltas (temporal sparsity) seen since {@link #clearStats()}; NaN if nothing was seen. */
    public double temporalSparsity() {
        return elements == 0 ? Double.NaN : (double) zeroDeltas / elements;
    }

    /** Number of activations counted since {@link #clearStats()}. */
    public long countedElements() {
        return elements;
    }

    /** The step-size parameter (raw theta; the layer uses {@code |theta| + EPS}). */
    public Parameter theta() {
        return theta;
    }

    public Granularity granularity() {
        return granularity;
    }

    /** The per-sample shape after {@code [T, B]} this layer was built for. */
    public long[] featureShape() {
        return featureShape.clone();
    }

    /** The step sizes {@code |theta| + EPS} as doubles, broadcastable to {@link #featureShape()}. */
    public double[] stepSizes() {
        double[] th = theta.value().toType(DataType.FLOAT64, false).toDoubleArray();
        for (int i = 0; i < th.length; i++) {
            th[i] = Math.abs(th[i]) + EPS;
        }
        return th;
    }
}
