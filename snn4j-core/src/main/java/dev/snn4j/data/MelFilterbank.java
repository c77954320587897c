package dev.snn4j.data;

/**
 * Triangular mel filterbank, built exactly as torchaudio's {@code melscale_fbanks} (and librosa's {@code filters.mel}
 * when {@link Scale#SLANEY} + {@link Norm#SLANEY} are chosen): {@code nMels + 2} points equally spaced on the mel
 * scale between {@code fMin} and {@code fMax}, converted to Hz; filter {@code m} rises linearly from point {@code m}
 * to {@code m+1} and falls to {@code m+2}, evaluated at the FFT bin frequencies {@code k * sampleRate / nFft}.
 *
 * <ul>
 *   <li>{@link Scale#HTK}: {@code mel = 2595 log10(1 + f / 700)} (torchaudio's default);</li>
 *   <li>{@link Scale#SLANEY}: linear {@code 3 mel / 200 Hz} below 1 kHz, logarithmic above (librosa's default,
 *       Auditory Toolbox);</li>
 *   <li>{@link Norm#SLANEY} scales each filter by {@code 2 / (f[m+2] - f[m])} (constant area); {@link Norm#NONE} keeps
 *       peak 1 (torchaudio's default).</li>
 * </ul>
 * With many bands and a short FFT (e.g. GSC: 140 bands, n_fft 256 at 8 kHz) the narrow low-frequency filters fall
 * between FFT bins and are all zero, exactly as in torchaudio (which warns about it); {@link #emptyFilters()} counts
 * them.
 *
 * <pre>{@code
 * MelFilterbank fb = new MelFilterbank(8000, 256, 140, 0, 4000, MelFilterbank.Scale.HTK, MelFilterbank.Norm.NONE);
 * double[] mel = fb.apply(powerSpectrum);          // 129 bins -> 140 bands
 * }</pre>
 */
public final class MelFilterbank {
    /** Mel scale formula. */
    public enum Scale { HTK, SLANEY }

    /** Per-filter normalisation. */
    public enum Norm { NONE, SLANEY }

    private final int sampleRate;
    private final int nFft;
    private final double[] centers;
    private final double[][] weights; // [nMels][nFft/2+1]

    /**
     * @param sampleRate Hz
     * @param nFft       FFT length (the filterbank covers {@code nFft/2 + 1} bins)
     * @param nMels      number of bands
     * @param fMin       lowest edge, Hz
     * @param fMax       highest edge, Hz ({@code <= sampleRate / 2})
     */
    public MelFilterbank(int sampleRate, int nFft, int nMels, double fMin, double fMax, Scale scale, Norm norm) {
        if (sampleRate <= 0 || nFft < 2 || nMels < 1) {
            throw new IllegalArgumentException("need sampleRate > 0, nFft >= 2, nMels >= 1; got " + sampleRate + ", "
                    + nFft + ", " + nMels);
        }
        if (!(fMin >= 0 && fMax > fMin && fMax <= sampleRate / 2.0 + 1e-9)) {
            throw new IllegalArgumentException("need 0 <= fMin < fMax <= sampleRate/2; got " + fMin + ", " + fMax);
        }
        this.sampleRate = sampleRate;
        this.nFft = nFft;
        int nFreqs = nFft / 2 + 1;
        double mMin = hzToMel(fMin, scale);
        double mMax = hzToMel(fMax, scale);
        double[] f = new double[nMels + 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = melToHz(mMin + (mMax - mMin) * i / (nMels + 1), scale);
        }
        centers = new double[nMels];
        weights = new double[nMels][nFreqs];
        for (int m = 0; m < nMels; m++) {
            centers[m] = f[m + 1];
            double enorm = norm == Norm.SLANEY ? 2.0 / (f[m + 2] - f[m]) : 1.0;
            for (int k = 0; k < nFreqs; k++) {
                // torchaudio uses linspace(0, sr/2, nFreqs), which equals k * sr / nFft
                double hz = k * (double) sampleRate / nFft;
                double down = (hz - f[m]) / (f[m + 1] - f[m]);
                double up = (f[m + 2] - hz) / (f[m + 2] - f[m + 1]);
                weights[m][k] = Math.max(0, Math.min(down, up)) * enorm;
            }
        }
    }

    /** Mel value of {@code hz}. */
    public static double hzToMel(double hz, Scale scale) {
        if (scale == Scale.HTK) {
            return 2595.0 * Math.log10(1.0 + hz / 700.0);
        }
        double fSp = 200.0 / 3;
        double minLogHz = 1000.0;
        double minLogMel = minLogHz / fSp;
        double logstep = Math.log(6.4) / 27.0;
        return hz >= minLogHz ? minLogMel + Math.log(hz / minLogHz) / logstep : hz / fSp;
    }

    /** Inverse of {@link #hzToMel}. */
    public static double melToHz(double mel, Scale scale) {
        if (scale == Scale.HTK) {
            return 700.0 * (Math.pow(10, mel / 2595.0) - 1.0);
        }
        double fSp = 200.0 / 3;
        double minLogHz = 1000.0;
        double minLogMel = minLogHz / fSp;
        double logstep = Math.log(6.4) / 27.0;
        return mel >= minLogMel ? minLogHz * Math.exp(logstep * (mel - minLogMel)) : fSp * mel;
    }

    /** Number of bands. */
    public int numMels() {
        return weights.length;
    }

    /** Centre frequency (Hz) of band {@code m}. */
    public double centerHz(int m) {
        return centers[m];
    }

    /** Copy of the weight row of band {@code m} (length {@code nFft/2 + 1}). */
    public double[] weights(int m) {
        return weights[m].clone();
    }

    /** Number of bands whose weights are all zero (too narrow for the FFT resolution). */
    public int emptyFilters() {
        int n = 0;
        for (double[] w : weights) {
            boolean empty = true;
            for (double v : w) {
                empty &= v == 0;
            }
            n += empty ? 1 : 0;
        }
        return n;
    }

    /** Band energies of one spectrum frame (length {@code nFft/2 + 1}). */
    public double[] apply(double[] spectrum) {
        if (spectrum.length != nFft / 2 + 1) {
            throw new IllegalArgumentException("spectrum has " + spectrum.length + " bins, expected " + (nFft / 2 + 1));
        }
        double[] out = new double[weights.length];
        for (int m = 0; m < weights.length; m++) {
            double s = 0;
            double[] w = weights[m];
            for (int k = 0; k < w.length; k++) {
                s += w[k] * spectrum[k];
            }
            out[m] = s;
        }
        return out;
    }

    /** Sample rate this bank was built for. */
    public int sampleRate() {
        return sampleRate;
    }
}
