package dev.snn4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code snn4j data}: data converters. {@code audio2spikes} turns a folder of WAV recordings into an SHD-layout spike
 * file.
 *
 * <pre>{@code
 * ./snn4j data audio2spikes ../shared/data/fsdd/recordings fsdd_spikes.h5
 * }</pre>
 */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Data converters.",
        subcommands = {Audio2SpikesCommand.class})
public final class DataCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing converter: use 'data audio2spikes'");
    }
}
