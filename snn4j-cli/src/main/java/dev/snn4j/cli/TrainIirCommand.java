package dev.snn4j.cli;

import dev.snn4j.data.CifarLoader;
import dev.snn4j.data.ImageDataset;
import dev.snn4j.data.MnistLoader;
import dev.snn4j.recipe.IirSnn;
import dev.snn4j.report.IirReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code snn4j train iir}: the IIR-SNN pipeline (ANN, BN folding, percentile thresholds, SNN at T = 5 down to 1) on an
 * MNIST-format folder or CIFAR-10; prints the per-stage table and writes a report. Re-running with the same
 * {@code --out} resumes from the last complete epoch.
 *
 * <pre>{@code
 * ./snn4j train iir --data ../shared/data/fashion_mnist --out runs/fmnist
 * ./snn4j train iir --data ../shared/data/cifar10_jpg --format cifar --model vgg5 --augment --out runs/cifar
 * ./snn4j train iir --config docs/configs/iir.json --stage-epochs 2     # file values, one flag overridden
 * }</pre>
 */
@Command(name = "iir", mixinStandardHelpOptions = true,
        description = {"IIR-SNN: train an ANN, convert it, train the SNN at T=5 and retrain it at T=4..1.",
                "Resumes from the last complete epoch when --out already holds a run."})
final class TrainIirCommand implements Callable<Integer> {
    /** Input layout. */
    enum Format { mnist, cifar }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", description = "Folder with the data set (required).")
    Path data;

    @Option(names = "--format", defaultValue = "mnist", description = "${COMPLETION-CANDIDATES}: four MNIST-format IDX "
            + "files (gzip or not), or CIFAR-10 binary batches / <split>/<class>/ image folders (default "
            + "${DEFAULT-VALUE}).")
    Format format;

    @Option(names = "--out", defaultValue = "runs/iir", description = "Output folder: checkpoints per stage and the "
            + "report (default ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    IirOptions options;

    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws IOException {
        config.apply();
        config.required(data, "--data");
        config.runFolder(out);
        options.validate(config);
        ImageDataset train;
        ImageDataset test;
        if (format == Format.cifar) {
            train = CifarLoader.load(data, CifarLoader.Split.TRAIN);
            test = CifarLoader.load(data, CifarLoader.Split.TEST);
        } else {
            train = MnistLoader.load(data, true);
            test = MnistLoader.load(data, false);
        }
        IirSnn.Config cfg = options.toConfig(config, train.channels(), train.height(), train.classes().size());
        config.save(out);
        return runAndReport(cfg, train, test, out, data.getFileName() + " (" + train.size() + " train / "
                + test.size() + " test)", spec.commandLine().getOut());
    }

    /** Runs the recipe, prints the table and writes the report; shared with {@code demo}. */
    static int runAndReport(IirSnn.Config cfg, ImageDataset train, ImageDataset test, Path out, String dataName,
                            PrintWriter stdout) throws IOException {
        stdout.printf("IIR-SNN on %s: model %s %s fc %s, batch %d, ANN %d epochs, SNN stages T=%s epochs %s; output %s%n",
                dataName, cfg.model().name(), cfg.model().features(), java.util.Arrays.toString(cfg.model().hidden()),
                cfg.batch(), cfg.annEpochs(), java.util.Arrays.toString(cfg.steps()),
                java.util.Arrays.toString(cfg.stageEpochs()), out.toAbsolutePath());
        stdout.flush();
        long start = System.nanoTime();
        List<IirSnn.StageResult> rows = IirSnn.run(cfg, train, test, out,
                new ProgressBar(new PrintWriter(System.err, true)));
        stdout.println();
        stdout.print(IirReport.table(rows));
        Path report = IirReport.write(out, dataName, rows);
        stdout.printf("report: %s (total %.0f s); HTML report with raster: ./snn4j eval %s && ./snn4j report %s%n",
                report.toAbsolutePath(), (System.nanoTime() - start) / 1e9, out, out);
        stdout.flush();
        return 0;
    }
}
