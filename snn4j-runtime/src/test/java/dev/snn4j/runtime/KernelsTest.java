package dev.snn4j.runtime;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SIMD kernels give the same floats as the scalar loops (no fused multiply-add), tails included. */
class KernelsTest {
    @Test
    void vectorPathIsActiveUnderTheTestsAndEqualsScalarLoops() {
        assertTrue(Kernels.VECTOR, "surefire adds jdk.incubator.vector: " + Kernels.describe());
        Random r = new Random(5);
        for (int n : new int[] {1, 7, 16, 33, 128, 250}) {
            float[] w = new float[n + 9];
            float[] y0 = new float[n + 5];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextFloat() * 2 - 1;
            }
            for (int i = 0; i < y0.length; i++) {
                y0[i] = r.nextFloat();
            }
            float a = 0.37f;
            float[] yv = y0.clone();
            float[] ys = y0.clone();
            VectorKernels.axpy(a, w, 9, yv, 5, n);
            for (int j = 0; j < n; j++) {
                ys[5 + j] += a * w[9 + j];
            }
            assertArrayEquals(ys, yv, 0f, "axpy n=" + n);
            VectorKernels.add(w, 3, yv, 2, n);
            for (int j = 0; j < n; j++) {
                ys[2 + j] += w[3 + j];
            }
            assertArrayEquals(ys, yv, 0f, "add n=" + n);
        }
    }

    @Test
    void summedRowsEqualScalarLoopsAndOneRowAtATimeWithinRounding() {
        Random r = new Random(6);
        for (int n : new int[] {1, 15, 16, 64, 70, 128, 200}) {
            int rowsTotal = 12;
            float[] w = new float[rowsTotal * n + 3];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextFloat() * 2 - 1;
            }
            int[] rows = {0, 4 * n, 7 * n, 2 * n, 11 * n, 5 * n};
            for (int count = 1; count <= rows.length; count++) {
                float[] y0 = new float[n + 4];
                for (int i = 0; i < y0.length; i++) {
                    y0[i] = r.nextFloat();
                }
                float[] yv = y0.clone();
                VectorKernels.addRows(w, rows, 0, count, 3, yv, 4, n);
                float[] ys = y0.clone();
                float[] yOne = y0.clone();
                for (int j = 0; j < n; j++) {
                    float acc = w[rows[0] + 3 + j];
                    for (int k = 1; k < count; k++) {
                        acc += w[rows[k] + 3 + j];
                    }
                    ys[4 + j] += acc;
                    for (int k = 0; k < count; k++) {
                        yOne[4 + j] += w[rows[k] + 3 + j];
                    }
                }
                assertArrayEquals(ys, yv, 0f, "addRows n=" + n + " rows=" + count);
                assertArrayEquals(yOne, yv, 1e-5f, "addRows vs one row at a time, n=" + n);
                assertEquals(y0[0], yv[0]);   // outside [yOff, yOff + n) nothing changes
            }
        }
    }

    @Test
    void axpyOverTapsEqualsOneAxpyPerTap() {
        Random r = new Random(10);
        for (int n : new int[] {5, 16, 32, 40}) {
            float[] w = new float[9 * n + 7];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextFloat() * 2 - 1;
            }
            int[] tapW = {0, 2 * n, 5 * n, 8 * n};
            int[] tapY = {3, 3 + n, 3 + 3 * n, 3 + 2 * n};
            float[] y0 = new float[4 * n + 6];
            for (int i = 0; i < y0.length; i++) {
                y0[i] = r.nextFloat();
            }
            float[] yTaps = y0.clone();
            float[] yEach = y0.clone();
            VectorKernels.axpyTaps(-0.7f, w, 7, tapW, tapY, 1, 4, yTaps, n);   // taps 1..3
            for (int q = 1; q < 4; q++) {
                VectorKernels.axpy(-0.7f, w, 7 + tapW[q], yEach, tapY[q], n);
            }
            assertArrayEquals(yEach, yTaps, 0f, "axpyTaps n=" + n);
        }
    }

    @Test
    void aFreshLayersFirstStepEqualsAStepFromZeroedMembranes() {
        Random r = new Random(13);
        int size = VectorKernels.bound(100);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = r.nextFloat() * 2 - 0.5f;
        }
        x[3] = -0f;
        float[] garbage = new float[size];
        java.util.Arrays.fill(garbage, Float.NaN);   // a fresh layer must not read its membranes
        float[] vFresh = garbage.clone();
        float[] outFresh = new float[size];
        int[] idxFresh = new int[size];
        int nFresh = VectorKernels.iir(x, vFresh, true, 0.9f, 0.7f, true, outFresh, idxFresh, 0, size);
        float[] vZero = new float[size];
        float[] outZero = new float[size];
        int[] idxZero = new int[size];
        int nZero = VectorKernels.iir(x, vZero, false, 0.9f, 0.7f, true, outZero, idxZero, 0, size);
        assertArrayEquals(vZero, vFresh, 0f, "iir membranes");
        assertArrayEquals(outZero, outFresh, 0f, "iir spikes");
        assertTrue(nZero == nFresh && nZero > 0 && nZero < size, "some neurons fire: " + nZero);
        for (boolean hard : new boolean[] {true, false}) {
            vFresh = garbage.clone();
            vZero = new float[size];
            outFresh = new float[size];
            outZero = new float[size];
            nFresh = VectorKernels.lifNoDecayInput(x, vFresh, true, 0.6f, 0.7f, hard, true, outFresh, idxFresh, 0, size);
            nZero = VectorKernels.lifNoDecayInput(x, vZero, false, 0.6f, 0.7f, hard, true, outZero, idxZero, 0, size);
            assertArrayEquals(vZero, vFresh, 0f, "lif membranes hard=" + hard);
            assertArrayEquals(outZero, outFresh, 0f, "lif spikes hard=" + hard);
            assertEquals(nZero, nFresh);
        }
    }

    @Test
    void denseThreeByThreeConvolutionEqualsScalarLoopsAndAFloat64Convolution() {
        Random r = new Random(12);
        // output channels: pairs of vectors, a single vector and scalar tail lanes; 1-3 input channels; stride 1 and 2
        for (int[] c : new int[][] {{1, 32, 1}, {3, 20, 1}, {2, 48, 2}, {1, 7, 1}, {3, 64, 2}}) {
            int cin = c[0];
            int cout = c[1];
            int stride = c[2];
            int h = 9;
            int wd = 7;
            int pad = 1;
            int ph = h + 2 * pad;
            int pw = wd + 2 * pad;
            int outH = (h + 2 * pad - 3) / stride + 1;
            int outW = (wd + 2 * pad - 3) / stride + 1;
            float[] xp = new float[ph * pw * cin];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < wd; x++) {
                    for (int ci = 0; ci < cin; ci++) {
                        xp[((y + pad) * pw + x + pad) * cin + ci] = r.nextFloat() * 2 - 1;
                    }
                }
            }
            float[] w = new float[cin * 9 * cout];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextFloat() * 2 - 1;
            }
            float[] bias = new float[cout];
            for (int i = 0; i < cout; i++) {
                bias[i] = r.nextFloat();
            }
            float[] yv = new float[outH * outW * cout];
            float[] ys = new float[yv.length];
            java.util.Arrays.fill(yv, Float.NaN);   // every output is written, none read before
            VectorKernels.conv3x3(xp, pw, cin, w, bias, yv, outH, outW, stride, cout);
            Kernels.conv3x3Scalar(xp, pw, cin, w, bias, ys, outH, outW, stride, cout, 0);
            String what = "cin " + cin + " cout " + cout + " stride " + stride;
            assertArrayEquals(ys, yv, 0f, what);
            for (int oy = 0; oy < outH; oy++) {
                for (int ox = 0; ox < outW; ox++) {
                    for (int co = 0; co < cout; co++) {
                        double sum = bias[co];
                        for (int ci = 0; ci < cin; ci++) {
                            for (int ky = 0; ky < 3; ky++) {
                                for (int kx = 0; kx < 3; kx++) {
                                    sum += (double) xp[((oy * stride + ky) * pw + ox * stride + kx) * cin + ci]
                                            * w[((ci * 3 + ky) * 3 + kx) * cout + co];
                                }
                            }
                        }
                        assertEquals(sum, yv[(oy * outW + ox) * cout + co], 1e-5, what);
                    }
                }
            }
        }
    }

    @Test
    void vectorNeuronUpdatesEqualScalarLoops() {
        Random r = new Random(8);
        int size = VectorKernels.bound(100);
        for (int trial = 0; trial < 20; trial++) {
            float[] x = new float[size];
            float[] v0 = new float[size];
            for (int i = 0; i < size; i++) {
                x[i] = r.nextFloat() * 2 - 0.5f;
                v0[i] = r.nextFloat();
            }
            float lam = 0.9f;
            float th = 0.7f + r.nextFloat();
            // IIR: u = x + v lam; spike where u / th - 1 > 0, u -= th
            float[] vv = v0.clone();
            float[] outV = new float[size];
            int[] idxV = new int[size];
            int nV = VectorKernels.iir(x, vv, false, lam, th, true, outV, idxV, 0, size);
            float[] vs = v0.clone();
            float[] outS = new float[size];
            int[] idxS = new int[size];
            int nS = 0;
            for (int i = 0; i < size; i++) {
                float u = x[i] + vs[i] * lam;
                if (u / th - 1f > 0f) {
                    u = u - th;
                    outS[i] = 1f;
                    idxS[nS++] = i;
                }
                vs[i] = u;
            }
            assertArrayEquals(vs, vv, 0f, "iir membranes");
            assertArrayEquals(outS, outV, 0f, "iir spikes");
            assertArrayEquals(java.util.Arrays.copyOf(idxS, nS), java.util.Arrays.copyOf(idxV, nV));
            // LIF without input decay, reset to 0: h = v decay + x; spike where h - th >= 0
            for (boolean hard : new boolean[] {true, false}) {
                vv = v0.clone();
                outV = new float[size];
                nV = VectorKernels.lifNoDecayInput(x, vv, false, 0.6f, th, hard, true, outV, idxV, 0, size);
                vs = v0.clone();
                outS = new float[size];
                nS = 0;
                for (int i = 0; i < size; i++) {
                    float h = vs[i] * 0.6f + x[i];
                    if (h - th >= 0f) {
                        outS[i] = 1f;
                        idxS[nS++] = i;
                        h = hard ? 0f : h - th;
                    }
                    vs[i] = h;
                }
                assertArrayEquals(vs, vv, 0f, "lif membranes hard=" + hard);
                assertArrayEquals(outS, outV, 0f, "lif spikes");
                assertTrue(nS == nV);
            }
        }
    }
}
