package dev.snn4j.model.spikegpt;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.snn4j.GradCheck;
import dev.snn4j.GradCheck.Var;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Parameter;
import dev.snn4j.train.Adam;
import dev.snn4j.train.GradClip;
import dev.snn4j.train.ParamGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SpikeGPT model: both modes agree, the twin, weights on disk, gradients, and a tiny overfitting run. */
class SpikeGptTest {
    private NDManager m;

    @BeforeEach
    void setUp() {
        Init.seed(7);
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private NDArray randomTokens(long seed, int vocab, int t, int b) {
        Random r = new Random(seed);
        long[] v = new long[t * b];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(vocab);
        }
        return m.create(v, new Shape(t, b));
    }

    /** Random weights big enough that the LIFs fire (the default init makes the mixes small). */
    private static void randomise(SpikeGpt gpt, long seed) {
        randomise(gpt, seed, 3.0);
    }

    private static void randomise(SpikeGpt gpt, long seed, double gain) {
        Random r = new Random(seed);
        for (Map.Entry<String, Parameter> e : gpt.namedParameters().entrySet()) {
            if (e.getKey().contains("time_") || e.getKey().contains("ln")) {
                continue;
            }
            NDArray p = e.getValue().value();
            Shape s = p.getShape();
            double scale = gain / Math.sqrt(s.get(s.dimension() - 1));
            double[] v = new double[(int) s.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextGaussian() * (e.getKey().startsWith("emb") ? 1.0 : scale);
            }
            try (NDArray a = p.getManager().create(v, s)) {
                e.getValue().copyFrom(a);
            }
        }
    }

    private void recurrentMatchesParallel(SpikeGptConfig cfg) {
        SpikeGpt gpt = new SpikeGpt(m, cfg);
        gpt.to(DataType.FLOAT64);
        randomise(gpt, 1);
        gpt.record(true);
        int t = 11;
        NDArray tokens = randomTokens(2, cfg.vocabSize(), t, 3);
        NDArray parallel = gpt.forward(tokens);
        if (cfg.spiking()) {
            double rate = gpt.blocks().get(1).recorded()[1].mean().getDouble();
            assertTrue(rate > 0.05 && rate < 0.95, "LIF1 of block 1 should fire sometimes, rate " + rate);
        }
        double worst = 0;
        try (SpikeGpt.State s = gpt.newState(m)) {
            for (int i = 0; i < t; i++) {
                NDArray step = gpt.step(tokens.get(i), s);
                double[] e = parallel.get(i).toDoubleArray();
                double[] a = step.toDoubleArray();
                for (int j = 0; j < e.length; j++) {
                    worst = Math.max(worst, Math.abs(e[j] - a[j]));
                }
                step.close();
            }
        }
        System.out.printf(Locale.ROOT, "[spikegpt] recurrent vs parallel (%s): max abs diff %.3g%n",
                cfg.spiking() ? "spiking" : "twin", worst);
        assertTrue(worst < 1e-12, "recurrent vs parallel max abs diff " + worst);
    }

    @Test
    void recurrentModeEqualsParallelModeSpiking() {
        recurrentMatchesParallel(SpikeGptConfig.of(13, 8, 3).withWkvChunk(4));
    }

    @Test
    void recurrentModeEqualsParallelModeNonSpikingTwin() {
        recurrentMatchesParallel(SpikeGptConfig.of(13, 8, 3).nonSpiking().withWkvChunk(5));
    }

    @Test
    void twinHasTheSameParametersAndDiffersOnlyInSpikes() {
        SpikeGpt snn = new SpikeGpt(m, SpikeGptConfig.of(7, 8, 2));
        SpikeGpt ann = new SpikeGpt(m, SpikeGptConfig.of(7, 8, 2).nonSpiking());
        assertEquals(List.copyOf(snn.namedParameters().keySet()), List.copyOf(ann.namedParameters().keySet()));
        snn.namedParameters().forEach((k, p) ->
                assertEquals(p.value().getShape(), ann.namedParameters().get(k).value().getShape(), k));
        NDArray x = snn.embed(randomTokens(3, 7, 4, 2));
        double[] v = x.toType(DataType.FLOAT64, false).toDoubleArray();
        for (double d : v) {
            assertTrue(d == 0.0 || d == 1.0, "binary embedding");
        }
        // emb + head 2 V d; per block: 2 LN (4d), time_decay/first (2d), 5 mixes (5d), 4 d^2 att, 9 d^2 ffn; ln0, ln_out
        long d = 8;
        assertEquals(2 * 7 * d + 2 * (11 * d + 13 * d * d) + 4 * d, snn.parameterCount());
    }

    @Test
    void trainingAndGenerationStepsDoNotPileUpArrays() {
        try (NDManager params = NDManager.newBaseManager(); NDManager batches = NDManager.newBaseManager()) {
            SpikeGpt gpt = new SpikeGpt(params, SpikeGptConfig.of(9, 8, 2).withWkvChunk(3));
            Adam opt = Adam.adam(ParamGroup.all(gpt).lr(1e-3));
            int[] counts = new int[2];
            for (int step = 0; step < 8; step++) {
                // a sub-manager per batch, no NDScope: results owned by the parameters' manager would pile up
                try (NDManager batch = batches.newSubManager();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray x = batch.create(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 0, 1}, new Shape(5, 2));
                    NDArray l = SpikeGpt.loss(gpt.forward(x), x);
                    gc.backward(l);
                }
                GradClip.clipGlobalNorm(gpt.trainableParameters(), 1.0);
                opt.step();
                if (step == 2) {
                    counts[0] = params.getManagedArrays().size() + batches.getManagedArrays().size();
                }
            }
            counts[1] = params.getManagedArrays().size() + batches.getManagedArrays().size();
            assertEquals(counts[0], counts[1], "arrays left behind by training steps");
            opt.close();
            try (SpikeGpt.State s = gpt.newState(batches)) {
                NDArray token = batches.create(new long[] {3, 4});
                for (int i = 0; i < 6; i++) {
                    gpt.step(token, s).close();
                    if (i == 1) {
                        counts[0] = params.getManagedArrays().size() + batches.getManagedArrays().size();
                    }
                }
                counts[1] = params.getManagedArrays().size() + batches.getManagedArrays().size();
                assertEquals(counts[0], counts[1], "arrays left behind by generation steps");
            }
        }
    }

    @Test
    void dropoutActsOnlyInTrainingMode() {
        Init.seed(5);
        SpikeGpt plain = new SpikeGpt(m, SpikeGptConfig.of(9, 8, 2).nonSpiking());
        Init.seed(5);
        SpikeGpt dropped = new SpikeGpt(m, SpikeGptConfig.of(9, 8, 2).nonSpiking().withDropout(0.5));
        NDArray tokens = randomTokens(6, 9, 5, 2);
        NDArray reference = plain.forward(tokens);
        assertTrue(!reference.allClose(dropped.forward(tokens)), "training mode drops");
        dropped.eval();
        assertEquals(reference, dropped.forward(tokens));
        assertThrows(IllegalArgumentException.class, () -> SpikeGptConfig.of(9, 8, 2).withDropout(1.0));
    }

    @Test
    void weightsRoundTripAndMismatchesAreNamed(@TempDir Path dir) throws Exception {
        SpikeGpt a = new SpikeGpt(m, SpikeGptConfig.of(9, 8, 2));
        Path f = dir.resolve("gpt.safetensors");
        a.save(f);
        Init.seed(99);
        SpikeGpt b = new SpikeGpt(m, SpikeGptConfig.of(9, 8, 2));
        b.load(f);
        a.namedParameters().forEach((k, p) -> assertEquals(p.value(), b.namedParameters().get(k).value(), k));
        dev.snn4j.train.CheckpointFormatException wide = assertThrows(
                dev.snn4j.train.CheckpointFormatException.class,
                () -> new SpikeGpt(m, SpikeGptConfig.of(9, 16, 2)).load(f));
        assertTrue(wide.getMessage().contains("blocks.0.att.time_decay: file (8) vs model (16)"), wide.getMessage());
        assertTrue(wide.getMessage().contains("d 16"), wide.getMessage());
        dev.snn4j.train.CheckpointFormatException deep = assertThrows(
                dev.snn4j.train.CheckpointFormatException.class, () -> new SpikeGpt(m, SpikeGptConfig.of(9, 8, 3)).load(f));
        assertTrue(deep.getMessage().contains("missing [blocks.2.ln1.weight"), deep.getMessage());
    }

    @Test
    void nonSpikingTwinGradientsMatchFiniteDifferences() {
        SpikeGpt gpt = new SpikeGpt(m, SpikeGptConfig.of(6, 4, 2).nonSpiking().withWkvChunk(3));
        gpt.to(DataType.FLOAT64);
        randomise(gpt, 4, 1.0);
        NDArray tokens = randomTokens(5, 6, 7, 2);
        GradCheck gc = new GradCheck(m).maxPerVar(2);
        List<Var> vars = new ArrayList<>();
        gpt.trainableParameters().forEach((k, p) -> vars.add(gc.param(k, p)));
        gc.check("SpikeGpt twin (6, 4, 2), T 7", () -> GradCheck.weightedSum(gpt.forward(tokens), 8),
                vars.toArray(new Var[0]));
    }

    @Test
    void l2WrapAddsItsGradientAtTheArgmaxOnly() {
        NDArray logits = m.create(new double[] {1, 3, 2, -1, -2, -0.5}, new Shape(1, 2, 3));
        NDArray targets = m.create(new long[] {0, 2}, new Shape(1, 2));
        logits.setRequiresGradient(true);
        NDArray grad;
        double loss;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = SpikeGpt.loss(logits, targets);
            loss = l.getDouble();
            gc.backward(l);
        }
        grad = logits.getGradient();
        double[] g = grad.toDoubleArray();
        double[] x = {1, 3, 2, -1, -2, -0.5};
        int[] tg = {0, 2};
        int[] argmax = {1, 5};
        double ce = 0;
        for (int r = 0; r < 2; r++) {
            double z = 0;
            for (int j = 0; j < 3; j++) {
                z += Math.exp(x[r * 3 + j]);
            }
            ce += (Math.log(z) - x[r * 3 + tg[r]]) / 2;
            for (int j = 0; j < 3; j++) {
                double expect = (Math.exp(x[r * 3 + j]) / z - (j == tg[r] ? 1 : 0)) / 2;
                if (r * 3 + j == argmax[r]) {
                    expect += 1e-4 / 2 * x[r * 3 + j];
                }
                assertEquals(expect, g[r * 3 + j], 1e-15);
            }
        }
        assertEquals(ce, loss, 1e-15);
    }

    @Test
    void tinyModelOverfitsARepeatedSequence() {
        String text = "spiking neurons talk in spikes. ";
        String alphabet = "abcdefghijklmnopqrstuvwxyz .";
        int t = 12;
        int b = 2;
        SpikeGpt gpt = new SpikeGpt(m, SpikeGptConfig.of(alphabet.length(), 24, 2));
        Adam opt = Adam.adam(ParamGroup.all(gpt).lr(3e-3)).betas(0.9, 0.99);
        Random r = new Random(1);
        double first = 0;
        double last = 0;
        for (int step = 0; step < 100; step++) {
            long[] in = new long[t * b];
            long[] out = new long[t * b];
            for (int j = 0; j < b; j++) {
                int off = r.nextInt(text.length());
                for (int i = 0; i < t; i++) {
                    in[i * b + j] = alphabet.indexOf(text.charAt((off + i) % text.length()));
                    out[i * b + j] = alphabet.indexOf(text.charAt((off + i + 1) % text.length()));
                }
            }
            double loss;
            try (NDScope scope = new NDScope();
                 GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray x = m.create(in, new Shape(t, b));
                NDArray y = m.create(out, new Shape(t, b));
                NDArray l = SpikeGpt.loss(gpt.forward(x), y);
                loss = l.getFloat();
                gc.backward(l);
            }
            GradClip.clipGlobalNorm(gpt.trainableParameters(), 1.0);
            opt.step();
            if (step < 5) {
                first += loss / 5;
            }
            if (step >= 95) {
                last += loss / 5;
            }
        }
        opt.close();
        System.out.printf(Locale.ROOT, "[spikegpt] overfit: mean loss steps 0-4 %.3f, steps 95-99 %.3f%n", first,
                last);
        assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
    }
}
