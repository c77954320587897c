package dev.snn4j.cli;

import dev.snn4j.data.ImageDataset;
import dev.snn4j.data.MnistLoader;
import dev.snn4j.recipe.IirSnn;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code snn4j demo}: the project's main job. Runs the whole IIR-SNN pipeline (ANN, batch-norm folding, percentile
 * thresholds, SNN at T = 5 then retrained down to T = 1) on the Fashion-MNIST subset bundled in
 * {@code data/fashion-mnist-small}, prints the per-stage table (accuracy, latency, firing rates, operations, energy)
 * and writes a report with the accuracy-vs-T chart. Same options as {@code train iir}, with smaller defaults.
 *
 * <pre>{@code
 * ./snn4j demo
 * ./snn4j demo --stage-epochs 4 --out runs/demo2
 * ./snn4j demo --config docs/configs/demo.json
 * }</pre>
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The main job: IIR-SNN (T=5 down to T=1) on the bundled Fashion-MNIST subset",
                "(5000 train / 1000 test images); prints the table and writes a report. A few minutes on 2 cores."})
final class DemoCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", description = "MNIST-format folder (default: data/fashion-mnist-small of the checkout).")
    Path data;

    @Option(names = "--out", defaultValue = "runs/demo", description = "Output folder (default ${DEFAULT-VALUE}); "
            + "an existing run there is resumed, so delete it to start over.")
    Path out;

    @Mixin
    IirOptions options;

    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws IOException {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        // demo defaults: a small net and short stages, so the whole pipeline fits in a few minutes on 2 cores
        if (!parsed.hasMatchedOption("--model")) {
            options.model = "tiny";
        }
        if (!parsed.hasMatchedOption("--ann-epochs")) {
            options.annEpochs = 3;
        }
        if (!parsed.hasMatchedOption("--stage-epochs")) {
            options.stageEpochs = new int[] {2, 1, 1, 1, 2};
        }
        if (!parsed.hasMatchedOption("--latency-images")) {
            options.latencyImages = 100;
        }
        if (!parsed.hasMatchedOption("--lr")) {
            options.lr = 5e-4;
        }
        if (data == null) {
            data = Path.of(System.getProperty("snn4j.home", "."), "data", "fashion-mnist-small");
        }
        config.apply();   // after the demo defaults: precedence defaults < config file < command line
        config.runFolder(out);
        options.validate(config);
        Path dir = data;
        ImageDataset train = MnistLoader.load(dir, true);
        ImageDataset test = MnistLoader.load(dir, false);
        IirSnn.Config cfg = options.toConfig(config, 1, train.height(), train.classes().size());
        config.save(out);
        return TrainIirCommand.runAndReport(cfg, train, test, out,
                "Fashion-MNIST subset (" + train.size() + " train / " + test.size() + " test)",
                spec.commandLine().getOut());
    }
}
