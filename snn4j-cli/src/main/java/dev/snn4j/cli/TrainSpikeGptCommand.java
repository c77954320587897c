package dev.snn4j.cli;

import dev.snn4j.model.spikegpt.SpikeGptConfig;
import dev.snn4j.recipe.SpikeGptRecipe;
import dev.snn4j.text.TokenSplit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;


/**
 * {@code snn4j train spikegpt}: trains SpikeGPT (or its non-spiking twin with {@code --no-spiking}) on a text corpus
 * with {@link SpikeGptRecipe}, checkpointing every {@code --checkpoint-every} steps into {@code --out}; the same
 * command resumes an interrupted run. Prints progress, then held-out bits per token, firing rates and synaptic
 * operations per token.
 *
 * <pre>{@code
 * ./snn4j train spikegpt --corpus ../shared/data/warpeace/warpeace_input.txt --out runs/sg --embd 256 --layers 4 \
 *     --steps 2000 --max-minutes 30
 * }</pre>
 */
@Command(name = "spikegpt", mixinStandardHelpOptions = true,
        description = {"Train SpikeGPT (RWKV-4 with spiking blocks) on a text corpus; the same command resumes.",
                "Writes OUT/config.json, vocab.json (or tokenizer.json), model.safetensors, checkpoints/, results.json."})
public final class TrainSpikeGptCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--corpus", description = "UTF-8 text file (BOM and CR/CRLF are normalised; required).")
    Path corpus;

    @Option(names = "--out", description = "Model / checkpoint directory (resumed if it exists; required).")
    Path out;

    @Option(names = "--tokenizer", description = "Hugging Face tokenizer.json for BPE (default: characters).")
    Path tokenizer;

    @Option(names = "--embd", defaultValue = "256", description = "Model width d (default ${DEFAULT-VALUE}).")
    int embd;

    @Option(names = "--layers", defaultValue = "4", description = "Blocks (default ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--no-spiking", description = "Train the non-spiking twin (no binary embedding, no LIF).")
    boolean noSpiking;

    @Option(names = "--context", defaultValue = "128", description = "Tokens per window (default ${DEFAULT-VALUE}).")
    int context;

    @Option(names = {"-b", "--batch"}, defaultValue = "16", description = "Windows per batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--steps", defaultValue = "2000",
            description = "Optimizer steps; the cosine schedule spans them (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--max-minutes", defaultValue = "0",
            description = "Stop after this many minutes of training in this run, with a checkpoint (0 = no limit).")
    double maxMinutes;

    @Option(names = "--lr", defaultValue = "6e-4", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--min-lr", defaultValue = "1e-5", description = "Final cosine learning rate (default ${DEFAULT-VALUE}).")
    double minLr;

    @Option(names = "--grad-clip", defaultValue = "1.0", description = "Global grad-norm clip, 0 = off (default ${DEFAULT-VALUE}).")
    double gradClip;

    @Option(names = "--held-out", defaultValue = "0.1", description = "Held-out fraction, the corpus' end (default ${DEFAULT-VALUE}).")
    double heldOut;

    @Option(names = "--eval-tokens", defaultValue = "0", description = "Score at most this many held-out tokens (0 = all).")
    int evalTokens;

    @Option(names = "--eval-batch", defaultValue = "16", description = "Held-out windows per batch (default ${DEFAULT-VALUE}).")
    int evalBatch;

    @Option(names = "--checkpoint-every", defaultValue = "200", description = "Steps between checkpoints (default ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--dropout", defaultValue = "0", description = "Dropout after each block (SpikeGPT: 0.03).")
    double dropout;

    @Option(names = "--log-every", defaultValue = "20", description = "Steps between progress lines (default ${DEFAULT-VALUE}).")
    int logEvery;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Mixin
    ConfigOption config;

    @Override
    public void run() {
        CommandLine cl = spec.commandLine();
        config.apply();
        config.required(corpus, "--corpus");
        config.required(out, "--out");
        config.checkResume(out);
        for (Object[] o : new Object[][] {{"--embd", embd}, {"--layers", layers}, {"--context", context},
                {"--batch", batch}, {"--steps", steps}, {"--eval-batch", evalBatch},
                {"--checkpoint-every", checkpointEvery}, {"--log-every", logEvery}}) {
            config.require((Integer) o[1] >= 1, (String) o[0], "must be >= 1", o[1]);
        }
        config.require(evalTokens >= 0, "--eval-tokens", "must be >= 0", evalTokens);
        config.require(lr > 0 && Double.isFinite(lr), "--lr", "must be a positive number", lr);
        config.require(minLr >= 0 && minLr <= lr, "--min-lr", "must be in [0, --lr]", minLr);
        config.require(gradClip >= 0 && Double.isFinite(gradClip), "--grad-clip", "must be >= 0", gradClip);
        config.require(heldOut > 0 && heldOut < 1, "--held-out", "must be in (0, 1)", heldOut);
        config.require(maxMinutes >= 0 && Double.isFinite(maxMinutes), "--max-minutes", "must be >= 0", maxMinutes);
        config.require(dropout >= 0 && dropout < 1, "--dropout", "must be in [0, 1)", dropout);
        if (!Files.isRegularFile(corpus)) {
            throw new IllegalStateException("corpus file not found: " + corpus);
        }
        PrintWriter w = cl.getOut();
        SpikeGptRecipe.Config cfg = new SpikeGptRecipe.Config(corpus, tokenizer, out, embd, layers, !noSpiking,
                context, batch, steps, maxMinutes, lr, minLr, gradClip, heldOut, evalTokens, evalBatch,
                checkpointEvery, dropout, SpikeGptRecipe.Config.defaults(corpus, out).wkvChunk(), seed);
        SpikeGptRecipe.Result r;
        try {
            config.save(out);
            r = SpikeGptRecipe.run(cfg, new Progress(w));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        w.printf("held-out: %.4f bits per %s over %d tokens%n", r.heldOutBitsPerToken(),
                tokenizer == null ? "character" : "token", r.heldOutTokensScored());
        if (!r.firingRates().isEmpty()) {
            w.print("firing rates:");
            r.firingRates().forEach((k, v) -> w.printf(" %s %.4f", k, v));
            w.println();
        }
        w.printf("ops per token: %.4g MACs, %.4g ACs (%.4g pJ at 45 nm fp32); every Linear is fed analog values, "
                + "ACs are the spikes added to the residual stream (see SpikeGptOps)%n", r.macsPerToken(),
                r.acsPerToken(), r.energyPjPerToken());
        w.printf("trained %d steps in %.1f s this run; model in %s%n", r.stepsDone(), r.trainSeconds(), out);
        w.flush();
    }

    /** One progress line every {@code --log-every} steps. */
    private final class Progress implements SpikeGptRecipe.Listener {
        private final PrintWriter w;
        private long first;
        private double sum;
        private int n;

        Progress(PrintWriter w) {
            this.w = w;
        }

        @Override
        public void started(SpikeGptConfig model, long parameters, TokenSplit split, long firstStep, int total) {
            first = firstStep;
            w.printf("spikegpt: %s, %,d parameters, vocabulary %d, %,d train / %,d held-out tokens%s%n",
                    model.spiking() ? "spiking" : "non-spiking twin", parameters, model.vocabSize(),
                    split.trainTokens(), split.heldOutTokens(),
                    firstStep > 0 ? ", resuming at step " + firstStep + " of " + total : "");
            w.flush();
        }

        @Override
        public void stepDone(long step, double loss, double lr, double seconds) {
            sum += loss;
            n++;
            if (step % logEvery == 0) {
                w.printf("step %d: loss %.4f (%.3f bits/token), lr %.3g, %.2f s/step%n", step, sum / n,
                        sum / n / Math.log(2), lr, seconds / (step - first));
                w.flush();
                sum = 0;
                n = 0;
            }
        }

        @Override
        public void checkpointed(Path dir) {
            w.println("checkpoint " + dir);
            w.flush();
        }

        @Override
        public void evaluating(long tokens) {
            w.printf("evaluating on %,d held-out tokens ...%n", tokens);
            w.flush();
        }
    }

}
