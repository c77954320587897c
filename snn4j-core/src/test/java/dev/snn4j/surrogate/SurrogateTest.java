package dev.snn4j.surrogate;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.snn4j.GradCheck;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every surrogate (including those without reference vectors, e.g. {@link PiecewiseLinear}): the forward pass is
 * exactly Heaviside with the chosen tie rule; autograd's gradient equals {@link Surrogate#derivative(double)}; that
 * equals a central finite difference of the primitive g (so primitive and derivative describe the same function);
 * and it equals the closed forms written independently here.
 */
class SurrogateTest {
    private static final List<Surrogate> ALL = List.of(new ATan(2), new ATan(5), new Sigmoid(4), new Sigmoid(25),
            new PiecewiseQuadratic(1), new PiecewiseQuadratic(3), new SoftSign(2), new FastSigmoid(25),
            new PiecewiseLinear(0.3), new PiecewiseLinear(1.0), new SnnTorchTriangular(1.0),
            new SnnTorchTriangular(0.5));

    @Test
    void forwardIsHeavisideAndBackwardIsDerivative() {
        try (NDManager m = NDManager.newBaseManager()) {
            double[] xs = GradCheck.randn(m, 8, 0, 1.2, 400).toDoubleArray();
            xs[0] = 0.0;
            xs[1] = -0.0;
            xs[2] = 1e-300;
            xs[3] = -1e-300;
            NDArray r = GradCheck.randn(m, 9, 0, 1, 400);
            double[] rs = r.toDoubleArray();
            for (Surrogate sg : ALL) {
                for (boolean strict : new boolean[] {false, true}) {
                    NDArray x = m.create(xs);
                    x.setRequiresGradient(true);
                    NDArray s;
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        s = sg.spike(x, strict);
                        NDArray loss = s.mul(r).sum();
                        System.gc(); // DESIGN.md pitfall 1
                        gc.backward(loss);
                    }
                    double[] sv = s.toDoubleArray();
                    double[] g = x.getGradient().toDoubleArray();
                    for (int i = 0; i < xs.length; i++) {
                        double h = (strict ? xs[i] > 0 : xs[i] >= 0) ? 1.0 : 0.0;
                        assertEquals(h, sv[i], 0.0, sg + " strict=" + strict + " forward at " + xs[i]);
                        double want = sg.derivative(xs[i]) * rs[i];
                        assertEquals(want, g[i], 1e-12 + 1e-9 * Math.abs(want),
                                sg + " gradient at " + xs[i]);
                    }
                }
            }
        }
    }

    /** FD of the primitive g (float64, h = 1e-6) equals derivative(x), away from the kinks of g'. */
    @Test
    void derivativeIsTheSlopeOfThePrimitive() {
        double h = 1e-6;
        try (NDManager m = NDManager.newBaseManager()) {
            double[] xs = GradCheck.randn(m, 10, 0, 1.2, 200).toDoubleArray();
            for (Surrogate sg : ALL) {
                double[] plus = new double[xs.length];
                double[] minus = new double[xs.length];
                for (int i = 0; i < xs.length; i++) {
                    plus[i] = xs[i] + h;
                    minus[i] = xs[i] - h;
                }
                double[] gp = sg.primitive(m.create(plus)).toDoubleArray();
                double[] gm = sg.primitive(m.create(minus)).toDoubleArray();
                for (int i = 0; i < xs.length; i++) {
                    double ax = Math.abs(xs[i]);
                    if (ax < 1e-3 || Math.abs(ax - 1) < 1e-3 || Math.abs(ax - 1.0 / 3) < 1e-3) {
                        continue; // kinks of PiecewiseLinear / PiecewiseQuadratic / triangular
                    }
                    double fd = (gp[i] - gm[i]) / (2 * h);
                    double d = sg.derivative(xs[i]);
                    assertEquals(d, fd, 1e-7 + 1e-6 * Math.abs(d), sg + " slope of primitive at " + xs[i]);
                }
            }
        }
    }

    /** derivative(double) against the closed forms (independent of the classes' code). */
    @Test
    void derivativeMatchesTheDocumentedFormulas() {
        for (double x = -2.5; x <= 2.5; x += 0.0625) {
            double ax = Math.abs(x);
            close(2.0 / 2 / (1 + Math.pow(Math.PI / 2 * 2 * x, 2)), new ATan(2).derivative(x));
            double s = 1 / (1 + Math.exp(-4 * x));
            close(4 * s * (1 - s), new Sigmoid(4).derivative(x));
            close(ax <= 1 ? 1 - ax : 0, new PiecewiseQuadratic(1).derivative(x));
            close(1 / (2 * 2 * Math.pow(0.5 + ax, 2)), new SoftSign(2).derivative(x));
            close(1 / Math.pow(25 * ax + 1, 2), new FastSigmoid(25).derivative(x));
            close(0.3 * Math.max(0, 1 - ax), new PiecewiseLinear(0.3).derivative(x));
            close(x < 0 ? 1.0 : -1.0, new SnnTorchTriangular(1.0).derivative(x));
        }
    }

    private static void close(double want, double got) {
        assertEquals(want, got, 1e-14 + 1e-12 * Math.abs(want));
    }
}
