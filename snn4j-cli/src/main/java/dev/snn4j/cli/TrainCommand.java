package dev.snn4j.cli;

import picocli.CommandLine.Command;

/** {@code snn4j train <recipe>}: one subcommand per recipe. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train a recipe.",
        subcommands = {TrainIirCommand.class})
final class TrainCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing recipe: use 'train iir'");
    }
}
