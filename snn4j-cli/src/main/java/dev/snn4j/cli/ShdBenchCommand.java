package dev.snn4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code snn4j bench shd}: one training step (forward, backward, Adam) of the SHD-shaped spiking MLP
 * 700-256-256-20 (LIF, tau 2, ATan) on random 5 %-rate input spikes, compared with the same net's matrix products
 * alone (the floor).
 *
 * <pre>{@code
 * ./snn4j bench shd --batch 64 --hidden 512,512 --iterations 5
 * }</pre>
 */
@Command(name = "shd", mixinStandardHelpOptions = true,
        description = {"Time a training step of the SHD-shaped spiking MLP (700-256-256-20, LIF, T=100, batch 128)",
                "and the same net's matrix products alone (the floor)."})
public final class ShdBenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-T", "--time-steps"}, defaultValue = "100", description = "Time steps (default ${DEFAULT-VALUE}).")
    int timeSteps;

    @Option(names = {"-b", "--batch"}, defaultValue = "128", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--inputs", defaultValue = "700", description = "Input channels (default ${DEFAULT-VALUE}).")
    int inputs;

    @Option(names = "--hidden", split = ",", defaultValue = "256,256",
            description = "Hidden layer sizes, comma separated (default ${DEFAULT-VALUE}).")
    int[] hidden;

    @Option(names = "--classes", defaultValue = "20", description = "Output neurons (default ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--rate", defaultValue = "0.05", description = "Input spike probability per step (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed iterations first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = {"-n", "--iterations"}, defaultValue = "10",
            description = "Timed iterations; the median is reported (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--profile", description = "Also break the step down (forward per layer, backward, update).")
    boolean profile;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public void run() {
        requireAtLeast("--time-steps", timeSteps, 1);
        requireAtLeast("--batch", batch, 1);
        requireAtLeast("--inputs", inputs, 1);
        requireAtLeast("--classes", classes, 1);
        requireAtLeast("--warmup", warmup, 0);
        requireAtLeast("--iterations", iterations, 1);
        if (hidden.length == 0) {
            throw usage("Invalid value for option '--hidden': give at least one size");
        }
        for (int h : hidden) {
            requireAtLeast("--hidden", h, 1);
        }
        if (!(rate >= 0 && rate <= 1)) {
            throw usage("Invalid value for option '--rate': must be in [0, 1], got " + rate);
        }
        if ((double) timeSteps * batch * Math.max(inputs, max(hidden)) > Integer.MAX_VALUE) {
            throw usage("Invalid sizes: T x batch x width = " + (long) timeSteps * batch * Math.max(inputs, max(hidden))
                    + " values per tensor is too large");
        }
        ShdBench.Config c = new ShdBench.Config(timeSteps, batch, inputs, hidden, classes, rate, warmup, iterations,
                profile, seed);
        new ShdBench(c, spec.commandLine().getOut()).run();
    }

    private static int max(int[] a) {
        int m = 0;
        for (int v : a) {
            m = Math.max(m, v);
        }
        return m;
    }

    private void requireAtLeast(String option, long value, long min) {
        if (value < min) {
            throw usage("Invalid value for option '" + option + "': must be >= " + min + ", got " + value);
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
