package dev.snn4j.delta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.layer.Conv2d;
import dev.snn4j.layer.DeltaActivation;
import dev.snn4j.layer.DeltaActivation.Granularity;
import dev.snn4j.layer.Flatten;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.MeanOverTime;
import dev.snn4j.layer.Pool2d;
import dev.snn4j.layer.Sequential;
import dev.snn4j.nn.Init;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Delta inference equals the dense forward pass, and skips work exactly where deltas are zero. */
class DeltaInferenceTest {
    private NDManager m;

    @BeforeEach
    void setUp() {
        Init.seed(21);
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private Sequential net(Granularity g, boolean mean) {
        Sequential s = new Sequential()
                .add("conv1", new Conv2d(m, 2, 4, 3, 1, 1, true))
                .add("delta1", new DeltaActivation(m, g, new long[] {4, 8, 8}, 0.05))
                .add("pool1", Pool2d.average(2))
                .add("conv2", new Conv2d(m, 4, 6, 3, 2, 1, true))
                .add("delta2", new DeltaActivation(m, g, new long[] {6, 2, 2}, 0.05))
                .add("flat", new Flatten())
                .add("fc1", new Linear(m, 24, 8, true))
                .add("delta3", new DeltaActivation(m, g, new long[] {8}, 0.05))
                .add("fc2", new Linear(m, 8, 3, true));
        if (mean) {
            s.add("mean", new MeanOverTime());
        }
        s.eval();
        return s;
    }

    /** Sparse frames that persist over time: each pixel switches on/off with small probability per frame. */
    private NDArray video(long seed, int t, int b) {
        Random r = new Random(seed);
        float[] v = new float[t * b * 2 * 64];
        for (int j = 0; j < b; j++) {
            for (int p = 0; p < 128; p++) {
                float cur = r.nextDouble() < 0.3 ? (float) r.nextDouble() : 0f;
                for (int f = 0; f < t; f++) {
                    if (r.nextDouble() < 0.15) {
                        cur = r.nextDouble() < 0.5 ? 0f : (float) r.nextDouble();
                    }
                    v[(f * b + j) * 128 + p] = cur;
                }
            }
        }
        return m.create(v, new Shape(t, b, 2, 8, 8));
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void deltaAndDenseModesEqualTheModelForward() {
        for (Granularity g : Granularity.values()) {
            Sequential net = net(g, true);
            NDArray x = video(3, 7, 3);
            float[] dense = net.forward(x).toFloatArray();   // [B, 3]
            DeltaInference inf = DeltaInference.of(net, 2, 8, 8);
            for (DeltaInference.Mode mode : DeltaInference.Mode.values()) {
                DeltaInference.Result r = inf.run(x, mode);
                float[] got = new float[dense.length];
                for (int j = 0; j < 3; j++) {
                    System.arraycopy(r.readout()[j], 0, got, j * 3, 3);
                }
                assertTrue(maxAbsDiff(dense, got) < 1e-4, g + " " + mode + ": max |diff| " + maxAbsDiff(dense, got));
            }
            DeltaInference.Result delta = inf.run(x, DeltaInference.Mode.DELTA);
            DeltaInference.Result full = inf.run(x, DeltaInference.Mode.DENSE);
            assertEquals(full.denseMacs(), delta.denseMacs());
            assertTrue(delta.performedMacs() < full.performedMacs(), "deltas must save work: " + delta.performedMacs()
                    + " vs " + full.performedMacs());
            assertTrue(full.performedMacs() <= full.denseMacs());
        }
    }

    @Test
    void sequenceOutputEqualsModelForwardPerFrame() {
        Sequential net = net(Granularity.CHANNEL, false);
        NDArray x = video(4, 5, 2);
        float[] dense = net.forward(x).toFloatArray();   // [T, B, 3]
        DeltaInference.Result r = DeltaInference.of(net, 2, 8, 8).run(x, DeltaInference.Mode.DELTA);
        for (int f = 0; f < 5; f++) {
            for (int j = 0; j < 2; j++) {
                for (int o = 0; o < 3; o++) {
                    assertEquals(dense[(f * 2 + j) * 3 + o], r.sequence()[j][f][o], 1e-4);
                }
            }
        }
    }

    @Test
    void constantVideoCostsNothingAfterTheFirstFrame() {
        Sequential net = net(Granularity.CHANNEL, true);
        NDArray one = video(5, 1, 1);
        NDArray still = one.repeat(0, 6);   // [6, 1, 2, 8, 8], every frame the same
        DeltaInference inf = DeltaInference.of(net, 2, 8, 8);
        long first = inf.run(one, DeltaInference.Mode.DELTA).performedMacs();
        DeltaInference.Result r = inf.run(still, DeltaInference.Mode.DELTA);
        double[] s = inf.deltaLayerSparsity().get("delta1");
        assertTrue(s[0] > 5.0 / 6 - 1e-9, "at most the first frame's deltas are non-zero: " + s[0]);
        assertEquals(first, r.performedMacs());
        assertEquals(6 * inf.run(one, DeltaInference.Mode.DELTA).denseMacs(), r.denseMacs());
        // exact dense count of the Linear layers: in * out per frame
        DeltaInference.LayerOps fc1 = r.layers().get(2);
        assertEquals("fc1", fc1.layer());
        assertEquals(6L * 24 * 8, fc1.denseMacs());
        // conv1 (3x3, pad 1, 8x8, 2->4): taps inside the image = (8*3-2)^2 = 484 per channel pair
        assertEquals(6L * 484 * 2 * 4, r.layers().get(0).denseMacs());
    }

    @Test
    void unsupportedModulesAreNamed() {
        Sequential s = new Sequential()
                .add("conv1", new Conv2d(m, 2, 4, 3, 1, 1, true))
                .add("delta1", new DeltaActivation(m, Granularity.CHANNEL, new long[] {4, 8, 8}, 0.05))
                .add("pool1", Pool2d.max(2))
                .add("flat", new Flatten())
                .add("fc", new Linear(m, 64, 3, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeltaInference.of(s, 2, 8, 8));
        assertTrue(e.getMessage().contains("pool1") && e.getMessage().contains("max pooling"), e.getMessage());
    }
}
