package dev.snn4j.data;

import java.util.Arrays;

/**
 * Turns band energies (a log-mel spectrogram in dB, {@code [frames][bands]}) into spike events in the SHD layout:
 * {@code units} are channel ids, {@code times} are seconds.
 *
 * <p>Two encoders, both per channel and both silent on input at or below {@code floorDb}:
 * <ul>
 *   <li>{@link Mode#DELTA} (send-on-delta / threshold crossing): each channel keeps a reference level, starting at
 *       {@code floorDb}; the input is clamped below at {@code floorDb}. Whenever the level exceeds the reference by
 *       {@code deltaDb}, an ON spike is emitted on channel {@code b} and the reference moves up by {@code deltaDb}
 *       (repeated while it still exceeds it); a fall by {@code deltaDb} emits an OFF spike on channel
 *       {@code bands + b} if {@code offChannels}, and moves the reference down either way. So a louder onset (a
 *       larger rise above the floor) gives more spikes.</li>
 *   <li>{@link Mode#LIF} (leaky integrate-and-fire on band energy): {@code v <- v * exp(-dt / tau) +
 *       gain * max(0, level - floorDb)}, spike when {@code v >= 1}, reset by subtracting 1 (at most
 *       {@code maxSpikesPerFrame} spikes per frame, the rest of {@code v} is kept). Firing rate grows with loudness.</li>
 * </ul>
 * The {@code k}-th of {@code n} spikes emitted on one channel in frame {@code f} gets time
 * {@code (f + k / n) * frameSeconds}, so spikes are spread over the frame and times within a channel are ascending;
 * the whole sample is sorted by time (ties by channel), as in SHD.
 *
 * <pre>{@code
 * MelSpectrogram gsc = MelSpectrogram.gsc();
 * float[][] db = gsc.logMel(audio);
 * AudioSpikeEncoder enc = AudioSpikeEncoder.delta(-40, 3, false);
 * ShdDataset.Sample s = enc.encode(db, gsc.frameSeconds(), label);   // units in [0, 140)
 * }</pre>
 *
 * @param mode              encoder
 * @param floorDb           level treated as silence (dB)
 * @param deltaDb           DELTA: step size in dB (> 0); unused by LIF
 * @param offChannels       DELTA: also emit OFF spikes on channels {@code [bands, 2 * bands)}
 * @param tau               LIF: membrane time constant in seconds (> 0)
 * @param gain              LIF: input scale per dB above the floor (> 0)
 * @param maxSpikesPerFrame cap per channel and frame (>= 1)
 */
public record AudioSpikeEncoder(Mode mode, double floorDb, double deltaDb, boolean offChannels, double tau, double gain,
                                int maxSpikesPerFrame) {
    /** Encoding scheme. */
    public enum Mode { DELTA, LIF }

    public AudioSpikeEncoder {
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        if (!Double.isFinite(floorDb)) {
            throw new IllegalArgumentException("floorDb must be finite, got " + floorDb);
        }
        if (mode == Mode.DELTA && !(deltaDb > 0)) {
            throw new IllegalArgumentException("deltaDb must be > 0, got " + deltaDb);
        }
        if (mode == Mode.LIF && (!(tau > 0) || !(gain > 0))) {
            throw new IllegalArgumentException("tau and gain must be > 0, got " + tau + ", " + gain);
        }
        if (maxSpikesPerFrame < 1) {
            throw new IllegalArgumentException("maxSpikesPerFrame must be >= 1, got " + maxSpikesPerFrame);
        }
    }

    /** Send-on-delta encoder (at most 16 spikes per channel and frame). */
    public static AudioSpikeEncoder delta(double floorDb, double deltaDb, boolean offChannels) {
        return new AudioSpikeEncoder(Mode.DELTA, floorDb, deltaDb, offChannels, 1, 1, 16);
    }

    /** LIF encoder (at most 8 spikes per channel and frame). */
    public static AudioSpikeEncoder lif(double floorDb, double tau, double gain) {
        return new AudioSpikeEncoder(Mode.LIF, floorDb, 1, false, tau, gain, 8);
    }

    /** Channel count of the output for {@code bands} input bands. */
    public int numChannels(int bands) {
        return mode == Mode.DELTA && offChannels ? 2 * bands : bands;
    }

    /**
     * Encodes {@code levels[frame][band]} (dB).
     *
     * @param frameSeconds seconds between frames (e.g. {@link MelSpectrogram#frameSeconds()})
     */
    public ShdDataset.Sample encode(float[][] levels, double frameSeconds, int label) {
        if (!(frameSeconds > 0)) {
            throw new IllegalArgumentException("frameSeconds must be > 0, got " + frameSeconds);
        }
        int bands = levels.length == 0 ? 0 : levels[0].length;
        double[] state = new double[bands];
        Arrays.fill(state, mode == Mode.DELTA ? floorDb : 0);
        double decay = mode == Mode.LIF ? Math.exp(-frameSeconds / tau) : 0;
        Events ev = new Events();
        for (int f = 0; f < levels.length; f++) {
            if (levels[f].length != bands) {
                throw new IllegalArgumentException("frame " + f + " has " + levels[f].length + " bands, expected "
                        + bands);
            }
            for (int b = 0; b < bands; b++) {
                double x = levels[f][b];
                if (Double.isNaN(x)) {
                    throw new IllegalArgumentException("NaN level at frame " + f + ", band " + b);
                }
                x = Math.max(x, floorDb);
                if (mode == Mode.DELTA) {
                    int n = 0;
                    int channel = b;
                    if (x - state[b] >= deltaDb) {
                        n = (int) Math.min(maxSpikesPerFrame, Math.floor((x - state[b]) / deltaDb));
                        state[b] += n * deltaDb;
                        if (n == maxSpikesPerFrame) {
                            state[b] = Math.max(state[b], x - deltaDb); // saturated: do not carry a backlog
                        }
                    } else if (state[b] - x >= deltaDb) {
                        int m = (int) Math.min(maxSpikesPerFrame, Math.floor((state[b] - x) / deltaDb));
                        state[b] -= m * deltaDb;
                        if (m == maxSpikesPerFrame) {
                            state[b] = Math.min(state[b], x + deltaDb);
                        }
                        if (offChannels) {
                            n = m;
                            channel = bands + b;
                        }
                    }
                    ev.add(f, n, channel, frameSeconds);
                } else {
                    state[b] = state[b] * decay + gain * (x - floorDb);
                    int n = 0;
                    while (state[b] >= 1 && n < maxSpikesPerFrame) {
                        state[b] -= 1;
                        n++;
                    }
                    ev.add(f, n, b, frameSeconds);
                }
            }
        }
        return ev.toSample(label);
    }

    /** Growable event list, sorted at the end. */
    private static final class Events {
        double[] t = new double[64];
        int[] u = new int[64];
        int n;

        void add(int frame, int count, int channel, double dt) {
            for (int k = 0; k < count; k++) {
                if (n == t.length) {
                    t = Arrays.copyOf(t, 2 * n);
                    u = Arrays.copyOf(u, 2 * n);
                }
                t[n] = (frame + k / (double) count) * dt;
                u[n] = channel;
                n++;
            }
        }

        ShdDataset.Sample toSample(int label) {
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> t[a] != t[b] ? Double.compare(t[a], t[b]) : Integer.compare(u[a], u[b]));
            float[] times = new float[n];
            int[] units = new int[n];
            for (int i = 0; i < n; i++) {
                times[i] = (float) t[order[i]];
                units[i] = u[order[i]];
            }
            return new ShdDataset.Sample(times, units, label);
        }
    }
}
