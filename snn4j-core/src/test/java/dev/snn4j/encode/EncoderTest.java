package dev.snn4j.encode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Init;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Poisson rates, latency spike times, direct repetition, and argument validation of the encoders. */
class EncoderTest {
    private NDManager m;

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    @Test
    void poissonRateFollowsTheInput() {
        int t = 4000;
        double[] x = {-0.3, 0.0, 0.05, 0.25, 0.5, 0.9, 1.0, 1.7};
        double[] want = {0, 0, 0.05, 0.25, 0.5, 0.9, 1, 1};
        Init.seed(2024);
        NDArray in = m.create(x, new Shape(2, 4));
        NDArray s = new PoissonEncoder(t).encode(in);
        assertEquals(new Shape(t, 2, 4), s.getShape());
        assertEquals(DataType.FLOAT64, s.getDataType());
        double[] v = s.toDoubleArray();
        double[] rate = new double[x.length];
        long[] count = new long[x.length];
        for (int i = 0; i < v.length; i++) {
            assertTrue(v[i] == 0.0 || v[i] == 1.0, "binary spikes");
            count[i % x.length] += (long) v[i];
        }
        for (int j = 0; j < x.length; j++) {
            rate[j] = count[j] / (double) t;
        }
        for (int j = 0; j < x.length; j++) {
            if (want[j] == 0 || want[j] == 1) {
                assertEquals(want[j], rate[j], 0.0, "rate of clipped/extreme input " + x[j]);
            } else {
                // std of the rate <= 0.008 at T=4000; 0.03 is > 3.5 sigma
                assertEquals(want[j], rate[j], 0.03, "rate of input " + x[j]);
            }
        }
        // seeded: the same draw again
        Init.seed(2024);
        assertArrayEquals(v, new PoissonEncoder(t).encode(in).toDoubleArray(), 0.0);
    }

    @Test
    void latencyGivesExactSpikeTimesAndOneSpikePerActiveUnit() {
        int t = 10;
        // t = round((1 - x) * 9): 1 -> 0, 0.2 -> 7.2 -> 7, 0.75 -> 2.25 -> 2, 0.05 -> 8.55 -> 9; 0 and below silent
        double[] x = {1.0, 0.2, 0.75, 0.05, 0.0, -1.0, 2.0, 0.5 + 1e-9};
        int[] want = {0, 7, 2, 9, -1, -1, 0, 4};
        checkLatency(new LatencyEncoder(t, 0.0), x, want, t);
        // with threshold 0.2: x' = (x - 0.2)/0.8; 0.68 -> x' 0.6 -> 3.6 -> 4; 0.25 -> 0.0625 -> 8.4375 -> 8
        double[] x2 = {0.68, 0.25, 0.2, 0.1, 1.0};
        int[] want2 = {4, 8, -1, -1, 0};
        checkLatency(new LatencyEncoder(t, 0.2), x2, want2, t);
    }

    private void checkLatency(LatencyEncoder enc, double[] x, int[] want, int t) {
        NDArray s = enc.encode(m.create(x, new Shape(1, x.length)));
        assertEquals(new Shape(t, 1, x.length), s.getShape());
        double[] v = s.toDoubleArray();
        for (int j = 0; j < x.length; j++) {
            int count = 0;
            int time = -1;
            for (int k = 0; k < t; k++) {
                double e = v[k * x.length + j];
                assertTrue(e == 0.0 || e == 1.0);
                if (e == 1.0) {
                    count++;
                    time = k;
                }
            }
            assertEquals(want[j] < 0 ? 0 : 1, count, "number of spikes for x = " + x[j]);
            assertEquals(want[j], time, "spike time for x = " + x[j]);
        }
    }

    @Test
    void directRepeatsTheInput() {
        NDArray x = m.create(new double[] {0.1, -2, 3, 4.5, 5, 6}, new Shape(2, 3));
        NDArray y = new DirectEncoder(4).encode(x);
        assertEquals(new Shape(4, 2, 3), y.getShape());
        for (int k = 0; k < 4; k++) {
            assertArrayEquals(x.toDoubleArray(), y.get(k).toDoubleArray(), 0.0);
        }
        assertEquals(4, new DirectEncoder(4).timeSteps());
    }

    private static void assertIae(Executable ex, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ex);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should contain '" + p + "'");
        }
    }

    @Test
    void badArgumentsAreRejected() {
        for (int t : new int[] {0, -1}) {
            assertIae(() -> new PoissonEncoder(t), "PoissonEncoder", "time steps must be >= 1");
            assertIae(() -> new LatencyEncoder(t, 0.0), "LatencyEncoder", "time steps must be >= 1");
            assertIae(() -> new DirectEncoder(t), "DirectEncoder", "time steps must be >= 1");
        }
        assertIae(() -> new LatencyEncoder(5, 1.0), "LatencyEncoder", "threshold");
        assertIae(() -> new LatencyEncoder(5, -0.1), "LatencyEncoder", "threshold");
        assertIae(() -> new PoissonEncoder(5).encode(m.create(0.5)), "PoissonEncoder", "[B, ...]");
        assertIae(() -> new DirectEncoder(5).encode(m.create(0.5)), "DirectEncoder", "[B, ...]");
        assertIae(() -> new LatencyEncoder(5, 0).encode(m.create(0.5)), "LatencyEncoder", "[B, ...]");
    }
}
