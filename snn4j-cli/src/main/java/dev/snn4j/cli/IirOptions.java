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
    void validate(CommandLine cl) {
        int[] e = stageEpochs != null ? stageEpochs : new int[] {0};
        if (batch < 1 || annEpochs < 0 || Arrays.stream(e).anyMatch(x -> x < 0)) {
            throw new CommandLine.ParameterException(cl, "--batch must be >= 1 and epochs >= 0");
        }
        if (!(lr > 0) || !(annLr > 0)) {
            throw new CommandLine.ParameterException(cl, "--lr and --ann-lr must be > 0, got " + lr + ", " + annLr);
        }
        if (!(percentile > 0 && percentile < 1)) {
            throw new CommandLine.ParameterException(cl, "--percentile must be in (0, 1), got " + percentile);
        }
        if (!(width > 0)) {
            throw new CommandLine.ParameterException(cl, "--width must be > 0, got " + width);
        }
        if (steps != null && (steps.length == 0 || Arrays.stream(steps).anyMatch(t -> t < 1))) {
            throw new CommandLine.ParameterException(cl, "--steps must be time steps >= 1, got "
                    + Arrays.toString(steps));
        }
        if (model != null && !java.util.List.of("small28", "tiny", "vgg5", "vgg11", "vgg16").contains(model)) {
            throw new CommandLine.ParameterException(cl, "unknown --model '" + model
                    + "' (expected small28, tiny, vgg5, vgg11 or vgg16)");
        }
    }

    IirSnn.Config toConfig(CommandLine cl, int channels, int size, int classes) {
        validate(cl);
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
