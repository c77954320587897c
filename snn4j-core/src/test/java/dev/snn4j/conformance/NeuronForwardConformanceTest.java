package dev.snn4j.conformance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import dev.snn4j.neuron.IfNeuron;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.neuron.Neuron;
import dev.snn4j.neuron.ParametricLifNeuron;
import dev.snn4j.neuron.SnnTorchLeaky;
import dev.snn4j.surrogate.Sigmoid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Case 1 of the conformance vectors: forward dynamics of SpikingJelly's IF / LIF / PLIF and snnTorch's Leaky on the
 * same input [8, 2, 5], in float64, including the deliberate exact-threshold ties listed in the README.
 */
class NeuronForwardConformanceTest {
    private static final JsonObject REF = Ref.load("case1_neuron_forward.json");

    @BeforeAll
    static void resetDeviations() {
        Ref.Deviations.reset();
    }

    @AfterAll
    static void report() {
        Ref.Deviations.report("case1");
    }

    @Test
    void fileHasTheSevenDocumentedCases() {
        assertEquals(List.of("sj_IFNode", "sj_LIFNode_tau2_decayinput_hard0", "sj_LIFNode_tau2_nodecayinput_hard0",
                "sj_LIFNode_tau2_decayinput_soft", "sj_ParametricLIFNode_inittau2", "snntorch_Leaky_beta0.9_subtract",
                "snntorch_Leaky_beta0.9_zero"), Ref.caseNames(REF));
    }

    @Test
    void sjIfNode() {
        checkSj("sj_IFNode", m -> IfNeuron.builder().surrogate(new Sigmoid(4.0)).build());
    }

    @Test
    void sjLifDecayInputHardReset() {
        checkSj("sj_LIFNode_tau2_decayinput_hard0",
                m -> LifNeuron.builder().tau(2.0).decayInput(true).hardReset(0.0).surrogate(new Sigmoid(4.0)).build());
    }

    @Test
    void sjLifNoDecayInputHardReset() {
        checkSj("sj_LIFNode_tau2_nodecayinput_hard0",
                m -> LifNeuron.builder().tau(2.0).decayInput(false).hardReset(0.0).surrogate(new Sigmoid(4.0)).build());
    }

    @Test
    void sjLifSoftReset() {
        checkSj("sj_LIFNode_tau2_decayinput_soft",
                m -> LifNeuron.builder().tau(2.0).decayInput(true).softReset().surrogate(new Sigmoid(4.0)).build());
    }

    @Test
    void sjParametricLif() {
        checkSj("sj_ParametricLIFNode_inittau2", m -> {
            ParametricLifNeuron n = ParametricLifNeuron.builder(m).initTau(2.0).decayInput(true).hardReset(0.0)
                    .surrogate(new Sigmoid(4.0)).build();
            n.to(DataType.FLOAT64);
            assertEquals(0.0, n.w().value().toDoubleArray()[0], 0.0, "w = -log(initTau - 1)");
            return n;
        });
    }

    @Test
    void snnTorchLeakySubtract() {
        checkSnnTorch("snntorch_Leaky_beta0.9_subtract", SnnTorchLeaky.ResetMechanism.SUBTRACT);
    }

    @Test
    void snnTorchLeakyZero() {
        checkSnnTorch("snntorch_Leaky_beta0.9_zero", SnnTorchLeaky.ResetMechanism.ZERO);
    }

    /** The README's tie outcomes, checked directly on our spikes (H = 1.0 exactly at these points). */
    @Test
    void exactThresholdTies() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = Ref.array(m, REF, "x");
            double[] ifS = IfNeuron.builder().build().forward(x).toDoubleArray();
            double[] lifDi = LifNeuron.builder().decayInput(true).build().forward(x).toDoubleArray();
            double[] lifNoDi = LifNeuron.builder().decayInput(false).build().forward(x).toDoubleArray();
            double[] lifSoft = LifNeuron.builder().softReset().build().forward(x).toDoubleArray();
            ParametricLifNeuron plifN = ParametricLifNeuron.builder(m).build();
            plifN.to(DataType.FLOAT64);
            double[] plif = plifN.forward(x).toDoubleArray();
            double[] st = new SnnTorchLeaky(0.9, SnnTorchLeaky.ResetMechanism.SUBTRACT).forward(x).toDoubleArray();
            // index of (t, b=0, n) in [8, 2, 5]
            int t0n0 = 0;
            int t0n1 = 1;
            int t1n2 = 10 + 2;
            int t1n3 = 10 + 3;
            // (0,0,0) at t=0, x = 1.0: fires in SJ IF and SJ LIF(decay_input=False), not in snnTorch
            assertEquals(1.0, ifS[t0n0]);
            assertEquals(1.0, lifNoDi[t0n0]);
            assertEquals(0.0, st[t0n0]);
            // (0,0,1) at t=0, x = 2.0: fires in SJ LIF(decay_input=True) and PLIF
            assertEquals(1.0, lifDi[t0n1]);
            assertEquals(1.0, plif[t0n1]);
            // (0,0,2) at t=1: IF charges 0.25 + 0.75 = 1.0 exactly
            assertEquals(1.0, ifS[t1n2]);
            // (0,0,3) at t=1: LIF(decay_input) 0.5 + (1.5 - 0.5)/2 = 1.0, also with soft reset and in PLIF
            assertEquals(1.0, lifDi[t1n3]);
            assertEquals(1.0, lifSoft[t1n3]);
            assertEquals(1.0, plif[t1n3]);
        }
    }

    interface Factory {
        Neuron make(NDManager m);
    }

    private static void checkSj(String name, Factory f) {
        JsonObject c = Ref.caseNamed(REF, name);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = Ref.array(m, REF, "x");
            Neuron n = f.make(m);
            assertEquals(c.get("v_init").getAsDouble(), 0.0, 0.0);
            n.storeVoltages(true);
            NDArray s = n.forward(x);
            Ref.assertExact(name + " spikes", Ref.array(m, c, "spikes"), s);
            assertEquals(c.get("spike_count").getAsInt(), (int) s.sum().toDoubleArray()[0], name + " spike count");
            Ref.assertClose(name + " v_before_reset", Ref.array(m, c, "v_before_reset"), n.chargeSequence());
            Ref.assertClose(name + " v_after_reset", Ref.array(m, c, "v_after_reset"), n.voltageSequence());

            // the single-step driver gives the same sequence
            n.resetState();
            List<NDArray> steps = new ArrayList<>();
            for (int t = 0; t < x.getShape().get(0); t++) {
                steps.add(n.step(x.get(t)));
            }
            Ref.assertExact(name + " spikes (step)", Ref.array(m, c, "spikes"), NDArrays.stack(new NDList(steps)));
        }
    }

    private static void checkSnnTorch(String name, SnnTorchLeaky.ResetMechanism mech) {
        JsonObject c = Ref.caseNamed(REF, name);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = Ref.array(m, REF, "x");
            SnnTorchLeaky n = new SnnTorchLeaky(0.9, mech);
            n.storeVoltages(true);
            NDArray s = n.forward(x);
            Ref.assertExact(name + " spikes", Ref.array(m, c, "spikes"), s);
            assertEquals(c.get("spike_count").getAsInt(), (int) s.sum().toDoubleArray()[0], name + " spike count");
            Ref.assertClose(name + " mem", Ref.array(m, c, "mem"), n.chargeSequence());

            n.resetState();
            List<NDArray> resets = new ArrayList<>();
            List<NDArray> mems = new ArrayList<>();
            List<NDArray> spikes = new ArrayList<>();
            for (int t = 0; t < x.getShape().get(0); t++) {
                spikes.add(n.step(x.get(t)));
                resets.add(n.lastResetSignal());
                mems.add(n.lastCharge());
            }
            Ref.assertExact(name + " reset_signal", Ref.array(m, c, "reset_signal"),
                    NDArrays.stack(new NDList(resets)));
            Ref.assertExact(name + " spikes (step)", Ref.array(m, c, "spikes"), NDArrays.stack(new NDList(spikes)));
            Ref.assertClose(name + " mem (step)", Ref.array(m, c, "mem"), NDArrays.stack(new NDList(mems)));
        }
    }
}
