package dev.snn4j.cli;

import dev.snn4j.recipe.Delta;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code snn4j train delta}: the Delta Activation Layer recipe ({@link Delta}): the same time-distributed CNN trained
 * (a) without and (b) with the delta sparsity loss on N-MNIST events or moving-digit videos, then accuracy, temporal
 * and spatial sparsity per layer, delta-driven vs dense operations and batch-1 timings. Checkpoints per variant under
 * {@code --out} ({@code <dataset>-a-no-sparsity-loss/}, {@code <dataset>-b-sparsity-loss/}); re-running resumes.
 *
 * <pre>{@code
 * ./snn4j train delta --dataset nmnist --data ../shared/data/nmnist_small --epochs 8 --sp 1.0 --out runs/delta
 * ./snn4j train delta --dataset moving --data ../shared/data/fashion_mnist --train-clips 2000 --test-clips 500
 * }</pre>
 */
@Command(name = "delta", mixinStandardHelpOptions = true,
        description = {"Delta activation: a CNN trained without and with the delta sparsity loss on N-MNIST or "
                + "moving digits;", "reports accuracy, sparsity per layer and delta-driven vs dense operations. "
                + "Resumes when --out holds the run.",
                "Writes OUT/<dataset>-results.md|json, <dataset>-sparsity.png, metrics.jsonl, checkpoints."})
final class TrainDeltaCommand implements Callable<Integer> {
    /** Input data. */
    enum Dataset { nmnist, moving }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dataset", defaultValue = "nmnist", description = "${COMPLETION-CANDIDATES}: N-MNIST event "
            + "files (<id>.bs2 + train1K.txt/test100.txt) or moving-digit videos from MNIST-format IDX files "
            + "(default ${DEFAULT-VALUE}).")
    Dataset dataset;

    @Option(names = "--data", description = "Data folder (required): nmnist_small, or the four gzip IDX files.")
    Path data;

    @Option(names = "--out", defaultValue = "runs/delta", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--frames", description = "Time steps per clip (default 10 for nmnist, 8 for moving).")
    Integer frames;

    @Option(names = "--train-clips", description = "Training clips (default 1000 for nmnist, 3000 for moving).")
    Integer trainClips;

    @Option(names = "--test-clips", description = "Test clips (default 100 for nmnist, 1000 for moving).")
    Integer testClips;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs per variant (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "32", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate of the weights, cosine to 0 "
            + "(default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--theta-lr", defaultValue = "1e-4", description = "Learning rate of the quantisation steps "
            + "(default ${DEFAULT-VALUE}).")
    double thetaLr;

    @Option(names = "--sp", defaultValue = "0.5", description = "Weight of the delta sparsity loss in variant (b) "
            + "(default ${DEFAULT-VALUE}).")
    double sp;

    @Option(names = "--theta0", defaultValue = "0.05", description = "Initial quantisation step (default "
            + "${DEFAULT-VALUE}).")
    double theta0;

    @Option(names = "--timed-clips", defaultValue = "50", description = "Test clips timed at batch 1, delta vs dense "
            + "(default ${DEFAULT-VALUE}).")
    int timedClips;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Mixin
    ConfigOption config;

    @Override
    public Integer call() throws IOException {
        config.apply();
        config.required(data, "--data");
        config.require(out != null, "--out", "must be a folder", out);
        config.require(dataset != null, "--dataset", "expected nmnist or moving", dataset);
        boolean nm = dataset == Dataset.nmnist;
        int f = frames != null ? frames : nm ? 10 : 8;
        int tr = trainClips != null ? trainClips : nm ? 1000 : 3000;
        int te = testClips != null ? testClips : nm ? 100 : 1000;
        config.require(f >= 1, "--frames", "must be >= 1", f);
        config.require(tr >= 1, "--train-clips", "must be >= 1", tr);
        config.require(te >= 1, "--test-clips", "must be >= 1", te);
        config.require(epochs >= 0, "--epochs", "must be >= 0", epochs);
        config.require(batch >= 1 && batch <= tr, "--batch", "must be in [1, --train-clips]", batch);
        config.require(lr > 0 && Double.isFinite(lr), "--lr", "must be > 0", lr);
        config.require(thetaLr >= 0 && Double.isFinite(thetaLr), "--theta-lr", "must be >= 0", thetaLr);
        config.require(sp > 0 && Double.isFinite(sp), "--sp", "must be > 0 (variant (a) is the one without the loss)",
                sp);
        config.require(theta0 > 0 && Double.isFinite(theta0), "--theta0", "must be > 0", theta0);
        config.require(timedClips >= 0, "--timed-clips", "must be >= 0", timedClips);
        if (!Files.isDirectory(data)) {
            throw new IllegalStateException(data + ": not a directory (expected the " + (nm ? "N-MNIST" : "IDX")
                    + " data folder)");
        }
        Delta.Config cfg = new Delta.Config(dataset.name(), data, out, f, tr, te, epochs, batch, lr, thetaLr, sp,
                theta0, seed, timedClips);
        PrintWriter w = spec.commandLine().getOut();
        long start = System.nanoTime();
        w.printf(Locale.ROOT, "delta: %s from %s, %d frames, %d epochs, batch %d, sp %g; output %s%n", dataset, data,
                f, epochs, batch, sp, out.toAbsolutePath());
        w.flush();
        config.save(out);
        List<Delta.Result> rows = Delta.run(cfg, new ProgressBar(new PrintWriter(System.err, true)).delta());
        w.println();
        w.print(Delta.table(cfg, rows));
        w.printf(Locale.ROOT, "results: %s (total %.0f s); report: ./snn4j report %s%n",
                out.resolve(dataset + "-results.md").toAbsolutePath(), (System.nanoTime() - start) / 1e9, out);
        w.flush();
        return 0;
    }
}
