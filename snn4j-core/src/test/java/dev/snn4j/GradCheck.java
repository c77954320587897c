package dev.snn4j;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.snn4j.nn.Parameter;

import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Float64 gradient checker: compares DJL autograd gradients of a scalar loss with central finite differences
 * {@code (f(x+h) - f(x-h)) / 2h} for inputs and parameters. The autograd pass forces a {@code System.gc()} between
 * forward and backward (DESIGN.md pitfall 1: freed scalar temporaries corrupt gradients).
 */
public final class GradCheck {
    private final NDManager manager;
    private double h = 1e-6;
    private double rel = 1e-6;
    private double abs = 1e-8;
    private int maxPerVar = 40;

    public GradCheck(NDManager manager) {
        this.manager = manager;
    }

    public GradCheck step(double v) {
        h = v;
        return this;
    }

    public GradCheck tolerance(double relTol, double absTol) {
        rel = relTol;
        abs = absTol;
        return this;
    }

    /** Checks at most this many (randomly chosen, seeded) elements per variable. */
    public GradCheck maxPerVar(int n) {
        maxPerVar = n;
        return this;
    }

    /** Something the loss depends on. */
    public interface Var {
        String name();

        NDArray value();

        /** Installs a fresh tensor with these values (new autograd leaf, zero gradient). */
        void set(double[] v);
    }

    /** A loss input held by the test; the loss must read {@link Var#value()} on every evaluation. */
    public Var input(String name, NDArray init) {
        return new Var() {
            private NDArray value = fresh(init.toType(DataType.FLOAT64, true).toDoubleArray(), init.getShape());

            @Override
            public String name() {
                return name;
            }

            @Override
            public NDArray value() {
                return value;
            }

            @Override
            public void set(double[] v) {
                NDArray old = value;
                value = fresh(v, old.getShape());
                old.close();
            }
        };
    }

    /** A module parameter (must already be FLOAT64). */
    public Var param(String name, Parameter p) {
        assertEquals(DataType.FLOAT64, p.value().getDataType(), name + " must be float64 for a gradient check");
        return new Var() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public NDArray value() {
                return p.value();
            }

            @Override
            public void set(double[] v) {
                try (NDArray a = manager.create(v, p.value().getShape())) {
                    p.copyFrom(a);
                }
            }
        };
    }

    private NDArray fresh(double[] v, Shape s) {
        NDArray a = manager.create(v, s);
        NDScope.unregister(a);
        return a;
    }

    /**
     * Asserts autograd == central differences for every var; returns the largest relative deviation seen.
     */
    public double check(String what, Supplier<NDArray> loss, Var... vars) {
        // autograd
        double[][] base = new double[vars.length][];
        double[][] auto = new double[vars.length][];
        for (int i = 0; i < vars.length; i++) {
            base[i] = vars[i].value().toDoubleArray();
            vars[i].set(base[i]);
            vars[i].value().setRequiresGradient(true);
        }
        try (NDScope scope = new NDScope();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = loss.get();
            assertEquals(new Shape(), l.getShape(), what + ": loss must be a scalar");
            assertEquals(DataType.FLOAT64, l.getDataType(), what + ": loss must be float64");
            System.gc();
            gc.backward(l);
            for (int i = 0; i < vars.length; i++) {
                NDArray g = vars[i].value().getGradient();
                auto[i] = g.toDoubleArray();
            }
        }
        // numeric
        double worst = 0;
        Random pick = new Random(1234);
        for (int i = 0; i < vars.length; i++) {
            int n = base[i].length;
            int[] idx = pick.ints(0, n).distinct().limit(Math.min(n, maxPerVar)).toArray();
            if (n <= maxPerVar) {
                idx = java.util.stream.IntStream.range(0, n).toArray();
            }
            for (int j : idx) {
                double[] v = base[i].clone();
                v[j] = base[i][j] + h;
                vars[i].set(v);
                double fp = eval(loss);
                v[j] = base[i][j] - h;
                vars[i].set(v);
                double fm = eval(loss);
                double num = (fp - fm) / (2 * h);
                double a = auto[i][j];
                double err = Math.abs(a - num);
                double scale = Math.max(Math.abs(a), Math.abs(num));
                if (!(err <= abs + rel * scale)) {
                    fail(String.format(Locale.ROOT, "%s: d loss / d %s[%d]: autograd %.12g vs finite difference %.12g",
                            what, vars[i].name(), j, a, num));
                }
                if (scale > 1e-6) {
                    worst = Math.max(worst, err / scale);
                }
            }
            vars[i].set(base[i]);
        }
        System.out.printf(Locale.ROOT, "[gradcheck] %-55s max rel dev %.2g%n", what, worst);
        return worst;
    }

    private static double eval(Supplier<NDArray> loss) {
        try (NDScope scope = new NDScope()) {
            return loss.get().toDoubleArray()[0];
        }
    }

    /** Seeded normal values as a float64 tensor. */
    public static NDArray randn(NDManager m, long seed, double mean, double std, long... shape) {
        Random r = new Random(seed);
        Shape s = new Shape(shape);
        double[] v = new double[(int) s.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = mean + std * r.nextGaussian();
        }
        return m.create(v, s);
    }

    /** {@code sum(y * r)} with a fixed random {@code r} of y's shape (makes every output element matter). */
    public static NDArray weightedSum(NDArray y, long seed) {
        NDArray r = randn(y.getManager(), seed, 0, 1, y.getShape().getShape());
        return y.mul(r).sum();
    }
}
