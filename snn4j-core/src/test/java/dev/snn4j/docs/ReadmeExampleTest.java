package dev.snn4j.docs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.encode.PoissonEncoder;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.MeanOverTime;
import dev.snn4j.layer.Sequential;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.surrogate.ATan;
import dev.snn4j.train.Adam;
import dev.snn4j.train.ParamGroup;
import dev.snn4j.train.Trainer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's core-API example, verbatim, so it cannot rot. */
class ReadmeExampleTest {
    @Test
    void readmeExampleRuns() {
        try (NDManager m = NDManager.newBaseManager()) {
            Sequential net = new Sequential()
                    .add("fc1", new Linear(m, 784, 256, true))
                    .add("lif1", LifNeuron.builder().tau(2.0).surrogate(new ATan(2.0)).build())
                    .add("fc2", new Linear(m, 256, 10, true))
                    .add("lif2", LifNeuron.builder().tau(2.0).build())
                    .add("readout", new MeanOverTime());
            Trainer trainer = new Trainer(net, Adam.adam(ParamGroup.all(net).lr(1e-3))).clipGradNorm(1.0);
            NDArray images = m.randomUniform(0f, 1f, new Shape(32, 784));          // [B, 784], values in [0, 1]
            NDArray labels = m.randomInteger(0, 10, new Shape(32), DataType.INT32);
            Trainer.StepResult r = trainer.step(new PoissonEncoder(8).encode(images), labels);   // [T=8, B, 784] in
            assertEquals(1, r.step());
            assertTrue(Double.isFinite(r.loss()) && r.count() == 32);
        }
    }
}
