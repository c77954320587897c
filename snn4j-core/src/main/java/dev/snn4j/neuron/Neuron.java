package dev.snn4j.neuron;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Tensors;
import dev.snn4j.surrogate.Surrogate;

import java.util.ArrayList;
import java.util.List;

/**
 * A spiking neuron layer as three functions over a membrane state: <b>charge</b> (integrate the input),
 * <b>fire</b> (Heaviside with a surrogate gradient), <b>reset</b>. {@link #step} (single-step, stateful) and
 * {@link #forward} (multi-step over {@code [T, B, ...]}) are two drivers of the same three functions, as in
 * SpikingJelly.
 *
 * <p>State conventions follow SpikingJelly: the membrane starts at {@code v_reset} (0 for soft reset), a spike is
 * {@code H - threshold >= 0}, hard reset is {@code V = (1 - S) H + S v_reset}, soft reset {@code V = H - S threshold}.
 * With {@code detachReset} the spike used inside the reset carries no gradient.
 *
 * <pre>{@code
 * LifNeuron lif = LifNeuron.builder().tau(2.0).surrogate(new ATan(2.0)).build();
 * NDArray spikes = lif.forward(current);   // current [T, B, N] -> spikes [T, B, N], fresh state per call
 * }</pre>
 */
public abstract class Neuron extends Module {
    protected final Surrogate surrogate;
    protected final double vThreshold;
    /** Hard-reset value; {@code null} means soft (subtractive) reset. */
    protected final Double vReset;
    protected final boolean detachReset;
    private boolean storeVoltages;
    private SpikeObserver observer;

    /** Membrane potential after the last step's reset; null before the first step. */
    protected NDArray v;
    private NDArray lastCharge;
    private NDArray vSeq;
    private NDArray hSeq;

    protected Neuron(Surrogate surrogate, double vThreshold, Double vReset, boolean detachReset) {
        if (surrogate == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": surrogate must not be null");
        }
        if (!(vThreshold > 0)) {
            throw new IllegalArgumentException(getClass().getSimpleName()
                    + ": threshold must be > 0 (use Double.POSITIVE_INFINITY for a non-spiking readout), got "
                    + vThreshold);
        }
        if (vReset != null && !Double.isFinite(vReset)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": v_reset must be finite, got " + vReset);
        }
        this.surrogate = surrogate;
        this.vThreshold = vThreshold;
        this.vReset = vReset;
        this.detachReset = detachReset;
    }

    /** Charge: the membrane after integrating {@code x} from the current state {@link #v} (SpikingJelly's H[t]). */
    protected abstract NDArray charge(NDArray x);

    /**
     * Charge of the first step, from the resting membrane. Subclasses whose charge from rest is the input itself
     * override this to skip the arithmetic on a zero membrane (it matters at T=1, where every step is a first step).
     */
    protected NDArray chargeFromRest(NDArray x) {
        v = x.zerosLike();
        if (initialVoltage() != 0.0) {
            v = v.add(Tensors.scalar(v, initialVoltage()));
        }
        return charge(x);
    }

    /** Fire: spikes from the charged membrane. */
    protected NDArray fire(NDArray h) {
        if (Double.isInfinite(vThreshold)) {
            return h.zerosLike(); // a non-spiking readout: its membrane is the output
        }
        return surrogate.spike(h.sub(Tensors.scalar(h, vThreshold)), strictThreshold());
    }

    /** Reset: the membrane carried to the next step. */
    protected NDArray reset(NDArray h, NDArray spike) {
        if (Double.isInfinite(vThreshold)) {
            return h; // a non-spiking readout never resets (and 0 * inf would make the soft reset NaN)
        }
        NDArray s = detachReset ? spike.stopGradient() : spike;
        if (vReset == null) {
            return h.sub(Tensors.mul(s, vThreshold));
        }
        NDArray keep = Tensors.scalar(s, 1.0).sub(s).mul(h);
        return vReset == 0.0 ? keep : keep.add(Tensors.mul(s, vReset));
    }

    /** {@code true} to fire on {@code > threshold} instead of {@code >=}. */
    protected boolean strictThreshold() {
        return false;
    }

    /** The membrane value a fresh state starts from. */
    protected double initialVoltage() {
        return vReset == null ? 0.0 : vReset;
    }

    /** One time step {@code [B, ...] -> spikes [B, ...]}; the membrane is kept until {@link #resetState()}. */
    public NDArray step(NDArray x) {
        if (x.getShape().dimension() < 1) {
            throw new IllegalArgumentException(describe() + ": expected an input [B, ...] but got a scalar");
        }
        NDArray h;
        if (v == null) {
            h = chargeFromRest(x);
        } else if (!v.getShape().equals(x.getShape())) {
            throw new IllegalArgumentException(describe() + ": input shape " + x.getShape()
                    + " does not match the membrane state " + v.getShape()
                    + "; call resetState() before feeding a batch of another shape");
        } else {
            h = charge(x);
        }
        NDArray s = fire(h);
        v = reset(h, s);
        lastCharge = h;
        if (observer != null) {
            observer.onSpikes(this, s);
        }
        return s;
    }

    /**
     * A whole sequence {@code [T, B, ...] -> spikes [T, B, ...]}, starting from a fresh state. Use
     * {@link #forwardContinue} to carry the membrane across calls (streaming).
     */
    @Override
    public NDArray forward(NDArray xSeq) {
        resetState();
        return forwardContinue(xSeq);
    }

    /** Like {@link #forward} but continues from the current membrane state. */
    public NDArray forwardContinue(NDArray xSeq) {
        Tensors.requireSequence(xSeq, 2, describe());
        long t = xSeq.getShape().get(0);
        List<NDArray> spikes = new ArrayList<>((int) t);
        List<NDArray> vs = storeVoltages ? new ArrayList<>() : null;
        List<NDArray> hs = storeVoltages ? new ArrayList<>() : null;
        // split (one autograd node whose backward concatenates) rather than get(i) per step: each select's
        // backward would materialise a full [T, B, ...] zero tensor, O(T^2) memory traffic.
        NDList frames = t == 1 ? new NDList(xSeq) : xSeq.split(t, 0);
        for (int i = 0; i < t; i++) {
            NDArray previous = v;
            NDArray frame = frames.get(i);
            NDArray[] s = new NDArray[1];
            // each step's temporaries are closed when the step is done: the forward pass then holds about what
            // BPTT needs (autograd keeps its saved tensors by reference count)
            Tensors.stepScope(() -> s[0] = step(frame.squeeze(0)), () -> new NDArray[] {s[0], v, lastCharge});
            spikes.add(s[0]);
            if (storeVoltages) {
                vs.add(v);
                hs.add(lastCharge);
            } else if (previous != null && previous != v) {
                previous.close();
            }
        }
        NDArray out = NDArrays.stack(new NDList(spikes), 0);
        if (storeVoltages) {
            vSeq = NDArrays.stack(new NDList(vs), 0);
            hSeq = NDArrays.stack(new NDList(hs), 0);
        } else {
            spikes.forEach(NDArray::close);
        }
        return out;
    }

    /** Clears the membrane; the next step starts from the initial voltage. */
    @Override
    public void resetState() {
        v = null;
        lastCharge = null;
        super.resetState();
    }

    /** Keep the membrane sequences of the next multi-step calls (SpikingJelly's {@code store_v_seq}). */
    public Neuron storeVoltages(boolean on) {
        this.storeVoltages = on;
        return this;
    }

    /** {@code [T, B, ...]} membrane after reset (V[t]) from the last multi-step call with storage on. */
    public NDArray voltageSequence() {
        return vSeq;
    }

    /** {@code [T, B, ...]} membrane after charging, before reset (H[t]). */
    public NDArray chargeSequence() {
        return hSeq;
    }

    /** The membrane after the last step (null before any). */
    public NDArray voltage() {
        return v;
    }

    /** The charged membrane of the last step, before reset. */
    public NDArray lastCharge() {
        return lastCharge;
    }

    /** Installs a callback that sees every step's spikes (used by firing-rate monitors); null removes it. */
    public void setObserver(SpikeObserver observer) {
        this.observer = observer;
    }

    public SpikeObserver observer() {
        return observer;
    }

    public Surrogate surrogate() {
        return surrogate;
    }

    public double threshold() {
        return vThreshold;
    }

    /** Hard-reset value, or null for soft reset. */
    public Double vReset() {
        return vReset;
    }

    public boolean detachReset() {
        return detachReset;
    }

    /** Receives the spikes of each step of a neuron. */
    @FunctionalInterface
    public interface SpikeObserver {
        void onSpikes(Neuron neuron, NDArray spikes);
    }
}
