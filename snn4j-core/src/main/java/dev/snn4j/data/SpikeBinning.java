package dev.snn4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.List;

/**
 * Bins spike events (time in seconds, channel id) into a dense time-major tensor {@code [T][B][C']}.
 *
 * <p>Event {@code (t, c)} goes to bin {@code floor(t / binWidth)} and output channel {@code c / groupSize} (adjacent
 * channels summed, 700 -> 140 for {@code groupSize} 5; a partial last group is kept, so
 * {@code C' = ceil(C / groupSize)}). Events at or after {@code maxDuration} are dropped (crop); {@code T} is
 * {@code ceil(maxDuration / binWidth)}, or, when {@code maxDuration} is infinite, just enough bins for the latest
 * event in the batch (at least 1). With {@code clip} the value is 1 where at least one event fell, otherwise the count.
 *
 * <pre>{@code
 * SpikeBinning b = SpikeBinning.SHD.withMaxDuration(1.0);         // 10 ms bins, 700 -> 140, T = 100
 * float[][][] x = b.bin(ds.samples().subList(0, 8), ds.numChannels());
 * try (NDManager m = NDManager.newBaseManager()) {
 *     NDArray input = SpikeBinning.toNDArray(m, x);               // [100, 8, 140] float32
 * }
 * }</pre>
 *
 * @param binWidth    seconds per time step (> 0)
 * @param groupSize   channels summed into one input (>= 1)
 * @param maxDuration crop length in seconds ({@code Double.POSITIVE_INFINITY} = no crop)
 * @param clip        clip counts to 1
 */
public record SpikeBinning(double binWidth, int groupSize, double maxDuration, boolean clip) {
    /** The DCLS-delays SHD setting: 10 ms bins, groups of 5 (700 -> 140), no crop, counts. */
    public static final SpikeBinning SHD = new SpikeBinning(0.010, 5, Double.POSITIVE_INFINITY, false);

    public SpikeBinning {
        if (!(binWidth > 0) || Double.isInfinite(binWidth)) {
            throw new IllegalArgumentException("binWidth must be finite and > 0 s, got " + binWidth);
        }
        if (groupSize < 1) {
            throw new IllegalArgumentException("groupSize must be >= 1, got " + groupSize);
        }
        if (!(maxDuration > 0)) {
            throw new IllegalArgumentException("maxDuration must be > 0 s (or +infinity), got " + maxDuration);
        }
    }

    /** 10 ms bins, no grouping, no crop, counts. */
    public static SpikeBinning defaults() {
        return new SpikeBinning(0.010, 1, Double.POSITIVE_INFINITY, false);
    }

    public SpikeBinning withBinWidth(double seconds) {
        return new SpikeBinning(seconds, groupSize, maxDuration, clip);
    }

    public SpikeBinning withGroupSize(int n) {
        return new SpikeBinning(binWidth, n, maxDuration, clip);
    }

    public SpikeBinning withMaxDuration(double seconds) {
        return new SpikeBinning(binWidth, groupSize, seconds, clip);
    }

    public SpikeBinning withClip(boolean c) {
        return new SpikeBinning(binWidth, groupSize, maxDuration, c);
    }

    /** Output channel count for {@code numChannels} input channels. */
    public int outputChannels(int numChannels) {
        return (numChannels + groupSize - 1) / groupSize;
    }

    /** Bin index of time {@code t} (seconds). */
    public int binOf(double t) {
        return (int) Math.floor(t / binWidth);
    }

    /** Number of time steps for a batch (fixed when {@code maxDuration} is finite). */
    public int numSteps(List<ShdDataset.Sample> batch) {
        if (!Double.isInfinite(maxDuration)) {
            // tolerance so that 1.4 s / 10 ms gives 140, not 141
            return Math.max(1, (int) Math.ceil(maxDuration / binWidth - 1e-9));
        }
        int t = 1;
        for (ShdDataset.Sample s : batch) {
            for (float time : s.times()) {
                t = Math.max(t, binOf(time) + 1);
            }
        }
        return t;
    }

    /**
     * Dense time-major counts {@code [T][B][C']}.
     *
     * @throws IllegalArgumentException if a unit is outside {@code [0, numChannels)} or a time is negative / NaN
     */
    public float[][][] bin(List<ShdDataset.Sample> batch, int numChannels) {
        int steps = numSteps(batch);
        int c = outputChannels(numChannels);
        float[][][] out = new float[steps][batch.size()][c];
        for (int b = 0; b < batch.size(); b++) {
            ShdDataset.Sample s = batch.get(b);
            float[] times = s.times();
            int[] units = s.units();
            for (int k = 0; k < times.length; k++) {
                double t = times[k];
                if (!(t >= 0)) {
                    throw new IllegalArgumentException("sample " + b + ": time " + t + " at position " + k
                            + " must be >= 0");
                }
                if (units[k] < 0 || units[k] >= numChannels) {
                    throw new IllegalArgumentException("sample " + b + ": unit " + units[k] + " at position " + k
                            + " outside [0, " + numChannels + ")");
                }
                if (t >= maxDuration) {
                    continue;
                }
                int ti = binOf(t);
                if (ti >= steps) {
                    continue; // rounding at the crop edge
                }
                float[] row = out[ti][b];
                int ch = units[k] / groupSize;
                row[ch] = clip ? 1f : row[ch] + 1f;
            }
        }
        return out;
    }

    /** Copies a dense {@code [T][B][C]} array into a float32 NDArray of shape {@code [T, B, C]}. */
    public static NDArray toNDArray(NDManager manager, float[][][] tbc) {
        int t = tbc.length;
        int b = t == 0 ? 0 : tbc[0].length;
        int c = b == 0 ? 0 : tbc[0][0].length;
        float[] flat = new float[t * b * c];
        int i = 0;
        for (float[][] step : tbc) {
            for (float[] row : step) {
                if (row.length != c) {
                    throw new IllegalArgumentException("ragged array: expected " + c + " channels, got " + row.length);
                }
                System.arraycopy(row, 0, flat, i, c);
                i += c;
            }
        }
        return manager.create(flat, new Shape(t, b, c));
    }
}
