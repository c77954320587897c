package dev.snn4j.data;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AudioFrontEndTest {

    static Audio tone(double hz, double amp, int rate, double seconds) {
        float[] s = new float[(int) Math.round(rate * seconds)];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) (amp * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return new Audio(s, rate);
    }

    @Test
    void fftMatchesDirectDft() {
        Random r = new Random(1);
        for (int n : new int[] {1, 2, 4, 8, 64, 256, 1024}) {
            double[] re = new double[n];
            double[] im = new double[n];
            for (int i = 0; i < n; i++) {
                re[i] = r.nextGaussian();
                im[i] = r.nextGaussian();
            }
            double[] fr = re.clone();
            double[] fi = im.clone();
            Fft.transform(fr, fi);
            double maxErr = 0;
            for (int k = 0; k < n; k++) {
                double sr = 0;
                double si = 0;
                for (int t = 0; t < n; t++) {
                    double a = -2 * Math.PI * ((long) k * t % n) / n;
                    sr += re[t] * Math.cos(a) - im[t] * Math.sin(a);
                    si += re[t] * Math.sin(a) + im[t] * Math.cos(a);
                }
                maxErr = Math.max(maxErr, Math.hypot(sr - fr[k], si - fi[k]));
            }
            assertTrue(maxErr < 1e-9 * Math.max(1, n), "n=" + n + " err=" + maxErr);
        }
    }

    @Test
    void melScalesKnownValues() {
        assertEquals(1000.0, MelFilterbank.hzToMel(1000, MelFilterbank.Scale.HTK), 0.05);
        assertEquals(15.0, MelFilterbank.hzToMel(1000, MelFilterbank.Scale.SLANEY), 1e-12);
        assertEquals(7.5, MelFilterbank.hzToMel(500, MelFilterbank.Scale.SLANEY), 1e-12);
        assertEquals(15 + 27 * Math.log(2) / Math.log(6.4), MelFilterbank.hzToMel(2000, MelFilterbank.Scale.SLANEY),
                1e-12);
        for (MelFilterbank.Scale s : MelFilterbank.Scale.values()) {
            for (double hz : new double[] {0, 100, 999, 1000, 3999, 11025}) {
                assertEquals(hz, MelFilterbank.melToHz(MelFilterbank.hzToMel(hz, s), s), 1e-9);
            }
        }
    }

    @Test
    void pureToneLandsInTheRightMelBand() {
        // 40 bands at 16 kHz / n_fft 512: every filter is wide enough to be non-empty
        MelSpectrogram ms = new MelSpectrogram(16000, 512, 160, new MelFilterbank(16000, 512, 40, 0, 8000,
                MelFilterbank.Scale.SLANEY, MelFilterbank.Norm.SLANEY), Double.POSITIVE_INFINITY);
        assertEquals(0, ms.bank().emptyFilters());
        for (double hz : new double[] {250, 1000, 3000, 6000}) {
            double[][] mel = ms.melPower(tone(hz, 0.5, 16000, 0.5));
            double[] mid = mel[mel.length / 2];
            int best = argmax(mid);
            int nearest = 0;
            for (int m = 0; m < 40; m++) {
                if (Math.abs(ms.bank().centerHz(m) - hz) < Math.abs(ms.bank().centerHz(nearest) - hz)) {
                    nearest = m;
                }
            }
            assertTrue(Math.abs(best - nearest) <= 1, hz + " Hz: band " + best + ", nearest centre " + nearest);
            assertTrue(ms.bank().weights(best)[(int) Math.round(hz * 512 / 16000)] > 0.0);
        }
        // GSC setting: the 1 kHz tone peaks in a band whose triangle contains 1 kHz
        MelSpectrogram gsc = MelSpectrogram.gsc();
        float[][] db = gsc.logMel(tone(1000, 0.5, 8000, 0.5));
        assertEquals(1 + 4000 / 80, db.length);
        assertEquals(140, db[0].length);
        int b = argmax(db[25]);
        double lo = b == 0 ? 0 : gsc.bank().centerHz(b - 1);
        double hi = gsc.bank().centerHz(Math.min(139, b + 1));
        assertTrue(lo < 1000 && 1000 < hi, "band " + b + " spans " + lo + ".." + hi);
        assertTrue(gsc.bank().emptyFilters() > 0, "documented: narrow low bands are empty at n_fft 256");
    }

    @Test
    void silenceGivesTheDbFloorAndFrameCount() {
        float[][] db = MelSpectrogram.gsc().logMel(new Audio(new float[1234], 8000));
        assertEquals(1 + 1234 / 80, db.length);
        for (float[] row : db) {
            for (float v : row) {
                assertEquals(-100f, v);
            }
        }
    }

    @Test
    void resamplingPreservesToneFrequencyAndRejectsAliases() {
        // upsample 8k -> 16k: interior must match the ideal 16 kHz tone closely
        Audio up = Resampler.resample(tone(1000, 0.5, 8000, 0.5), 16000);
        Audio ideal = tone(1000, 0.5, 16000, 0.5);
        assertEquals(8000, up.samples().length);
        double err = 0;
        for (int i = 400; i < 7600; i++) {
            err = Math.max(err, Math.abs(up.samples()[i] - ideal.samples()[i]));
        }
        assertTrue(err < 2e-3, "upsampling error " + err);

        // arbitrary ratio 44.1k -> 8k: frequency from the spectrum peak
        Audio down = Resampler.resample(tone(440, 0.5, 44100, 1.0), 8000);
        assertEquals(8000, down.samples().length);
        double peakHz = peakFrequency(down, 4096);
        assertEquals(440, peakHz, 8000.0 / 4096, "peak at " + peakHz);
        assertEquals(0.5, rms(down, 1000, 7000) * Math.sqrt(2), 0.005);

        // 16k -> 8k: a 5 kHz tone is above the new Nyquist and must be removed (stopband)
        Audio alias = Resampler.resample(tone(5000, 0.5, 16000, 0.5), 8000);
        double rel = rms(alias, 200, 3800) / (0.5 / Math.sqrt(2));
        assertTrue(rel < 1e-3, "alias residual " + rel);
        // and a 3 kHz tone (passband) survives
        Audio pass = Resampler.resample(tone(3000, 0.5, 16000, 0.5), 8000);
        assertEquals(1.0, rms(pass, 200, 3800) / (0.5 / Math.sqrt(2)), 0.01);
    }

    static double rms(Audio a, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += a.samples()[i] * a.samples()[i];
        }
        return Math.sqrt(s / (to - from));
    }

    static double peakFrequency(Audio a, int n) {
        double[] frame = new double[n];
        for (int i = 0; i < n; i++) {
            frame[i] = a.samples()[1000 + i] * (0.5 - 0.5 * Math.cos(2 * Math.PI * i / n));
        }
        double[] p = Fft.powerSpectrum(frame);
        return argmax(p) * a.sampleRate() / (double) n;
    }

    static int argmax(double[] v) {
        int b = 0;
        for (int i = 1; i < v.length; i++) {
            b = v[i] > v[b] ? i : b;
        }
        return b;
    }

    static int argmax(float[] v) {
        int b = 0;
        for (int i = 1; i < v.length; i++) {
            b = v[i] > v[b] ? i : b;
        }
        return b;
    }

    /** Tone burst in the middle of silence, with 125 ms raised-cosine ramps (no broadband clicks). */
    static Audio burst(double amp) {
        float[] s = new float[8000];
        for (int i = 2000; i < 6000; i++) {
            int edge = Math.min(i - 2000, 6000 - i);
            double env = edge >= 1000 ? 1 : 0.5 - 0.5 * Math.cos(Math.PI * edge / 1000.0);
            s[i] = (float) (amp * env * Math.sin(2 * Math.PI * 700 * i / 8000.0));
        }
        return new Audio(s, 8000);
    }

    @Test
    void encodersSpikeMoreForLouderInputAndNotForSilence() {
        MelSpectrogram gsc = MelSpectrogram.gsc();
        for (AudioSpikeEncoder enc : new AudioSpikeEncoder[] {AudioSpikeEncoder.delta(-40, 3, true),
                AudioSpikeEncoder.delta(-40, 3, false), AudioSpikeEncoder.lif(-40, 0.02, 0.05)}) {
            ShdDataset.Sample silent = enc.encode(gsc.logMel(new Audio(new float[8000], 8000)), gsc.frameSeconds(), 0);
            assertEquals(0, silent.size(), enc.mode() + ": silence must give no spikes");
            ShdDataset.Sample quiet = enc.encode(gsc.logMel(burst(0.01)), gsc.frameSeconds(), 0);
            ShdDataset.Sample loud = enc.encode(gsc.logMel(burst(0.5)), gsc.frameSeconds(), 0);
            assertTrue(quiet.size() > 0, enc + ": quiet burst gave no spikes");
            assertTrue(loud.size() > quiet.size(), enc + ": loud " + loud.size() + " <= quiet " + quiet.size());
            int channels = enc.numChannels(140);
            for (int k = 0; k < loud.size(); k++) {
                assertTrue(loud.units()[k] >= 0 && loud.units()[k] < channels);
                assertTrue(loud.times()[k] >= 0 && loud.times()[k] <= 1.01);
                if (k > 0) {
                    assertTrue(loud.times()[k] >= loud.times()[k - 1], "times sorted");
                }
            }
            // the channel with most spikes is at the tone's band (700 Hz); abrupt on/offsets and window
            // leakage of a loud tone spread some spikes over other bands, so only the mode is checked
            int toneBand = argmax(gsc.logMel(burst(0.5))[50]);
            double[] perBand = new double[140];
            for (int u : loud.units()) {
                perBand[u % 140]++;
            }
            assertTrue(Math.abs(argmax(perBand) - toneBand) <= 2, enc + ": most spikes in band "
                    + argmax(perBand) + ", tone band " + toneBand);
        }
    }
}
