package dev.snn4j.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;
import java.util.Random;

/**
 * A token stream cut into a training part (the first {@code 1 - heldOut} of it) and a held-out tail for evaluation,
 * and the windows a language model trains on: inputs {@code ids[s .. s+T)} and targets {@code ids[s+1 .. s+T]},
 * laid out time-major {@code [T, B]} (int64).
 *
 * <pre>{@code
 * TokenSplit split = TokenSplit.of(tok.encode(text), 0.10, 128);     // 10 % held out, windows of 128 tokens
 * TokenSplit.Batch b = split.randomBatch(manager, 32, random);      // b.inputs(), b.targets(): [128, 32]
 * }</pre>
 */
public final class TokenSplit {
    private final int[] train;
    private final int[] heldOut;
    private final int context;

    /**
     * Inputs and targets {@code [T, B]}.
     *
     * <pre>{@code
     * NDArray loss = SpikeGpt.loss(gpt.forward(batch.inputs()), batch.targets());
     * }</pre>
     */
    public record Batch(NDArray inputs, NDArray targets) {
    }

    private TokenSplit(int[] train, int[] heldOut, int context) {
        this.train = train;
        this.heldOut = heldOut;
        this.context = context;
    }

    /**
     * Splits {@code ids}: the last {@code heldOutFraction} is held out. Both parts must hold at least one window of
     * {@code context + 1} tokens; otherwise the error says how long the corpus is and how long it must be.
     */
    public static TokenSplit of(int[] ids, double heldOutFraction, int context) {
        if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException("held-out fraction must be in (0, 1), got " + heldOutFraction);
        }
        if (context < 1) {
            throw new IllegalArgumentException("context must be >= 1, got " + context);
        }
        if (ids.length == 0) {
            throw new IllegalArgumentException("the corpus is empty");
        }
        int cut = (int) Math.round(ids.length * (1 - heldOutFraction));
        int need = context + 1;
        if (cut < need || ids.length - cut < need) {
            long minimum = (long) Math.ceil(need / Math.min(heldOutFraction, 1 - heldOutFraction)) + 1;
            throw new IllegalArgumentException("the corpus is too short: " + ids.length + " tokens give " + cut
                    + " training and " + (ids.length - cut) + " held-out tokens, but each part needs at least "
                    + need + " (context " + context + " + 1); need about " + minimum + " tokens");
        }
        return new TokenSplit(Arrays.copyOfRange(ids, 0, cut), Arrays.copyOfRange(ids, cut, ids.length), context);
    }

    public int context() {
        return context;
    }

    /** Tokens in the training part. */
    public int trainTokens() {
        return train.length;
    }

    /** Tokens in the held-out part. */
    public int heldOutTokens() {
        return heldOut.length;
    }

    /** A batch of {@code batch} training windows starting at uniformly random positions. */
    public Batch randomBatch(NDManager manager, int batch, Random random) {
        int[] starts = new int[batch];
        for (int b = 0; b < batch; b++) {
            starts[b] = random.nextInt(train.length - context);
        }
        return windows(manager, train, starts);
    }

    /** Number of non-overlapping held-out windows (each scores {@code context} targets). */
    public int heldOutWindows() {
        return (heldOut.length - 1) / context;
    }

    /** Held-out windows {@code first .. first+count-1} (non-overlapping, in order). */
    public Batch heldOutBatch(NDManager manager, int first, int count) {
        if (first < 0 || count < 1 || first + count > heldOutWindows()) {
            throw new IllegalArgumentException("held-out windows " + first + ".." + (first + count - 1)
                    + " outside [0, " + heldOutWindows() + ")");
        }
        int[] starts = new int[count];
        for (int b = 0; b < count; b++) {
            starts[b] = (first + b) * context;
        }
        return windows(manager, heldOut, starts);
    }

    private Batch windows(NDManager manager, int[] ids, int[] starts) {
        int b = starts.length;
        long[] in = new long[context * b];
        long[] out = new long[context * b];
        for (int t = 0; t < context; t++) {
            for (int j = 0; j < b; j++) {
                in[t * b + j] = ids[starts[j] + t];
                out[t * b + j] = ids[starts[j] + t + 1];
            }
        }
        Shape s = new Shape(context, b);
        return new Batch(manager.create(in, s), manager.create(out, s));
    }

    /** The training tokens (a copy). */
    public int[] trainIds() {
        return train.clone();
    }

    /** The held-out tokens (a copy). */
    public int[] heldOutIds() {
        return heldOut.clone();
    }

}
