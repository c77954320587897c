package dev.snn4j.cli;

import ai.djl.ndarray.NDManager;
import dev.snn4j.model.spikegpt.Generator;
import dev.snn4j.model.spikegpt.SpikeGptDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import static dev.snn4j.cli.TrainCommand.require;

/**
 * {@code snn4j generate}: loads a SpikeGPT model directory, feeds the prompt token by token through the O(1)
 * recurrent step and streams the sampled continuation to stdout.
 *
 * <pre>{@code
 * ./snn4j generate --model runs/sg --prompt "Prince Andrew" --tokens 200 --temperature 0.8 --top-p 0.9 --seed 1
 * }</pre>
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text with a trained SpikeGPT (recurrent mode, streamed to stdout).")
public final class GenerateCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Model directory written by 'train spikegpt'.")
    Path model;

    @Option(names = "--prompt", required = true, description = "Text to continue (characters of the vocabulary).")
    String prompt;

    @Option(names = {"-n", "--tokens"}, defaultValue = "200", description = "Tokens to generate (default ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--temperature", defaultValue = "1.0", description = "0 = greedy (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling mass in (0, 1] (default ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--threads", defaultValue = "1", description = "Engine intra-op threads (default ${DEFAULT-VALUE}: "
            + "token-by-token work is tiny operations, which extra threads only slow down).")
    int threads;

    @Option(names = "--seed", defaultValue = "1", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public void run() {
        TrainCommand.require(spec.commandLine(), threads >= 1, "--threads", "must be >= 1", threads);
        CommandLine cl = spec.commandLine();
        require(cl, tokens >= 0, "--tokens", "must be >= 0", tokens);
        require(cl, temperature >= 0 && Double.isFinite(temperature), "--temperature", "must be >= 0", temperature);
        require(cl, topP > 0 && topP <= 1, "--top-p", "must be in (0, 1]", topP);
        require(cl, !prompt.isEmpty(), "--prompt", "must not be empty", "\"\"");
        PrintWriter out = cl.getOut();
        dev.snn4j.nn.EngineThreads.set(threads);
        try (NDManager m = NDManager.newBaseManager(); SpikeGptDir.Loaded loaded = SpikeGptDir.load(model, m)) {
            Generator g = new Generator(loaded.model(), loaded.tokenizer());
            try {
                loaded.tokenizer().encode(prompt);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, "Invalid value for option '--prompt': "
                        + e.getMessage());
            }
            out.print(prompt);
            out.flush();
            g.generate(prompt, tokens, temperature, topP, seed, s -> {
                out.print(s);
                out.flush();
            });
            out.println();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }
}
