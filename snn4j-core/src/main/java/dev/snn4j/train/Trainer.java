package dev.snn4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.snn4j.nn.Module;

/**
 * The manual training step of DESIGN.md: per batch, open an {@link NDScope}, forward, loss,
 * {@code GradientCollector.backward}, close the scope (freeing every per-step array); then, outside the scope,
 * compute the global gradient norm (clip if asked), and let the optimizer update and zero the gradients.
 *
 * <p>A NaN or infinite loss or gradient stops training with a {@link NonFiniteException} naming the step and the
 * parameter. The check costs nothing extra: the global gradient norm is computed anyway, and only when it is not
 * finite are the parameters searched for the culprit.
 *
 * <pre>{@code
 * Trainer.StepResult r = new Trainer(model, opt).clipGradNorm(1.0).step(input, labels);
 * }</pre>
 */
public final class Trainer {
    private final Module model;
    private final Adam optimizer;
    private Losses.Loss loss = Losses::crossEntropy;
    private double maxGradNorm;
    private Runnable beforeBackward = () -> { };

    /**
     * What one step produced.
     *
     * @param step     1-based optimizer step just taken (0 for {@link #evaluate})
     * @param loss     the batch loss
     * @param gradNorm global gradient norm before clipping (NaN for {@link #evaluate})
     * @param correct  argmax hits, or -1 when the output is not {@code [B, C]} logits
     * @param count    batch size
     */
    public record StepResult(long step, double loss, double gradNorm, long correct, long count) {
    }

    public Trainer(Module model, Adam optimizer) {
        if (model == null || optimizer == null) {
            throw new IllegalArgumentException("Trainer: model and optimizer must not be null");
        }
        this.model = model;
        this.optimizer = optimizer;
    }

    /** The loss on (model output, labels); default {@link Losses#crossEntropy}. */
    public Trainer loss(Losses.Loss l) {
        if (l == null) {
            throw new IllegalArgumentException("Trainer: loss must not be null");
        }
        this.loss = l;
        return this;
    }

    /** Clip gradients to this global L2 norm before each update ({@code 0} = no clipping, the default). */
    public Trainer clipGradNorm(double maxNorm) {
        if (!(maxNorm >= 0)) {
            throw new IllegalArgumentException("Trainer: max grad norm must be >= 0 (0 = off), got " + maxNorm);
        }
        this.maxGradNorm = maxNorm;
        return this;
    }

    /** A hook run between forward and backward (tests use it to force {@code System.gc()}). */
    public Trainer beforeBackward(Runnable hook) {
        this.beforeBackward = hook == null ? () -> { } : hook;
        return this;
    }

    /** Forward, backward, clip, update: one optimizer step on one batch. */
    public StepResult step(NDArray input, NDArray labels) {
        long step = optimizer.stepCount() + 1;
        StepResult r = backward(input, labels);
        if (!Double.isFinite(r.loss())) {
            optimizer.zeroGrad();
            // name the culprit if a parameter already holds a non-finite value (e.g. after an overflowing update)
            String[] bad = Finite.firstNonFiniteParameter(optimizer.parameters());
            if (bad != null) {
                throw new NonFiniteException(step, bad[0], "holds " + bad[1] + " (the loss is " + r.loss() + ")");
            }
            throw new NonFiniteException(step, null, "the loss is " + r.loss() + " while every parameter is finite"
                    + " (the input or the forward pass overflowed)");
        }
        double norm;
        try {
            norm = maxGradNorm > 0 ? GradClip.clipGlobalNorm(optimizer.parameters(), maxGradNorm)
                    : checkedNorm();
        } catch (NonFiniteException e) {
            optimizer.zeroGrad();
            throw e.atStep(step);
        }
        optimizer.step();
        return new StepResult(step, r.loss(), norm, r.correct(), r.count());
    }

    private double checkedNorm() {
        double norm = GradClip.globalNorm(optimizer.parameters());
        if (!Double.isFinite(norm)) {
            throw GradClip.nonFinite(optimizer.parameters(), norm);
        }
        return norm;
    }

    /**
     * Forward and backward only: gradients are accumulated into the parameters, nothing is updated. Everything
     * created during the step is freed before this returns.
     */
    public StepResult backward(NDArray input, NDArray labels) {
        try (NDScope ignored = new NDScope()) {
            NDArray out;
            NDArray l;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                out = model.forward(input);
                l = loss.apply(out, labels);
                beforeBackward.run();
                gc.backward(l);
            }
            return result(0, out, l, labels, Double.NaN);
        } finally {
            model.resetState(); // drop references to the freed membranes
        }
    }

    /** Loss and hits on one batch without gradients. */
    public StepResult evaluate(NDArray input, NDArray labels) {
        try (NDScope ignored = new NDScope()) {
            NDArray out = model.forward(input);
            return result(0, out, loss.apply(out, labels), labels, Double.NaN);
        } finally {
            model.resetState();
        }
    }

    private static StepResult result(long step, NDArray out, NDArray l, NDArray labels, double norm) {
        double value = l.toType(DataType.FLOAT64, false).getDouble();
        boolean logits = out.getShape().dimension() == 2 && labels.getShape().dimension() == 1;
        long correct = logits ? Metrics.correct(out, labels) : -1;
        long count = labels.getShape().dimension() > 0 ? labels.getShape().get(0) : 1;
        return new StepResult(step, value, norm, correct, count);
    }

    public Module model() {
        return model;
    }

    public Adam optimizer() {
        return optimizer;
    }
}
