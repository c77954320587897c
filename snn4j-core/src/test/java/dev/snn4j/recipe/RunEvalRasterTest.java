package dev.snn4j.recipe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.layer.Sequential;
import dev.snn4j.neuron.IfNeuron;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RunEvalRasterTest {
    @Test
    void rasterRecordsEachStepsSpikesOfTheShownNeurons() {
        try (NDManager m = NDManager.newBaseManager()) {
            IfNeuron neuron = IfNeuron.builder().threshold(1.0).build();
            Sequential net = new Sequential().add("if1", neuron);
            // [T=3, B=1, 4]: neuron 0 gets 1.5 every step (fires every step), neuron 2 gets 0.6 (fires at t=1)
            NDArray x = m.create(new float[] {1.5f, 0, 0.6f, 0, 1.5f, 0, 0.6f, 0, 1.5f, 0, 0.6f, 0}, new Shape(3, 1, 4));
            Map<String, RunEval.RasterLayer> r = RunEval.raster(net, () -> net.forward(x));
            RunEval.RasterLayer l = r.get("if1");
            assertEquals(4, l.total());
            assertEquals(4, l.shown().length);
            assertEquals("[[0, 0], [1, 0], [1, 2], [2, 0]]",
                    l.spikes().stream().map(java.util.Arrays::toString).toList().toString());
            assertNull(neuron.observer(), "the observer is removed afterwards");
        }
    }
}
