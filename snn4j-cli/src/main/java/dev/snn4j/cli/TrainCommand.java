package dev.snn4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code snn4j train <recipe>}: one subcommand per recipe ({@code iir}, {@code delays}, {@code delta},
 * {@code spikegpt}); each takes {@code --config FILE} (see {@link ConfigOption}).
 *
 * <pre>{@code
 * ./snn4j train iir --data ../shared/data/fashion_mnist --out runs/fmnist
 * ./snn4j train delays --data ../shared/data/fsdd/recordings --mode all --epochs 6
 * ./snn4j train spikegpt --corpus ../shared/data/warpeace/warpeace_input.txt --out runs/spikegpt
 * }</pre>
 */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a model with one of the recipes.",
        subcommands = {TrainIirCommand.class, TrainDelaysCommand.class, TrainDeltaCommand.class,
                TrainSpikeGptCommand.class})
public final class TrainCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "Missing recipe: use 'train iir', 'train delays', 'train delta' or 'train spikegpt'");
    }

    /** A usage error for {@code option} unless {@code ok}. */
    static void require(CommandLine cl, boolean ok, String option, String rule, Object value) {
        if (!ok) {
            throw new CommandLine.ParameterException(cl, "Invalid value for option '" + option + "': " + rule
                    + ", got " + value);
        }
    }
}
