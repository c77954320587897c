package dev.snn4j.cli;

import dev.snn4j.delta.DeltaSparsity;
import dev.snn4j.layer.DeltaActivation;
import dev.snn4j.recipe.Delta;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code snn4j train delta}: the Delta Activation Layer recipe ({@link Delta}): the same time-distributed CNN trained
 * (a) without and (b) with the delta sparsity loss on N-MNIST events or moving-digit videos, then accuracy, temporal
 * and spatial sparsity per layer, delta-driven vs dense operations and batch-1 timings. Each (b) is trained from scratch
 * like (a), or with {@code --finetune-epochs N} fine-tuned from (a)'s final checkpoint together with an sp 0 control of
 * the same budget; {@code --sweep} gives several sparsity rates. Checkpoints per variant under {@code --out}
 * ({@code <dataset>-a-no-sparsity-loss/}, {@code <dataset>-b-sp1/}, {@code <dataset>-b-sp0-ft4-lr0.0001/}, ...);
 * re-running resumes.
 *
 * <pre>{@code
 * ./snn4j train delta --dataset nmnist --data ../shared/data/nmnist_small --epochs 8 --sp 1.0 --out runs/delta
 * ./snn4j train delta --dataset nmnist --data ../shared/data/nmnist_small --epochs 8 --finetune-epochs 4 \
 *     --sweep 1,4 --sp-norm activity --out runs/delta-ft
 * }</pre>
 */
@Command(name = "delta", mixinStandardHelpOptions = true,
        description = {"Delta activation: a CNN trained without and with the delta sparsity loss on N-MNIST or "
                + "moving digits",
                "(from scratch, or fine-tuned from the first with an sp 0 control: --finetune-epochs);", "reports accuracy, sparsity per layer and delta-driven vs dense operations. "
                + "Resumes when --out holds the run.",
                "Writes OUT/<dataset>-results.md|json, <dataset>-sparsity.png, metrics.jsonl, checkpoints."})
final class TrainDeltaCommand implements Callable<Integer> {
    /** Input data. */
    enum Dataset { nmnist, moving }

    /** Thetas per DeltaActivation ({@link DeltaActivation.Granularity}). */
    enum Granularity { layer, channel, neuron }

    /** Scaling of the sparsity loss ({@link DeltaSparsity.Normalisation}). */
    enum SpNorm { numel, activity }

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

    @Option(names = "--sp", description = "Weight of the delta sparsity loss in variant (b) (default 0.5; or "
            + "--sweep).")
    Double sp;

    @Option(names = "--sweep", split = ",", description = "Several sparsity-loss weights, one (b) variant each "
            + "(e.g. 1,4; instead of --sp).")
    double[] sweep;

    @Option(names = "--theta0", defaultValue = "0.05", description = "Initial quantisation step (default "
            + "${DEFAULT-VALUE}).")
    double theta0;

    @Option(names = "--granularity", defaultValue = "channel", description = "Quantisation steps per DeltaActivation:"
            + " ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Granularity granularity;

    @Option(names = "--finetune-epochs", defaultValue = "0", description = "0: each (b) from scratch like (a); N: each "
            + "(b) fine-tuned N epochs from (a)'s final checkpoint, plus an sp 0 control (default ${DEFAULT-VALUE}).")
    int finetuneEpochs;

    @Option(names = "--finetune-lr", description = "Weight learning rate while fine-tuning, cosine to 0 (default: "
            + "--lr / 10).")
    Double finetuneLr;

    @Option(names = "--finetune-theta-lr", description = "Theta learning rate while fine-tuning (default: --theta-lr).")
    Double finetuneThetaLr;

    @Option(names = "--theta-scale", defaultValue = "1", description = "Fine-tuning: multiply (a)'s thetas by this "
            + "first (coarser steps; default ${DEFAULT-VALUE}).")
    double thetaScale;

    @Option(names = "--control", arity = "1", defaultValue = "true", description = "Fine-tuning: also fine-tune (a) "
            + "with sp 0 and the same budget as the fair reference: true or false (default ${DEFAULT-VALUE}).")
    boolean control;

    @Option(names = "--sp-norm", defaultValue = "numel", description = "Scaling of each layer's L1 delta term: "
            + "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    SpNorm spNorm;

    @Option(names = "--layer-weights", split = ",", description = "Weight of each DeltaActivation's sparsity term in "
            + "forward order, three numbers (e.g. 4,1,1; default all 1).")
    double[] layerWeights;

    @Option(names = "--sp-theta-grad", arity = "1", defaultValue = "true", description = "Whether the sparsity loss's "
            + "gradient reaches the quantisation steps: true or false (default ${DEFAULT-VALUE}).")
    boolean spThetaGrad;

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
        config.runFolder(out);
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
        if (sp != null && sweep != null) {
            // one from the file, the other on the command line: the command line wins
            if (config.fromFile("--sp") && !config.fromFile("--sweep")) {
                sp = null;
            } else if (config.fromFile("--sweep") && !config.fromFile("--sp")) {
                sweep = null;
            } else {
                config.require(false, "--sweep", "give --sp or --sweep, not both", Arrays.toString(sweep));
            }
        }
        double[] rates = sweep != null ? sweep : new double[] {sp != null ? sp : 0.5};
        String rateOption = sweep != null ? "--sweep" : "--sp";
        config.require(rates.length >= 1, rateOption, "needs at least one sparsity-loss weight",
                Arrays.toString(rates));
        for (double r : rates) {
            config.require(r > 0 && Double.isFinite(r), rateOption, "each weight must be > 0 (variant (a), and the "
                    + "fine-tuned control, are the ones without the loss)", sweep != null ? Arrays.toString(rates) : r);
        }
        config.require(Arrays.stream(rates).distinct().count() == rates.length, rateOption,
                "weights must differ", Arrays.toString(rates));
        config.require(theta0 > 0 && Double.isFinite(theta0), "--theta0", "must be > 0", theta0);
        config.require(granularity != null, "--granularity", "expected layer, channel or neuron", granularity);
        config.require(spNorm != null, "--sp-norm", "expected numel or activity", spNorm);
        config.require(finetuneEpochs >= 0, "--finetune-epochs", "must be >= 0", finetuneEpochs);
        boolean ft = finetuneEpochs > 0;
        config.require(!ft || epochs >= 1, "--epochs", "must be >= 1 with --finetune-epochs (the fine-tuning starts "
                + "from (a)'s final checkpoint)", epochs);
        config.require(finetuneLr == null || ft, "--finetune-lr", "only applies with --finetune-epochs > 0",
                finetuneLr);
        config.require(finetuneThetaLr == null || ft, "--finetune-theta-lr", "only applies with --finetune-epochs > 0",
                finetuneThetaLr);
        config.require(thetaScale == 1 || ft, "--theta-scale", "only applies with --finetune-epochs > 0", thetaScale);
        config.require(control || ft, "--control", "only applies with --finetune-epochs > 0", control);
        double ftLr = finetuneLr != null ? finetuneLr : lr / 10;
        double ftThetaLr = finetuneThetaLr != null ? finetuneThetaLr : thetaLr;
        config.require(ftLr >= 0 && Double.isFinite(ftLr), "--finetune-lr", "must be >= 0", ftLr);
        config.require(ftThetaLr >= 0 && Double.isFinite(ftThetaLr), "--finetune-theta-lr", "must be >= 0",
                ftThetaLr);
        config.require(thetaScale > 0 && Double.isFinite(thetaScale), "--theta-scale", "must be > 0", thetaScale);
        double[] weights = layerWeights != null ? layerWeights : new double[0];
        config.require(layerWeights == null || weights.length == Delta.DELTA_LAYERS, "--layer-weights",
                "expected " + Delta.DELTA_LAYERS + " numbers, one per DeltaActivation", Arrays.toString(weights));
        for (double x : weights) {
            config.require(x >= 0 && Double.isFinite(x), "--layer-weights", "each weight must be >= 0",
                    Arrays.toString(weights));
        }
        config.require(timedClips >= 0, "--timed-clips", "must be >= 0", timedClips);
        if (!Files.isDirectory(data)) {
            throw new IllegalStateException(data + ": not a directory (expected the " + (nm ? "N-MNIST" : "IDX")
                    + " data folder)");
        }
        Delta.Config cfg = new Delta.Config(dataset.name(), data, out, f, tr, te, epochs, batch, lr, thetaLr, rates,
                theta0, DeltaActivation.Granularity.valueOf(granularity.name().toUpperCase(Locale.ROOT)),
                finetuneEpochs, ftLr, ftThetaLr, thetaScale, control,
                DeltaSparsity.Normalisation.valueOf(spNorm.name().toUpperCase(Locale.ROOT)), weights, spThetaGrad, seed,
                timedClips);
        PrintWriter w = spec.commandLine().getOut();
        long start = System.nanoTime();
        w.printf(Locale.ROOT, "delta: %s from %s, %d frames, %d epochs, batch %d, sp %s%s; output %s%n", dataset, data,
                f, epochs, batch, Arrays.toString(rates), ft ? String.format(Locale.ROOT,
                        ", fine-tuned %d epochs from (a)%s", finetuneEpochs, control ? " with an sp 0 control" : "")
                        : "", out.toAbsolutePath());
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
