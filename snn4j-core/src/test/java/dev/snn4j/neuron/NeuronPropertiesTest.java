package dev.snn4j.neuron;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.snn4j.GradCheck;
import dev.snn4j.surrogate.ATan;
import dev.snn4j.surrogate.PiecewiseLinear;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Single-step vs multi-step drivers, streaming state, and argument validation of the neurons. */
class NeuronPropertiesTest {
    private NDManager m;

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private List<Supplier<Neuron>> allNeurons() {
        return List.of(
                () -> IfNeuron.builder().build(),
                () -> IfNeuron.builder().softReset().detachReset(true).build(),
                () -> LifNeuron.builder().tau(2.5).build(),
                () -> LifNeuron.builder().decayInput(false).hardReset(-0.1).build(),
                () -> LifNeuron.builder().softReset().build(),
                () -> {
                    Neuron n = ParametricLifNeuron.builder(m).initTau(3).build();
                    n.to(DataType.FLOAT64);
                    return n;
                },
                () -> {
                    Neuron n = new IirNeuron(m, 0.9, 0.8, new PiecewiseLinear(0.3));
                    n.to(DataType.FLOAT64);
                    return n;
                },
                () -> new SnnTorchLeaky(0.9, SnnTorchLeaky.ResetMechanism.SUBTRACT),
                () -> new SnnTorchLeaky(0.9, SnnTorchLeaky.ResetMechanism.ZERO));
    }

    @Test
    void stepEqualsForwardForEveryNeuron() {
        NDArray x = GradCheck.randn(m, 3, 0.6, 1.0, 10, 2, 4);
        for (Supplier<Neuron> make : allNeurons()) {
            Neuron n = make.get();
            n.storeVoltages(true);
            double[] multi = n.forward(x).toDoubleArray();
            double[] vMulti = n.voltageSequence().toDoubleArray();
            n.resetState();
            List<NDArray> s = new ArrayList<>();
            List<NDArray> v = new ArrayList<>();
            for (int t = 0; t < 10; t++) {
                s.add(n.step(x.get(t)));
                v.add(n.voltage());
            }
            String what = n.getClass().getSimpleName();
            assertArrayEquals(multi, NDArrays.stack(new NDList(s)).toDoubleArray(), 0.0, what + " spikes");
            assertArrayEquals(vMulti, NDArrays.stack(new NDList(v)).toDoubleArray(), 0.0, what + " membrane");
            double count = 0;
            for (double d : multi) {
                count += d;
            }
            assertTrue(count > 0 && count < multi.length, what + ": input should give some spikes");

            // streaming: forward over the first half, forwardContinue over the second == one forward
            NDArray first = n.forward(x.get(new NDIndex("0:4")));
            NDArray second = n.forwardContinue(x.get(new NDIndex("4:")));
            assertArrayEquals(multi, first.concat(second, 0).toDoubleArray(), 0.0, what + " forwardContinue");
            // forward starts from a fresh state every call
            assertArrayEquals(multi, n.forward(x).toDoubleArray(), 0.0, what + " forward resets state");
        }
    }

    @Test
    void stepAndForwardGiveTheSameGradients() {
        NDArray x0 = GradCheck.randn(m, 4, 0.8, 1.0, 8, 2, 3);
        NDArray r = GradCheck.randn(m, 5, 0, 1, 8, 2, 3);
        double[][] grads = new double[2][];
        for (int mode = 0; mode < 2; mode++) {
            LifNeuron n = LifNeuron.builder().surrogate(new ATan(2)).build();
            NDArray x = x0.duplicate();
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray s;
                if (mode == 0) {
                    s = n.forward(x);
                } else {
                    List<NDArray> steps = new ArrayList<>();
                    for (int t = 0; t < 8; t++) {
                        steps.add(n.step(x.get(t)));
                    }
                    s = NDArrays.stack(new NDList(steps));
                }
                gc.backward(s.mul(r).sum());
            }
            grads[mode] = x.getGradient().toDoubleArray();
        }
        assertArrayEquals(grads[0], grads[1], 0.0);
    }

    @Test
    void stepRejectsAStateOfAnotherShape() {
        LifNeuron n = LifNeuron.builder().build();
        n.label("lif1");
        n.step(m.zeros(new Shape(2, 3)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> n.step(m.zeros(new Shape(4, 3))));
        assertContains(e, "LifNeuron 'lif1'", "(2, 3)", "resetState");
    }

    // ------------------------------------------------------------------------------------------ bad arguments

    static void assertContains(Throwable e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should contain '" + p + "'");
        }
    }

    private static void assertIae(Executable ex, String... parts) {
        assertContains(assertThrows(IllegalArgumentException.class, ex), parts);
    }

    @Test
    void emptyTimeAxisIsRejected() {
        NDArray empty = m.zeros(new Shape(0, 2, 3));
        for (Supplier<Neuron> make : allNeurons()) {
            Neuron n = make.get();
            String name = n.getClass().getSimpleName();
            assertIae(() -> n.forward(empty), name, "T = 0", "T >= 1");
        }
        LifNeuron lif = LifNeuron.builder().build();
        lif.label("lif2");
        assertIae(() -> lif.forward(m.zeros(new Shape(0, 4))), "LifNeuron 'lif2'", "T = 0");
        assertIae(() -> lif.forward(m.zeros(new Shape(5))), "LifNeuron", "[T, B, ...]", "rank >= 2");
        assertIae(() -> lif.step(m.create(1.0)), "LifNeuron", "[B, ...]");
    }

    @Test
    void badConstructorArgumentsAreRejected() {
        for (double tau : new double[] {1.0, 0.5, 0.0, -2.0, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertIae(() -> LifNeuron.builder().tau(tau).build(), "LifNeuron", "tau", "> 1");
        }
        for (double thr : new double[] {0.0, -1.0, Double.NaN}) {
            assertIae(() -> LifNeuron.builder().threshold(thr).build(), "LifNeuron", "threshold must be > 0");
            assertIae(() -> IfNeuron.builder().threshold(thr).build(), "IfNeuron", "threshold must be > 0");
            assertIae(() -> new SnnTorchLeaky(0.9, SnnTorchLeaky.ResetMechanism.ZERO, thr, new ATan(2)),
                    "SnnTorchLeaky", "threshold must be > 0");
            assertIae(() -> new IirNeuron(m, 1.0, thr, new ATan(2)), "IirNeuron", "threshold");
        }
        assertIae(() -> new IirNeuron(m, 1.0, Double.POSITIVE_INFINITY, new ATan(2)), "IirNeuron", "threshold");
        assertIae(() -> new IirNeuron(m, -0.1, 1.0, new ATan(2)), "IirNeuron", "leak");
        assertIae(() -> ParametricLifNeuron.builder(m).initTau(1.0).build(), "ParametricLifNeuron", "initTau");
        assertIae(() -> new SnnTorchLeaky(1.5, SnnTorchLeaky.ResetMechanism.ZERO), "SnnTorchLeaky", "beta");
        assertIae(() -> LifNeuron.builder().surrogate(null).build(), "LifNeuron", "surrogate");
        assertIae(() -> LifNeuron.builder().hardReset(Double.NaN).build(), "LifNeuron", "v_reset");
        assertIae(() -> new ATan(0), "ATan", "alpha");
        assertIae(() -> new PiecewiseLinear(-1), "PiecewiseLinear", "gamma");
    }

    @Test
    void infiniteThresholdIsAFiniteNonSpikingIntegrator() {
        NDArray x = GradCheck.randn(m, 7, 2.0, 1.0, 6, 2, 3);
        for (Neuron n : new Neuron[] {LifNeuron.builder().softReset().threshold(Double.POSITIVE_INFINITY).build(),
                IfNeuron.builder().threshold(Double.POSITIVE_INFINITY).build(),
                new SnnTorchLeaky(0.9, SnnTorchLeaky.ResetMechanism.SUBTRACT, Double.POSITIVE_INFINITY,
                        new ATan(2))}) {
            n.storeVoltages(true);
            assertEquals(0.0, n.forward(x).sum().toDoubleArray()[0], 0.0);
            for (double v : n.voltageSequence().toDoubleArray()) {
                assertTrue(Double.isFinite(v), n.getClass().getSimpleName() + " membrane must stay finite");
            }
        }
    }
}
