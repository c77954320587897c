package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.snn4j.GradCheck;
import dev.snn4j.GradCheck.Var;
import dev.snn4j.encode.DirectEncoder;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finite-difference gradient checks (float64, central differences, rel 1e-6) of every time-distributed layer with
 * respect to its input and every trainable parameter. The loss is {@code sum(y * r)} with a fixed random r, so every
 * output element contributes with a different weight.
 */
class LayerGradientTest {
    private NDManager m;
    private GradCheck gc;

    @BeforeEach
    void setUp() {
        Init.seed(11);
        m = NDManager.newBaseManager();
        gc = new GradCheck(m);
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    /** Checks module's output {@code sum(module(x) * r)} against FD in x and every trainable parameter. */
    private void checkModule(String what, Module module, NDArray x0) {
        module.to(DataType.FLOAT64);
        Var x = gc.input("x", x0);
        List<Var> vars = new ArrayList<>();
        vars.add(x);
        for (Map.Entry<String, Parameter> e : module.trainableParameters().entrySet()) {
            vars.add(gc.param(e.getKey(), e.getValue()));
        }
        gc.check(what, () -> GradCheck.weightedSum(module.forward(x.value()), 99), vars.toArray(new Var[0]));
    }

    @Test
    void linearWithBias() {
        checkModule("Linear(4->3, bias)", new Linear(m, 4, 3, true), GradCheck.randn(m, 1, 0, 1, 3, 2, 4));
    }

    @Test
    void linearWithoutBias() {
        Linear fc = new Linear(m, 4, 3, false);
        org.junit.jupiter.api.Assertions.assertEquals(1, fc.trainableParameters().size());
        checkModule("Linear(4->3, no bias)", fc, GradCheck.randn(m, 2, 0, 1, 3, 2, 4));
    }

    @Test
    void conv1d() {
        checkModule("Conv1d(2->3, k3, s2, p1, bias)", new Conv1d(m, 2, 3, 3, 2, 1, true),
                GradCheck.randn(m, 3, 0, 1, 2, 2, 2, 7));
        checkModule("Conv1d(2->3, k3, s1, p0, no bias)", new Conv1d(m, 2, 3, 3, 1, 0, false),
                GradCheck.randn(m, 4, 0, 1, 2, 2, 2, 7));
    }

    @Test
    void conv2d() {
        checkModule("Conv2d(2->3, k3, s1, p1, bias)", new Conv2d(m, 2, 3, 3, 1, 1, true),
                GradCheck.randn(m, 5, 0, 1, 2, 2, 2, 5, 5));
        checkModule("Conv2d(2->2, k2, s2, p0, no bias)", new Conv2d(m, 2, 2, 2, 2, 0, false),
                GradCheck.randn(m, 6, 0, 1, 2, 1, 2, 4, 4));
    }

    @Test
    void batchNormTraining() {
        BatchNorm bn = new BatchNorm(m, 3);
        bn.to(DataType.FLOAT64);
        // non-trivial affine parameters so their gradients are not a special case
        try (NDArray g = m.create(new double[] {0.5, 1.5, -2.0}); NDArray b = m.create(new double[] {0.1, 0, -1})) {
            bn.gamma().copyFrom(g);
            bn.beta().copyFrom(b);
        }
        checkModule("BatchNorm1d training [T,B,C]", bn, GradCheck.randn(m, 7, 0.3, 2, 3, 2, 3));
        checkModule("BatchNorm2d training [T,B,C,H,W]", bn, GradCheck.randn(m, 8, -0.2, 1.5, 2, 2, 3, 2, 2));
    }

    @Test
    void batchNormEval() {
        BatchNorm bn = new BatchNorm(m, 3);
        bn.eval();
        checkModule("BatchNorm eval", bn, GradCheck.randn(m, 9, 0, 1, 2, 2, 3));
    }

    @Test
    void pooling() {
        checkModule("Pool2d average 2", Pool2d.average(2), GradCheck.randn(m, 10, 0, 1, 2, 2, 2, 4, 4));
        // random values: no ties, so max pooling is differentiable at this point
        checkModule("Pool2d max 2", Pool2d.max(2), GradCheck.randn(m, 11, 0, 1, 2, 2, 2, 4, 4));
        checkModule("Pool2d max k3 s2", new Pool2d(Pool2d.Kind.MAX, 3, 2), GradCheck.randn(m, 12, 0, 1, 2, 1, 2, 5, 5));
    }

    @Test
    void flattenMeanAccumulatorReadout() {
        checkModule("Flatten", new Flatten(), GradCheck.randn(m, 13, 0, 1, 2, 2, 2, 3));
        checkModule("MeanOverTime", new MeanOverTime(), GradCheck.randn(m, 14, 0, 1, 4, 2, 3));
        checkModule("MembraneAccumulator.sum", MembraneAccumulator.sum(), GradCheck.randn(m, 15, 0, 1, 4, 2, 3));
        checkModule("MembraneAccumulator.mean", MembraneAccumulator.mean(), GradCheck.randn(m, 16, 0, 1, 4, 2, 3));
        checkModule("LeakyReadout tau 10.05 no decay input", new LeakyReadout(10.05, false),
                GradCheck.randn(m, 17, 0, 1, 12, 2, 3));
        checkModule("LeakyReadout tau 3 decay input", new LeakyReadout(3.0, true),
                GradCheck.randn(m, 18, 0, 1, 12, 2, 3));
    }

    /**
     * Dropout is random: the engine is re-seeded before every evaluation (autograd and each finite difference) so
     * the same mask is drawn and the function being differentiated is fixed, {@code x * mask / (1 - p)}.
     */
    @Test
    void dropoutWithAFixedMask() {
        Dropout d = new Dropout(0.4);
        Var x = gc.input("x", GradCheck.randn(m, 19, 0, 1, 3, 4, 5));
        gc.check("Dropout p=0.4 (seeded mask)", () -> {
            Init.seed(77);
            return GradCheck.weightedSum(d.forward(x.value()), 5);
        }, x);
        gc.check("Dropout p=0", () -> GradCheck.weightedSum(new Dropout(0).forward(x.value()), 5), x);
    }

    @Test
    void directEncoder() {
        DirectEncoder enc = new DirectEncoder(5);
        Var x = gc.input("x", GradCheck.randn(m, 20, 0, 1, 2, 3));
        gc.check("DirectEncoder T=5", () -> GradCheck.weightedSum(enc.encode(x.value()), 6), x);
    }

    @Test
    void smallNetworkEndToEnd() {
        // conv -> BN -> avg pool -> flatten -> linear -> mean over time: the chain rule across layers
        Sequential net = new Sequential().add("conv", new Conv2d(m, 1, 2, 3, 1, 1, true))
                .add("bn", new BatchNorm(m, 2)).add("pool", Pool2d.average(2)).add("flat", new Flatten())
                .add("fc", new Linear(m, 8, 3, true)).add("mean", new MeanOverTime());
        checkModule("conv-bn-pool-flatten-linear-mean", net, GradCheck.randn(m, 21, 0, 1, 3, 2, 1, 4, 4));
    }
}
