package dev.snn4j.cli;

import ai.djl.ndarray.NDManager;
import dev.snn4j.model.spikegpt.Generator;
import dev.snn4j.model.spikegpt.SpikeGpt;
import dev.snn4j.model.spikegpt.SpikeGptConfig;
import dev.snn4j.model.spikegpt.SpikeGptDir;
import dev.snn4j.nn.Init;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import static dev.snn4j.cli.TrainCommand.require;

/**
 * {@code snn4j bench generate}: tokens per second of SpikeGPT generation at batch 1, the O(1) recurrent step against
 * recomputing the whole context window for every new token, at each given context length. Uses a trained model
 * directory, or fresh weights of the given shape (speed does not depend on the weights).
 *
 * <pre>{@code
 * ./snn4j bench generate --embd 256 --layers 4 --vocab 80 --contexts 128,512 --tokens 32
 * }</pre>
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generation tokens/s of SpikeGPT: recurrent step vs recomputing the context, per context.")
public final class GenerateBenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", description = "Model directory (default: fresh weights of --embd/--layers/--vocab).")
    Path model;

    @Option(names = "--embd", defaultValue = "256", description = "Width d without --model (default ${DEFAULT-VALUE}).")
    int embd;

    @Option(names = "--layers", defaultValue = "4", description = "Blocks without --model (default ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--vocab", defaultValue = "80", description = "Vocabulary without --model (default ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--no-spiking", description = "Benchmark the non-spiking twin (without --model).")
    boolean noSpiking;

    @Option(names = "--threads", defaultValue = "1", description = "Engine intra-op threads (default ${DEFAULT-VALUE}: "
            + "token-by-token work is tiny operations, which extra threads only slow down).")
    int threads;

    @Option(names = "--contexts", split = ",", defaultValue = "128,512", description = "Context lengths (default ${DEFAULT-VALUE}).")
    int[] contexts;

    @Option(names = {"-n", "--tokens"}, defaultValue = "32",
            description = "Tokens timed in recompute mode per context (default ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--recurrent-tokens", defaultValue = "256",
            description = "Tokens timed in recurrent mode per context: cheap, so more of them smooth out machine load "
                    + "(default ${DEFAULT-VALUE}).")
    int recurrentTokens;

    @Override
    public void run() {
        TrainCommand.require(spec.commandLine(), threads >= 1, "--threads", "must be >= 1", threads);
        CommandLine cl = spec.commandLine();
        for (Object[] o : new Object[][] {{"--embd", embd}, {"--layers", layers}, {"--vocab", vocab},
                {"--tokens", tokens}, {"--recurrent-tokens", recurrentTokens}}) {
            require(cl, (Integer) o[1] >= 1, (String) o[0], "must be >= 1", o[1]);
        }
        for (int c : contexts) {
            require(cl, c >= 1, "--contexts", "each must be >= 1", c);
        }
        PrintWriter out = cl.getOut();
        try (NDManager m = NDManager.newBaseManager()) {
            SpikeGpt gpt;
            SpikeGptDir.Loaded loaded = null;
            if (model != null) {
                loaded = SpikeGptDir.load(model, m);
                gpt = loaded.model();
            } else {
                Init.seed(1);
                SpikeGptConfig cfg = new SpikeGptConfig(vocab, embd, layers, !noSpiking, SpikeGptConfig.DEFAULT_CHUNK,
                        0);
                gpt = new SpikeGpt(m, cfg);
                gpt.eval();
            }
            out.printf("bench generate: %s, d %d, %d layers, vocabulary %d, %,d parameters, batch 1, %d (recurrent) / %d (recompute) tokens timed, %d engine thread(s)%n",
                    gpt.config().spiking() ? "spiking" : "non-spiking", gpt.config().nEmbd(), gpt.config().nLayer(),
                    gpt.config().vocabSize(), gpt.parameterCount(), recurrentTokens, tokens, threads);
            dev.snn4j.nn.EngineThreads.set(threads);
            Generator.tokensPerSecond(gpt, 8, 32, true, 0);  // warm-up of both paths (JIT, engine caches)
            Generator.tokensPerSecond(gpt, 8, 2, false, 0);
            for (int c : contexts) {
                double rec = Generator.tokensPerSecond(gpt, c, recurrentTokens, true, 1);
                Generator.tokensPerSecond(gpt, c, 2, false, 2); // untimed: the first pass at a new length is slow
                double full = Generator.tokensPerSecond(gpt, c, tokens, false, 1);
                out.printf("context %d: recurrent %.1f tokens/s, recompute %.2f tokens/s, ratio %.1fx%n", c, rec,
                        full, rec / full);
                out.flush();
            }
            if (loaded != null) {
                loaded.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }
}
