package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.GradCheck;
import dev.snn4j.GradCheck.Var;
import dev.snn4j.nn.Init;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Dcls1d} beyond the conformance case: finite-difference gradients of the kernel and the output, the
 * evaluation-mode pure shift against a convolution with the one-hot kernel and against a direct loop, the position to
 * delay mapping, clamping, initialisation, output length modes, shape validation, and {@link SigmaSchedule}.
 */
class Dcls1dTest {
    private NDManager m;
    private GradCheck gc;

    @BeforeEach
    void setUp() {
        Init.seed(5);
        m = NDManager.newBaseManager();
        gc = new GradCheck(m);
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private Dcls1d layer(int in, int out, int kc, int d) {
        Dcls1d l = new Dcls1d(m, in, out, kc, d);
        l.to(DataType.FLOAT64);
        return l;
    }

    private void setPositions(Dcls1d l, double... p) {
        l.positions().copyFrom(m.create(p, l.positions().value().getShape()));
    }

    // ---------------------------------------------------------------- gradients

    @Test
    void kernelGradientMatchesFiniteDifferences() {
        for (int kc : new int[] {1, 2}) {
            Dcls1d l = layer(3, 2, kc, 7);
            l.setSigma(1.3);
            Var w = gc.param("weight", l.weight());
            Var p = gc.param("P", l.positions());
            gc.check("Dcls1d kernel KC=" + kc, () -> GradCheck.weightedSum(l.kernel(), 3), w, p);
            // sigma is a frozen buffer in training, but the kernel is differentiable in it too
            Var s = gc.param("SIG", l.sigma());
            gc.check("Dcls1d kernel KC=" + kc + " w.r.t. SIG", () -> GradCheck.weightedSum(l.kernel(), 4), s);
        }
    }

    @Test
    void outputGradientMatchesFiniteDifferences() {
        for (Dcls1d.OutputLength mode : Dcls1d.OutputLength.values()) {
            Dcls1d l = layer(3, 4, 1, 9).outputLength(mode);
            l.setSigma(2.0);
            Var x = gc.input("x", GradCheck.randn(m, 7, 0, 1, 6, 2, 3));
            Var w = gc.param("weight", l.weight());
            Var p = gc.param("P", l.positions());
            gc.check("Dcls1d forward " + mode, () -> GradCheck.weightedSum(l.forward(x.value()), 8), x, w, p);
        }
        Dcls1d l2 = layer(2, 3, 2, 5);
        l2.setSigma(0.4);
        Var x = gc.input("x", GradCheck.randn(m, 9, 0, 1, 4, 3, 2));
        gc.check("Dcls1d forward KC=2 sigma 0.4", () -> GradCheck.weightedSum(l2.forward(x.value()), 10), x,
                gc.param("weight", l2.weight()), gc.param("P", l2.positions()));
    }

    @Test
    void pureShiftGradientInWeightsMatchesFiniteDifferences() {
        Dcls1d l = layer(3, 2, 2, 7);
        l.eval();
        Var x = gc.input("x", GradCheck.randn(m, 11, 0, 1, 5, 2, 3));
        gc.check("Dcls1d eval pure shift", () -> GradCheck.weightedSum(l.forward(x.value()), 12), x,
                gc.param("weight", l.weight()));
    }

    // ---------------------------------------------------------------- integer delays

    @Test
    void delaysMapRoundedPositionsToDelayMinusPosition() {
        Dcls1d l = layer(7, 1, 1, 7);                    // D = 7: P in [-3, 3], delay = 3 - round(P)
        setPositions(l, 0.0, 3.0, -3.0, 1.5, 2.5, -0.49, 7.2);
        // round half to even: 1.5 -> 2, 2.5 -> 2; out-of-range 7.2 clamps to 3
        assertArrayEquals(new int[] {3, 0, 6, 1, 1, 3, 0}, flatten(l.delays()));
    }

    private static int[] flatten(int[][][] d) {
        return java.util.Arrays.stream(d).flatMap(java.util.Arrays::stream).flatMapToInt(java.util.Arrays::stream)
                .toArray();
    }

    /** The README's "kernel tap d corresponds to a delay of D-1-d": an impulse comes out exactly delay steps later. */
    @Test
    void impulseComesOutDelayStepsLater() {
        int dMax = 7;
        for (double pos = -3; pos <= 3; pos++) {
            Dcls1d l = layer(1, 1, 1, dMax);
            l.weight().copyFrom(m.create(new double[] {1.0}, new Shape(1, 1, 1)));
            setPositions(l, pos);
            int delay = l.delays()[0][0][0];
            assertEquals(dMax / 2 - (int) pos, delay);
            NDArray x = m.zeros(new Shape(10, 1, 1), DataType.FLOAT64);
            x.set(new ai.djl.ndarray.index.NDIndex(0), 1.0);
            l.eval();
            double[] y = l.forward(x).toDoubleArray();
            assertEquals(10 + (dMax - 1) / 2, y.length);
            for (int t = 0; t < y.length; t++) {
                assertEquals(t == delay ? 1.0 : 0.0, y[t], "pos " + pos + " t " + t);
            }
            // training mode with a narrow Gaussian peaks at the same step
            l.train(true);
            l.setSigma(0.0);
            double[] yt = l.forward(x).toDoubleArray();
            int arg = 0;
            for (int t = 1; t < yt.length; t++) {
                if (yt[t] > yt[arg]) {
                    arg = t;
                }
            }
            assertEquals(delay, arg, "smooth kernel peak for pos " + pos);
        }
    }

    @Test
    void pureShiftEqualsConvolutionWithOneHotKernel() {
        for (Dcls1d.OutputLength mode : Dcls1d.OutputLength.values()) {
            for (int kc : new int[] {1, 2}) {
                Dcls1d l = layer(5, 4, kc, 9).outputLength(mode);
                if (kc == 2) {
                    // two taps of synapse (0, 0) on the same delay: their weights add up
                    double[] p = l.positions().value().toDoubleArray();
                    p[0] = 1.2;
                    p[1] = 0.8;
                    setPositions(l, p);
                }
                NDArray x = GradCheck.randn(m, 20 + kc, 0, 1, 12, 3, 5);
                try (NDScope scope = new NDScope()) {
                    NDArray conv = x.getNDArrayInternal().convolution(l.padded(x), l.integerKernel(), null,
                            new Shape(1), new Shape(0), new Shape(1), 1).singletonOrThrow().transpose(2, 0, 1);
                    l.eval();
                    NDArray shift = l.forward(x);
                    l.train(true);
                    assertEquals(new Shape(l.outputSteps(12), 3, 4), shift.getShape());
                    assertArrayEquals(conv.toDoubleArray(), shift.toDoubleArray(), 1e-12, mode + " KC=" + kc);
                    assertArrayEquals(direct(l, x), shift.toDoubleArray(), 1e-12, "direct loop " + mode);
                }
            }
        }
    }

    /** out[t, b, o] = sum_{c,k} w[o,c,k] x[t - delay[o,c,k], b, c], written as plain loops. */
    private static double[] direct(Dcls1d l, NDArray x) {
        Shape s = x.getShape();
        int t = (int) s.get(0);
        int b = (int) s.get(1);
        int cin = l.inChannels();
        int cout = l.outChannels();
        int kc = l.kernelCount();
        int tOut = (int) l.outputSteps(t);
        double[] xv = x.toDoubleArray();
        double[] w = l.weight().value().toDoubleArray();
        int[][][] d = l.delays();
        double[] y = new double[tOut * b * cout];
        for (int tt = 0; tt < tOut; tt++) {
            for (int bb = 0; bb < b; bb++) {
                for (int o = 0; o < cout; o++) {
                    double acc = 0;
                    for (int c = 0; c < cin; c++) {
                        for (int k = 0; k < kc; k++) {
                            int src = tt - d[o][c][k];
                            if (src >= 0 && src < t) {
                                acc += w[(o * cin + c) * kc + k] * xv[(src * b + bb) * cin + c];
                            }
                        }
                    }
                    y[(tt * b + bb) * cout + o] = acc;
                }
            }
        }
        return y;
    }

    @Test
    void integerDelaysAtEvalCanBeTurnedOff() {
        Dcls1d l = layer(3, 2, 1, 7);
        l.setSigma(1.0);
        NDArray x = GradCheck.randn(m, 30, 0, 1, 8, 2, 3);
        double[] smooth = l.forward(x).toDoubleArray();
        l.eval();
        l.integerDelaysAtEval(false);
        assertArrayEquals(smooth, l.forward(x).toDoubleArray(), 0.0);
        l.integerDelaysAtEval(true);
        assertFalse(java.util.Arrays.equals(smooth, l.forward(x).toDoubleArray()));
    }

    // ---------------------------------------------------------------- positions, init, output length

    @Test
    void clampPositionsKeepsThemInRangeInPlace() {
        Dcls1d l = layer(3, 2, 2, 7);
        setPositions(l, -5, -3, -2.5, 0, 0.3, 2.99, 3, 3.01, 100, -1e9, 1.0, -0.0);
        NDArray before = l.positions().value();
        l.clampPositions();
        assertSame(before, l.positions().value(), "clamping must not replace the array");
        assertTrue(l.positions().value().hasGradient(), "P must still require a gradient");
        assertArrayEquals(new double[] {-3, -3, -2.5, 0, 0.3, 2.99, 3, 3, 3, -3, 1.0, -0.0},
                l.positions().value().toDoubleArray(), 0.0);
        // float32 parameters too
        Dcls1d f = new Dcls1d(m, 2, 2, 1, 5);
        f.positions().copyFrom(m.create(new float[] {-4f, 1.5f, 2.5f, 9f}, new Shape(1, 2, 2, 1)));
        f.clampPositions();
        assertArrayEquals(new float[] {-2f, 1.5f, 2f, 2f}, f.positions().value().toFloatArray(), 0f);
    }

    @Test
    void initialisationIsSeededAndInRange() {
        Init.seed(3);
        Dcls1d a = new Dcls1d(m, 40, 30, 25);
        Init.seed(3);
        Dcls1d b = new Dcls1d(m, 40, 30, 25);
        assertArrayEquals(a.positions().value().toFloatArray(), b.positions().value().toFloatArray());
        assertArrayEquals(a.weight().value().toFloatArray(), b.weight().value().toFloatArray());
        float[] p = a.positions().value().toFloatArray();
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (float v : p) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertTrue(min >= -12 && max <= 12 && min < -11 && max > 11, "P in [-12, 12], spread: " + min + " " + max);
        double bound = Math.sqrt(6.0 / 40);
        for (float v : a.weight().value().toFloatArray()) {
            assertTrue(Math.abs(v) <= bound + 1e-6);
        }
        assertArrayEquals(new float[] {12f}, new float[] {a.sigma().value().toFloatArray()[0]});
        assertFalse(a.sigma().isTrainable());
        assertEquals(40 * 30 * 2, a.parameterCount());
    }

    @Test
    void evenMaximumDelayIsRaisedToOdd() {
        assertEquals(25, new Dcls1d(m, 2, 3, 24).maxDelay());
        assertEquals(25, new Dcls1d(m, 2, 3, 25).maxDelay());
        Dcls1d one = new Dcls1d(m, 2, 3, 1);
        assertEquals(1, one.maxDelay());
        assertEquals(0, one.leftPadding());
        assertEquals(0, one.rightPadding());
        assertEquals(0, one.delays()[1][1][0]);
    }

    @Test
    void croppedOutputIsThePrefixOfTheExtendedOutput() {
        Dcls1d l = layer(3, 2, 1, 9);
        NDArray x = GradCheck.randn(m, 40, 0, 1, 6, 2, 3);
        NDArray ext = l.forward(x);
        assertEquals(new Shape(6 + 4, 2, 2), ext.getShape());
        l.outputLength(Dcls1d.OutputLength.CROPPED);
        NDArray crop = l.forward(x);
        assertEquals(new Shape(6, 2, 2), crop.getShape());
        assertArrayEquals(ext.get("0:6").toDoubleArray(), crop.toDoubleArray(), 1e-13);
    }

    /**
     * DESIGN.md pitfall 2: a training step (kernel construction, convolution, backward) and an evaluation step (pure
     * shift) must leave nothing behind in the parameters' manager.
     */
    @Test
    void stepsDoNotLeakIntoTheParameterManager() throws Exception {
        NDManager params = m.newSubManager();
        NDManager batch = m.newSubManager();
        Dcls1d l = new Dcls1d(params, 6, 4, 2, 7);
        java.lang.reflect.Field f = ai.djl.ndarray.BaseNDManager.class.getDeclaredField("resources");
        f.setAccessible(true);
        java.util.Map<?, ?> resources = (java.util.Map<?, ?>) f.get(params);
        int before = resources.size();
        for (int step = 0; step < 3; step++) {
            try (NDScope scope = new NDScope();
                 ai.djl.training.GradientCollector g = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                NDArray x = batch.randomNormal(new Shape(5, 2, 6));
                g.backward(l.forward(x).sum());
                l.weight().value().getGradient().close();
                l.positions().value().getGradient().close();
            }
            l.clampPositions();
            l.setSigma(1.0);
        }
        l.eval();
        for (int step = 0; step < 2; step++) {
            try (NDScope scope = new NDScope()) {
                l.forward(batch.randomNormal(new Shape(5, 2, 6))).toFloatArray();
            }
        }
        assertEquals(before, resources.size(), "arrays left in the parameter manager");
        params.close();
        batch.close();
    }

    // ---------------------------------------------------------------- validation

    private static void assertIae(Executable ex, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ex);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should contain '" + p + "'");
        }
    }

    @Test
    void badInputNamesTheLayerAndTheExpectedShape() {
        Dcls1d l = new Dcls1d(m, 4, 3, 7);
        assertIae(() -> l.forward(m.zeros(new Shape(5, 4))), "Dcls1d", "[T, B, 4]", "(5, 4)");
        assertIae(() -> l.forward(m.zeros(new Shape(5, 2, 3))), "Dcls1d", "[T, B, 4]", "(5, 2, 3)");
        assertIae(() -> l.forward(m.zeros(new Shape(5, 2, 4, 1))), "Dcls1d", "[T, B, 4]");
        assertIae(() -> l.forward(m.zeros(new Shape(0, 2, 4))), "Dcls1d", "T >= 1");
        l.eval();
        assertIae(() -> l.forward(m.zeros(new Shape(5, 2, 3))), "Dcls1d", "[T, B, 4]");
        Sequential net = new Sequential().add("delay1", new Dcls1d(m, 6, 2, 5));
        assertIae(() -> net.forward(m.zeros(new Shape(3, 2, 4))), "Dcls1d 'delay1'", "[T, B, 6]");
        assertIae(() -> new Dcls1d(m, 4, 3, 0), "Dcls1d", "D >= 1", "D=0");
        assertIae(() -> new Dcls1d(m, 4, 3, -2), "Dcls1d", "D >= 1");
        assertIae(() -> new Dcls1d(m, 0, 3, 5), "Dcls1d", "in=0");
        assertIae(() -> new Dcls1d(m, 4, 3, 0, 5), "Dcls1d", "kernelCount=0");
    }

    // ---------------------------------------------------------------- sigma schedule

    @Test
    void sigmaScheduleFollowsSnnDelays() {
        SigmaSchedule s = SigmaSchedule.snnDelays(25, 150);     // SHD: D = 25, 150 epochs
        assertEquals(12.0, s.initial());
        assertEquals(0.23, s.target());
        assertEquals(37, s.decayEpochs());
        assertEquals(Math.pow(0.23 / 12, 1.0 / 37), s.alpha(), 1e-15);
        assertEquals(12.0, s.sigmaAfter(0));
        for (int e = 1; e < 37; e++) {
            assertEquals(s.alpha(), s.sigmaAfter(e) / s.sigmaAfter(e - 1), 1e-12, "geometric at " + e);
        }
        assertEquals(0.23, s.sigmaAfter(37));
        assertEquals(0.23, s.sigmaAfter(149));
        assertEquals(0.5, s.effectiveSigmaAfter(150), 1e-15);
        assertEquals(12.27, s.effectiveSigmaAfter(0), 1e-15);
        // SNN-delays' in-place multiplication reaches the same value
        double sig = 12.0;
        for (int e = 0; e < 37; e++) {
            sig *= s.alpha();
        }
        assertEquals(sig, s.sigmaAfter(37), 1e-12);

        assertEquals(15.0, SigmaSchedule.snnDelays(30, 100).initial());   // even D raised to 31
        assertEquals(25, SigmaSchedule.snnDelays(31, 100).decayEpochs());
        SigmaSchedule none = SigmaSchedule.snnDelays(25, 3);              // epochs//4 = 0: no decay
        assertEquals(1.0, none.alpha());
        assertEquals(12.0, none.sigmaAfter(2));
        assertIae(() -> s.sigmaAfter(-1), "SigmaSchedule");
        assertIae(() -> new SigmaSchedule(0, 0.23, 3), "SigmaSchedule");
    }

    @Test
    void sigmaScheduleSetsEveryLayer() {
        Dcls1d a = new Dcls1d(m, 2, 3, 25);
        Dcls1d b = layer(3, 2, 2, 25);
        NDArray sigA = a.sigma().value();
        SigmaSchedule s = SigmaSchedule.snnDelays(25, 40);
        s.apply(5, a, b);
        for (float v : a.sigma().value().toFloatArray()) {
            assertEquals((float) s.sigmaAfter(5), v);
        }
        for (double v : b.sigma().value().toDoubleArray()) {
            assertEquals(s.sigmaAfter(5), v);
        }
        assertSame(sigA, a.sigma().value());
    }
}
