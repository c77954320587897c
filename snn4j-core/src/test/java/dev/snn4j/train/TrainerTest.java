package dev.snn4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.layer.LeakyReadout;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.MeanOverTime;
import dev.snn4j.layer.Sequential;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    static final int T = 8;
    static final int B = 16;
    static final int IN = 20;
    static final int CLASSES = 4;

    static Sequential lifNet(NDManager m) {
        return new Sequential()
                .add("fc1", new Linear(m, IN, 32, true)).add("lif1", LifNeuron.builder().build())
                .add("fc2", new Linear(m, 32, CLASSES, true)).add("lif2", LifNeuron.builder().build())
                .add("out", new MeanOverTime());
    }

    /** A deterministic batch: input [T, B, IN] in [0, 2), labels [B]. */
    static NDArray[] batch(NDManager m, Random r, DataType type) {
        float[] x = new float[T * B * IN];
        for (int i = 0; i < x.length; i++) {
            x[i] = 2 * r.nextFloat();
        }
        int[] y = new int[B];
        for (int i = 0; i < B; i++) {
            y[i] = r.nextInt(CLASSES);
        }
        return new NDArray[] {m.create(x, new Shape(T, B, IN)).toType(type, false), m.create(y)};
    }

    /** (a) 300 iterations of a two-layer LIF net: the number of live arrays does not grow. */
    @Test
    void liveArrayCountStaysFlatOver300Iterations() {
        Init.seed(1);
        try (NDManager m = NDManager.newBaseManager()) {
            Sequential net = lifNet(m);
            Adam opt = Adam.adam(ParamGroup.all(net).lr(1e-2)).amsgrad(true).schedule(LrSchedule.oneCycle(300));
            Trainer trainer = new Trainer(net, opt).clipGradNorm(1.0);
            Random r = new Random(7);
            int after50 = -1;
            int spikes = 0;
            for (int it = 1; it <= 300; it++) {
                try (NDManager data = m.newSubManager()) {
                    NDArray[] xy = batch(data, r, DataType.FLOAT32);
                    Trainer.StepResult res = trainer.step(xy[0], xy[1]);
                    assertEquals(it, res.step());
                    assertTrue(Double.isFinite(res.loss()) && Double.isFinite(res.gradNorm()));
                    spikes += res.loss() < Math.log(CLASSES) - 1e-6 ? 1 : 0;
                }
                if (it == 50) {
                    after50 = m.getManagedArrays().size();
                }
            }
            int after300 = m.getManagedArrays().size();
            // parameters (4) + optimizer state (3 per parameter); nothing per step survives
            assertEquals(4 + 3 * 4, after300, "live arrays after 300 iterations");
            assertEquals(after50, after300, "live arrays after 50 vs 300 iterations");
            assertTrue(spikes > 0, "the net did fire and learn at least a little");
        }
    }

    /**
     * (b) DESIGN.md pitfall 1: a System.gc() forced between forward and backward must not change the gradients,
     * checked against central finite differences in float64.
     */
    @Test
    void gradientsSurviveGcBetweenForwardAndBackward() {
        Init.seed(3);
        try (NDManager m = NDManager.newBaseManager()) {
            Module net = new Sequential()
                    .add("fc", new Linear(m, IN, CLASSES, true))
                    .add("readout", new LeakyReadout(2.0, true))
                    .add("mean", new MeanOverTime())
                    .to(DataType.FLOAT64);
            Adam opt = Adam.adam(ParamGroup.all(net));
            Trainer trainer = new Trainer(net, opt).beforeBackward(() -> {
                for (int i = 0; i < 3; i++) {
                    System.gc();
                }
            });
            NDArray[] xy = batch(m, new Random(11), DataType.FLOAT64);
            trainer.backward(xy[0], xy[1]);
            double h = 1e-6;
            int checked = 0;
            for (Map.Entry<String, Parameter> e : net.trainableParameters().entrySet()) {
                NDArray p = e.getValue().value();
                double[] analytic;
                try (NDArray g = p.getGradient()) {
                    analytic = g.toDoubleArray();
                }
                double[] w = p.toDoubleArray();
                for (int i = 0; i < w.length; i += 7) {
                    double plus = lossWith(trainer, p, w, i, w[i] + h, xy);
                    double minus = lossWith(trainer, p, w, i, w[i] - h, xy);
                    double numeric = (plus - minus) / (2 * h);
                    assertEquals(numeric, analytic[i], 1e-7 + 1e-5 * Math.abs(numeric), e.getKey() + "[" + i + "]");
                    checked++;
                }
                p.set(w); // restore
            }
            assertTrue(checked > 10);
        }
    }

    private static double lossWith(Trainer t, NDArray p, double[] w, int i, double value, NDArray[] xy) {
        double[] v = w.clone();
        v[i] = value;
        p.set(v);
        return t.evaluate(xy[0], xy[1]).loss();
    }

    @Test
    void nonFiniteLossOrGradientStopsWithStepAndName() {
        Init.seed(5);
        try (NDManager m = NDManager.newBaseManager()) {
            Sequential net = lifNet(m);
            Adam opt = Adam.adam(ParamGroup.all(net));
            Trainer trainer = new Trainer(net, opt);
            Random r = new Random(1);
            for (int i = 0; i < 2; i++) {
                NDArray[] xy = batch(m, r, DataType.FLOAT32);
                trainer.step(xy[0], xy[1]);
            }
            // a loss that is finite while fc2.weight's gradient is NaN: d sqrt(0 * w) / dw = 0 / 0
            trainer.loss((out, labels) -> {
                NDArray w = net.namedParameters().get("fc2.weight").value();
                NDArray zeros = out.getManager().zeros(w.getShape());
                return Losses.crossEntropy(out, labels).add(zeros.mul(w).sqrt().sum());
            });
            NDArray[] xy = batch(m, r, DataType.FLOAT32);
            NonFiniteException e = assertThrows(NonFiniteException.class, () -> trainer.step(xy[0], xy[1]));
            assertEquals(3, e.step());
            assertEquals("fc2.weight", e.parameter());
            assertEquals("step 3: parameter 'fc2.weight' has a non-finite gradient: NaN at [0, 0]", e.getMessage());
            trainer.loss((out, labels) -> Losses.crossEntropy(out, labels).div(out.getManager().create(0f)));
            NonFiniteException e2 = assertThrows(NonFiniteException.class, () -> trainer.step(xy[0], xy[1]));
            assertTrue(e2.getMessage().startsWith("step 3: the loss is"), e2.getMessage());
        }
    }
}
