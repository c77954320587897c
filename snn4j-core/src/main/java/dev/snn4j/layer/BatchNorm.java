package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;

/**
 * Batch normalisation for time-major input {@code [T, B, C, ...]} with statistics over time <i>and</i> batch (and any
 * spatial axes), as SpikingJelly's multi-step {@code BatchNorm1d/2d}: time is folded into the batch before
 * normalising. Running statistics use PyTorch's convention ({@code momentum = 0.1} weight on the new batch, unbiased
 * running variance).
 *
 * <pre>{@code
 * BatchNorm bn = new BatchNorm(manager, 256);   // [T, B, 256] or [T, B, 256, H, W]
 * }</pre>
 */
public class BatchNorm extends Module {
    private final int channels;
    private final double eps;
    private final double momentum;
    private final Parameter gamma;
    private final Parameter beta;
    private final Parameter runningMean;
    private final Parameter runningVar;

    public BatchNorm(NDManager manager, int channels) {
        this(manager, channels, 1e-5, 0.1);
    }

    /** @param momentum weight of the current batch in the running statistics (PyTorch's convention) */
    public BatchNorm(NDManager manager, int channels, double eps, double momentum) {
        if (channels <= 0 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm: need channels > 0, eps > 0, momentum in [0, 1]; got "
                    + channels + ", " + eps + ", " + momentum);
        }
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        Shape c = new Shape(channels);
        gamma = addParameter("weight", persistent(manager, manager.ones(c)));
        beta = addParameter("bias", persistent(manager, manager.zeros(c)));
        runningMean = addBuffer("running_mean", persistent(manager, manager.zeros(c)));
        runningVar = addBuffer("running_var", persistent(manager, manager.ones(c)));
    }

    @Override
    public NDArray forward(NDArray x) {
        Shape s = x.getShape();
        if (s.dimension() < 3 || s.get(2) != channels) {
            throw new IllegalArgumentException(describe() + ": expected input of shape [T, B, " + channels
                    + ", ...] but got " + s);
        }
        // DJL's batchNorm takes MXNet's momentum (weight of the old statistics) and turns it into PyTorch's.
        return TimeFold.apply(x, f -> f.getNDArrayInternal().batchNorm(f, runningMean.value(), runningVar.value(),
                gamma.value(), beta.value(), 1, (float) (1 - momentum), (float) eps, isTraining()).singletonOrThrow());
    }

    public Parameter gamma() {
        return gamma;
    }

    public Parameter beta() {
        return beta;
    }

    public Parameter runningMean() {
        return runningMean;
    }

    public Parameter runningVar() {
        return runningVar;
    }

    public double eps() {
        return eps;
    }

    public int channels() {
        return channels;
    }
}
