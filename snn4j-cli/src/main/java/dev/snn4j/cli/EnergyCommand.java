package dev.snn4j.cli;

import dev.snn4j.data.Idx;
import dev.snn4j.runtime.EnergyReport;
import dev.snn4j.runtime.Session;
import dev.snn4j.runtime.SpikingModel;
import dev.snn4j.runtime.io.Safetensors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * {@code snn4j energy MODEL [--data PATH]}: runs the model in the event-driven runtime over a data set and prints the
 * per-layer table of {@link EnergyReport} (dense MACs, measured ACs and MACs, firing rates, memory, energy measured and
 * analytical).
 *
 * <p>Data: an IDX directory ({@code t10k-images-idx3-ubyte[.gz]}, pixels scaled to [0, 1], run with direct encoding
 * for the model's T), or a safetensors file with a float tensor {@code inputs} of shape {@code [N, ...input]} (direct
 * encoding) or {@code [N, T, ...input]} (sequences, run with their tail steps). Without {@code --data}: random inputs
 * (uniform images, or spike trains at {@code --rate}), said in the output.
 *
 * <pre>{@code
 * ./snn4j energy runs/fmnist/snn-T1 --data ../shared/data/fashion_mnist --limit 500
 * ./snn4j energy out/delays --data clips.safetensors --mac-pj 3.1 --ac-pj 0.1
 * }</pre>
 */
@Command(name = "energy", mixinStandardHelpOptions = true,
        description = {"Per-layer operations, firing rates, memory and energy of a model run in the event-driven "
                + "runtime over a data set (measured and analytical).",
                "MODEL: a runtime directory (graph.json), a .nir file, or a recipe's run / stage / checkpoint "
                        + "directory."})
public final class EnergyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "Runtime directory, .nir file or checkpoint.")
    Path model;

    @Option(names = "--data", description = "IDX directory (t10k-images-idx3-ubyte[.gz]) or a safetensors file "
            + "with a tensor 'inputs' [N, ...] or [N, T, ...]; default: random inputs.")
    Path data;

    @Option(names = "--fsdd", description = "FSDD recordings directory: its test clips binned as the delays recipe "
            + "does (for a delay net).")
    Path fsdd;

    @Option(names = "--fsdd-cache", description = "Where the FSDD spike conversion is cached.")
    Path fsddCache;

    @Option(names = "--limit", defaultValue = "1000", description = "At most this many samples (default "
            + "${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--mac-pj", defaultValue = "4.6", description = "Energy per MAC in pJ (default ${DEFAULT-VALUE}, "
            + "45 nm fp32).")
    double macPj;

    @Option(names = "--ac-pj", defaultValue = "0.9", description = "Energy per AC in pJ (default ${DEFAULT-VALUE}, "
            + "45 nm fp32).")
    double acPj;

    @Option(names = {"-T", "--time-steps"}, defaultValue = "0", description = "Time steps for direct encoding and "
            + "random sequences (default: the model's).")
    int timeSteps;

    @Option(names = "--rate", defaultValue = "0.05", description = "Spike probability of random sequence inputs "
            + "(default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--dt", description = "Time step in seconds for a NIR model without 'dt' metadata.")
    Double dt;

    @Option(names = "--normalize", defaultValue = "train", description = "IDX pixels: 'train' = (p/255 - mean) / "
            + "std with the statistics of the directory's train-images (what the IIR recipe trains on; default), "
            + "'none' = p/255.")
    String normalize;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of random inputs (default ${DEFAULT-VALUE}).")
    long seed;

    private String normalized = "";

    @Override
    public void run() {
        CommandLine cl = spec.commandLine();
        PrintWriter out = cl.getOut();
        if (limit < 1 || timeSteps < 0 || !(macPj >= 0) || !(acPj >= 0) || !(rate >= 0 && rate <= 1)) {
            throw new CommandLine.ParameterException(cl, "need --limit >= 1, --time-steps >= 0, --mac-pj and --ac-pj "
                    + ">= 0, --rate in [0, 1]");
        }
        try {
            SpikingModel m = ModelSources.runtimeModel(model, dt, timeSteps, out);
            int t = timeSteps > 0 ? timeSteps : m.timeSteps();
            Session s = m.newSession();
            int n;
            String what;
            if (fsdd != null) {
                float[][][] clips = RuntimeBenchCommand.fsddClips(fsdd, fsddCache, limit);
                if (clips[0][0].length != m.inputSize()) {
                    throw new IOException(fsdd + ": clips have " + clips[0][0].length + " channels, the model takes "
                            + m.inputSize());
                }
                for (float[][] c : clips) {
                    s.runSequence(c);
                }
                n = clips.length;
                what = "FSDD test clips from " + fsdd;
            } else if (data == null) {
                n = runRandom(m, s, t);
                what = "RANDOM inputs (" + (m.inputShape().length == 3 ? "uniform images" : String.format(Locale.ROOT,
                        "spike trains at rate %.3g, T=%d", rate, t)) + "; pass --data for real ones)";
            } else if (Files.isDirectory(data)) {
                n = runIdx(m, s, t);
                what = "IDX images from " + data + normalized + ", direct encoding T=" + t;
            } else {
                n = runSafetensors(m, s, t);
                what = "inputs from " + data;
            }
            out.printf(Locale.ROOT, "energy: %s, input %s, %d samples: %s%n", model, Arrays.toString(m.inputShape()),
                    n, what);
            out.print(EnergyReport.of(m, s.stats(), n, macPj, acPj).table());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    private int runRandom(SpikingModel m, Session s, int t) {
        Random r = new Random(seed);
        int n = Math.min(limit, 32);
        for (int i = 0; i < n; i++) {
            if (m.inputShape().length == 3) {
                float[] x = new float[m.inputSize()];
                for (int j = 0; j < x.length; j++) {
                    x[j] = r.nextFloat();
                }
                s.run(x, t);
            } else {
                float[][] f = new float[t][m.inputSize()];
                for (float[] row : f) {
                    for (int j = 0; j < row.length; j++) {
                        row[j] = r.nextDouble() < rate ? 1f : 0f;
                    }
                }
                s.runSequence(f);
            }
        }
        return n;
    }

    private int runIdx(SpikingModel m, Session s, int t) throws IOException {
        Path f = data.resolve("t10k-images-idx3-ubyte.gz");
        if (!Files.exists(f)) {
            f = data.resolve("t10k-images-idx3-ubyte");
        }
        if (!Files.exists(f)) {
            throw new IOException(data + ": no t10k-images-idx3-ubyte[.gz] (expected an IDX data directory)");
        }
        Idx.Array a = Idx.read(f);
        if (a.itemSize() != m.inputSize()) {
            throw new IOException(f + ": images of " + a.itemSize() + " pixels " + Arrays.toString(a.shape())
                    + " but the model takes " + Arrays.toString(m.inputShape()));
        }
        float mean = 0f;
        float std = 1f;
        if (normalize.equals("train")) {
            Path tr = data.resolve("train-images-idx3-ubyte.gz");
            if (!Files.exists(tr)) {
                tr = data.resolve("train-images-idx3-ubyte");
            }
            if (!Files.exists(tr)) {
                throw new IOException(data + ": no train-images-idx3-ubyte[.gz] for the normalisation statistics "
                        + "(use --normalize none)");
            }
            // the same statistics as ImageDataset.channelStats (one channel)
            byte[] px = Idx.read(tr).data();
            double sum = 0;
            double sq = 0;
            for (byte b : px) {
                double v = (b & 0xff) / 255.0;
                sum += v;
                sq += v * v;
            }
            double mu = sum / px.length;
            mean = (float) mu;
            std = (float) Math.sqrt(Math.max(sq / px.length - mu * mu, 1e-12));
        } else if (!normalize.equals("none")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--normalize must be 'train' or 'none', got '"
                    + normalize + "'");
        }
        int n = Math.min(limit, a.shape()[0]);
        float[] x = new float[a.itemSize()];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < x.length; j++) {
                x[j] = ((a.data()[i * x.length + j] & 0xFF) / 255f - mean) / std;
            }
            s.run(x, t);
        }
        normalized = normalize.equals("train") ? String.format(Locale.ROOT, " (normalised: mean %.4f, std %.4f of "
                + "the train images)", mean, std) : " (p/255)";
        return n;
    }

    private int runSafetensors(SpikingModel m, Session s, int t) throws IOException {
        Safetensors.Contents c = Safetensors.read(data);
        Safetensors.Tensor in = c.tensors().get("inputs");
        if (in == null) {
            throw new IOException(data + ": no tensor 'inputs' (expected [N, ...input] or [N, T, ...input]; found "
                    + c.tensors().keySet() + ")");
        }
        long[] sh = in.shape();
        int per = m.inputSize();
        long rest = 1;
        for (int i = 1; i < sh.length; i++) {
            rest *= sh[i];
        }
        if (sh.length < 2 || rest % per != 0) {
            throw new IOException(data + ": tensor 'inputs' has shape " + Arrays.toString(sh) + "; expected [N, "
                    + "...input] or [N, T, ...input] with input " + Arrays.toString(m.inputShape()));
        }
        float[] v = in.toFloatArray();
        int steps = (int) (rest / per);
        boolean sequences = rest != per || sh.length == m.inputShape().length + 2;
        int n = (int) Math.min(limit, sh[0]);
        for (int i = 0; i < n; i++) {
            if (sequences) {
                float[][] f = new float[steps][];
                for (int k = 0; k < steps; k++) {
                    int off = (int) ((i * rest) + (long) k * per);
                    f[k] = Arrays.copyOfRange(v, off, off + per);
                }
                s.runSequence(f);
            } else {
                s.run(Arrays.copyOfRange(v, i * per, (i + 1) * per), t);
            }
        }
        return n;
    }
}
