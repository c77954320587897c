package dev.snn4j.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@link SpikingModel} one sample at a time, event-driven: weight layers only touch the synapses of non-zero
 * inputs (spikes add weight rows; graded values are scattered weighted), neurons update their membranes every step.
 * Membranes and readout accumulators are carried between {@link #step} calls until {@link #reset}. Counters
 * ({@link #stats}) accumulate until {@link #clearStats}. Not thread-safe: one session per thread.
 *
 * <pre>{@code
 * Session s = model.newSession();
 * for (float[] frame : frames) { float[] out = s.step(frame); }   // streaming, batch 1
 * s.reset();
 * float[] logits = s.run(image, 5);                                 // direct encoding, 5 steps
 * float[][] batch = s.runBatch(images, 5);
 * float[][] trace = s.runSequence(frames);                          // a recording, frames[t] per step
 * }</pre>
 */
public final class Session {
    private final SpikingModel model;
    private final List<Layer> layers;
    private final Layer.State[] states;
    private final Activation input;
    private final int repeatIndex;
    /** Steps each layer's output outlasts the input (cumulative {@code extend} up to and including the layer). */
    private final int[] validFor;
    private final Activation[] zeros;
    private long[] nanos;

    Session(SpikingModel model) {
        this.model = model;
        this.layers = model.layers();
        this.states = new Layer.State[layers.size()];
        for (int i = 0; i < states.length; i++) {
            states[i] = layers.get(i).newState();
        }
        this.input = new Activation(model.inputSize());
        int r = -1;
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).type.equals("repeat_time")) {
                r = i;
                break;
            }
        }
        this.repeatIndex = r;
        this.validFor = new int[layers.size()];
        this.zeros = new Activation[layers.size()];
        int ext = 0;
        for (int i = 0; i < layers.size(); i++) {
            ext += layers.get(i).extend();
            validFor[i] = ext;
            Activation z = new Activation(Layer.size(layers.get(i).outShape));
            z.sparseValid = true;
            z.binary = true;
            zeros[i] = z;
        }
        reset();
    }

    /**
     * A finite sequence, as snn4j-core computes it: from a fresh state, {@code frames[t]} for every step (each a
     * frame in PyTorch order), then {@link SpikingModel#tailSteps()} zero frames so that delay layers deliver the
     * spikes they still hold. As in snn4j-core, each layer's output ends {@code extend} steps after its input ends
     * (later steps see zeros from it). Returns the output of every step, {@code [frames + tail][out]}; the last row
     * is the readout (e.g. the class scores of a {@code softmax_sum} layer).
     */
    public float[][] runSequence(float[][] frames) {
        if (frames == null || frames.length == 0) {
            throw new IllegalArgumentException("runSequence: need at least one frame");
        }
        reset();
        int t = frames.length;
        int total = t + model.tailSteps();
        float[] zero = new float[model.inputSize()];
        float[][] out = new float[total][];
        for (int step = 0; step < total; step++) {
            load(step < t ? frames[step] : zero);
            Activation a = this.input;
            for (int i = 0; i < layers.size(); i++) {
                if (step < t + validFor[i]) {
                    long t0 = nanos != null ? System.nanoTime() : 0;
                    a = layers.get(i).forward(a, states[i]);
                    if (nanos != null) {
                        nanos[i] += System.nanoTime() - t0;
                    }
                    states[i].calls++;
                } else {
                    a = zeros[i];
                }
            }
            out[step] = output(a);
        }
        return out;
    }

    /**
     * One time step of streaming inference: {@code input} (one frame, PyTorch order) goes through every layer;
     * returns the output after this step (for an accumulator readout: the accumulated value so far). A
     * {@code repeat_time} layer passes its input through: every step is a new frame.
     */
    public float[] step(float[] input) {
        load(input);
        return output(forward(this.input, 0));
    }

    /**
     * Direct encoding: the same frame for {@code timeSteps} steps from a fresh state; layers before a
     * {@code repeat_time} layer run once (as in snn4j-core). Returns the output after the last step.
     */
    public float[] run(float[] input, int timeSteps) {
        if (timeSteps < 1) {
            throw new IllegalArgumentException("run: timeSteps must be >= 1, got " + timeSteps);
        }
        reset();
        load(input);
        Activation last;
        if (repeatIndex >= 0) {
            Activation frame = forwardRange(this.input, 0, repeatIndex);
            last = frame;
            for (int t = 0; t < timeSteps; t++) {
                last = forwardRange(frame, repeatIndex + 1, layers.size());
            }
        } else {
            last = this.input;
            for (int t = 0; t < timeSteps; t++) {
                last = forward(this.input, 0);
            }
        }
        return output(last);
    }

    /** {@link #run} over each sample (state reset between samples). */
    public float[][] runBatch(float[][] inputs, int timeSteps) {
        float[][] out = new float[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            out[i] = run(inputs[i], timeSteps);
        }
        return out;
    }

    /** The index of the largest output of {@link #run}. */
    public int predict(float[] input, int timeSteps) {
        return argmax(run(input, timeSteps));
    }

    /** Index of the largest value (first on ties). */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Clears membranes and accumulators (counters are kept). */
    public void reset() {
        for (int i = 0; i < states.length; i++) {
            layers.get(i).resetState(states[i]);
        }
    }

    /** Per-layer counters since the last {@link #clearStats}, in layer order. */
    public List<LayerStats> stats() {
        List<LayerStats> out = new ArrayList<>();
        for (int i = 0; i < states.length; i++) {
            Layer.State s = states[i];
            Layer l = layers.get(i);
            out.add(new LayerStats(l.name, l.type, s.spikes, s.neuronSteps, s.events, s.acs, s.macs, s.calls));
        }
        return out;
    }

    /** Zeroes the counters (and the profile). */
    public void clearStats() {
        for (Layer.State s : states) {
            s.clearCounters();
        }
        if (nanos != null) {
            java.util.Arrays.fill(nanos, 0);
        }
    }

    /**
     * Turns per-layer wall-clock timing on or off (a simple profiler: two {@code System.nanoTime} calls per layer
     * and step); {@link #layerNanos} reads it.
     */
    public void profile(boolean on) {
        nanos = on ? new long[layers.size()] : null;
    }

    /** Nanoseconds spent in each layer since profiling was turned on or the stats were cleared (empty if off). */
    public long[] layerNanos() {
        return nanos == null ? new long[0] : nanos.clone();
    }

    public SpikingModel model() {
        return model;
    }

    private Activation forward(Activation x, int from) {
        return forwardRange(x, from, layers.size());
    }

    private Activation forwardRange(Activation x, int from, int to) {
        Activation a = x;
        if (nanos != null) {
            for (int i = from; i < to; i++) {
                long t0 = System.nanoTime();
                a = layers.get(i).forward(a, states[i]);
                nanos[i] += System.nanoTime() - t0;
                states[i].calls++;
            }
            return a;
        }
        for (int i = from; i < to; i++) {
            a = layers.get(i).forward(a, states[i]);
            states[i].calls++;
        }
        return a;
    }

    private void load(float[] x) {
        int n = model.inputSize();
        if (x == null || x.length != n) {
            throw new IllegalArgumentException("input must have " + n + " values (shape "
                    + java.util.Arrays.toString(model.inputShape()) + "), got " + (x == null ? "null" : x.length));
        }
        int[] s = model.inputShape();
        if (s.length == 3) {
            toChannelsLast(x, input.v, s[0], s[1] * s[2]);
        } else {
            System.arraycopy(x, 0, input.v, 0, n);
        }
        input.sparseValid = false;
    }

    private float[] output(Activation a) {
        int[] s = model.outputShape();
        float[] out = new float[a.v.length];
        if (s.length == 3) {
            int c = s[0];
            int hw = s[1] * s[2];
            for (int p = 0; p < out.length; p++) {
                out[(p % c) * hw + p / c] = a.v[p];
            }
        } else {
            System.arraycopy(a.v, 0, out, 0, out.length);
        }
        return out;
    }

    private static void toChannelsLast(float[] chw, float[] hwc, int c, int hw) {
        for (int ch = 0; ch < c; ch++) {
            for (int p = 0; p < hw; p++) {
                hwc[p * c + ch] = chw[ch * hw + p];
            }
        }
    }
}
