package dev.snn4j.train;

import java.util.Arrays;

/**
 * A learning rate as a pure function of a group's base rate and the step: {@code lr(base, step)}, where {@code step}
 * is the number of optimizer steps already taken (0 for the first update), matching a PyTorch scheduler stepped once
 * per batch after {@code optimizer.step()}.
 *
 * <pre>{@code
 * LrSchedule s = LrSchedule.oneCycle(10_000);   double lr = s.lr(1e-3, 2_999);   // the peak
 * }</pre>
 */
@FunctionalInterface
public interface LrSchedule {

    /** The learning rate at {@code step} for a group whose base rate is {@code baseLr}. */
    double lr(double baseLr, long step);

    /** Always the base rate. */
    static LrSchedule constant() {
        return (base, step) -> base;
    }

    /**
     * PyTorch's {@code MultiStepLR}: the rate is multiplied by {@code factor} at each milestone step reached
     * ({@code lr = base * factor^k}, k = number of milestones {@code <= step}).
     */
    static LrSchedule stepDecayAt(double factor, long... milestones) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("step decay: factor must be finite and > 0, got " + factor);
        }
        long[] ms = milestones.clone();
        for (int i = 0; i < ms.length; i++) {
            if (ms[i] < 0 || (i > 0 && ms[i] < ms[i - 1])) {
                throw new IllegalArgumentException("step decay: milestones must be >= 0 and ascending, got "
                        + Arrays.toString(ms));
            }
        }
        return (base, step) -> {
            int k = 0;
            while (k < ms.length && ms[k] <= step) {
                k++;
            }
            return base * Math.pow(factor, k);
        };
    }

    /**
     * Step decay with milestones given as fractions of {@code totalSteps}, rounded to the nearest step; e.g. divide
     * by 5 at 60, 80 and 90 %: {@code stepDecay(total, 0.2, 0.6, 0.8, 0.9)}.
     */
    static LrSchedule stepDecay(long totalSteps, double factor, double... fractions) {
        requireTotal(totalSteps, "step decay");
        long[] ms = new long[fractions.length];
        for (int i = 0; i < ms.length; i++) {
            if (!(fractions[i] >= 0 && fractions[i] <= 1)) {
                throw new IllegalArgumentException("step decay: milestone fractions must be in [0, 1], got "
                        + Arrays.toString(fractions));
            }
            ms[i] = Math.round(fractions[i] * totalSteps);
        }
        return stepDecayAt(factor, ms);
    }

    /**
     * PyTorch's {@code CosineAnnealingLR} (closed form) with {@code T_max = totalSteps}: from the base rate down to
     * {@code minLr}, held at {@code minLr} after {@code totalSteps} (PyTorch would start rising again).
     */
    static LrSchedule cosine(long totalSteps, double minLr) {
        requireTotal(totalSteps, "cosine");
        if (!(minLr >= 0) || Double.isInfinite(minLr)) {
            throw new IllegalArgumentException("cosine: min lr must be finite and >= 0, got " + minLr);
        }
        return (base, step) -> {
            long t = Math.min(step, totalSteps);
            return minLr + (base - minLr) * (1 + Math.cos(Math.PI * t / totalSteps)) / 2;
        };
    }

    /** PyTorch's {@code OneCycleLR} defaults: 30 % warm-up, div_factor 25, final_div_factor 1e4, cosine. */
    static LrSchedule oneCycle(long totalSteps) {
        return oneCycle(totalSteps, 0.3, 25, 1e4);
    }

    /**
     * PyTorch's {@code OneCycleLR} (two phases, cosine annealing) with the group's base rate as {@code max_lr}: from
     * {@code max/divFactor} up to {@code max} over the first {@code pctStart} of the run, then down to
     * {@code max/divFactor/finalDivFactor} at step {@code totalSteps - 1}; later steps keep the final rate (PyTorch
     * raises an error there).
     */
    static LrSchedule oneCycle(long totalSteps, double pctStart, double divFactor, double finalDivFactor) {
        requireTotal(totalSteps, "one-cycle");
        if (!(pctStart > 0 && pctStart < 1)) {
            throw new IllegalArgumentException("one-cycle: pct_start must be in (0, 1), got " + pctStart);
        }
        if (!(divFactor > 0) || !(finalDivFactor > 0)) {
            throw new IllegalArgumentException("one-cycle: div factors must be > 0, got " + divFactor + ", "
                    + finalDivFactor);
        }
        double warmEnd = pctStart * totalSteps - 1; // PyTorch: float(pct_start * total_steps) - 1
        double lastStep = totalSteps - 1;
        return (max, step) -> {
            double initial = max / divFactor;
            double min = initial / finalDivFactor;
            double s = Math.min(step, lastStep);
            if (s <= warmEnd) {
                return annealCos(initial, max, warmEnd > 0 ? s / warmEnd : 1.0);
            }
            return annealCos(max, min, (s - warmEnd) / (lastStep - warmEnd));
        };
    }

    private static double annealCos(double start, double end, double pct) {
        return end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1);
    }

    private static void requireTotal(long totalSteps, String who) {
        if (totalSteps <= 0) {
            throw new IllegalArgumentException(who + ": total steps must be > 0, got " + totalSteps);
        }
    }
}
