package dev.snn4j.layer;

/**
 * The per-epoch sigma decay of {@link Dcls1d} kernels used by SNN-delays ({@code decrease_sig}, method
 * {@code 'exp'}): the stored sigma ({@code SIG}) starts at {@code initial}, is multiplied by
 * {@code alpha = (target / initial)^(1 / decayEpochs)} after each of the first {@code decayEpochs} epochs, and then
 * stays at {@code target}.
 *
 * <p>{@link #snnDelays(int, int)} gives the published configuration ({@code best_config_SHD.py}):
 * {@code initial = D//2}, {@code target = 0.23}, {@code decayEpochs = epochs//4}. The paper and RECIPES describe it as
 * "from D/2 to 0.5 after the first quarter of training": the 0.5 is the <em>effective</em> Gaussian width
 * {@code |SIG| + 0.27} that DCLS uses ({@link Dcls1d#SIGMA_OFFSET}), since {@code 0.23 + 0.27 = 0.5}; see
 * {@link #effectiveSigmaAfter(int)}. SNN-delays multiplies in place each epoch (in float32); we use the closed form
 * {@code initial * alpha^min(e, decayEpochs)}, which is the same up to rounding and ends exactly at {@code target}.
 * With {@code decayEpochs = 0} (fewer than 4 epochs) sigma stays at {@code initial}, as in SNN-delays (whose loop
 * condition {@code epoch < final_epoch} is then never true).
 *
 * <pre>{@code
 * SigmaSchedule sched = SigmaSchedule.snnDelays(25, 150);   // 12 -> 0.23 over 37 epochs
 * for (int epoch = 0; epoch < 150; epoch++) {
 *     trainOneEpoch();
 *     sched.apply(epoch + 1, layer1, layer2, readout);      // sigma for the next epoch
 * }
 * }</pre>
 */
public final class SigmaSchedule {
    /** SNN-delays' final stored sigma (effective width 0.5). */
    public static final double SNN_DELAYS_TARGET = 0.23;

    private final double initial;
    private final double target;
    private final int decayEpochs;

    /**
     * @param initial     stored sigma at the start (> 0)
     * @param target      stored sigma after {@code decayEpochs} epochs (> 0)
     * @param decayEpochs number of decay steps (>= 0)
     */
    public SigmaSchedule(double initial, double target, int decayEpochs) {
        if (!(initial > 0) || !(target > 0) || decayEpochs < 0) {
            throw new IllegalArgumentException("SigmaSchedule: need initial > 0, target > 0, decayEpochs >= 0, got "
                    + initial + ", " + target + ", " + decayEpochs);
        }
        this.initial = initial;
        this.target = target;
        this.decayEpochs = decayEpochs;
    }

    /**
     * SNN-delays' schedule for kernel size {@code maxDelay} (raised to odd like {@link Dcls1d}) and {@code epochs}
     * epochs of training: {@code D//2 -> 0.23} over {@code epochs//4} epochs.
     */
    public static SigmaSchedule snnDelays(int maxDelay, int epochs) {
        if (maxDelay < 1 || epochs < 0) {
            throw new IllegalArgumentException("SigmaSchedule: need maxDelay >= 1 and epochs >= 0, got " + maxDelay
                    + ", " + epochs);
        }
        int d = maxDelay % 2 == 1 ? maxDelay : maxDelay + 1;
        // D = 1 gives D//2 = 0: a single-tap kernel has nothing to spread, use the target from the start
        double init = d / 2 == 0 ? SNN_DELAYS_TARGET : d / 2;
        return new SigmaSchedule(init, SNN_DELAYS_TARGET, epochs / 4);
    }

    /** The per-epoch factor {@code (target/initial)^(1/decayEpochs)} (1 when there is no decay). */
    public double alpha() {
        return decayEpochs == 0 ? 1.0 : Math.pow(target / initial, 1.0 / decayEpochs);
    }

    /** The stored sigma after {@code epochsDone} completed epochs (0 = at the start). */
    public double sigmaAfter(int epochsDone) {
        if (epochsDone < 0) {
            throw new IllegalArgumentException("SigmaSchedule: epochsDone must be >= 0, got " + epochsDone);
        }
        if (decayEpochs == 0) {
            return initial;
        }
        if (epochsDone >= decayEpochs) {
            return target;
        }
        return initial * Math.pow(alpha(), epochsDone);
    }

    /** The Gaussian width the kernel actually uses after {@code epochsDone} epochs: {@code sigmaAfter + 0.27}. */
    public double effectiveSigmaAfter(int epochsDone) {
        return sigmaAfter(epochsDone) + Dcls1d.SIGMA_OFFSET;
    }

    /** Sets every layer's sigma to {@link #sigmaAfter(int) sigmaAfter(epochsDone)}. */
    public void apply(int epochsDone, Dcls1d... layers) {
        double s = sigmaAfter(epochsDone);
        for (Dcls1d l : layers) {
            l.setSigma(s);
        }
    }

    /** Stored sigma at the start. */
    public double initial() {
        return initial;
    }

    /** Stored sigma at the end of the decay. */
    public double target() {
        return target;
    }

    /** Number of epochs over which sigma decays. */
    public int decayEpochs() {
        return decayEpochs;
    }
}
