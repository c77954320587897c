package dev.snn4j.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Values at key steps, from the PyTorch scheduler formulas. */
class LrScheduleTest {
    static final double TOL = 1e-15;

    @Test
    void constant() {
        assertEquals(0.3, LrSchedule.constant().lr(0.3, 12345));
    }

    @Test
    void stepDecayDividesByFiveAt60And80And90Percent() {
        LrSchedule s = LrSchedule.stepDecay(100, 0.2, 0.6, 0.8, 0.9);
        assertEquals(1.0, s.lr(1.0, 0));
        assertEquals(1.0, s.lr(1.0, 59));
        assertEquals(0.2, s.lr(1.0, 60), TOL);
        assertEquals(0.2, s.lr(1.0, 79), TOL);
        assertEquals(0.04, s.lr(1.0, 80), TOL);
        assertEquals(0.008, s.lr(1.0, 90), TOL);
        assertEquals(0.008, s.lr(1.0, 1000), TOL);
        assertEquals(0.5 * 0.1, LrSchedule.stepDecayAt(0.1, 3).lr(0.5, 3), TOL); // MultiStepLR(milestones=[3])
    }

    @Test
    void cosineAnnealsToMinLr() {
        LrSchedule s = LrSchedule.cosine(100, 0.001);
        assertEquals(0.1, s.lr(0.1, 0), TOL);
        assertEquals(0.001 + 0.099 * (1 + Math.cos(Math.PI * 0.25)) / 2, s.lr(0.1, 25), TOL);
        assertEquals(0.0505, s.lr(0.1, 50), TOL);
        assertEquals(0.001, s.lr(0.1, 100), TOL);
        assertEquals(0.001, s.lr(0.1, 150), TOL); // held, not rising again
    }

    @Test
    void oneCycleWithPytorchDefaults() {
        // OneCycleLR(max_lr=0.1, total_steps=100): initial 0.1/25, min initial/1e4, warm-up ends at step 29
        LrSchedule s = LrSchedule.oneCycle(100);
        double initial = 0.004;
        double min = 4e-7;
        assertEquals(initial, s.lr(0.1, 0), TOL);
        double pct = 10.0 / 29;
        assertEquals(0.1 + (initial - 0.1) / 2 * (Math.cos(Math.PI * pct) + 1), s.lr(0.1, 10), TOL);
        assertEquals(0.1, s.lr(0.1, 29), TOL);
        assertEquals((0.1 + min) / 2, s.lr(0.1, 64), TOL); // halfway down: (64 - 29) / (99 - 29)
        assertEquals(min, s.lr(0.1, 99), 1e-20);
        assertEquals(min, s.lr(0.1, 500), 1e-20);
        // a group with its own base rate gets its own cycle
        assertEquals(10 * 0.004, s.lr(1.0, 0), TOL);
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(0, 0));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.stepDecay(10, 0.1, 1.5));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.stepDecayAt(0.1, 5, 3));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.oneCycle(10, 1.0, 25, 1e4));
    }
}
