package dev.snn4j.energy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.Sequential;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.neuron.Neuron;
import dev.snn4j.nn.Init;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FiringRateMonitorTest {
    @Test
    void ratesPerLayerMatchTheSpikesAndDetachRemovesObservers() {
        Init.seed(4);
        try (NDManager m = NDManager.newBaseManager()) {
            Linear fc1 = new Linear(m, 6, 10, true);
            LifNeuron lif1 = LifNeuron.builder().build();
            Linear fc2 = new Linear(m, 10, 3, true);
            LifNeuron lif2 = LifNeuron.builder().tau(1.5).build();
            Sequential inner = new Sequential().add("fc2", fc2).add("lif2", lif2);
            Sequential net = new Sequential().add("fc1", fc1).add("lif1", lif1).add("block", inner);
            float[] x = new float[5 * 4 * 6];
            Random r = new Random(2);
            for (int i = 0; i < x.length; i++) {
                x[i] = 3 * r.nextFloat();
            }
            NDArray input = m.create(x, new Shape(5, 4, 6));
            Map<String, Double> rates;
            Map<String, Long> elements;
            try (FiringRateMonitor mon = FiringRateMonitor.attach(net)) {
                net.forward(input);
                net.forward(input); // counts accumulate over calls
                rates = mon.rates();
                elements = mon.elements();
            }
            assertEquals(List.of("lif1", "block.lif2"), List.copyOf(rates.keySet()));
            assertEquals(2L * 5 * 4 * 10, elements.get("lif1"));
            assertEquals(2L * 5 * 4 * 3, elements.get("block.lif2"));
            for (Neuron n : List.of(lif1, lif2)) {
                assertNull(n.observer(), "detached");
            }
            NDArray s1 = lif1.forward(fc1.forward(input));
            NDArray s2 = lif2.forward(fc2.forward(s1));
            assertEquals(s1.mean().getFloat(), rates.get("lif1"), 1e-6);
            assertEquals(s2.mean().getFloat(), rates.get("block.lif2"), 1e-6);
            assertTrue(rates.get("lif1") > 0 && rates.get("lif1") < 1, "a meaningful rate: " + rates);
        }
    }
}
