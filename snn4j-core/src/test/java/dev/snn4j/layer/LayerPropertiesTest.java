package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.GradCheck;
import dev.snn4j.conformance.Ref;
import dev.snn4j.nn.Init;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Behavioural properties of the time-distributed layers: dropout masks, batch-norm statistics, pooling shapes. */
class LayerPropertiesTest {
    private NDManager m;

    @BeforeEach
    void setUp() {
        Init.seed(5);
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    // ------------------------------------------------------------------------------------------------ Dropout

    @Test
    void dropoutMaskIsSharedOverTimeAndDrawnPerSample() {
        double p = 0.3;
        int t = 6;
        int b = 8;
        int c = 200;
        Dropout d = new Dropout(p);
        NDArray y = d.forward(m.ones(new Shape(t, b, c), DataType.FLOAT64));
        double[] v = y.toDoubleArray();
        double kept = 1 / (1 - p);
        int dropped = 0;
        for (int i = 0; i < b * c; i++) {
            for (int s = 1; s < t; s++) {
                assertEquals(v[i], v[s * b * c + i], 0.0, "mask must be identical at every time step");
            }
            assertTrue(v[i] == 0.0 || Math.abs(v[i] - kept) < 1e-15, "values are 0 or 1/(1-p), got " + v[i]);
            if (v[i] == 0.0) {
                dropped++;
            }
        }
        double rate = dropped / (double) (b * c);
        assertTrue(Math.abs(rate - p) < 0.05, "drop rate " + rate + " should be near " + p);
        // samples get different masks (the mask is not broadcast over the batch)
        boolean differs = false;
        for (int j = 0; j < c && !differs; j++) {
            differs = v[j] != v[c + j];
        }
        assertTrue(differs, "two samples should not share the same mask");
    }

    @Test
    void dropoutIsIdentityInEvalModeAndForZeroP() {
        NDArray x = GradCheck.randn(m, 1, 0, 1, 3, 2, 4);
        Dropout d = new Dropout(0.5);
        d.eval();
        assertArrayEquals(x.toDoubleArray(), d.forward(x).toDoubleArray(), 0.0);
        d.train(true);
        assertTrue(d.isTraining());
        assertArrayEquals(x.toDoubleArray(), new Dropout(0.0).forward(x).toDoubleArray(), 0.0);
    }

    @Test
    void dropoutIsReproducibleWithASeed() {
        NDArray x = m.ones(new Shape(2, 3, 50), DataType.FLOAT64);
        Init.seed(9);
        double[] a = new Dropout(0.5).forward(x).toDoubleArray();
        Init.seed(9);
        double[] b = new Dropout(0.5).forward(x).toDoubleArray();
        assertArrayEquals(a, b, 0.0);
    }

    // ---------------------------------------------------------------------------------------------- BatchNorm

    /** Manual batch norm over all axes but the channel axis 2 of [T, B, C, ...], biased variance. */
    private static double[][] manual(double[] x, Shape s, double[] gamma, double[] beta, double eps) {
        int t = (int) s.get(0);
        int b = (int) s.get(1);
        int c = (int) s.get(2);
        int inner = (int) (s.size() / ((long) t * b * c));
        int n = t * b * inner;
        double[] mean = new double[c];
        double[] var = new double[c];
        for (int i = 0; i < x.length; i++) {
            mean[(i / inner) % c] += x[i] / n;
        }
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - mean[(i / inner) % c];
            var[(i / inner) % c] += d * d / n;
        }
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int ch = (i / inner) % c;
            y[i] = (x[i] - mean[ch]) / Math.sqrt(var[ch] + eps) * gamma[ch] + beta[ch];
        }
        return new double[][] {y, mean, var, {n}};
    }

    @Test
    void batchNormUsesStatisticsOverTimeAndBatchOnTheChannelAxis() {
        for (Shape s : new Shape[] {new Shape(4, 3, 5), new Shape(3, 2, 4, 5), new Shape(3, 2, 4, 3, 3)}) {
            BatchNorm bn = new BatchNorm(m, (int) s.get(2), 1e-5, 0.1);
            bn.to(DataType.FLOAT64);
            double[] gamma = new double[(int) s.get(2)];
            double[] beta = new double[gamma.length];
            for (int i = 0; i < gamma.length; i++) {
                gamma[i] = 0.5 + i;
                beta[i] = -0.3 * i;
            }
            bn.gamma().copyFrom(m.create(gamma));
            bn.beta().copyFrom(m.create(beta));
            // every time step and channel has its own offset and scale, so per-step or wrong-axis statistics differ
            double[] xv = GradCheck.randn(m, 2, 0, 1, s.getShape()).toDoubleArray();
            int inner = (int) (s.size() / (s.get(0) * s.get(1) * s.get(2)));
            for (int i = 0; i < xv.length; i++) {
                int ch = (int) ((i / inner) % s.get(2));
                int step = (int) (i / (s.size() / s.get(0)));
                xv[i] = xv[i] * (1 + ch) + 3 * step - 2 * ch;
            }
            NDArray x = m.create(xv, s);
            double[][] ref = manual(xv, s, gamma, beta, 1e-5);
            Ref.assertClose("BatchNorm " + s + " training output", ref[0], bn.forward(x).toDoubleArray());

            // running stats, PyTorch convention: r = (1 - momentum) r + momentum * stat, unbiased variance.
            // Tolerance 1e-6 relative here: DJL's batchNorm takes momentum as a float, so 0.1 arrives as
            // 1 - 0.9f = 0.100000024 (rel 2.4e-7). The momentum-0.25 test below is exact because 0.25 is a float.
            double n = ref[3][0];
            double[] rm = new double[gamma.length];
            double[] rv = new double[gamma.length];
            for (int i = 0; i < gamma.length; i++) {
                rm[i] = 0.1 * ref[1][i];
                rv[i] = 0.9 * 1.0 + 0.1 * ref[2][i] * n / (n - 1);
            }
            assertRel("BatchNorm running_mean", rm, bn.runningMean().value().toDoubleArray());
            assertRel("BatchNorm running_var", rv, bn.runningVar().value().toDoubleArray());
            // a second batch folds in with the same rule
            NDArray x2 = GradCheck.randn(m, 3, 1, 2, s.getShape());
            double[][] ref2 = manual(x2.toDoubleArray(), s, gamma, beta, 1e-5);
            bn.forward(x2);
            for (int i = 0; i < gamma.length; i++) {
                rm[i] = 0.9 * rm[i] + 0.1 * ref2[1][i];
                rv[i] = 0.9 * rv[i] + 0.1 * ref2[2][i] * n / (n - 1);
            }
            assertRel("BatchNorm running_mean (2nd)", rm, bn.runningMean().value().toDoubleArray());
            assertRel("BatchNorm running_var (2nd)", rv, bn.runningVar().value().toDoubleArray());

            // eval mode normalises with the running statistics and leaves them unchanged
            rm = bn.runningMean().value().toDoubleArray(); // the stored statistics, exactly
            rv = bn.runningVar().value().toDoubleArray();
            bn.eval();
            double[] y = bn.forward(x).toDoubleArray();
            for (int i = 0; i < xv.length; i++) {
                int ch = (i / inner) % gamma.length;
                double want = (xv[i] - rm[ch]) / Math.sqrt(rv[ch] + 1e-5) * gamma[ch] + beta[ch];
                assertEquals(want, y[i], 1e-12 + 1e-9 * Math.abs(want));
            }
            Ref.assertClose("BatchNorm running_mean unchanged in eval", rm,
                    bn.runningMean().value().toDoubleArray());
        }
    }

    private static void assertRel(String what, double[] want, double[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-6 * Math.abs(want[i]) + 1e-12, what + " [" + i + "]");
        }
    }

    @Test
    void batchNormMomentumIsTheWeightOfTheNewBatch() {
        BatchNorm bn = new BatchNorm(m, 2, 1e-5, 0.25);
        bn.to(DataType.FLOAT64);
        NDArray x = m.create(new double[] {1, 10, 3, 20, 5, 30, 7, 40}, new Shape(2, 2, 2));
        bn.forward(x);
        // channel 0: mean 4, unbiased var 20/3; channel 1: mean 25, unbiased var 500/3
        Ref.assertClose("momentum 0.25 mean", new double[] {0.25 * 4, 0.25 * 25},
                bn.runningMean().value().toDoubleArray());
        Ref.assertClose("momentum 0.25 var", new double[] {0.75 + 0.25 * 20 / 3.0, 0.75 + 0.25 * 500 / 3.0},
                bn.runningVar().value().toDoubleArray());
    }

    // ------------------------------------------------------------------------------------------------- Pool2d

    @Test
    void poolingShapesAndValues() {
        NDArray x = GradCheck.randn(m, 4, 0, 1, 2, 3, 4, 8, 8);
        assertEquals(new Shape(2, 3, 4, 4, 4), Pool2d.average(2).forward(x).getShape());
        assertEquals(new Shape(2, 3, 4, 4, 4), Pool2d.max(2).forward(x).getShape());
        assertEquals(new Shape(2, 3, 4, 2, 2), Pool2d.max(3).forward(x).getShape()); // floor(8/3)
        assertEquals(new Shape(2, 3, 4, 3, 3), new Pool2d(Pool2d.Kind.AVERAGE, 3, 2).forward(x).getShape());
        NDArray odd = GradCheck.randn(m, 5, 0, 1, 1, 1, 1, 7, 5);
        assertEquals(new Shape(1, 1, 1, 3, 2), Pool2d.average(2).forward(odd).getShape());

        NDArray small = m.create(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
                new Shape(1, 1, 1, 4, 4));
        assertArrayEquals(new double[] {3.5, 5.5, 11.5, 13.5}, Pool2d.average(2).forward(small).toDoubleArray(), 0);
        assertArrayEquals(new double[] {6, 8, 14, 16}, Pool2d.max(2).forward(small).toDoubleArray(), 0);
    }

    @Test
    void convolutionOutputShapeMatchesOutputSize() {
        Conv2d c = new Conv2d(m, 2, 5, 3, 2, 1, true);
        NDArray y = c.forward(GradCheck.randn(m, 6, 0, 1, 3, 2, 2, 9, 7).toType(DataType.FLOAT32, false));
        assertEquals(new Shape(3, 2, 5, c.outputSize(9), c.outputSize(7)), y.getShape());
        Conv1d c1 = new Conv1d(m, 2, 4, 5, 1, 2, false);
        assertEquals(new Shape(3, 2, 4, 11),
                c1.forward(m.ones(new Shape(3, 2, 2, 11))).getShape());
        // time folding keeps frames apart: frame (t, b) of the output depends only on frame (t, b) of the input
        NDArray x = m.zeros(new Shape(3, 2, 2, 5, 5));
        NDArray outZero = c.forward(x);
        assertSame(DataType.FLOAT32, outZero.getDataType());
        double[] bias = c.bias().value().toFloatArray().length == 5 ? toD(c.bias().value().toFloatArray()) : null;
        double[] o = toD(outZero.toFloatArray());
        for (int i = 0; i < o.length; i++) {
            int ch = (int) ((i / (c.outputSize(5) * c.outputSize(5))) % 5);
            assertEquals(bias[ch], o[i], 1e-6);
        }
    }

    private static double[] toD(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
