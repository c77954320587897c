package dev.snn4j.energy;

import ai.djl.ndarray.NDManager;
import dev.snn4j.model.Vgg;
import dev.snn4j.model.VggConfig;
import dev.snn4j.surrogate.PiecewiseLinear;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class OpCounterTest {
    private static final VggConfig CFG = new VggConfig("tiny", 1, 8, List.of("4", "A", "6"), new int[] {5}, 3, 0.0);

    @Test
    void annCountsDenseMacsOfEveryLayer() {
        try (NDManager m = NDManager.newBaseManager()) {
            List<OpCounter.LayerOps> ops = OpCounter.count(Vgg.ann(m, CFG), new long[] {1, 8, 8}, 1, Map.of());
            // conv1: 8x8 positions x 4 out x 1 in x 9; conv2: 4x4 x 6 x 4 x 9; fc1: 96 x 5; classifier 5 x 3
            assertEquals(List.of(64.0 * 4 * 9, 16.0 * 6 * 4 * 9, 96.0 * 5, 15.0),
                    ops.stream().map(OpCounter.LayerOps::macs).toList());
            assertEquals(0, OpCounter.totalAcs(ops));
        }
    }

    @Test
    void snnCountsFirstLayerOnceAndSpikesTimesFanOutAfter() {
        try (NDManager m = NDManager.newBaseManager()) {
            Vgg snn = Vgg.snn(m, CFG, new PiecewiseLinear(0.3), 5);
            Map<String, Double> rates = Map.of("act1", 0.1, "act2", 0.2, "act_fc1", 0.5);
            List<OpCounter.LayerOps> ops = OpCounter.count(snn, new long[] {1, 8, 8}, 5, rates);
            assertEquals(64.0 * 4 * 9, ops.get(0).macs(), "direct input: conv1 computed once");
            assertEquals(0, ops.get(0).acs());
            // conv2 is fed by 2x2-average-pooled spikes: 4 spikes per pooled input at rate 0.1
            assertEquals(16.0 * 6 * 4 * 9 * 5 * 0.4, ops.get(1).acs(), 1e-9);
            assertEquals(96.0 * 5 * 5 * 0.2, ops.get(2).acs(), 1e-9);
            assertEquals(15.0 * 5 * 0.5, ops.get(3).acs(), 1e-9);
            double pj = OpCounter.energyPicojoules(ops, EnergyModel.CMOS45_FP32);
            assertEquals(4.6 * OpCounter.totalMacs(ops) + 0.9 * OpCounter.totalAcs(ops), pj, 1e-9);
        }
    }

    @Test
    void missingRateIsAClearError() {
        try (NDManager m = NDManager.newBaseManager()) {
            Vgg snn = Vgg.snn(m, CFG, new PiecewiseLinear(0.3), 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OpCounter.count(snn, new long[] {1, 8, 8}, 2, Map.of("act1", 0.1)));
            assertTrue(e.getMessage().contains("act2"), e.getMessage());
        }
    }
}
