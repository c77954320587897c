package dev.snn4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code snn4j bench}: performance benchmarks: {@code shd} (training step), {@code runtime} (event-driven runtime vs
 * dense DJL) and {@code generate} (SpikeGPT generation speed).
 *
 * <pre>{@code
 * ./snn4j bench shd --time-steps 100 --batch 128
 * }</pre>
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Performance benchmarks.",
        subcommands = {ShdBenchCommand.class, RuntimeBenchCommand.class, GenerateBenchCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "Missing benchmark: use 'bench shd', 'bench runtime' or 'bench generate'");
    }
}
