package dev.snn4j.conformance;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import dev.snn4j.neuron.IfNeuron;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.neuron.Neuron;
import dev.snn4j.neuron.ParametricLifNeuron;
import dev.snn4j.neuron.SnnTorchLeaky;
import dev.snn4j.surrogate.ATan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Case 3: backpropagation through time through one neuron layer, loss {@code sum(spikes * r)} over [8, 2, 5]:
 * spikes, loss, dloss/dx, the membrane after reset, PLIF's dloss/dw, and snnTorch's Leaky (reset always detached).
 */
class BpttConformanceTest {
    private static final JsonObject REF = Ref.load("case3_bptt.json");

    @BeforeAll
    static void resetDeviations() {
        Ref.Deviations.reset();
    }

    @AfterAll
    static void report() {
        Ref.Deviations.report("case3");
    }

    @Test
    void everyCaseInTheFileIsCovered() {
        assertEquals(List.of("sj_LIFNode_tau2_decayinput_hard0_ATan2_detachFalse",
                "sj_LIFNode_tau2_decayinput_hard0_ATan2_detachTrue",
                "sj_ParametricLIFNode_inittau2_hard0_ATan2_detachFalse",
                "sj_ParametricLIFNode_inittau2_hard0_ATan2_detachTrue",
                "sj_LIFNode_tau2_decayinput_soft_ATan2_detachFalse",
                "sj_LIFNode_tau2_nodecayinput_hard0_ATan2_detachFalse", "sj_IFNode_hard0_ATan2_detachFalse",
                "snntorch_Leaky_beta0.9_subtract_atan2", "snntorch_Leaky_beta0.9_zero_atan2"), Ref.caseNames(REF));
    }

    @Test
    void lifHardResetNotDetached() {
        check("sj_LIFNode_tau2_decayinput_hard0_ATan2_detachFalse", m -> LifNeuron.builder().tau(2.0)
                .decayInput(true).hardReset(0.0).surrogate(new ATan(2.0)).detachReset(false).build());
    }

    @Test
    void lifHardResetDetached() {
        check("sj_LIFNode_tau2_decayinput_hard0_ATan2_detachTrue", m -> LifNeuron.builder().tau(2.0)
                .decayInput(true).hardReset(0.0).surrogate(new ATan(2.0)).detachReset(true).build());
    }

    @Test
    void plifNotDetached() {
        check("sj_ParametricLIFNode_inittau2_hard0_ATan2_detachFalse", m -> ParametricLifNeuron.builder(m)
                .initTau(2.0).decayInput(true).hardReset(0.0).surrogate(new ATan(2.0)).detachReset(false).build());
    }

    @Test
    void plifDetached() {
        check("sj_ParametricLIFNode_inittau2_hard0_ATan2_detachTrue", m -> ParametricLifNeuron.builder(m)
                .initTau(2.0).decayInput(true).hardReset(0.0).surrogate(new ATan(2.0)).detachReset(true).build());
    }

    @Test
    void lifSoftReset() {
        check("sj_LIFNode_tau2_decayinput_soft_ATan2_detachFalse", m -> LifNeuron.builder().tau(2.0)
                .decayInput(true).softReset().surrogate(new ATan(2.0)).detachReset(false).build());
    }

    @Test
    void lifNoDecayInput() {
        check("sj_LIFNode_tau2_nodecayinput_hard0_ATan2_detachFalse", m -> LifNeuron.builder().tau(2.0)
                .decayInput(false).hardReset(0.0).surrogate(new ATan(2.0)).detachReset(false).build());
    }

    @Test
    void ifNode() {
        check("sj_IFNode_hard0_ATan2_detachFalse",
                m -> IfNeuron.builder().hardReset(0.0).surrogate(new ATan(2.0)).detachReset(false).build());
    }

    @Test
    void snnTorchSubtract() {
        check("snntorch_Leaky_beta0.9_subtract_atan2",
                m -> new SnnTorchLeaky(0.9, SnnTorchLeaky.ResetMechanism.SUBTRACT, 1.0, new ATan(2.0)));
    }

    @Test
    void snnTorchZero() {
        check("snntorch_Leaky_beta0.9_zero_atan2",
                m -> new SnnTorchLeaky(0.9, SnnTorchLeaky.ResetMechanism.ZERO, 1.0, new ATan(2.0)));
    }

    private static void check(String name, Function<NDManager, Neuron> factory) {
        JsonObject c = Ref.caseNamed(REF, name);
        try (NDManager m = NDManager.newBaseManager()) {
            Neuron n = factory.apply(m);
            n.to(DataType.FLOAT64);
            n.storeVoltages(true);
            NDArray x = Ref.array(m, REF, "x");
            NDArray r = Ref.array(m, REF, "r");
            x.setRequiresGradient(true);
            NDArray spikes;
            double loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                spikes = n.forward(x);
                NDArray l = spikes.mul(r).sum();
                loss = l.toDoubleArray()[0];
                System.gc();
                gc.backward(l);
            }
            Ref.assertExact(name + " spikes", Ref.array(m, c, "spikes"), spikes);
            assertEquals(c.get("spike_count").getAsInt(), (int) spikes.sum().toDoubleArray()[0]);
            Ref.assertClose(name + " loss", c.get("loss").getAsDouble(), loss);
            try (NDArray g = x.getGradient()) {
                Ref.assertClose(name + " grad_x", Ref.array(m, c, "grad_x"), g);
            }
            if (c.has("v_after_reset")) {
                Ref.assertClose(name + " v_after_reset", Ref.array(m, c, "v_after_reset"), n.voltageSequence());
            }
            if (c.has("mem")) {
                Ref.assertClose(name + " mem", Ref.array(m, c, "mem"), n.chargeSequence());
            }
            if (c.has("grad_w")) {
                ParametricLifNeuron p = (ParametricLifNeuron) n;
                assertEquals(c.get("w").getAsDouble(), p.w().value().toDoubleArray()[0], 0.0);
                try (NDArray gw = p.w().value().getGradient()) {
                    Ref.assertClose(name + " grad_w", c.get("grad_w").getAsDouble(), gw.toDoubleArray()[0]);
                }
            }
        }
    }
}
