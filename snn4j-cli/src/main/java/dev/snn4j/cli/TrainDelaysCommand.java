package dev.snn4j.cli;

import dev.snn4j.model.DelayNet;
import dev.snn4j.recipe.Delays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code snn4j train delays}: the learnable-delays (DCLS) ablation of {@link Delays} on the Free Spoken Digit Dataset:
 * the recordings are turned into spikes once (cached in {@code --out}), then the same net is trained with no delays,
 * fixed random delays and/or learned delays ({@code --mode}). One checkpoint folder per mode under {@code --out}
 * ({@code none/}, {@code fixed_random/}, {@code learned/}); re-running the same command resumes at the last complete
 * epoch, and a finished mode is only evaluated.
 *
 * <pre>{@code
 * ./snn4j train delays --data ../shared/data/fsdd/recordings --mode learned --epochs 6 --out runs/delays
 * ./snn4j train delays --config docs/configs/delays.json --mode all
 * }</pre>
 */
@Command(name = "delays", mixinStandardHelpOptions = true,
        description = {"Learnable synaptic delays (DCLS) on spoken digits (FSDD WAVs -> spikes): no / fixed random / "
                + "learned delays.", "Resumes from the last complete epoch when --out already holds the run.",
                "Writes OUT/<mode>/ checkpoints + delay histograms, OUT/results.json|csv, OUT/metrics.jsonl."})
final class TrainDelaysCommand implements Callable<Integer> {
    /** Which variants to train. */
    enum Mode { none, fixed_random, learned, all }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", description = "FSDD recordings folder ({digit}_{speaker}_{index}.wav; required unless "
            + "OUT already holds the spike cache fsdd_spikes.h5).")
    Path data;

    @Option(names = "--out", defaultValue = "runs/delays", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--mode", defaultValue = "learned", description = "${COMPLETION-CANDIDATES} (all = the three in "
            + "turn; default ${DEFAULT-VALUE}).")
    Mode mode;

    @Option(names = "--epochs", defaultValue = "6", description = "Training epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--hidden", split = ",", defaultValue = "128,128", description = "Hidden layer sizes (default "
            + "${DEFAULT-VALUE}).")
    int[] hidden;

    @Option(names = "--max-delay", defaultValue = "13", description = "Largest delay D in time steps (default "
            + "${DEFAULT-VALUE}).")
    int maxDelay;

    @Option(names = "--dropout", defaultValue = "0.4", description = "Dropout after each hidden layer (default "
            + "${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--tau", defaultValue = "1.005", description = "LIF time constant in steps (default "
            + "${DEFAULT-VALUE}).")
    double tau;

    @Option(names = "--lr", defaultValue = "5e-3", description = "Peak one-cycle learning rate of weights and batch "
            + "norm (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--weight-decay", defaultValue = "1e-5", description = "Weight decay of the synaptic weights "
            + "(default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--lr-positions", defaultValue = "0.1", description = "Learning rate of the delay positions, "
            + "cosine-annealed (default ${DEFAULT-VALUE}).")
    double lrPositions;

    @Option(names = "--sigma-fraction", defaultValue = "0.25", description = "Fraction of the epochs over which the "
            + "kernel sigma decays (default ${DEFAULT-VALUE}).")
    double sigmaFraction;

    @Option(names = "--bin-ms", defaultValue = "20", description = "Time bin in milliseconds (default "
            + "${DEFAULT-VALUE}).")
    double binMs;

    @Option(names = "--max-seconds", defaultValue = "1.0", description = "Crop length in seconds (default "
            + "${DEFAULT-VALUE}).")
    double maxSeconds;

    @Option(names = "--group", defaultValue = "2", description = "Adjacent input channels summed into one input "
            + "(default ${DEFAULT-VALUE}: 280 -> 140).")
    int group;

    @Option(names = "--eval-batch", defaultValue = "100", description = "Evaluation batch size (default "
            + "${DEFAULT-VALUE}).")
    int evalBatch;

    @Option(names = "--seed", defaultValue = "0", description = "Initialisation, dropout and shuffling seed (default "
            + "${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Mixin
    ConfigOption config;

    @Override
    public Integer call() throws IOException {
        // every usage error is found here, before the (slow) spike conversion or loading
        config.apply();
        config.runFolder(out);
        config.require(mode != null, "--mode", "expected none, fixed_random, learned or all", mode);
        config.require(epochs >= 0, "--epochs", "must be >= 0", epochs);
        config.require(batch >= 1, "--batch", "must be >= 1", batch);
        config.require(evalBatch >= 1, "--eval-batch", "must be >= 1", evalBatch);
        config.require(hidden != null && hidden.length > 0 && Arrays.stream(hidden).allMatch(h -> h >= 1),
                "--hidden", "must be layer sizes >= 1", hidden);
        config.require(maxDelay >= 1, "--max-delay", "must be >= 1", maxDelay);
        config.require(dropout >= 0 && dropout < 1, "--dropout", "must be in [0, 1)", dropout);
        config.require(tau >= 1 && Double.isFinite(tau), "--tau", "must be >= 1 (steps)", tau);
        config.require(lr >= 0 && Double.isFinite(lr), "--lr", "must be >= 0", lr);
        config.require(weightDecay >= 0 && Double.isFinite(weightDecay), "--weight-decay", "must be >= 0",
                weightDecay);
        config.require(lrPositions >= 0 && Double.isFinite(lrPositions), "--lr-positions", "must be >= 0",
                lrPositions);
        config.require(sigmaFraction > 0 && sigmaFraction <= 1, "--sigma-fraction", "must be in (0, 1]",
                sigmaFraction);
        config.require(binMs > 0 && Double.isFinite(binMs), "--bin-ms", "must be > 0", binMs);
        config.require(maxSeconds * 1000 >= binMs && Double.isFinite(maxSeconds), "--max-seconds",
                "must be at least one bin (--bin-ms)", maxSeconds);
        config.require(group >= 1, "--group", "must be >= 1", group);
        Delays.Config base;
        try {
            base = new Delays.Config(DelayNet.Mode.LEARNED, hidden, maxDelay, dropout, tau, epochs, batch, lr,
                    weightDecay, lrPositions, sigmaFraction, binMs / 1000, maxSeconds, group, evalBatch, seed);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        boolean cached = Files.isRegularFile(out.resolve("fsdd_spikes.h5"))
                && Files.isRegularFile(out.resolve("fsdd_spikes.files.txt"));
        if (!cached) {
            config.required(data, "--data");
            if (!Files.isDirectory(data)) {
                throw new IllegalStateException(data + ": not a directory (expected the FSDD recordings folder)");
            }
        }

        PrintWriter w = spec.commandLine().getOut();
        long start = System.nanoTime();
        w.printf(Locale.ROOT, "delays: %s, hidden %s, D=%d, %d epochs, batch %d; output %s%n", mode,
                Arrays.toString(hidden), maxDelay, epochs, batch, out.toAbsolutePath());
        w.flush();
        config.save(out);
        Delays.Data d = Delays.loadFsdd(data != null ? data : out, out);
        w.printf(Locale.ROOT, "FSDD spikes: %d train, %d test clips, %d channels, T = %d%n", d.train().size(),
                d.test().size(), d.train().numChannels(), base.timeSteps());
        w.flush();
        List<DelayNet.Mode> modes = mode == Mode.all ? List.of(DelayNet.Mode.values())
                : List.of(DelayNet.Mode.valueOf(mode.name().toUpperCase(Locale.ROOT)));
        ProgressBar bar = new ProgressBar(new PrintWriter(System.err, true));
        List<Delays.Result> rows = new ArrayList<>();
        for (DelayNet.Mode m : modes) {
            rows.add(Delays.run(base.withMode(m), d, out, bar.delays()));
        }
        w.println();
        w.printf(Locale.ROOT, "%-13s %9s %11s %9s %14s %11s %10s%n", "mode", "accuracy", "parameters", "delays",
                "ACs/sample", "energy uJ", "s/epoch");
        for (Delays.Result r : rows) {
            w.printf(Locale.ROOT, "%-13s %8.2f%% %11d %9d %14.4g %11.4f %10.1f%n", r.mode().toLowerCase(Locale.ROOT),
                    100 * r.accuracy(), r.parameters(), r.delays(), r.synapticAcs(), r.energyUj(),
                    r.secondsPerEpoch());
        }
        w.printf(Locale.ROOT, "results: %s (total %.0f s); report: ./snn4j report %s%n",
                out.resolve("results.json").toAbsolutePath(), (System.nanoTime() - start) / 1e9, out);
        w.flush();
        return 0;
    }
}
