package dev.snn4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.snn4j.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Adam/AdamW against the torch.optim formulas evaluated by hand in float64. */
class AdamTest {
    static final double[] A0 = {0.5, -1.5, 2.0};
    static final double[] B0 = {1.0, -0.25, 0.75, -2.0};
    static final double[] CA = {1.0, 2.0, 0.5};
    static final double[] CB = {0.3, 1.0, 4.0, 0.1};
    /** Gradient scale per step; shrinking gradients make amsgrad's running max differ from v. */
    static final double[] SCALE = {5, 1, 0.2, 1, 3, 0.1};

    /** The reference: torch.optim.Adam / AdamW single-tensor update for one parameter, in place. */
    static final class Ref {
        final double[] p;
        final double[] m;
        final double[] v;
        final double[] vmax;
        int t;

        Ref(double[] p0) {
            p = p0.clone();
            m = new double[p.length];
            v = new double[p.length];
            vmax = new double[p.length];
        }

        void step(double[] grad, double lr, double wd, boolean decoupled, boolean amsgrad, double b1, double b2,
                  double eps) {
            t++;
            double[] g = grad.clone();
            for (int i = 0; i < p.length; i++) {
                if (decoupled) {
                    p[i] *= 1 - lr * wd;
                } else {
                    g[i] += wd * p[i]; // grad.add(param, alpha=wd)
                }
            }
            double bc1 = 1 - Math.pow(b1, t);
            double bc2Sqrt = Math.sqrt(1 - Math.pow(b2, t));
            for (int i = 0; i < p.length; i++) {
                m[i] = m[i] + (1 - b1) * (g[i] - m[i]);
                v[i] = v[i] * b2 + (1 - b2) * g[i] * g[i];
                vmax[i] = Math.max(vmax[i], v[i]);
                double denom = Math.sqrt(amsgrad ? vmax[i] : v[i]) / bc2Sqrt + eps;
                p[i] = p[i] + (-lr / bc1) * (m[i] / denom);
            }
        }
    }

    /** Accumulates the gradient of {@code 0.5 * s * sum(c * p^2)}, i.e. {@code s * c * p}, into every parameter. */
    static void backward(NDManager m, Toy toy, double s) {
        try (NDManager batch = m.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray ca = batch.create(scaled(CA, 0.5 * s));
            NDArray cb = batch.create(scaled(CB, 0.5 * s)).reshape(2, 2);
            NDArray a = toy.namedParameters().get("a").value();
            NDArray b = toy.namedParameters().get("b").value();
            gc.backward(ca.mul(a).mul(a).sum().add(cb.mul(b).mul(b).sum()));
        }
    }

    static double[] scaled(double[] x, double s) {
        double[] y = x.clone();
        for (int i = 0; i < y.length; i++) {
            y[i] *= s;
        }
        return y;
    }

    static double[] grad(double[] c, double[] p, double s) {
        double[] g = new double[p.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = s * c[i] * p[i];
        }
        return g;
    }

    private void check(boolean decoupled, boolean amsgrad, double wdA, double wdB, LrSchedule schedule) {
        double lrA = 1e-2;
        double lrB = 3e-2;
        double b1 = 0.8;
        double b2 = 0.95;
        double eps = 1e-6;
        try (NDManager m = NDManager.newBaseManager()) {
            Toy toy = new Toy(m, A0, B0);
            Map<String, Parameter> ps = toy.trainableParameters();
            ParamGroup ga = ParamGroup.of("a", Map.of("a", ps.get("a"))).lr(lrA).weightDecay(wdA);
            ParamGroup gb = ParamGroup.of("b", Map.of("b", ps.get("b"))).lr(lrB).weightDecay(wdB);
            Adam opt = (decoupled ? Adam.adamW(ga, gb) : Adam.adam(ga, gb)).betas(b1, b2).eps(eps).amsgrad(amsgrad)
                    .schedule(schedule);
            Ref ra = new Ref(A0);
            Ref rb = new Ref(B0);
            for (int step = 0; step < SCALE.length; step++) {
                backward(m, toy, SCALE[step]);
                double[] gA = grad(CA, ra.p, SCALE[step]);
                double[] gB = grad(CB, rb.p, SCALE[step]);
                opt.step();
                ra.step(gA, schedule.lr(lrA, step), wdA, decoupled, amsgrad, b1, b2, eps);
                rb.step(gB, schedule.lr(lrB, step), wdB, decoupled, amsgrad, b1, b2, eps);
                assertArrayEquals(ra.p, ps.get("a").value().toDoubleArray(), 1e-15, "a after step " + (step + 1));
                assertArrayEquals(rb.p, ps.get("b").value().toDoubleArray(), 1e-15, "b after step " + (step + 1));
                try (NDArray g = ps.get("a").value().getGradient()) {
                    assertArrayEquals(new double[3], g.toDoubleArray(), "gradients are zeroed by step()");
                }
            }
            assertEquals(SCALE.length, opt.stepCount());
            // amsgrad really used a different denominator at some point
            if (amsgrad) {
                boolean differs = false;
                for (int i = 0; i < 3; i++) {
                    differs |= ra.vmax[i] != ra.v[i];
                }
                assertTrue(differs);
            }
            opt.close();
        }
    }

    @Test
    void adamWithL2WeightDecayMatchesTorchFormulas() {
        check(false, false, 0.1, 0.0, LrSchedule.constant());
    }

    @Test
    void adamWDecoupledDecayMatchesTorchFormulas() {
        check(true, false, 0.1, 0.5, LrSchedule.constant());
    }

    @Test
    void amsgradMatchesTorchFormulas() {
        check(false, true, 0.0, 0.0, LrSchedule.constant());
        check(true, true, 0.05, 0.0, LrSchedule.stepDecayAt(0.5, 2, 4));
    }

    @Test
    void stateRoundTripContinuesIdentically() {
        try (NDManager m = NDManager.newBaseManager()) {
            Toy x = new Toy(m, A0, B0);
            Toy y = new Toy(m, A0, B0);
            Adam ox = Adam.adamW(ParamGroup.all(x)).amsgrad(true).schedule(LrSchedule.cosine(6, 0));
            Adam oy = Adam.adamW(ParamGroup.all(y)).amsgrad(true).schedule(LrSchedule.cosine(6, 0));
            for (int s = 0; s < 3; s++) {
                backward(m, x, SCALE[s]);
                backward(m, y, SCALE[s]);
                ox.step();
                oy.step();
            }
            Adam fresh = Adam.adamW(ParamGroup.all(y)).amsgrad(true).schedule(LrSchedule.cosine(6, 0));
            fresh.loadStateDict(oy.stateDict(m));
            oy.close();
            assertEquals(3, fresh.stepCount());
            for (int s = 3; s < SCALE.length; s++) {
                backward(m, x, SCALE[s]);
                backward(m, y, SCALE[s]);
                ox.step();
                fresh.step();
            }
            assertArrayEquals(x.namedParameters().get("b").value().toDoubleArray(),
                    y.namedParameters().get("b").value().toDoubleArray(), 0.0);
        }
    }

    @Test
    void loadStateDictCopiesTheArraysItIsGiven() {
        // The state must not share memory with the caller's arrays: Checkpoint.restore reads them into arrays whose
        // memory is a Java direct buffer and closes them afterwards; once the garbage collector freed those buffers,
        // a state still pointing into them had its in-place updates written into freed native memory (heap
        // corruption). torch's to() returns a view for an unchanged dtype, even when DJL's toType is asked to copy.
        try (NDManager m = NDManager.newBaseManager()) {
            Toy x = new Toy(m, A0, B0);
            Adam opt = Adam.adam(ParamGroup.all(x)).amsgrad(true);
            backward(m, x, 1);
            opt.step();
            Map<String, double[]> before = new java.util.LinkedHashMap<>();
            Map<String, NDArray> dict = new java.util.LinkedHashMap<>();
            opt.stateDict(m).forEach((k, v) -> {
                dict.put(k, v.duplicate());
                if (v.getDataType() == ai.djl.ndarray.types.DataType.FLOAT64) {
                    before.put(k, v.toDoubleArray());
                }
            });
            Adam fresh = Adam.adam(ParamGroup.all(x)).amsgrad(true);
            fresh.loadStateDict(dict);
            dict.values().forEach(a -> a.set(new ai.djl.ndarray.index.NDIndex("..."), -7));
            Map<String, NDArray> after = fresh.stateDict(m);
            before.forEach((k, v) -> assertArrayEquals(v, after.get(k).toDoubleArray(), 0.0, k));
            assertEquals(1, fresh.stepCount());
        }
    }

    @Test
    void loadStateDictReportsMismatches() {
        try (NDManager m = NDManager.newBaseManager()) {
            Toy x = new Toy(m, A0, B0);
            Adam opt = Adam.adam(ParamGroup.all(x));
            backward(m, x, 1);
            opt.step();
            Map<String, NDArray> dict = new java.util.LinkedHashMap<>(opt.stateDict(m));
            dict.remove("b.exp_avg_sq");
            dict.put("a.exp_avg", m.zeros(new ai.djl.ndarray.types.Shape(4)));
            dict.put("c.exp_avg", m.zeros(new ai.djl.ndarray.types.Shape(1)));
            String msg = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(dict)).getMessage();
            assertTrue(msg.contains("missing 'b.exp_avg_sq'") && msg.contains("unexpected 'c.exp_avg'")
                    && msg.contains("'a.exp_avg' has shape (4)"), msg);
        }
    }

    @Test
    void badArgumentsAreRejectedClearly() {
        try (NDManager m = NDManager.newBaseManager()) {
            Toy x = new Toy(m, A0, B0);
            ParamGroup g = ParamGroup.all(x);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> g.lr(-1)).getMessage().contains("lr"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Adam.adam(g).betas(0.9, 1.0))
                    .getMessage().contains("betas must be in [0, 1)"));
            assertThrows(IllegalArgumentException.class, () -> Adam.adam(g, ParamGroup.all(x)));
        }
    }

    @Test
    void aGroupScheduleOverridesTheOptimizerSchedule() {
        try (NDManager m = NDManager.newBaseManager()) {
            Toy x = new Toy(m, A0, B0);
            ParamGroup a = ParamGroup.of("a", x, n -> n.equals("a")).lr(0.1).schedule(LrSchedule.cosine(10, 0));
            ParamGroup b = ParamGroup.of("b", x, n -> n.equals("b")).lr(2.0);
            Adam opt = Adam.adam(a, b).schedule(LrSchedule.stepDecayAt(0.5, 0));
            assertEquals(0.1, opt.currentLr(a), 1e-15);
            assertEquals(1.0, opt.currentLr(b), 1e-15);
            assertEquals(null, b.schedule());
        }
    }
}
