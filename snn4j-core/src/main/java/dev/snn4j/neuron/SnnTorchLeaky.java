package dev.snn4j.neuron;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Tensors;
import dev.snn4j.surrogate.ATan;
import dev.snn4j.surrogate.Surrogate;

/**
 * snnTorch's {@code Leaky} neuron (0.9.x, {@code reset_delay=True}), for porting snnTorch models unchanged.
 *
 * <p>Differences from {@link LifNeuron} that matter when porting: the spike test is strict
 * ({@code mem - threshold > 0}); the reset caused by a spike at step t is applied at step t+1 and is always detached;
 * the returned/recorded membrane is <i>before</i> that reset; with {@code "subtract"} the threshold is not decayed:
 * <ul>
 *   <li>subtract: {@code mem[t] = beta mem[t-1] + x[t] - R[t] thr}</li>
 *   <li>zero: {@code mem[t] = beta ((1 - R[t]) mem[t-1]) + x[t]}</li>
 * </ul>
 * with {@code R[t] = (mem[t-1] - thr > 0)}.
 *
 * <pre>{@code
 * SnnTorchLeaky lif = new SnnTorchLeaky(0.9, SnnTorchLeaky.ResetMechanism.SUBTRACT);
 * }</pre>
 */
public class SnnTorchLeaky extends Neuron {
    /** snnTorch's {@code reset_mechanism}. */
    public enum ResetMechanism { SUBTRACT, ZERO }

    private final double beta;
    private final ResetMechanism mechanism;
    private NDArray lastResetSignal;

    /** snnTorch defaults: threshold 1, surrogate atan(alpha=2). */
    public SnnTorchLeaky(double beta, ResetMechanism mechanism) {
        this(beta, mechanism, 1.0, new ATan(2.0));
    }

    public SnnTorchLeaky(double beta, ResetMechanism mechanism, double threshold, Surrogate surrogate) {
        super(surrogate, threshold, mechanism == ResetMechanism.ZERO ? 0.0 : null, true);
        if (!(beta >= 0 && beta <= 1)) {
            throw new IllegalArgumentException("SnnTorchLeaky: beta must be in [0, 1], got " + beta);
        }
        this.beta = beta;
        this.mechanism = mechanism;
    }

    @Override
    protected NDArray charge(NDArray x) {
        NDArray thr = Tensors.scalar(v, vThreshold);
        NDArray r = Tensors.heaviside(v.stopGradient().sub(thr), true);
        lastResetSignal = r;
        NDArray betaC = Tensors.scalar(v, beta);
        if (mechanism == ResetMechanism.SUBTRACT) {
            if (Double.isInfinite(vThreshold)) {
                return betaC.mul(v).add(x); // never resets; r * thr would be 0 * inf = NaN
            }
            return betaC.mul(v).add(x).sub(r.mul(thr));
        }
        return betaC.mul(Tensors.scalar(r, 1.0).sub(r).mul(v)).add(x);
    }

    @Override
    protected boolean strictThreshold() {
        return true;
    }

    /** The reset happens inside the next charge; the membrane is carried as it is. */
    @Override
    protected NDArray reset(NDArray h, NDArray spike) {
        return h;
    }

    @Override
    protected double initialVoltage() {
        return 0.0;
    }

    /** The reset signal R[t] used in the last step (snnTorch's {@code lif.reset}). */
    public NDArray lastResetSignal() {
        return lastResetSignal;
    }

    public double beta() {
        return beta;
    }
}
