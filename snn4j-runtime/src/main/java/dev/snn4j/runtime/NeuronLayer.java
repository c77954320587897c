package dev.snn4j.runtime;

/**
 * Spiking neurons, updated densely every step (every membrane decays or holds), emitting a binary spike list.
 * Arithmetic is float32 in the same order as snn4j-core's DJL neurons, so equal inputs give equal spikes.
 */
final class NeuronLayer extends Layer {
    enum Kind { LIF, IF, IIR }

    final Kind kind;
    /** LIF time constant (float32, as the DJL division uses it) and its decay {@code 1 - 1/tau} from the double. */
    final float tau;
    final float decay;
    final boolean decayInput;
    final float threshold;
    /** Hard-reset value; NaN for soft reset. */
    final float vReset;
    /** IIR leak. */
    final float leak;
    final boolean spiking;
    /** Output the membrane (after reset) instead of spikes: a non-spiking readout such as snn4j's LeakyReadout. */
    final boolean membraneOut;

    NeuronLayer(String name, int[] shape, Kind kind, double tau, boolean decayInput, float threshold, float vReset,
                float leak, boolean spiking) {
        this(name, shape, kind, tau, decayInput, threshold, vReset, leak, spiking, false);
    }

    NeuronLayer(String name, int[] shape, Kind kind, double tau, boolean decayInput, float threshold, float vReset,
                float leak, boolean spiking, boolean membraneOut) {
        super(name, kind.name().toLowerCase(java.util.Locale.ROOT), shape, shape);
        this.kind = kind;
        this.tau = (float) tau;
        this.decay = (float) (1.0 - 1.0 / tau);
        this.decayInput = decayInput;
        this.threshold = threshold;
        this.vReset = vReset;
        this.leak = leak;
        this.spiking = spiking;
        this.membraneOut = membraneOut;
    }

    @Override
    long stateFloats() {
        return 2L * size(outShape);
    }

    boolean hardReset() {
        return !Float.isNaN(vReset);
    }

    @Override
    State newState() {
        int n = size(outShape);
        State s = new State(n, n);
        java.util.Arrays.fill(s.mem, initialMembrane());
        return s;
    }

    @Override
    void resetState(State s) {
        s.steps = 0;
        s.fresh = true;
    }

    @Override
    float initialMembrane() {
        return kind != Kind.IIR && hardReset() ? vReset : 0f;
    }

    @Override
    Activation forward(Activation in, State s) {
        float[] x = in.v;
        float[] v = s.mem;
        Activation o = s.out;
        float[] out = o.v;
        o.clear();
        int[] idx = o.idx;
        int n = 0;
        int size = v.length;
        boolean fresh = s.fresh;
        s.fresh = false;
        float init = initialMembrane();
        switch (kind) {
            case IIR -> {
                float lam = leak;
                float th = threshold;
                int i0 = 0;
                if (Kernels.VECTOR) {
                    i0 = VectorKernels.bound(size);
                    n = VectorKernels.iir(x, v, fresh, lam, th, spiking, out, idx, n, i0);
                }
                for (int i = i0; i < size; i++) {
                    float u = x[i] + (fresh ? init : v[i]) * lam;
                    if (spiking && u / th - 1f > 0f) {
                        u = u - th;
                        out[i] = 1f;
                        idx[n++] = i;
                    }
                    v[i] = u;
                }
            }
            case LIF, IF -> {
                boolean hard = hardReset();
                float vr = hard ? vReset : 0f;
                float th = threshold;
                int i0 = 0;
                if (Kernels.VECTOR && kind == Kind.LIF && !decayInput && vr == 0f) {
                    i0 = VectorKernels.bound(size);
                    n = VectorKernels.lifNoDecayInput(x, v, fresh, decay, th, hard, spiking, out, idx, n, i0);
                }
                for (int i = i0; i < size; i++) {
                    float vi = fresh ? init : v[i];
                    float h;
                    if (kind == Kind.IF) {
                        h = vi + x[i];
                    } else if (decayInput) {
                        h = vr == 0f ? vi + (x[i] - vi) / tau : vi + (x[i] - (vi - vr)) / tau;
                    } else {
                        h = vr == 0f ? vi * decay + x[i] : vi - (vi - vr) / tau + x[i];
                    }
                    if (spiking && h - th >= 0f) {
                        out[i] = 1f;
                        idx[n++] = i;
                        h = hard ? vr : h - th;
                    }
                    v[i] = h;
                }
            }
            default -> throw new IllegalStateException(kind.toString());
        }
        if (membraneOut) {
            System.arraycopy(v, 0, out, 0, size);
            o.sparseValid = false;
            o.binary = false;
            return o;
        }
        o.nnz = n;
        o.sparseValid = true;
        o.binary = true;
        s.spikes += n;
        s.neuronSteps += size;
        return o;
    }
}
