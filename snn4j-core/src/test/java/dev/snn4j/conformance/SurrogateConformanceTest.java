package dev.snn4j.conformance;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import dev.snn4j.surrogate.ATan;
import dev.snn4j.surrogate.FastSigmoid;
import dev.snn4j.surrogate.PiecewiseQuadratic;
import dev.snn4j.surrogate.Sigmoid;
import dev.snn4j.surrogate.SnnTorchTriangular;
import dev.snn4j.surrogate.SoftSign;
import dev.snn4j.surrogate.Surrogate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Case 2: every surrogate's forward (exact Heaviside with the library's tie rule) and its gradient
 * {@code d(sum(spike * r))/dx} through DJL autograd, plus {@link Surrogate#derivative(double)} against the same numbers.
 */
class SurrogateConformanceTest {
    private static final JsonObject REF = Ref.load("case2_surrogate_grad.json");

    /** name -> (surrogate, strict tie rule). SJ fires on x >= 0, snnTorch on x > 0. */
    private static final Map<String, Object[]> CASES = new LinkedHashMap<>();

    static {
        CASES.put("sj_ATan_alpha2", new Object[] {new ATan(2.0), false});
        CASES.put("sj_ATan_alpha5", new Object[] {new ATan(5.0), false});
        CASES.put("sj_Sigmoid_alpha4", new Object[] {new Sigmoid(4.0), false});
        CASES.put("sj_PiecewiseQuadratic_alpha1", new Object[] {new PiecewiseQuadratic(1.0), false});
        CASES.put("sj_SoftSign_alpha2", new Object[] {new SoftSign(2.0), false});
        CASES.put("snntorch_atan_alpha2", new Object[] {new ATan(2.0), true});
        CASES.put("snntorch_fast_sigmoid_slope25", new Object[] {new FastSigmoid(25), true});
        CASES.put("snntorch_sigmoid_slope25", new Object[] {new Sigmoid(25), true});
        CASES.put("snntorch_triangular_default", new Object[] {new SnnTorchTriangular(1.0), true});
    }

    @BeforeAll
    static void resetDeviations() {
        Ref.Deviations.reset();
    }

    @AfterAll
    static void report() {
        Ref.Deviations.report("case2");
    }

    @Test
    void everyCaseInTheFileIsCovered() {
        assertEquals(CASES.keySet().stream().toList(), Ref.caseNames(REF));
    }

    @Test
    void spikesAndGradientsMatchTheReferences() {
        for (Map.Entry<String, Object[]> e : CASES.entrySet()) {
            check(e.getKey(), (Surrogate) e.getValue()[0], (Boolean) e.getValue()[1]);
        }
    }

    private static void check(String name, Surrogate sg, boolean strict) {
        JsonObject c = Ref.caseNamed(REF, name);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = Ref.array(m, REF, "x");
            NDArray r = Ref.array(m, REF, "r");
            x.setRequiresGradient(true);
            NDArray spike;
            double loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                spike = sg.spike(x, strict);
                NDArray l = spike.mul(r).sum();
                loss = l.toDoubleArray()[0];
                System.gc(); // DESIGN.md pitfall 1: temporaries freed before backward must not corrupt gradients
                gc.backward(l);
            }
            Ref.assertExact(name + " spike", Ref.array(m, c, "spike"), spike);
            NDArray g = x.getGradient();
            Ref.assertClose(name + " grad_x", Ref.array(m, c, "grad_x"), g);
            Ref.assertClose(name + " loss", c.get("loss").getAsDouble(), loss);

            // the plain-number derivative documents the same function: derivative(x) * r == grad_x
            double[] xs = x.toDoubleArray();
            double[] rs = r.toDoubleArray();
            double[] ref = Ref.values(c.get("grad_x"));
            double[] fromDerivative = new double[xs.length];
            for (int i = 0; i < xs.length; i++) {
                fromDerivative[i] = sg.derivative(xs[i]) * rs[i];
            }
            Ref.assertClose(name + " derivative(double)*r", ref, fromDerivative);
            g.close();
        }
    }
}
