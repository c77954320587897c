package dev.snn4j.data;

/**
 * Short-time Fourier transform and (log-)mel spectrogram, following torchaudio's {@code Spectrogram} /
 * {@code MelSpectrogram} + {@code AmplitudeToDB} defaults: periodic Hann window of length {@code nFft}, frames every
 * {@code hop} samples, {@code center = true} with reflect padding of {@code nFft/2} on both sides (so there are
 * {@code 1 + len / hop} frames), power spectrum {@code |X|^2}, mel filterbank (see {@link MelFilterbank}), and
 * {@code dB = 10 log10(max(p, 1e-10))} (no {@code top_db} clipping unless set). Output arrays are frame-major
 * {@code [frames][bands]}, i.e. already time-major.
 *
 * <pre>{@code
 * MelSpectrogram gsc = MelSpectrogram.gsc();                 // 8 kHz, n_fft 256, hop 80, 140 HTK mel bands
 * float[][] db = gsc.logMel(Resampler.resample(WavReader.read(Path.of("yes.wav")), 8000));
 * }</pre>
 *
 * @param sampleRate expected input sample rate (Hz); inputs at another rate are rejected (resample first)
 * @param nFft       FFT and window length, a power of two
 * @param hop        hop length in samples
 * @param bank       mel filterbank built for {@code sampleRate} and {@code nFft}
 * @param topDb      if finite, dB values below {@code max - topDb} are raised to it (per call); else no clipping
 */
public record MelSpectrogram(int sampleRate, int nFft, int hop, MelFilterbank bank, double topDb) {
    /** Floor of the power before the logarithm (torchaudio's {@code amin}). */
    public static final double AMIN = 1e-10;

    public MelSpectrogram {
        if (!Fft.isPowerOfTwo(nFft) || nFft < 4) {
            throw new IllegalArgumentException("nFft must be a power of two >= 4, got " + nFft);
        }
        if (hop < 1) {
            throw new IllegalArgumentException("hop must be >= 1, got " + hop);
        }
        if (bank.sampleRate() != sampleRate) {
            throw new IllegalArgumentException("filterbank built for " + bank.sampleRate() + " Hz, not " + sampleRate);
        }
    }

    /** HTK-scale, un-normalised bank from 0 Hz to Nyquist, no top_db (torchaudio defaults). */
    public static MelSpectrogram of(int sampleRate, int nFft, int hop, int nMels) {
        return new MelSpectrogram(sampleRate, nFft, hop, new MelFilterbank(sampleRate, nFft, nMels, 0,
                sampleRate / 2.0, MelFilterbank.Scale.HTK, MelFilterbank.Norm.NONE), Double.POSITIVE_INFINITY);
    }

    /** The GSC setting of the learnable-delays paper: 8 kHz, n_fft 256, hop 80 (10 ms), 140 mel bands, in dB. */
    public static MelSpectrogram gsc() {
        return of(8000, 256, 80, 140);
    }

    /** Seconds between frames. */
    public double frameSeconds() {
        return hop / (double) sampleRate;
    }

    /** Number of frames for {@code n} samples ({@code 1 + n / hop}, centred frames). */
    public int numFrames(int n) {
        return 1 + n / hop;
    }

    /** Power spectrogram {@code [frames][nFft/2 + 1]}. */
    public double[][] powerSpectrogram(Audio audio) {
        checkRate(audio);
        float[] x = audio.samples();
        int pad = nFft / 2;
        if (x.length <= pad) {
            // torch's reflect padding needs len > pad; fall back to zero padding for very short input
            return frames(x, pad, false);
        }
        return frames(x, pad, true);
    }

    private double[][] frames(float[] x, int pad, boolean reflect) {
        int nFrames = numFrames(x.length);
        double[] window = new double[nFft];
        for (int i = 0; i < nFft; i++) {
            window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / nFft); // periodic Hann
        }
        double[][] out = new double[nFrames][];
        double[] frame = new double[nFft];
        for (int f = 0; f < nFrames; f++) {
            int start = f * hop - pad;
            for (int i = 0; i < nFft; i++) {
                int j = start + i;
                double v;
                if (j >= 0 && j < x.length) {
                    v = x[j];
                } else if (reflect) {
                    int r = j < 0 ? -j : 2 * (x.length - 1) - j;
                    v = r >= 0 && r < x.length ? x[r] : 0;
                } else {
                    v = 0;
                }
                frame[i] = v * window[i];
            }
            out[f] = Fft.powerSpectrum(frame);
        }
        return out;
    }

    /** Mel power spectrogram {@code [frames][nMels]}. */
    public double[][] melPower(Audio audio) {
        double[][] p = powerSpectrogram(audio);
        double[][] out = new double[p.length][];
        for (int f = 0; f < p.length; f++) {
            out[f] = bank.apply(p[f]);
        }
        return out;
    }

    /** Log-mel spectrogram in dB, {@code [frames][nMels]}. */
    public float[][] logMel(Audio audio) {
        double[][] m = melPower(audio);
        float[][] out = new float[m.length][];
        double max = Double.NEGATIVE_INFINITY;
        for (int f = 0; f < m.length; f++) {
            out[f] = new float[m[f].length];
            for (int b = 0; b < m[f].length; b++) {
                double db = 10 * Math.log10(Math.max(m[f][b], AMIN));
                out[f][b] = (float) db;
                max = Math.max(max, db);
            }
        }
        if (!Double.isInfinite(topDb)) {
            float floor = (float) (max - topDb);
            for (float[] row : out) {
                for (int b = 0; b < row.length; b++) {
                    row[b] = Math.max(row[b], floor);
                }
            }
        }
        return out;
    }

    private void checkRate(Audio audio) {
        if (audio.sampleRate() != sampleRate) {
            throw new IllegalArgumentException("audio is " + audio.sampleRate() + " Hz, spectrogram expects "
                    + sampleRate + " Hz (resample first)");
        }
    }
}
