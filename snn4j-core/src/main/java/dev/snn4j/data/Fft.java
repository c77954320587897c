package dev.snn4j.data;

/**
 * In-place iterative radix-2 complex FFT (Cooley-Tukey, decimation in time) on {@code double} arrays. Length must be
 * a power of two. Forward sign convention {@code X[k] = sum_n x[n] exp(-2 pi i k n / N)}, no scaling (as numpy /
 * torch).
 *
 * <pre>{@code
 * double[] re = {1, 0, 0, 0}, im = new double[4];
 * Fft.transform(re, im);      // re = {1, 1, 1, 1}
 * }</pre>
 */
public final class Fft {
    private Fft() {
    }

    /** True if {@code n} is a power of two (>= 1). */
    public static boolean isPowerOfTwo(int n) {
        return n > 0 && (n & (n - 1)) == 0;
    }

    /** Forward FFT of {@code (re, im)} in place. */
    public static void transform(double[] re, double[] im) {
        int n = re.length;
        if (im.length != n) {
            throw new IllegalArgumentException("re and im lengths differ: " + n + " vs " + im.length);
        }
        if (!isPowerOfTwo(n)) {
            throw new IllegalArgumentException("FFT length must be a power of two, got " + n);
        }
        // bit reversal permutation
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            double ang = -2 * Math.PI / len;
            int half = len >> 1;
            // twiddles computed directly per k (no recurrence) to keep the error at rounding level for long FFTs
            for (int k = 0; k < half; k++) {
                double wr = Math.cos(ang * k);
                double wi = Math.sin(ang * k);
                for (int i = k; i < n; i += len) {
                    int j = i + half;
                    double xr = re[j] * wr - im[j] * wi;
                    double xi = re[j] * wi + im[j] * wr;
                    re[j] = re[i] - xr;
                    im[j] = im[i] - xi;
                    re[i] += xr;
                    im[i] += xi;
                }
            }
        }
    }

    /**
     * Power spectrum {@code |X[k]|^2}, {@code k = 0..N/2}, of a real frame of power-of-two length {@code N}.
     */
    public static double[] powerSpectrum(double[] frame) {
        int n = frame.length;
        double[] re = frame.clone();
        double[] im = new double[n];
        transform(re, im);
        double[] p = new double[n / 2 + 1];
        for (int k = 0; k < p.length; k++) {
            p[k] = re[k] * re[k] + im[k] * im[k];
        }
        return p;
    }
}
