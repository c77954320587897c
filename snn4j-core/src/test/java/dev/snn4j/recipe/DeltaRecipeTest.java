package dev.snn4j.recipe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
