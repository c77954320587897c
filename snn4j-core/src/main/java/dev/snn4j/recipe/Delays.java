package dev.snn4j.recipe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import dev.snn4j.data.AudioFolderConverter;
import dev.snn4j.data.AudioSpikeEncoder;
import dev.snn4j.data.MelSpectrogram;
import dev.snn4j.data.ShdDataset;
import dev.snn4j.data.SpikeBinning;
import dev.snn4j.energy.EnergyFile;
import dev.snn4j.energy.EnergyModel;
import dev.snn4j.energy.FiringRateMonitor;
import dev.snn4j.layer.Dcls1d;
import dev.snn4j.layer.SigmaSchedule;
import dev.snn4j.model.DelayNet;
import dev.snn4j.nn.Init;
import dev.snn4j.runtime.Session;
import dev.snn4j.runtime.SpikingModel;
import dev.snn4j.train.Adam;
import dev.snn4j.train.Checkpoint;
import dev.snn4j.train.LrSchedule;
import dev.snn4j.train.Metrics;
import dev.snn4j.train.MetricsLog;
import dev.snn4j.train.ParamGroup;
import dev.snn4j.train.RunningMean;
import dev.snn4j.train.Trainer;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.statistics.HistogramType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;

/**
 * Learnable delays with DCLS (Hammouamri et al., ICLR 2024) on spoken digits, as an ablation: the same
 * {@link DelayNet} with no delays, fixed random delays, and learned delays.
 *
 * <ol>
 *   <li><b>Data.</b> Free Spoken Digit Dataset WAVs (8 kHz) -> log-mel spectrogram (GSC front end: n_fft 256, hop 80 =
 *   10 ms frames, 140 mel bands, dB) -> send-on-delta spikes ({@code -40 dB} floor, 3 dB steps) with ON and OFF
 *   channels (280 channels), cached as an SHD-layout HDF5 file ({@code fsdd_spikes.h5}) plus the list of source files
 *   in the output folder. Official split: files with index 0-4 ({@code {digit}_{speaker}_{index}.wav}) are the test
 *   set (300), the rest train (2700).</li>
 *   <li><b>Tensors.</b> Binned by {@link SpikeBinning} into {@code [T, B, C]} counts: {@link Config#binSeconds()}
 *   (default 20 ms; FSDD clips are short, 0.14-2.3 s, mostly under 1 s), cropped at {@link Config#maxSeconds()}
 *   (default 1 s, so T = 50), adjacent channels summed in groups of {@link Config#groupSize()} (default 2: 280 -> 140
 *   inputs, the paper's SHD input width; 70 ON and 70 OFF band pairs).</li>
 *   <li><b>Training.</b> One {@link Adam} with three parameter groups, each with its own schedule (equivalent to the
 *   paper's two optimizers stepped together): synaptic weights (one-cycle up to {@code 5 x lrWeights}, weight decay
 *   1e-5), batch norm (same, no weight decay), positions (LEARNED only: {@code lrPositions}, no decay, cosine
 *   annealing over the run, per step). After every update the positions are clamped; before every epoch the sigma
 *   of {@link SigmaSchedule} is set (decaying from {@code D//2} to 0.23 over the first quarter of the epochs, at
 *   least one epoch).</li>
 *   <li><b>Evaluation</b> on the test set in eval mode: integer delays (rounded positions, exact shifts), no
 *   dropout, batch-norm running statistics. Reported: accuracy, trained parameter count, delay count, firing rate
 *   per hidden layer, synaptic operations per sample (see {@link Result}), a delay histogram PNG per delay layer,
 *   {@code results.json} / {@code results.csv} rows, and the per-layer energy table of the variant in
 *   {@code energy.json} ({@link EnergyFile}, measured in the event-driven runtime).</li>
 * </ol>
 * Every epoch writes a checkpoint to {@code out/<mode>/} (the newest one is kept); a run that is stopped resumes at
 * the last complete epoch, and a run whose epochs are all done only evaluates.
 *
 * <p>Command line ({@code key=value} arguments, all optional; see {@link #main}):
 * <pre>{@code
 * MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=536870912 \
 *   mvn -q -pl snn4j-core -am compile exec:java -Dexec.mainClass=dev.snn4j.recipe.Delays \
 *   -Dexec.args="data=../shared/data/fsdd/recordings out=runs/delays mode=LEARNED epochs=6"
 * }</pre>
 * In code:
 * <pre>{@code
 * Delays.Data data = Delays.loadFsdd(Path.of("../shared/data/fsdd/recordings"), Path.of("runs/delays"));
 * Delays.Result r = Delays.run(Delays.Config.fsdd(DelayNet.Mode.LEARNED, 6), data, Path.of("runs/delays"),
 *         Delays.Listener.PRINT);
 * }</pre>
 */
public final class Delays {

    /**
     * The recipe's settings.
     *
     * @param mode          NONE, FIXED_RANDOM or LEARNED
     * @param hidden        hidden layer sizes
     * @param maxDelay      D in time steps (ignored for NONE)
     * @param dropout       dropout after each hidden layer
     * @param tau           LIF time constant in steps
     * @param epochs        training epochs
     * @param batch         training batch size
     * @param lrWeights     peak learning rate of the one-cycle schedule for weights and batch norm
     * @param weightDecay   L2 weight decay of the synaptic weights (not batch norm, not positions)
     * @param lrPositions   initial learning rate of the positions (cosine-annealed to 0)
     * @param sigmaFraction fraction of the epochs over which sigma decays (SNN-delays: 1/4)
     * @param binSeconds    bin width in seconds
     * @param maxSeconds    crop length in seconds
     * @param groupSize     adjacent input channels summed into one input
     * @param evalBatch     evaluation batch size
     * @param seed          initialisation, dropout and shuffling seed
     */
    public record Config(DelayNet.Mode mode, int[] hidden, int maxDelay, double dropout, double tau, int epochs,
                         int batch, double lrWeights, double weightDecay, double lrPositions, double sigmaFraction,
                         double binSeconds, double maxSeconds, int groupSize, int evalBatch, long seed) {
        public Config {
            if (mode == null || hidden == null || epochs < 0 || batch < 1 || evalBatch < 1 || groupSize < 1
                    || !(binSeconds > 0) || !(maxSeconds >= binSeconds) || !(sigmaFraction > 0 && sigmaFraction <= 1)
                    || !(lrWeights >= 0) || !(lrPositions >= 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("Delays.Config: need a mode, hidden sizes, epochs >= 0, batch, "
                        + "evalBatch and groupSize >= 1, 0 < binSeconds <= maxSeconds, sigmaFraction in (0, 1], "
                        + "non-negative learning rates and weight decay");
            }
            hidden = hidden.clone();
        }

        /**
         * The FSDD settings used for the ablation: 140 inputs (20 ms bins, T = 50), 2 x 128 hidden (half the paper's
         * SHD width: FSDD has 2700 training clips and a training step of the 2 x 256 net costs ~4x more here),
         * D = 13 steps (260 ms, about the paper's 250 ms), dropout 0.4, tau 1.005 steps, batch 64 (43 steps per
         * epoch), weights one-cycle to 5e-3 (the paper's 5 x 1e-3) with weight decay 1e-5, positions lr 0.1
         * (100 x 1e-3), cosine.
         */
        public static Config fsdd(DelayNet.Mode mode, int epochs) {
            return new Config(mode, new int[] {128, 128}, 13, 0.4, 1.005, epochs, 64, 5e-3, 1e-5, 0.1, 0.25, 0.020,
                    1.0, 2, 100, 0);
        }

        /** A copy with another mode. */
        public Config withMode(DelayNet.Mode m) {
            return new Config(m, hidden, maxDelay, dropout, tau, epochs, batch, lrWeights, weightDecay, lrPositions,
                    sigmaFraction, binSeconds, maxSeconds, groupSize, evalBatch, seed);
        }

        @Override
        public int[] hidden() {
            return hidden.clone();
        }

        /** The network for {@code inputs} input channels and {@code classes} classes. */
        public DelayNet.Config net(int inputs, int classes) {
            return new DelayNet.Config(inputs, hidden, classes, maxDelay, dropout, tau, mode);
        }

        /** Time steps of a binned sample. */
        public int timeSteps() {
            return binning(1).numSteps(List.of());
        }

        SpikeBinning binning(int group) {
            return new SpikeBinning(binSeconds, group, maxSeconds, false);
        }
    }

    /** Train and test spike data with the channel count of the files. */
    public record Data(ShdDataset train, ShdDataset test) {
    }

    /**
     * One row of the ablation table.
     *
     * @param accuracy        test accuracy with integer delays
     * @param trainAccuracy   training accuracy of the last epoch (dropout on, smooth kernel)
     * @param parameters      trained values: weights + batch norm (+ positions when learned)
     * @param delays          delays stored by the model (one per synapse; 0 without delays)
     * @param firingRates     spikes per neuron and step of each hidden LIF layer, on the test set
     * @param inputEvents     input events per test sample (spike counts after binning and cropping)
     * @param synapticAcs     accumulates per test sample: every input event or hidden spike costs one AC per
     *                        outgoing synapse (one tap per synapse, whatever its delay); batch norm is folded into
     *                        the weights and a per-neuron bias at inference, whose adds are not counted
     * @param denseMacs       the same layers run densely on every output step (T' x fan-in x fan-out), per sample
     * @param energyUj        {@code synapticAcs} at 45 nm float32 AC cost ({@link EnergyModel#CMOS45_FP32}), in uJ
     * @param trainSeconds    training wall time over all runs of this variant (kept in the checkpoints; NaN if an
     *                        older checkpoint did not record it)
     * @param secondsPerEpoch {@code trainSeconds / epochs}
     * @param histograms      the delay histogram PNG of each delay layer
     * @param meanDelayShift  mean |integer delay - integer delay at initialisation| over all synapses, in steps (0
     *                        without delays or with fixed ones)
     * @param changedDelays   fraction of synapses whose integer delay differs from the one at initialisation
     */
    public record Result(String mode, double accuracy, double trainAccuracy, double trainLoss, long parameters,
                         long delays, int epochs, Map<String, Double> firingRates, double inputEvents,
                         double synapticAcs, double denseMacs, double energyUj, double trainSeconds,
                         double secondsPerEpoch, List<Path> histograms, double meanDelayShift,
                         double changedDelays) {
    }

    /** Progress callbacks. */
    public interface Listener {
        /** Prints one line per epoch and the result to standard output. */
        Listener PRINT = new Listener() {
            @Override
            public void epochDone(String mode, int epoch, int epochs, double loss, double accuracy, double seconds,
                                  double sigma) {
                System.out.printf(Locale.ROOT, "%s epoch %d/%d: loss %.4f, train accuracy %.4f, sigma %.3f, %.1f s%n",
                        mode, epoch + 1, epochs, loss, accuracy, sigma, seconds);
            }

            @Override
            public void done(Result r) {
                System.out.printf(Locale.ROOT, "%s: test accuracy %.4f, %d parameters, %d delays, rates %s, "
                        + "%.0f ACs/sample, delays moved %.2f steps on average (%.1f %% changed)%n", r.mode(),
                        r.accuracy(), r.parameters(), r.delays(), r.firingRates(), r.synapticAcs(),
                        r.meanDelayShift(), 100 * r.changedDelays());
            }
        };
        /** Silent. */
        Listener NONE = new Listener() {
        };

        /** Called once per variant before its first epoch of this run ({@code firstEpoch} > 0 on resume). */
        default void started(String mode, int firstEpoch, int epochs, int batchesPerEpoch) {
        }

        /** After every training batch, with the running means of the epoch so far. */
        default void batchDone(String mode, int epoch, int batch, double loss, double accuracy) {
        }

        default void epochDone(String mode, int epoch, int epochs, double loss, double accuracy, double seconds,
                               double sigma) {
        }

        default void done(Result r) {
        }
    }

    private Delays() {
    }

    // ------------------------------------------------------------------------------------------------ data

    /** The FSDD front end: GSC log-mel (140 bands, 10 ms hop) and send-on-delta spikes with OFF channels (280). */
    public static AudioFolderConverter fsddConverter() {
        return new AudioFolderConverter(MelSpectrogram.gsc(), AudioSpikeEncoder.delta(-40, 3, true));
    }

    /**
     * Converts the FSDD recordings to spikes once (cached as {@code cacheDir/fsdd_spikes.h5} with the file list
     * {@code fsdd_spikes.files.txt}) and splits them officially: index 0-4 test, the rest train.
     *
     * @throws IOException if the folder cannot be read, a file does not convert, or the cache is inconsistent
     */
    public static Data loadFsdd(Path recordings, Path cacheDir) throws IOException {
        Files.createDirectories(cacheDir);
        Path h5 = cacheDir.resolve("fsdd_spikes.h5");
        Path list = cacheDir.resolve("fsdd_spikes.files.txt");
        if (!Files.isRegularFile(h5) || !Files.isRegularFile(list)) {
            Path tmp = cacheDir.resolve("fsdd_spikes.h5.tmp");
            // float32 times: the cache must bin exactly as the spikes were made (SHD's float16 moves a spike by up to
            // 0.5 ms near 1 s, across a 20 ms bin edge now and then)
            AudioFolderConverter.Result r = fsddConverter().convert(recordings, tmp,
                    dev.snn4j.data.ShdWriter.Options.defaults().timeType(dev.snn4j.io.hdf5.Hdf5Type.FLOAT32),
                    (done, total) -> { });
            if (!r.ok()) {
                Files.deleteIfExists(tmp);
                throw new IOException("FSDD conversion of " + recordings + " failed for " + r.failures().size()
                        + " entries, e.g. " + (r.failures().isEmpty() ? "no output" : r.failures().get(0)));
            }
            List<String> names = r.converted().stream().map(p -> p.getFileName().toString()).toList();
            Files.write(list, names, StandardCharsets.UTF_8);
            Files.move(tmp, h5, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        ShdDataset all = ShdDataset.read(h5);
        List<String> names = Files.readAllLines(list, StandardCharsets.UTF_8);
        if (names.size() != all.size()) {
            throw new IOException(list + " names " + names.size() + " files but " + h5 + " holds " + all.size()
                    + " samples: delete both to convert again");
        }
        List<ShdDataset.Sample> train = new ArrayList<>();
        List<ShdDataset.Sample> test = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            Matcher m = AudioFolderConverter.FSDD_NAME.matcher(names.get(i));
            if (!m.matches()) {
                throw new IOException(list + ": line " + (i + 1) + " is not an FSDD file name: " + names.get(i));
            }
            (Integer.parseInt(m.group(3)) <= 4 ? test : train).add(all.sample(i));
        }
        return new Data(ShdDataset.of(train, all.numChannels(), null, all.keys()),
                ShdDataset.of(test, all.numChannels(), null, all.keys()));
    }

    /**
     * The first {@code n} FSDD test clips (official split) as the ablation feeds them to the net: {@code [n][T][C']}
     * binned spike counts ({@link Config#fsdd} binning: 20 ms bins, 1 s, channel pairs summed), and their labels.
     * For the runtime and energy commands.
     *
     * <pre>{@code
     * Delays.Clips c = Delays.fsddTestClips(Path.of("../shared/data/fsdd/recordings"), cache, 100);
     * }</pre>
     */
    public static Clips fsddTestClips(Path recordings, Path cacheDir, int n) throws IOException {
        ShdDataset test = loadFsdd(recordings, cacheDir).test();
        int k = Math.min(n, test.size());
        List<ShdDataset.Sample> picked = new ArrayList<>(k);
        int[] labels = new int[k];
        for (int i = 0; i < k; i++) {
            picked.add(test.sample(i));
            labels[i] = picked.get(i).label();
        }
        Config cfg = Config.fsdd(DelayNet.Mode.LEARNED, 1);
        float[][][] tbc = cfg.binning(cfg.groupSize()).bin(picked, test.numChannels());   // [T][B][C]
        float[][][] clips = new float[k][tbc.length][];
        for (int t = 0; t < tbc.length; t++) {
            for (int i = 0; i < k; i++) {
                clips[i][t] = tbc[t][i];
            }
        }
        return new Clips(clips, labels);
    }

    /** Binned clips {@code [n][T][C]} and their labels. */
    public record Clips(float[][][] clips, int[] labels) {
    }

    /** Bins samples {@code order[from..from+n)} into a {@code [T, B, C']} tensor and their labels {@code [B]}. */
    static NDArray[] batch(NDManager m, ShdDataset ds, int[] order, int from, int n, Config cfg) {
        List<ShdDataset.Sample> picked = new ArrayList<>(n);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            picked.add(ds.sample(order[from + i]));
            labels[i] = picked.get(i).label();
        }
        float[][][] x = cfg.binning(cfg.groupSize()).bin(picked, ds.numChannels());
        return new NDArray[] {SpikeBinning.toNDArray(m, x), m.create(labels)};
    }

    // ------------------------------------------------------------------------------------------------ training

    /** Trains (or resumes) and evaluates one variant; checkpoints and pictures go to {@code out/<mode>/}. */
    public static Result run(Config cfg, Data data, Path out, Listener listener) throws IOException {
        Init.seed(cfg.seed());
        int inputs = cfg.binning(cfg.groupSize()).outputChannels(data.train().numChannels());
        int classes = Math.max(2, Arrays.stream(data.train().labels()).max().orElse(0) + 1);
        String mode = cfg.mode().name();
        Path dir = out.resolve(mode.toLowerCase(Locale.ROOT));
        int n = data.train().size();
        int batches = (n + cfg.batch() - 1) / cfg.batch();
        long totalSteps = Math.max(1, (long) cfg.epochs() * batches);
        try (NDManager manager = NDManager.newBaseManager()) {
            DelayNet net = new DelayNet(manager, cfg.net(inputs, classes));
            List<ParamGroup> groups = new ArrayList<>();
            groups.add(ParamGroup.of("weights", net.synapseWeights()).lr(cfg.lrWeights())
                    .weightDecay(cfg.weightDecay()).schedule(LrSchedule.oneCycle(totalSteps)));
            groups.add(ParamGroup.of("batchnorm", net.batchNormParameters()).lr(cfg.lrWeights()).weightDecay(0)
                    .schedule(LrSchedule.oneCycle(totalSteps)));
            if (!net.trainedPositions().isEmpty()) {
                groups.add(ParamGroup.of("positions", net.trainedPositions()).lr(cfg.lrPositions()).weightDecay(0)
                        .schedule(LrSchedule.cosine(totalSteps, 0)));
            }
            SigmaSchedule sigma = new SigmaSchedule(Math.max(net.maxDelay() / 2, SigmaSchedule.SNN_DELAYS_TARGET),
                    SigmaSchedule.SNN_DELAYS_TARGET, Math.max(1, (int) Math.round(cfg.epochs() * cfg.sigmaFraction())));
            try (Adam opt = Adam.adam(groups.toArray(new ParamGroup[0]))) {
                int first = 0;
                double trainLoss = Double.NaN;
                double trainAcc = Double.NaN;
                double earlierSeconds = 0; // training time of earlier runs of this variant
                Optional<Checkpoint> last = Checkpoint.loadLatest(dir);
                if (last.isPresent()) {
                    last.get().restore(net, opt);
                    first = (int) last.get().state().epoch();
                    Map<String, Double> metrics = last.get().state().metrics();
                    trainLoss = metrics.getOrDefault("train_loss", Double.NaN);
                    trainAcc = metrics.getOrDefault("train_accuracy", Double.NaN);
                    earlierSeconds = metrics.getOrDefault("train_seconds", Double.NaN);
                }
                Trainer trainer = new Trainer(net, opt).loss(DelayNet::loss);
                listener.started(mode, first, cfg.epochs(), batches);
                long start = System.nanoTime();
                double seconds = earlierSeconds;
                for (int epoch = first; epoch < cfg.epochs(); epoch++) {
                    long t0 = System.nanoTime();
                    net.applySigma(sigma, epoch);
                    net.train(true);
                    int[] order = shuffled(n, cfg.seed() * 1_000_003L + epoch);
                    // dropout draws from the engine generator, which checkpoints do not hold: seed it per epoch so a
                    // resumed run draws what an uninterrupted one would
                    Engine.getInstance().setRandomSeed(IirSnn.epochSeed(cfg.seed(), dir.getFileName().toString(),
                            epoch));
                    RunningMean loss = new RunningMean();
                    long correct = 0;
                    long seen = 0;
                    for (int b = 0; b < batches; b++) {
                        int from = b * cfg.batch();
                        int size = Math.min(cfg.batch(), n - from);
                        try (NDManager bm = manager.newSubManager()) {
                            NDArray[] xy = batch(bm, data.train(), order, from, size, cfg);
                            Trainer.StepResult r = trainer.step(xy[0], xy[1]);
                            net.clampPositions();
                            loss.add(r.loss(), r.count());
                            correct += r.correct();
                            seen += r.count();
                        }
                        listener.batchDone(mode, epoch, b, loss.mean(), (double) correct / seen);
                    }
                    trainLoss = loss.mean();
                    trainAcc = (double) correct / n;
                    listener.epochDone(mode, epoch, cfg.epochs(), trainLoss, trainAcc, (System.nanoTime() - t0) / 1e9,
                            sigma.sigmaAfter(epoch));
                    seconds = earlierSeconds + (System.nanoTime() - start) / 1e9;
                    // the curve line before the checkpoint: an epoch re-run after a crash replaces it
                    MetricsLog.record(out.resolve(MetricsLog.FILE), mode.toLowerCase(Locale.ROOT), epoch + 1,
                            Map.of("train_loss", trainLoss, "train_accuracy", trainAcc, "sigma",
                                    sigma.sigmaAfter(epoch), "step", opt.stepCount(), "seconds", seconds));
                    Checkpoint.save(dir, net, opt, new Checkpoint.State(opt.stepCount(), epoch + 1, cfg.seed(),
                            configMap(cfg, net), Map.of("train_loss", trainLoss, "train_accuracy", trainAcc,
                            "train_seconds", seconds)));
                    Checkpoint.keepLatest(dir, 1);
                }
                net.applySigma(sigma, cfg.epochs());
                Result r = evaluate(net, cfg, data.test(), dir, trainAcc, trainLoss, seconds,
                        cfg.epochs() > 0 ? seconds / cfg.epochs() : 0);
                writeResult(out, r);
                recordEnergy(out, net, cfg, data.test());
                listener.done(r);
                return r;
            }
        }
    }

    private static int[] shuffled(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Test accuracy with integer delays, firing rates, operation counts and the delay histograms. */
    static Result evaluate(DelayNet net, Config cfg, ShdDataset test, Path dir, double trainAcc, double trainLoss,
                           double trainSeconds, double secondsPerEpoch) throws IOException {
        net.eval();
        int n = test.size();
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        long correct = 0;
        double inputEvents = 0;
        Map<String, Double> rates = new LinkedHashMap<>();
        Map<String, Long> elements;
        try (NDManager m = NDManager.newBaseManager(); FiringRateMonitor mon = FiringRateMonitor.attach(net)) {
            for (int from = 0; from < n; from += cfg.evalBatch()) {
                int size = Math.min(cfg.evalBatch(), n - from);
                try (NDManager bm = m.newSubManager(); NDScope ignored = new NDScope()) {
                    NDArray[] xy = batch(bm, test, order, from, size, cfg);
                    inputEvents += xy[0].sum().getFloat();
                    correct += Metrics.correct(net.forward(xy[0]), xy[1]);
                    net.resetState();
                }
            }
            mon.rates().forEach((k, v) -> {
                if (k.startsWith("lif")) {
                    rates.put(k, v);
                }
            });
            elements = mon.elements();
        }
        // operations per sample: events into each delay layer x its fan-out
        List<Dcls1d> layers = net.delayLayers();
        long t = cfg.timeSteps();
        double acs = 0;
        double dense = 0;
        for (int i = 0; i < layers.size(); i++) {
            Dcls1d d = layers.get(i);
            double events = i == 0 ? inputEvents / n : rates.get("lif" + i) * elements.get("lif" + i) / n;
            acs += events * d.outChannels();
            t = d.outputSteps(t);
            dense += (double) t * d.inChannels() * d.outChannels();
        }
        List<Path> pictures = net.mode() == DelayNet.Mode.NONE ? List.of() : histograms(net, dir);
        double[] shift = delayShift(net, cfg);
        return new Result(net.mode().name(), (double) correct / n, trainAcc, trainLoss, net.trainedParameterCount(),
                net.delayCount(), cfg.epochs(), rates, inputEvents / n, acs, dense,
                EnergyModel.CMOS45_FP32.picojoules(0, acs) / 1e6, trainSeconds, secondsPerEpoch, pictures, shift[0],
                shift[1]);
    }

    /**
     * The variant's per-layer energy table ({@link EnergyFile}, entry = the mode in lower case): the evaluated net
     * (integer delays) exported to the event-driven runtime and run over the first {@link EnergyFile#DEFAULT_SAMPLES}
     * test clips, binned as for evaluation.
     */
    static void recordEnergy(Path out, DelayNet net, Config cfg, ShdDataset test) throws IOException {
        int n = Math.min(EnergyFile.DEFAULT_SAMPLES, test.size());
        if (n == 0) {
            return;
        }
        SpikingModel rt = dev.snn4j.io.GraphExport.toRuntime(net, null, cfg.timeSteps());
        Session session = rt.newSession();
        for (int from = 0; from < n; from += cfg.evalBatch()) {
            int size = Math.min(cfg.evalBatch(), n - from);
            List<ShdDataset.Sample> picked = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                picked.add(test.sample(from + i));
            }
            float[][][] tbc = cfg.binning(cfg.groupSize()).bin(picked, test.numChannels());   // [T][B][C]
            for (int i = 0; i < size; i++) {
                float[][] clip = new float[tbc.length][];
                for (int t = 0; t < tbc.length; t++) {
                    clip[t] = tbc[t][i];
                }
                session.runSequence(clip);
            }
        }
        String data = String.format(Locale.ROOT, "first %d of %d test clips, %d steps of %.0f ms (plus the delay "
                + "tail)", n, test.size(), cfg.timeSteps(), cfg.binSeconds() * 1000);
        EnergyFile.record(out, "delays", new EnergyFile.Entry(net.mode().name().toLowerCase(Locale.ROOT), "runtime",
                data, EnergyFile.report(rt, session, n, EnergyModel.CMOS45_FP32)));
    }

    /** Mean |delay - initial delay| and the fraction of changed delays, against a twin built with the same seed. */
    private static double[] delayShift(DelayNet net, Config cfg) {
        if (net.mode() == DelayNet.Mode.NONE) {
            return new double[] {0, 0};
        }
        Init.seed(cfg.seed());
        try (NDManager tmp = NDManager.newBaseManager()) {
            DelayNet initial = new DelayNet(tmp, net.config());
            double sum = 0;
            long changed = 0;
            long count = 0;
            for (int l = 0; l < net.delayLayers().size(); l++) {
                int[][][] now = net.delayLayers().get(l).delays();
                int[][][] then = initial.delayLayers().get(l).delays();
                for (int o = 0; o < now.length; o++) {
                    for (int c = 0; c < now[o].length; c++) {
                        int diff = Math.abs(now[o][c][0] - then[o][c][0]);
                        sum += diff;
                        changed += diff == 0 ? 0 : 1;
                        count++;
                    }
                }
            }
            return new double[] {sum / count, (double) changed / count};
        }
    }

    /** One PNG per delay layer: how many synapses have each integer delay 0..D-1. */
    public static List<Path> histograms(DelayNet net, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        Map<String, dev.snn4j.nn.Module> children = net.children();
        for (Map.Entry<String, dev.snn4j.nn.Module> e : children.entrySet()) {
            if (!(e.getValue() instanceof Dcls1d d)) {
                continue;
            }
            int[][][] del = d.delays();
            double[] values = new double[d.outChannels() * d.inChannels()];
            int k = 0;
            for (int[][] row : del) {
                for (int[] syn : row) {
                    values[k++] = syn[0];
                }
            }
            HistogramDataset ds = new HistogramDataset();
            ds.setType(HistogramType.FREQUENCY);
            ds.addSeries(e.getKey(), values, d.maxDelay(), -0.5, d.maxDelay() - 0.5);
            JFreeChart chart = ChartFactory.createHistogram(net.mode() + " delays, layer " + e.getKey() + " ("
                            + d.inChannels() + " -> " + d.outChannels() + ", D = " + d.maxDelay() + ")",
                    "delay (time steps)", "synapses", ds, PlotOrientation.VERTICAL, false, false, false);
            Path png = dir.resolve("delays-" + e.getKey() + ".png");
            ChartUtils.saveChartAsPNG(png.toFile(), chart, 640, 400);
            out.add(png);
        }
        return out;
    }

    /** Replaces this mode's row in {@code out/results.json} and rewrites {@code out/results.csv}. */
    static synchronized void writeResult(Path out, Result r) throws IOException {
        Files.createDirectories(out);
        Path json = out.resolve("results.json");
        com.google.gson.Gson gson = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues()
                .create();
        Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
        if (Files.isRegularFile(json)) {
            Map<String, Map<String, Object>> old = gson.fromJson(Files.readString(json),
                    new com.google.gson.reflect.TypeToken<LinkedHashMap<String, Map<String, Object>>>() { }.getType());
            if (old != null) {
                rows.putAll(old);
            }
        }
        Map<String, Object> row = new LinkedHashMap<>();
        Map<String, Object> before = rows.get(r.mode());
        boolean keepTime = Double.isNaN(r.trainSeconds()) && before != null
                && before.get("train_seconds") instanceof Number;
        row.put("mode", r.mode());
        row.put("test_accuracy", r.accuracy());
        row.put("train_accuracy", r.trainAccuracy());
        row.put("train_loss", r.trainLoss());
        row.put("parameters", r.parameters());
        row.put("delays", r.delays());
        row.put("epochs", r.epochs());
        row.put("firing_rates", r.firingRates());
        row.put("input_events_per_sample", r.inputEvents());
        row.put("synaptic_acs_per_sample", r.synapticAcs());
        row.put("dense_macs_per_sample", r.denseMacs());
        row.put("energy_uj_per_sample", r.energyUj());
        // a checkpoint written before training time was recorded: keep the time the earlier row measured
        row.put("train_seconds", keepTime ? before.get("train_seconds") : r.trainSeconds());
        row.put("seconds_per_epoch", keepTime ? before.get("seconds_per_epoch") : r.secondsPerEpoch());
        row.put("histograms", r.histograms().stream().map(p -> p.getFileName().toString()).toList());
        row.put("mean_delay_shift_steps", r.meanDelayShift());
        row.put("changed_delays_fraction", r.changedDelays());
        row.put("date", LocalDate.now().toString());
        rows.put(r.mode(), row);
        dev.snn4j.runtime.io.AtomicFiles.write(json, gson.toJson(rows).getBytes(StandardCharsets.UTF_8));
        StringBuilder csv = new StringBuilder("mode,test_accuracy,train_accuracy,parameters,delays,epochs,"
                + "firing_rates,synaptic_acs_per_sample,dense_macs_per_sample,energy_uj_per_sample,seconds_per_epoch,"
                + "mean_delay_shift_steps,changed_delays_fraction,date\n");
        for (Map<String, Object> x : rows.values()) {
            csv.append(x.get("mode")).append(',').append(x.get("test_accuracy")).append(',')
                    .append(x.get("train_accuracy")).append(',').append(num(x.get("parameters"))).append(',')
                    .append(num(x.get("delays"))).append(',').append(num(x.get("epochs"))).append(",\"")
                    .append(x.get("firing_rates")).append("\",").append(x.get("synaptic_acs_per_sample")).append(',')
                    .append(x.get("dense_macs_per_sample")).append(',').append(x.get("energy_uj_per_sample"))
                    .append(',').append(x.get("seconds_per_epoch")).append(',').append(x.get("mean_delay_shift_steps"))
                    .append(',').append(x.get("changed_delays_fraction")).append(',').append(x.get("date"))
                    .append('\n');
        }
        dev.snn4j.runtime.io.AtomicFiles.write(out.resolve("results.csv"),
                csv.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String num(Object o) {
        return o instanceof Number v ? String.valueOf(v.longValue()) : String.valueOf(o);
    }

    private static Map<String, Object> configMap(Config cfg, DelayNet net) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recipe", "delays");
        m.put("mode", cfg.mode().name());
        m.put("net", net.config().toString());
        DelayNet.Config nc = net.config();
        m.put("inputs", nc.inputs());
        m.put("hidden", nc.hidden());
        m.put("classes", nc.classes());
        m.put("max_delay", nc.maxDelay());
        m.put("dropout", nc.dropout());
        m.put("tau", nc.tau());
        m.put("eval_batch", cfg.evalBatch());
        m.put("epochs", cfg.epochs());
        m.put("batch", cfg.batch());
        m.put("lr_weights", cfg.lrWeights());
        m.put("weight_decay", cfg.weightDecay());
        m.put("lr_positions", cfg.lrPositions());
        m.put("sigma_fraction", cfg.sigmaFraction());
        m.put("bin_seconds", cfg.binSeconds());
        m.put("max_seconds", cfg.maxSeconds());
        m.put("group_size", cfg.groupSize());
        m.put("seed", cfg.seed());
        return m;
    }

    // ------------------------------------------------------------------------------------------------ speed

    /**
     * Milliseconds per training step (forward, loss, backward, Adam, position clamp) of a {@link DelayNet} on random
     * input spikes ({@code rate} per input and step), after {@code warmup} steps, one entry per timed step;
     * {@code engineConvolution} chooses the delay layers' training path ({@link DelayNet#engineConvolution}).
     */
    public static double[] benchmark(DelayNet.Config netConfig, boolean engineConvolution, int timeSteps, int batch,
                                     double rate, int warmup, int iterations) {
        Init.seed(0);
        try (NDManager manager = NDManager.newBaseManager()) {
            DelayNet net = new DelayNet(manager, netConfig).engineConvolution(engineConvolution);
            List<ParamGroup> groups = new ArrayList<>();
            groups.add(ParamGroup.of("weights", net.synapseWeights()).lr(1e-3).weightDecay(1e-5));
            groups.add(ParamGroup.of("batchnorm", net.batchNormParameters()).lr(1e-3));
            if (!net.trainedPositions().isEmpty()) {
                groups.add(ParamGroup.of("positions", net.trainedPositions()).lr(0.1));
            }
            try (Adam opt = Adam.adam(groups.toArray(new ParamGroup[0]))) {
                Trainer trainer = new Trainer(net, opt).loss(DelayNet::loss);
                double[] ms = new double[iterations];
                Random r = new Random(1);
                for (int i = 0; i < warmup + iterations; i++) {
                    try (NDManager bm = manager.newSubManager()) {
                        float[] x = new float[timeSteps * batch * netConfig.inputs()];
                        for (int k = 0; k < x.length; k++) {
                            x[k] = r.nextDouble() < rate ? 1f : 0f;
                        }
                        int[] y = new int[batch];
                        for (int k = 0; k < batch; k++) {
                            y[k] = r.nextInt(netConfig.classes());
                        }
                        NDArray input = bm.create(x, new Shape(timeSteps, batch, netConfig.inputs()));
                        NDArray labels = bm.create(y);
                        long t0 = System.nanoTime();
                        trainer.step(input, labels);
                        net.clampPositions();
                        if (i >= warmup) {
                            ms[i - warmup] = (System.nanoTime() - t0) / 1e6;
                        }
                    }
                }
                return ms;
            }
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    // ------------------------------------------------------------------------------------------------ main

    /**
     * Runs the ablation or the speed benchmark. Arguments ({@code key=value}):
     * <ul>
     *   <li>{@code data=../shared/data/fsdd/recordings} FSDD WAV folder</li>
     *   <li>{@code out=runs/delays} output folder (spike cache, checkpoints, histograms, results.json/csv)</li>
     *   <li>{@code mode=ALL} NONE, FIXED_RANDOM, LEARNED or ALL (the three in turn)</li>
     *   <li>{@code epochs=6}, {@code batch=64}, {@code hidden=128,128}, {@code D=13}, {@code dropout=0.4},
     *   {@code seed=0}</li>
     *   <li>{@code bench=true}: instead, time the SHD-shape LEARNED net (140-256-256-20, T 100, D 25, batch 256;
     *   {@code iterations=5}, {@code warmup=2}, input rate {@code rate=0.05}; {@code conv=false} for the unfold +
     *   matrix-product path instead of the engine convolution)</li>
     * </ul>
     */
    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", "2");
        }
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        Map<String, String> a = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("Delays: arguments are key=value, got '" + arg + "'");
            }
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        if (Boolean.parseBoolean(a.getOrDefault("bench", "false"))) {
            DelayNet.Config shd = DelayNet.Config.shd(DelayNet.Mode.valueOf(a.getOrDefault("mode", "LEARNED")));
            if (a.containsKey("hidden") || a.containsKey("D")) {
                int[] h = a.containsKey("hidden") ? Arrays.stream(a.get("hidden").split(","))
                        .mapToInt(Integer::parseInt).toArray() : shd.hidden();
                shd = new DelayNet.Config(shd.inputs(), h, shd.classes(),
                        Integer.parseInt(a.getOrDefault("D", String.valueOf(shd.maxDelay()))), shd.dropout(),
                        shd.tau(), shd.mode());
            }
            int steps = Integer.parseInt(a.getOrDefault("T", "100"));
            int batch = Integer.parseInt(a.getOrDefault("batch", "256"));
            boolean conv = Boolean.parseBoolean(a.getOrDefault("conv", "true"));
            double[] ms = benchmark(shd, conv, steps, batch,
                    Double.parseDouble(a.getOrDefault("rate", "0.05")), Integer.parseInt(a.getOrDefault("warmup", "2")),
                    Integer.parseInt(a.getOrDefault("iterations", "5")));
            System.out.printf(Locale.ROOT, "%s, %s, T=%d, batch %d: median %.1f ms/batch over %d steps %s%n", shd,
                    conv ? "engine convolution" : "unfold + matmul", steps, batch,
                    median(ms), ms.length, Arrays.toString(Arrays.stream(ms).map(v -> Math.round(v * 10) / 10.0)
                            .toArray()));
            return;
        }
        Path data = Path.of(a.getOrDefault("data", "../shared/data/fsdd/recordings"));
        Path out = Path.of(a.getOrDefault("out", "runs/delays"));
        String modeArg = a.getOrDefault("mode", "ALL");
        Config base = Config.fsdd(DelayNet.Mode.LEARNED, Integer.parseInt(a.getOrDefault("epochs", "6")));
        int[] hidden = a.containsKey("hidden") ? Arrays.stream(a.get("hidden").split(",")).mapToInt(Integer::parseInt)
                .toArray() : base.hidden();
        base = new Config(base.mode(), hidden, Integer.parseInt(a.getOrDefault("D", String.valueOf(base.maxDelay()))),
                Double.parseDouble(a.getOrDefault("dropout", String.valueOf(base.dropout()))), base.tau(),
                base.epochs(), Integer.parseInt(a.getOrDefault("batch", String.valueOf(base.batch()))),
                base.lrWeights(), base.weightDecay(), base.lrPositions(), base.sigmaFraction(), base.binSeconds(),
                base.maxSeconds(), base.groupSize(), base.evalBatch(),
                Long.parseLong(a.getOrDefault("seed", String.valueOf(base.seed()))));
        Data d = loadFsdd(data, out);
        System.out.printf(Locale.ROOT, "FSDD: %d train, %d test, %d channels -> %d inputs, T = %d%n",
                d.train().size(), d.test().size(), d.train().numChannels(),
                base.binning(base.groupSize()).outputChannels(d.train().numChannels()), base.timeSteps());
        List<DelayNet.Mode> modes = modeArg.equals("ALL") ? List.of(DelayNet.Mode.values())
                : List.of(DelayNet.Mode.valueOf(modeArg));
        for (DelayNet.Mode mode : modes) {
            run(base.withMode(mode), d, out, Listener.PRINT);
        }
    }
}
