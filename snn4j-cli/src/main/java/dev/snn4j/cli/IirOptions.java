package dev.snn4j.cli;

import dev.snn4j.energy.EnergyModel;
import dev.snn4j.model.VggConfig;
import dev.snn4j.recipe.IirSnn;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.Arrays;

/** The IIR-SNN recipe's options, shared by {@code train iir} and {@code demo} (which only changes the defaults). */
final class IirOptions {
    @Option(names = "--model", description = "Network: small28, vgg5, vgg11, vgg16, tiny (default: small28 for "
            + "28x28 images, vgg5 otherwise).")
    String model;

    @Option(names = "--width", defaultValue = "1.0", description = "Scale all layer widths (default ${DEFAULT-VALUE}).")
    double width;

    @Option(names = "--steps", split = ",", description = "Time steps of the SNN stages (default 5,4,3,2,1).")
    int[] steps;

    @Option(names = "--stage-epochs", split = ",", description = "SNN epochs per stage (default 10,5,5,5,5).")
    int[] stageEpochs;

    @Option(names = "--ann-epochs", defaultValue = "10", description = "ANN epochs (default ${DEFAULT-VALUE}).")
    int annEpochs;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--ann-lr", defaultValue = "1e-3", description = "ANN Adam learning rate (default ${DEFAULT-VALUE}).")
    double annLr;

    @Option(names = "--lr", defaultValue = "1e-4", description = "SNN Adam (amsgrad) learning rate (default "
            + "${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--percentile", defaultValue = "0.90", description = "Threshold percentile (default "
            + "${DEFAULT-VALUE}).")
    double percentile;

    @Option(names = "--augment", description = "Random crop (padding 4) and horizontal flips (CIFAR).")
    boolean augment;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--latency-images", defaultValue = "200", description = "Images timed at batch 1 (default "
            + "${DEFAULT-VALUE}).")
    int latencyImages;

    /** Checks the values that do not depend on the data, so usage errors are reported before any data is read. */
    void validate(ConfigOption c) {
        c.require(batch >= 1, "--batch", "must be >= 1", batch);
        c.require(annEpochs >= 0, "--ann-epochs", "must be >= 0", annEpochs);
        c.require(stageEpochs == null || (stageEpochs.length > 0 && Arrays.stream(stageEpochs).allMatch(x -> x >= 0)),
                "--stage-epochs", "must be epochs >= 0", stageEpochs);
        c.require(lr > 0 && Double.isFinite(lr), "--lr", "must be > 0", lr);
        c.require(annLr > 0 && Double.isFinite(annLr), "--ann-lr", "must be > 0", annLr);
        c.require(percentile > 0 && percentile < 1, "--percentile", "must be in (0, 1)", percentile);
        c.require(width > 0 && Double.isFinite(width), "--width", "must be > 0", width);
        c.require(latencyImages >= 0, "--latency-images", "must be >= 0", latencyImages);
        c.require(steps == null || (steps.length > 0 && Arrays.stream(steps).allMatch(t -> t >= 1)), "--steps",
                "must be time steps >= 1", steps);
        c.require(model == null || java.util.List.of("small28", "tiny", "vgg5", "vgg11", "vgg16").contains(model),
                "--model", "expected small28, tiny, vgg5, vgg11 or vgg16", model);
        int t = steps != null ? steps.length : 5;
        c.require(stageEpochs == null || stageEpochs.length == 1 || stageEpochs.length == t, "--stage-epochs",
                "needs one value or one per time step of --steps (" + t + ")", stageEpochs);
    }

    IirSnn.Config toConfig(ConfigOption c, int channels, int size, int classes) {
        validate(c);
        CommandLine cl = c.spec.commandLine();
        String name = model != null ? model : (size == 28 ? "small28" : "vgg5");
        VggConfig base = switch (name) {
            case "small28" -> VggConfig.small28(classes);
            case "tiny" -> new VggConfig("tiny", channels, size, java.util.List.of("16", "A", "32", "A"),
                    new int[] {128}, classes, 0.1);
            case "vgg5" -> VggConfig.vgg5(channels, size, classes);
            case "vgg11" -> VggConfig.vgg11(channels, size, classes);
            case "vgg16" -> VggConfig.vgg16(channels, size, classes);
            default -> throw new CommandLine.ParameterException(cl, "unknown --model '" + name
                    + "' (expected small28, tiny, vgg5, vgg11 or vgg16)");
        };
        if (base.inChannels() != channels || base.imageSize() != size) {
            base = new VggConfig(base.name(), channels, size, base.features(), base.hidden(), classes, base.dropout());
        }
        VggConfig cfg = width == 1.0 ? base : base.scaled(width, base.name() + "-x" + width);
        int[] t = steps != null ? steps : new int[] {5, 4, 3, 2, 1};
        int[] e = stageEpochs != null ? stageEpochs : new int[] {10, 5, 5, 5, 5};
        if (e.length == 1 && t.length > 1) {
            e = new int[t.length];
            Arrays.fill(e, stageEpochs[0]);
        }
        try {
            return new IirSnn.Config(cfg, batch, annEpochs, annLr, t, e, lr, percentile, 0.3, 512, seed,
                    augment ? 4 : 0, augment, 200, latencyImages, EnergyModel.CMOS45_FP32);
        } catch (IllegalArgumentException ex) {
            throw new CommandLine.ParameterException(cl, ex.getMessage());
        }
    }
}
