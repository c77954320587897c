package dev.snn4j.conformance;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.MeanOverTime;
import dev.snn4j.layer.Sequential;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.nn.Tensors;
import dev.snn4j.surrogate.ATan;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Case 4: SpikingJelly's 2-layer network Linear(6,5) -> LIF -> Linear(5,3) -> LIF, mean over time, cross entropy,
 * T=8, B=2: every intermediate, the loss, every weight gradient and the input gradient.
 */
class NetworkConformanceTest {
    private static final JsonObject REF = Ref.load("case4_network_sj.json");

    @BeforeAll
    static void resetDeviations() {
        Ref.Deviations.reset();
    }

    @AfterAll
    static void report() {
        Ref.Deviations.report("case4");
    }

    @Test
    void twoLayerNetwork() {
        try (NDManager m = NDManager.newBaseManager()) {
            Linear fc1 = new Linear(m, 6, 5, true);
            LifNeuron lif1 = LifNeuron.builder().tau(2.0).decayInput(true).threshold(1.0).hardReset(0.0)
                    .detachReset(false).surrogate(new ATan(2.0)).build();
            Linear fc2 = new Linear(m, 5, 3, true);
            LifNeuron lif2 = LifNeuron.builder().tau(2.0).decayInput(true).threshold(1.0).hardReset(0.0)
                    .detachReset(false).surrogate(new ATan(2.0)).build();
            Sequential net = new Sequential().add("fc1", fc1).add("lif1", lif1).add("fc2", fc2).add("lif2", lif2)
                    .add("mean", new MeanOverTime());
            net.to(DataType.FLOAT64);
            Map<String, dev.snn4j.nn.Parameter> params = net.namedParameters();
            assertEquals(java.util.Set.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), params.keySet());
            for (String k : params.keySet()) {
                params.get(k).copyFrom(Ref.array(m, REF, k));
            }
            lif1.storeVoltages(true);
            lif2.storeVoltages(true);

            NDArray x = Ref.array(m, REF, "x");
            x.setRequiresGradient(true);
            double[] labels = Ref.values(REF.get("labels"));
            int b = REF.get("B").getAsInt();
            double[] oneHot = new double[b * 3];
            for (int i = 0; i < b; i++) {
                oneHot[i * 3 + (int) labels[i]] = 1.0;
            }
            NDArray target = m.create(oneHot, new ai.djl.ndarray.types.Shape(b, 3));

            NDArray fc1Out;
            NDArray s1;
            NDArray fc2Out;
            NDArray s2;
            NDArray meanOut;
            double loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                // the same modules Sequential chains, called one by one to see the intermediates
                fc1Out = fc1.forward(x);
                s1 = lif1.forward(fc1Out);
                fc2Out = fc2.forward(s1);
                s2 = lif2.forward(fc2Out);
                meanOut = s2.mean(new int[] {0});
                // cross_entropy(mean_out, labels), mean reduction
                NDArray l = Tensors.div(meanOut.logSoftmax(1).mul(target).sum().neg(), b);
                loss = l.toDoubleArray()[0];
                System.gc();
                gc.backward(l);
            }
            Ref.assertClose("case4 fc1_out", Ref.array(m, REF, "fc1_out"), fc1Out);
            Ref.assertExact("case4 lif1_spikes", Ref.array(m, REF, "lif1_spikes"), s1);
            Ref.assertClose("case4 lif1_v_after_reset", Ref.array(m, REF, "lif1_v_after_reset"),
                    lif1.voltageSequence());
            Ref.assertClose("case4 fc2_out", Ref.array(m, REF, "fc2_out"), fc2Out);
            Ref.assertExact("case4 lif2_spikes", Ref.array(m, REF, "lif2_spikes"), s2);
            Ref.assertClose("case4 lif2_v_after_reset", Ref.array(m, REF, "lif2_v_after_reset"),
                    lif2.voltageSequence());
            Ref.assertClose("case4 mean_out", Ref.array(m, REF, "mean_out"), meanOut);
            Ref.assertClose("case4 loss", REF.get("loss").getAsDouble(), loss);
            for (String k : params.keySet()) {
                try (NDArray g = params.get(k).value().getGradient()) {
                    Ref.assertClose("case4 grad." + k, Ref.array(m, REF, "grad." + k), g);
                }
            }
            try (NDArray gx = x.getGradient()) {
                Ref.assertClose("case4 grad.x", Ref.array(m, REF, "grad.x"), gx);
            }

            // Sequential.forward gives the same output as the chain above
            Ref.assertClose("case4 Sequential mean_out", Ref.array(m, REF, "mean_out"), net.forward(x.stopGradient()));
        }
    }
}
