package dev.snn4j.delta;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.snn4j.GradCheck;
import dev.snn4j.GradCheck.Var;
import dev.snn4j.layer.DeltaActivation;
import dev.snn4j.layer.DeltaActivation.Granularity;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.Sequential;
import dev.snn4j.nn.Init;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DeltaActivation forward values, its straight-through gradient, and float64 finite-difference checks of the
 * task + delta-sparsity loss with respect to theta.
 *
 * <p>Why not FD in the input: {@code round} is piecewise constant, so the true derivative of {@code Q(relu(x))} in x
 * is 0 almost everywhere, while the straight-through estimator deliberately reports 1 inside relu's support. The input
 * gradient is therefore checked against that documented formula instead. In theta the layer's gradient is the exact
 * piecewise derivative {@code round(r/a) * sign(theta)}, which finite differences see wherever a perturbation does not
 * move any {@code r/a} across a rounding boundary: the test inputs are placed at {@code a * (k + u)} with
 * {@code |u| <= 0.3}, far from the boundaries at {@code k + 0.5}.
 */
class DeltaActivationTest {
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

    /** Values a*(k+u), k in {-2..4}, |u| <= 0.3 (negative k -> relu zero): smooth in theta for FD. */
    private NDArray awayFromBoundaries(long seed, double a, long... shape) {
        Random r = new Random(seed);
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            int k = r.nextInt(7) - 2;
            double u = (r.nextDouble() * 2 - 1) * 0.3;
            v[i] = a * (k + u);
        }
        return m.create(v, new ai.djl.ndarray.types.Shape(shape));
    }

    @Test
    void forwardQuantisesAndDeltasStartAgainstZero() {
        DeltaActivation da = new DeltaActivation(m, Granularity.LAYER, new long[] {3}, 0.5);
        // T=3, B=1, F=3
        NDArray x = m.create(new float[] {-1f, 0.2f, 0.8f, 0.3f, 0.2f, 1.3f, 0.3f, -5f, 1.1f}, new ai.djl.ndarray.types.Shape(3, 1, 3));
        float[] y = da.forward(x).toFloatArray();
        double a = 0.5 + DeltaActivation.EPS;
        float q1 = (float) (Math.rint(0.8 / a) * a);
        assertArrayEquals(new float[] {0f, 0f, q1, (float) a, 0f, (float) (Math.rint(1.3 / a) * a), (float) a, 0f,
                (float) (Math.rint(1.1 / a) * a)}, y, 1e-6f);
        float[] d = da.lastDelta().toFloatArray();
        assertArrayEquals(new float[] {y[0], y[1], y[2], y[3] - y[0], y[4] - y[1], y[5] - y[2], y[6] - y[3],
                y[7] - y[4], y[8] - y[5]}, d, 1e-6f);
    }

    @Test
    void statsCountZerosInEvalMode() {
        DeltaActivation da = new DeltaActivation(m, Granularity.CHANNEL, new long[] {2}, 1.0).recordStats(true);
        da.eval();
        // t0: [0, 2] t1: [0, 2] -> activations zero 2/4, deltas zero: t0 {0}, t1 {0,2} -> 3/4
        da.forward(m.create(new float[] {-1f, 2f, 0.1f, 2.1f}, new ai.djl.ndarray.types.Shape(2, 1, 2)));
        assertEquals(0.5, da.spatialSparsity(), 1e-12);
        assertEquals(0.75, da.temporalSparsity(), 1e-12);
    }

    @Test
    void straightThroughGradientMatchesDocumentedFormula() {
        for (Granularity g : Granularity.values()) {
            DeltaActivation da = new DeltaActivation(m, g, new long[] {3, 2, 2}, 0.25);
            da.to(DataType.FLOAT64);
            try (NDScope ignored = new NDScope()) {
                NDArray x = GradCheck.randn(m, 3, 0.2, 0.6, 4, 2, 3, 2, 2);
                NDArray r = GradCheck.randn(m, 4, 0, 1, 4, 2, 3, 2, 2);
                x.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = da.forward(x).mul(r).sum();
                    System.gc();
                    gc.backward(loss);
                }
                double[] xs = x.toDoubleArray();
                double[] rs = r.toDoubleArray();
                double[] gx = x.getGradient().toDoubleArray();
                double[] gt = da.theta().value().getGradient().toDoubleArray();
                double[] th = da.theta().value().toDoubleArray();
                double[] expectT = new double[th.length];
                for (int i = 0; i < xs.length; i++) {
                    // dy/dx = 1 for x > 0 (STE through round), 0 otherwise
                    assertEquals(xs[i] > 0 ? rs[i] : 0.0, gx[i], 1e-12, g + ": d/dx[" + i + "]");
                    int pos = i % 12;   // index inside [3, 2, 2]
                    int ti = switch (g) {
                        case LAYER -> 0;
                        case CHANNEL -> pos / 4;
                        case NEURON -> pos;
                    };
                    double a = Math.abs(th[ti]) + DeltaActivation.EPS;
                    // dy/dtheta = round(relu(x)/a) * sign(theta)
                    expectT[ti] += rs[i] * Math.rint(Math.max(xs[i], 0) / a) * Math.signum(th[ti]);
                }
                assertArrayEquals(expectT, gt, 1e-9, g + ": d/dtheta");
            }
            da.theta().value().getGradient().close();
        }
    }

    /**
     * Loss = weightedSum(Linear(DA(x))) + sparsity penalty, FD in theta and in the Linear's weights. Only parameters
     * whose path to the loss passes through no further quantiser are FD-comparable: behind a second DeltaActivation
     * the true derivative is 0 (round) while autograd reports the straight-through 1, by design.
     */
    @Test
    void taskPlusSparsityLossMatchesFiniteDifferencesInTheta() {
        for (Granularity g : Granularity.values()) {
            DeltaActivation da = new DeltaActivation(m, g, new long[] {4}, 0.3);
            Linear fc = new Linear(m, 4, 3, true);
            Sequential net = new Sequential().add("delta", da).add("fc", fc);
            net.to(DataType.FLOAT64);
            // distinct step sizes per entry (CHANNEL / NEURON), some negative: |theta| is used
            double[] th = da.theta().value().toDoubleArray();
            for (int i = 0; i < th.length; i++) {
                th[i] = (i % 2 == 0 ? 1 : -1) * 0.3;
            }
            da.theta().copyFrom(m.create(th, da.theta().value().getShape()));
            GradCheck gc = new GradCheck(m).step(1e-7).tolerance(1e-5, 1e-8);
            Var x = gc.input("x", awayFromBoundaries(7, 0.3 + DeltaActivation.EPS, 5, 2, 4));
            DeltaSparsity sp = new DeltaSparsity(net, 0.7).layerWeight("delta", 2.0);
            Var t = gc.param("delta.theta", da.theta());
            Var w = gc.param("fc.weight", fc.weight());
            gc.check("DeltaActivation " + g + ": task + sparsity loss, d/dtheta", () -> {
                NDArray y = net.forward(x.value());
                return GradCheck.weightedSum(y, 3).add(sp.penalty());
            }, t, w);
            // the sparsity term alone (its theta gradient is sum |k_t - k_{t-1}| * sign(theta) / numel * weight)
            gc.check("DeltaActivation " + g + ": sparsity loss alone, d/dtheta", () -> {
                net.forward(x.value());
                return sp.penalty();
            }, t);
            net.resetState();
        }
    }

    /**
     * The ACTIVITY-normalised penalty {@code ||d||_1 / (||y||_1 + eps)} (a ratio: a new differentiable piece), FD in
     * theta for per-channel and per-neuron steps (with one step for the whole layer the ratio does not depend on it).
     */
    @Test
    void activityNormalisedPenaltyMatchesFiniteDifferencesInTheta() {
        for (Granularity g : new Granularity[] {Granularity.CHANNEL, Granularity.NEURON}) {
            DeltaActivation da = new DeltaActivation(m, g, new long[] {4}, 0.3);
            Linear fc = new Linear(m, 4, 3, true);
            Sequential net = new Sequential().add("delta", da).add("fc", fc);
            net.to(DataType.FLOAT64);
            double[] th = da.theta().value().toDoubleArray();
            for (int i = 0; i < th.length; i++) {
                th[i] = (i % 2 == 0 ? 1 : -1) * (0.3 + 0.05 * i);
            }
            da.theta().copyFrom(m.create(th, da.theta().value().getShape()));
            // values at a*(k+u) with a = 0.3: with other steps per entry the inputs are rescaled per entry below
            NDArray base = awayFromBoundaries(9, 1.0, 5, 2, 4);
            double[] steps = da.stepSizes();
            double[] v = base.toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                v[i] *= steps[g == Granularity.CHANNEL || g == Granularity.NEURON ? i % 4 : 0];
            }
            GradCheck gc = new GradCheck(m).step(1e-7).tolerance(1e-5, 1e-8);
            Var x = gc.input("x", m.create(v, base.getShape()));
            DeltaSparsity sp = new DeltaSparsity(net, 0.7).normalisation(DeltaSparsity.Normalisation.ACTIVITY);
            Var t = gc.param("delta.theta", da.theta());
            Var w = gc.param("fc.weight", fc.weight());
            gc.check("DeltaActivation " + g + ": task + activity-normalised sparsity loss", () -> {
                NDArray y = net.forward(x.value());
                return GradCheck.weightedSum(y, 3).add(sp.penalty());
            }, t, w);
            gc.check("DeltaActivation " + g + ": activity-normalised sparsity loss alone", () -> {
                net.forward(x.value());
                return sp.penalty();
            }, t);
            net.resetState();
        }
    }

    /** thetaGradient(false): same penalty value and input gradient, no gradient in theta (both normalisations). */
    @Test
    void penaltyWithoutThetaGradientKeepsValueAndInputGradient() {
        for (DeltaSparsity.Normalisation n : DeltaSparsity.Normalisation.values()) {
            double[][] got = new double[2][];
            double[] values = new double[2];
            double[] thetaGradNorm = new double[2];
            for (int pass = 0; pass < 2; pass++) {
                DeltaActivation da = new DeltaActivation(m, Granularity.CHANNEL, new long[] {3}, 0.25);
                Sequential net = new Sequential().add("delta", da);
                net.to(DataType.FLOAT64);
                DeltaSparsity sp = new DeltaSparsity(net, 0.5).normalisation(n).thetaGradient(pass == 0);
                try (NDScope ignored = new NDScope()) {
                    NDArray x = GradCheck.randn(m, 11, 0.2, 0.6, 4, 2, 3);
                    x.setRequiresGradient(true);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        net.forward(x);
                        NDArray p = sp.penalty();
                        values[pass] = p.getDouble();
                        gc.backward(p);
                    }
                    got[pass] = x.getGradient().toDoubleArray();
                    thetaGradNorm[pass] = da.theta().value().getGradient().toType(DataType.FLOAT64, false).abs().sum().getDouble();
                }
                net.resetState();
            }
            assertEquals(values[0], values[1], 1e-12, n + ": value");
            assertArrayEquals(got[0], got[1], 1e-12, n + ": input gradient");
            assertTrue(thetaGradNorm[0] > 0, n + ": the default penalty moves theta");
            assertEquals(0.0, thetaGradNorm[1], 0.0, n + ": no theta gradient");
        }
    }

    @Test
    void activityNormalisedPenaltyIsRatioOfL1Norms() {
        DeltaActivation da = new DeltaActivation(m, Granularity.LAYER, new long[] {2}, 1.0);
        Sequential net = new Sequential().add("da", da);
        net.forward(m.create(new float[] {1f, 2f, 3f, 2f}, new ai.djl.ndarray.types.Shape(2, 1, 2)));
        // y: [1,2],[3,2] (times a); d: [1,2],[2,0] -> ||d||_1 / ||y||_1 = 5 / 8, independent of a
        double p = new DeltaSparsity(net, 0.1).normalisation(DeltaSparsity.Normalisation.ACTIVITY).penalty()
                .toType(DataType.FLOAT64, false).getDouble();
        assertEquals(0.1 * 5 / 8, p, 1e-6);
    }

    @Test
    void penaltyIsSpRateTimesMeanAbsDelta() {
        DeltaActivation da = new DeltaActivation(m, Granularity.LAYER, new long[] {2}, 1.0);
        Sequential net = new Sequential().add("da", da);
        net.forward(m.create(new float[] {1f, 2f, 3f, 2f}, new ai.djl.ndarray.types.Shape(2, 1, 2)));
        // y: [1,2],[3,2] (a = 1 + eps: rounding keeps integers) ; d: [1,2],[2,0] -> mean |d| = 1.25 (approx.)
        double p = new DeltaSparsity(net, 0.1).penalty().toType(DataType.FLOAT64, false).getDouble();
        double a = 1 + DeltaActivation.EPS;
        assertEquals(0.1 * a * 1.25, p, 1e-6);
        assertTrue(DeltaSparsity.layers(net).containsKey("da"));
        assertThrows(IllegalArgumentException.class, () -> new DeltaSparsity(net, 0.1).layerWeight("nope", 1));
    }

    @Test
    void wrongShapeIsAClearError() {
        DeltaActivation da = new DeltaActivation(m, Granularity.CHANNEL, new long[] {4, 3, 3}, 0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> da.forward(m.zeros(new ai.djl.ndarray.types.Shape(2, 1, 5, 3, 3))));
        assertTrue(e.getMessage().contains("[T, B, 4, 3, 3]"), e.getMessage());
    }
}
