package dev.snn4j.model.spikegpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.text.Tokenizer;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Text generation with a {@link SpikeGpt}: the prompt is fed token by token through the O(1) recurrent
 * {@link SpikeGpt#step}, then tokens are sampled one at a time (temperature, nucleus / top-p, seeded) and streamed
 * as text. Also measures generation speed of the recurrent mode against recomputing the whole context window for
 * every new token.
 *
 * <pre>{@code
 * Generator g = new Generator(model, tokenizer);
 * String text = g.generate("The prince", 200, 0.8, 0.95, 42, System.out::print);
 * }</pre>
 */
public final class Generator {
    private final SpikeGpt model;
    private final Tokenizer tokenizer;

    public Generator(SpikeGpt model, Tokenizer tokenizer) {
        if (model.config().vocabSize() != tokenizer.vocabSize()) {
            throw new IllegalArgumentException("Generator: the model has " + model.config().vocabSize()
                    + " token ids but the tokenizer " + tokenizer.vocabSize());
        }
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /**
     * Generates {@code n} tokens after {@code prompt} and passes each new piece of text to {@code out} as soon as it
     * is sampled; returns the generated text (without the prompt).
     *
     * @param temperature 0 = greedy (arg-max); otherwise logits are divided by it
     * @param topP        nucleus sampling: sample among the most likely tokens whose probabilities sum to at least
     *                    {@code topP} (1 = all)
     */
    public String generate(String prompt, int n, double temperature, double topP, long seed, Consumer<String> out) {
        checkSampling(n, temperature, topP);
        int[] ids = tokenizer.encode(prompt);
        if (ids.length == 0) {
            throw new IllegalArgumentException("the prompt is empty: give at least one character");
        }
        Random random = new Random(seed);
        int[] generated = new int[n];
        String shown = "";
        try (NDManager m = managerOf(model).newSubManager(); SpikeGpt.State state = model.newState(m)) {
            float[] logits = null;
            for (int id : ids) {
                logits = stepLogits(m, state, id);
            }
            for (int i = 0; i < n; i++) {
                int next = sample(logits, temperature, topP, random);
                generated[i] = next;
                String text = tokenizer.decode(Arrays.copyOf(generated, i + 1));
                if (text.startsWith(shown)) { // BPE pieces may only become text with the next token
                    out.accept(text.substring(shown.length()));
                    shown = text;
                }
                if (i + 1 < n) {
                    logits = stepLogits(m, state, next);
                }
            }
        }
        return tokenizer.decode(generated);
    }

    private float[] stepLogits(NDManager m, SpikeGpt.State state, int id) {
        try (NDArray token = m.create(new long[] {id}); NDArray logits = model.step(token, state)) {
            return logits.toFloatArray();
        }
    }

    static void checkSampling(int n, double temperature, double topP) {
        if (n < 0) {
            throw new IllegalArgumentException("number of tokens must be >= 0, got " + n);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
    }

    /** Samples an id from {@code logits} with temperature and nucleus (top-p) filtering. */
    public static int sample(float[] logits, double temperature, double topP, Random random) {
        int v = logits.length;
        if (temperature == 0) {
            int best = 0;
            for (int i = 1; i < v; i++) {
                if (logits[i] > logits[best]) {
                    best = i;
                }
            }
            return best;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[v];
        double sum = 0;
        for (int i = 0; i < v; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            sum += p[i];
        }
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) {
            order[i] = i;
            p[i] /= sum;
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
        double cum = 0;
        int keep = 0;
        while (keep < v && (keep == 0 || cum < topP)) {
            cum += p[order[keep]];
            keep++;
        }
        double u = random.nextDouble() * cum;
        double acc = 0;
        for (int k = 0; k < keep; k++) {
            acc += p[order[k]];
            if (u < acc) {
                return order[k];
            }
        }
        return order[keep - 1];
    }

    /**
     * Tokens per second of greedy generation of {@code n} tokens after a context of {@code context} tokens.
     *
     * @param recurrent true: O(1) {@link SpikeGpt#step} per token after feeding the context once (the feeding is not
     *                  timed); false: run {@link SpikeGpt#forward} over the last {@code context} tokens for every new
     *                  token (what a model without a recurrent form does)
     */
    public static double tokensPerSecond(SpikeGpt model, int context, int n, boolean recurrent, long seed) {
        Random r = new Random(seed);
        int vocab = model.config().vocabSize();
        int[] window = new int[context];
        for (int i = 0; i < context; i++) {
            window[i] = r.nextInt(vocab);
        }
        try (NDManager m = managerOf(model).newSubManager()) {
            if (recurrent) {
                try (SpikeGpt.State state = model.newState(m)) {
                    float[] logits = null;
                    for (int id : window) {
                        logits = stepOnce(model, m, state, id);
                    }
                    long t0 = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        logits = stepOnce(model, m, state, sample(logits, 0, 1, r));
                    }
                    return n / ((System.nanoTime() - t0) / 1e9);
                }
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                float[] last;
                try (NDScope ignored = new NDScope()) {
                    long[] ids = Arrays.stream(window).asLongStream().toArray();
                    NDArray logits = model.forward(m.create(ids, new Shape(context, 1)));
                    last = logits.get(context - 1).toFloatArray();
                }
                System.arraycopy(window, 1, window, 0, context - 1);
                window[context - 1] = sample(last, 0, 1, r);
            }
            return n / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** The manager of the model's weights (generation arrays live in a sub-manager of it). */
    private static NDManager managerOf(SpikeGpt model) {
        return model.namedParameters().values().iterator().next().value().getManager();
    }

    private static float[] stepOnce(SpikeGpt model, NDManager m, SpikeGpt.State state, int id) {
        try (NDArray token = m.create(new long[] {id}); NDArray logits = model.step(token, state)) {
            return logits.toFloatArray();
        }
    }
}
