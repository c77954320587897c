package dev.snn4j.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.snn4j.data.Idx;
import dev.snn4j.encode.DirectEncoder;
import dev.snn4j.encode.Encoder;
import dev.snn4j.encode.PoissonEncoder;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.MeanOverTime;
import dev.snn4j.layer.Sequential;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Tensors;
import dev.snn4j.surrogate.ATan;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * {@code snn4j demo}: trains a small spiking MLP (784-H-10, LIF, output spike counts as logits, cross-entropy, Adam) on
 * the Fashion-MNIST subset bundled in {@code data/fashion-mnist-small} and reports per-epoch loss and accuracy and the
 * final test accuracy.
 *
 * <pre>{@code
 * ./snn4j demo --epochs 3 --time-steps 8 --encoding poisson
 * }</pre>
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Train a small spiking MLP (784-H-10, LIF, T steps) on the bundled Fashion-MNIST subset",
                "(5000 train / 1000 test images) and print per-epoch loss / accuracy and the test accuracy."})
public final class DemoCommand implements Runnable {
    private static final int CLASSES = 10;
    private static final int EVAL_BATCH = 500;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", description = "Directory with train-/t10k- images and labels IDX files "
            + "(default: data/fashion-mnist-small of the snn4j checkout).")
    Path data;

    @Option(names = {"-e", "--epochs"}, defaultValue = "5", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = {"-T", "--time-steps"}, defaultValue = "8", description = "Time steps (default ${DEFAULT-VALUE}).")
    int timeSteps;

    @Option(names = {"-b", "--batch"}, defaultValue = "64", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--hidden", defaultValue = "256", description = "Hidden LIF neurons (default ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--encoding", defaultValue = "direct",
            description = "Input encoding: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Encoding encoding;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    /** How pixels become a time sequence. */
    enum Encoding { direct, poisson }

    @Override
    public void run() {
        for (Object[] o : new Object[][] {{"--epochs", epochs}, {"--time-steps", timeSteps}, {"--batch", batch},
                {"--hidden", hidden}}) {
            if ((Integer) o[1] < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "Invalid value for option '" + o[0] + "': must be >= 1, got " + o[1]);
            }
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Invalid value for option '--lr': must be a positive number, got " + lr);
        }
        Path dir = data != null ? data : defaultData();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("data directory not found: " + dir + " (give one with --data)");
        }
        try {
            train(dir, spec.commandLine().getOut());
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** {@code data/fashion-mnist-small} under the checkout the launcher runs from ({@code snn4j.home}), or the cwd. */
    private static Path defaultData() {
        String home = System.getProperty("snn4j.home", ".");
        return Path.of(home, "data", "fashion-mnist-small");
    }

    private void train(Path dir, PrintWriter out) throws IOException {
        long start = System.nanoTime();
        Idx.Labelled train = Idx.readLabelled(dir.resolve("train-images-idx3-ubyte.gz"),
                dir.resolve("train-labels-idx1-ubyte.gz"));
        Idx.Labelled test = Idx.readLabelled(dir.resolve("t10k-images-idx3-ubyte.gz"),
                dir.resolve("t10k-labels-idx1-ubyte.gz"));
        checkLabels(train, dir.resolve("train-labels-idx1-ubyte.gz"));
        checkLabels(test, dir.resolve("t10k-labels-idx1-ubyte.gz"));
        int pixels = train.rows() * train.cols();
        if (test.rows() * test.cols() != pixels) {
            throw new IllegalStateException("train images are " + train.rows() + "x" + train.cols()
                    + " but test images are " + test.rows() + "x" + test.cols());
        }
        out.printf("demo: %d train / %d test images of %dx%d from %s%n", train.count(), test.count(), train.rows(),
                train.cols(), dir);
        out.printf("net %d-%d-%d, LIF (tau 2, ATan(2)), %s encoding, T=%d, batch %d, Adam lr %s, %d epochs%n",
                pixels, hidden, CLASSES, encoding, timeSteps, batch, lr, epochs);
        out.flush();

        Init.seed(seed);
        Random shuffle = new Random(seed);
        Encoder encoder = encoding == Encoding.poisson ? new PoissonEncoder(timeSteps) : new DirectEncoder(timeSteps);
        try (NDManager root = NDManager.newBaseManager()) {
            Sequential net = new Sequential()
                    .add("fc1", new Linear(root, pixels, hidden, true))
                    .add("lif1", LifNeuron.builder().tau(2.0).surrogate(new ATan(2.0)).build())
                    .add("fc2", new Linear(root, hidden, CLASSES, true))
                    .add("lif2", LifNeuron.builder().tau(2.0).surrogate(new ATan(2.0)).build())
                    .add("readout", new MeanOverTime());
            InterimAdam adam = new InterimAdam(net.trainableParameters().values(), lr);
            int[] order = new int[train.count()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            for (int epoch = 1; epoch <= epochs; epoch++) {
                long t0 = System.nanoTime();
                shuffle(order, shuffle);
                net.train(true);
                double lossSum = 0;
                int correct = 0;
                for (int from = 0; from < order.length; from += batch) {
                    int n = Math.min(batch, order.length - from);
                    try (NDScope scope = new NDScope()) {
                        int[] labels = new int[n];
                        NDArray x = batch(root, train, order, from, n, labels);
                        NDArray target = root.create(labels).oneHot(CLASSES).toType(DataType.FLOAT32, false);
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray logits = Tensors.mul(net.forward(encoder.encode(x)), timeSteps);
                            NDArray loss = logits.logSoftmax(1).mul(target).sum(new int[] {1}).mean().neg();
                            gc.backward(loss);
                            lossSum += loss.getFloat() * n;
                            correct += countCorrect(logits, labels);
                        }
                        adam.step();
                    }
                }
                double acc = evaluate(net, encoder, root, test);
                out.printf("epoch %d: train loss %.4f, train accuracy %.2f %%, test accuracy %.2f %% (%.1f s)%n",
                        epoch, lossSum / order.length, 100.0 * correct / order.length, 100 * acc,
                        (System.nanoTime() - t0) / 1e9);
                out.flush();
            }
            double acc = evaluate(net, encoder, root, test);
            out.printf("final test accuracy: %.2f %% on %d images (total %.1f s)%n", 100 * acc, test.count(),
                    (System.nanoTime() - start) / 1e9);
        }
    }

    private double evaluate(Sequential net, Encoder encoder, NDManager root, Idx.Labelled set) {
        net.eval();
        int correct = 0;
        int[] order = new int[set.count()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int from = 0; from < order.length; from += EVAL_BATCH) {
            int n = Math.min(EVAL_BATCH, order.length - from);
            try (NDScope scope = new NDScope()) {
                int[] labels = new int[n];
                NDArray x = batch(root, set, order, from, n, labels);
                correct += countCorrect(net.forward(encoder.encode(x)), labels);
            }
        }
        net.train(true);
        return (double) correct / set.count();
    }

    /** Pixels scaled to [0, 1] as {@code [n, rows*cols]}; fills {@code labels}. */
    private static NDArray batch(NDManager m, Idx.Labelled set, int[] order, int from, int n, int[] labels) {
        int size = set.rows() * set.cols();
        float[] x = new float[n * size];
        for (int i = 0; i < n; i++) {
            int k = order[from + i];
            labels[i] = set.labels()[k];
            for (int j = 0; j < size; j++) {
                x[i * size + j] = (set.images()[k * size + j] & 0xFF) / 255f;
            }
        }
        return m.create(x, new Shape(n, size));
    }

    private static int countCorrect(NDArray logits, int[] labels) {
        long[] pred = logits.argMax(1).toLongArray();
        int c = 0;
        for (int i = 0; i < labels.length; i++) {
            c += pred[i] == labels[i] ? 1 : 0;
        }
        return c;
    }

    private static void shuffle(int[] a, Random r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static void checkLabels(Idx.Labelled set, Path file) throws IOException {
        for (int i = 0; i < set.count(); i++) {
            if (set.labels()[i] < 0 || set.labels()[i] >= CLASSES) {
                throw new dev.snn4j.data.IdxFormatException(file, 8L + i, "label " + (set.labels()[i] & 0xFF)
                        + " of item " + i + " is outside 0.." + (CLASSES - 1));
            }
        }
    }
}
