package dev.snn4j.model.spikegpt;

/**
 * Size and variant of a {@link SpikeGpt}.
 *
 * <pre>{@code
 * SpikeGptConfig cfg = SpikeGptConfig.of(256, 512, 12);          // the 46M enwik8 shape, spiking
 * SpikeGptConfig twin = cfg.nonSpiking().withWkvChunk(16).withDropout(0.03);
 * }</pre>
 *
 * @param vocabSize number of token ids
 * @param nEmbd     model width d (hidden width of the channel mix is 4d)
 * @param nLayer    number of blocks
 * @param spiking   true: SpikeGPT (binary embedding, LIF after each mix); false: the non-spiking twin (RWKV-4 with
 *                  SpikeGPT's block layout: real-valued embedding, no LIF), same parameters and names
 * @param wkvChunk  tokens per chunk of the parallel WKV (memory O(T * wkvChunk * B * d) per layer; see {@link Wkv})
 * @param dropout   probability of zeroing each element of a block's output in training mode (SpikeGPT: 0.03;
 *                  independent per element as {@code nn.Dropout}); 0 disables it
 */
public record SpikeGptConfig(int vocabSize, int nEmbd, int nLayer, boolean spiking, int wkvChunk,
                             double dropout) {
    /**
     * Default chunk of the parallel WKV. Measured (T 128, B 8, d 128, float32, 1 thread, loaded machine), forward +
     * backward of one WKV: per-token recurrence 69 ms, chunk 8 22 ms, 16 28 ms, 32 89 ms, 128 2.9 s.
     */
    public static final int DEFAULT_CHUNK = 8;

    public SpikeGptConfig {
        if (vocabSize <= 0 || nEmbd <= 0 || nLayer <= 0) {
            throw new IllegalArgumentException("SpikeGptConfig: vocabSize, nEmbd and nLayer must be > 0, got "
                    + vocabSize + ", " + nEmbd + ", " + nLayer);
        }
        if (wkvChunk < 1) {
            throw new IllegalArgumentException("SpikeGptConfig: wkvChunk must be >= 1, got " + wkvChunk);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("SpikeGptConfig: dropout must be in [0, 1), got " + dropout);
        }
    }

    /** A spiking model with the default WKV chunk. */
    public static SpikeGptConfig of(int vocabSize, int nEmbd, int nLayer) {
        return new SpikeGptConfig(vocabSize, nEmbd, nLayer, true, DEFAULT_CHUNK, 0.0);
    }

    /** The same shape without spikes (the ANN twin). */
    public SpikeGptConfig nonSpiking() {
        return new SpikeGptConfig(vocabSize, nEmbd, nLayer, false, wkvChunk, dropout);
    }

    /** The same shape with spikes. */
    public SpikeGptConfig asSpiking() {
        return new SpikeGptConfig(vocabSize, nEmbd, nLayer, true, wkvChunk, dropout);
    }

    /** Another WKV chunk length (numerics unchanged beyond rounding). */
    public SpikeGptConfig withWkvChunk(int chunk) {
        return new SpikeGptConfig(vocabSize, nEmbd, nLayer, spiking, chunk, dropout);
    }

    /** Another dropout probability (training mode only). */
    public SpikeGptConfig withDropout(double p) {
        return new SpikeGptConfig(vocabSize, nEmbd, nLayer, spiking, wkvChunk, p);
    }
}
