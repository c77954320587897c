package dev.snn4j.recipe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.snn4j.energy.EnergyFileChecks;
import dev.snn4j.data.Idx;
import dev.snn4j.data.MovingDigits;
import dev.snn4j.delta.DeltaInference;
import dev.snn4j.delta.DeltaSparsity;
import dev.snn4j.layer.Sequential;
import dev.snn4j.nn.Init;
import dev.snn4j.train.Adam;
import dev.snn4j.train.Losses;
import dev.snn4j.train.ParamGroup;
import dev.snn4j.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recipe's model on generated moving digits: trains a step with the sparsity loss, delta path == dense. */
class DeltaRecipeTest {
    @Test
    void oneStepWithSparsityLossThenDeltaInferenceMatchesDense() {
        Init.seed(2);
        byte[] img = new byte[10 * 784];
        byte[] lab = new byte[10];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < img.length; i++) {
            img[i] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : 0);
        }
        for (int i = 0; i < 10; i++) {
            lab[i] = (byte) i;
        }
        MovingDigits md = new MovingDigits(new Idx.Labelled(img, lab, 10, 28, 28), 8,
                MovingDigits.Config.standard(4, 1));
        try (NDManager m = NDManager.newBaseManager()) {
            Sequential model = Delta.model(m, new int[] {1, 64, 64}, 10, 0.05);
            Adam opt = Adam.adam(ParamGroup.all(model).lr(1e-3));
            Trainer t = new Trainer(model, opt).loss(new DeltaSparsity(model, 0.5).plus(Losses::crossEntropy));
            int[] idx = {0, 1, 2, 3};
            try (NDManager bm = m.newSubManager()) {
                Trainer.StepResult s = t.step(md.batch(bm, idx), md.labels(bm, idx));
                assertTrue(Double.isFinite(s.loss()) && s.gradNorm() > 0, s.toString());
            }
            model.eval();
            try (NDManager bm = m.newSubManager()) {
                NDArray x = md.batch(bm, new int[] {4, 5});
                float[] dense = model.forward(x).toFloatArray();
                DeltaInference.Result res = DeltaInference.of(model, 1, 64, 64).run(x, DeltaInference.Mode.DELTA);
                for (int j = 0; j < 2; j++) {
                    for (int o = 0; o < 10; o++) {
                        assertEquals(dense[j * 10 + o], res.readout()[j][o], 1e-3);
                    }
                }
                assertTrue(res.performedMacs() < res.denseMacs());
            }
            opt.close();
        }
    }

    @Test
    void sweepWithFineTuningBuildsControlAndVariantsFromA() {
        Delta.Config cfg = Delta.Config.parse(new String[] {"--data", "moving", "--finetune-epochs", "3",
                "--sweep", "1,4", "--theta-scale", "2"});
        List<Delta.Variant> v = Delta.variants(cfg);
        assertEquals(List.of("a-no-sparsity-loss", "b-sp0-ft3-lr0.0001-ts2", "b-sp1-ft3-lr0.0001-ts2",
                "b-sp4-ft3-lr0.0001-ts2"), v.stream().map(Delta.Variant::name).toList());
        assertTrue(v.subList(1, 4).stream().allMatch(x -> x.from() == v.get(0) && x.epochs() == 3));
        Delta.Config scratch = Delta.Config.parse(new String[] {"--sp", "0.5", "--layer-weights", "4,1,1"});
        assertEquals(List.of("a-no-sparsity-loss", "b-sp0.5-w4_1_1"), Delta.variants(scratch).stream()
                .map(Delta.Variant::name).toList());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Delta.Config.parse(new String[] {"--sweep", "1,x"}));
        assertTrue(e.getMessage().contains("--sp") && e.getMessage().contains("'x'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Delta.Config.parse(new String[] {"--fine", "1"}));
        assertTrue(e.getMessage().contains("unknown options [fine]"), e.getMessage());
    }

    /**
     * End to end on the repository's small Fashion-MNIST: (a), then a fine-tuned control with learning rates 0, which
     * must reproduce (a) exactly (it starts from (a)'s final weights), and a fine-tuned sparsity variant; a second run
     * only evaluates the saved checkpoints.
     */
    @Test
    void fineTunedVariantsStartFromTheFinishedA(@TempDir Path out) throws Exception {
        Path data = Path.of("../data/fashion-mnist-small");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(data), "no " + data);
        String[] args = {"--data", "moving", "--data-dir", data.toString(), "--train", "8", "--test", "4",
                "--frames", "3", "--epochs", "1", "--batch", "4", "--finetune-epochs", "1", "--finetune-lr", "0",
                "--finetune-theta-lr", "0", "--sweep", "2", "--timed", "2", "--out", out.toString()};
        List<Delta.Result> rows = Delta.run(Delta.Config.parse(args));
        assertEquals(3, rows.size());
        Delta.Result a = rows.get(0);
        Delta.Result control = rows.get(1);
        assertEquals(a.accuracy(), control.accuracy());
        a.sparsity().forEach((k, s) -> assertArrayEquals(s, control.sparsity().get(k), 1e-12, k));
        assertTrue(Files.size(out.resolve("moving-results.md")) > 0 && Files.size(out.resolve("moving-sparsity.png")) > 0);
        // energy.json: a runtime table per variant over the 4 test clips; the runtime's delta layers send the
        // non-zero deltas the DJL evaluation counted
        List<Map<String, Object>> energy = EnergyFileChecks.models(out, "delta");
        assertEquals(rows.stream().map(r -> "moving-" + r.variant()).toList(), EnergyFileChecks.names(energy));
        for (int i = 0; i < 3; i++) {
            Map<String, Object> m = energy.get(i);
            EnergyFileChecks.assertConsistent(m);
            assertEquals(4L, m.get("samples"));
            for (Map.Entry<String, double[]> sp : rows.get(i).sparsity().entrySet()) {
                assertEquals(1 - sp.getValue()[0], ((Number) EnergyFileChecks.layer(m, sp.getKey())
                        .get("firing_rate")).doubleValue(), 1e-3, m.get("name") + " " + sp.getKey());
            }
        }
        List<Delta.Result> again = Delta.run(Delta.Config.parse(args));
        for (int i = 0; i < 3; i++) {
            assertEquals(rows.get(i).accuracy(), again.get(i).accuracy(), rows.get(i).variant());
        }
    }
}
