package dev.snn4j.neuron;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.snn4j.nn.Parameter;
import dev.snn4j.nn.Tensors;
import dev.snn4j.surrogate.PiecewiseLinear;
import dev.snn4j.surrogate.Surrogate;

/**
 * The leaky neuron of IIR-SNN / DIET-SNN (Rathi and Roy): {@code U = lambda U + X}, a spike when
 * {@code U/theta - 1 > 0}, soft reset {@code U = U - theta S}. The leak {@code lambda} and threshold {@code theta}
 * are learned, one scalar each per layer; the surrogate sees {@code U/theta - 1}, so its gradient reaches theta.
 *
 * <pre>{@code
 * IirNeuron n = new IirNeuron(manager, 1.0, 0.8, new PiecewiseLinear(0.3));  // leak 1.0, threshold 0.8
 * }</pre>
 */
public class IirNeuron extends Neuron {
    private final Parameter leak;
    private final Parameter theta;

    /**
     * @param initLeak      initial lambda (1.0 in the paper, i.e. no leak)
     * @param initThreshold initial theta (> 0); in the recipe it comes from ANN-to-SNN conversion
     */
    public IirNeuron(NDManager manager, double initLeak, double initThreshold, Surrogate surrogate) {
        this(manager, initLeak, initThreshold, surrogate, false);
    }

    public IirNeuron(NDManager manager, double initLeak, double initThreshold, Surrogate surrogate,
                     boolean detachReset) {
        super(surrogate, initThreshold, null, detachReset);
        if (!Double.isFinite(initLeak) || initLeak < 0) {
            throw new IllegalArgumentException("IirNeuron: leak must be finite and >= 0, got " + initLeak);
        }
        if (Double.isInfinite(initThreshold)) {
            throw new IllegalArgumentException("IirNeuron: threshold must be finite, got " + initThreshold);
        }
        this.leak = addParameter("leak", persistent(manager, manager.create((float) initLeak)));
        this.theta = addParameter("threshold", persistent(manager, manager.create((float) initThreshold)));
    }

    /** The paper's defaults: leak 1, the given threshold, piecewise-linear surrogate with gamma 0.3. */
    public static IirNeuron withThreshold(NDManager manager, double threshold) {
        return new IirNeuron(manager, 1.0, threshold, new PiecewiseLinear(0.3));
    }

    public Parameter leak() {
        return leak;
    }

    public Parameter thresholdParameter() {
        return theta;
    }

    @Override
    protected NDArray charge(NDArray x) {
        return x.add(v.mul(leak.value()));
    }

    /** From rest {@code U = lambda * 0 + X = X} exactly: no arithmetic needed. */
    @Override
    protected NDArray chargeFromRest(NDArray x) {
        return x;
    }

    @Override
    protected NDArray fire(NDArray u) {
        NDArray normalised = u.div(theta.value()).sub(Tensors.scalar(u, 1.0));
        return surrogate.spike(normalised, true);
    }

    @Override
    protected NDArray reset(NDArray u, NDArray spike) {
        NDArray s = detachReset() ? spike.stopGradient() : spike;
        return u.sub(s.mul(theta.value()));
    }

    @Override
    protected double initialVoltage() {
        return 0.0;
    }
}
