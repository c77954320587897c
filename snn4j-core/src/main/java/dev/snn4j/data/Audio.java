package dev.snn4j.data;

/**
 * A mono audio clip: samples nominally in {@code [-1, 1]} and the sample rate in Hz.
 *
 * <pre>{@code
 * Audio a = WavReader.read(Path.of("0_jackson_0.wav"));
 * double seconds = a.duration();
 * Audio at16k = Resampler.resample(a, 16000);
 * }</pre>
 *
 * @param samples    mono samples (not copied; treat as read-only)
 * @param sampleRate samples per second (> 0)
 */
public record Audio(float[] samples, int sampleRate) {
    public Audio {
        if (samples == null) {
            throw new IllegalArgumentException("samples must not be null");
        }
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sampleRate must be > 0, got " + sampleRate);
        }
    }

    /** Length in seconds. */
    public double duration() {
        return samples.length / (double) sampleRate;
    }
}
