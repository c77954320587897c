package dev.snn4j.fuzz;

import ai.djl.ndarray.NDManager;
import dev.snn4j.data.Audio;
import dev.snn4j.data.CifarLoader;
import dev.snn4j.data.DataFormatException;
import dev.snn4j.data.MnistLoader;
import dev.snn4j.data.NmnistEvents;
import dev.snn4j.data.ShdDataset;
import dev.snn4j.data.ShdWriter;
import dev.snn4j.data.WavReader;
import dev.snn4j.data.WavWriter;
import dev.snn4j.io.GraphExport;
import dev.snn4j.io.nir.NirReader;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.Sequential;
import dev.snn4j.model.Vgg;
import dev.snn4j.model.VggConfig;
import dev.snn4j.nn.Init;
import dev.snn4j.runtime.ModelFormatException;
import dev.snn4j.runtime.SpikingModel;
import dev.snn4j.runtime.io.Safetensors;
import dev.snn4j.runtime.io.SafetensorsFormatException;
import dev.snn4j.surrogate.PiecewiseLinear;
import dev.snn4j.text.CharTokenizer;
import dev.snn4j.text.TextCorpus;
import dev.snn4j.text.Tokenizer;
import dev.snn4j.train.Adam;
import dev.snn4j.train.Checkpoint;
import dev.snn4j.train.CheckpointFormatException;
import dev.snn4j.train.ParamGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes every file reader with seeded mutations of valid files (see {@link Mutator}, {@link FuzzHarness} for the
 * properties checked: documented typed error or success, no hang, bounded allocation). About 11,000 inputs in all;
 * {@code -Dsnn4j.fuzz.scale=10} runs ten times as many. The per-reader counts are printed and written to
 * {@code target/fuzz-report.md}.
 *
 * <p>Adding a reader is one call in a test method: {@code FuzzHarness.run(name, seed, inputs, cases, Exception...)}.
 * The JSON configuration reader (another issue) plugs into {@link #configurationFiles()}.
 */
class ReaderFuzzTest {
    private static final int SCALE = Integer.getInteger("snn4j.fuzz.scale", 1);

    @TempDir
    Path tmp;

    private static int n(int inputs) {
        return inputs * SCALE;
    }

    private static FuzzHarness.Case single(String label, Path dir, String file, int[] header, boolean text,
                                           FuzzHarness.Parser p) {
        return new FuzzHarness.Case(label, dir, List.of(file), header == null ? Map.of() : Map.of(file, header),
                text, p);
    }

    private Path dir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ReaderFuzzTest.class.getResourceAsStream("/formats/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource /formats/" + name);
            }
            return in.readAllBytes();
        }
    }

    // ---------------------------------------------------------------------------------------------- IDX / MNIST

    private static byte[] idx(int[] shape, Random r) {
        int size = 1;
        for (int d : shape) {
            size *= d;
        }
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * shape.length + size).order(ByteOrder.BIG_ENDIAN);
        b.put((byte) 0).put((byte) 0).put((byte) 8).put((byte) shape.length);
        for (int d : shape) {
            b.putInt(d);
        }
        for (int i = 0; i < size; i++) {
            b.put((byte) (shape.length == 1 ? r.nextInt(10) : r.nextInt(256)));
        }
        return b.array();
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    @Test
    void idxAndMnistFolders() throws IOException {
        Random r = new Random(1);
        byte[] images = idx(new int[] {12, 7, 7}, r);
        byte[] labels = idx(new int[] {12}, r);
        List<FuzzHarness.Case> cases = new ArrayList<>();
        int[] header = FuzzHarness.offsets(0, 2, 3, 4, 5, 6, 7, 8, 12);
        for (boolean gz : new boolean[] {false, true}) {
            Path d = dir(gz ? "mnist-gz" : "mnist");
            String suffix = gz ? ".gz" : "";
            Files.write(d.resolve("train-images-idx3-ubyte" + suffix), gz ? gzip(images) : images);
            Files.write(d.resolve("train-labels-idx1-ubyte" + suffix), gz ? gzip(labels) : labels);
            cases.add(new FuzzHarness.Case(gz ? "gzip" : "plain", d, List.of("train-images-idx3-ubyte" + suffix,
                    "train-labels-idx1-ubyte" + suffix), gz ? Map.of() : Map.of("train-images-idx3-ubyte", header,
                    "train-labels-idx1-ubyte", header), false, p -> MnistLoader.load(p, true)));
        }
        FuzzHarness.assertClean(FuzzHarness.run("IDX / MnistLoader", 11, n(1600), cases, DataFormatException.class));
    }

    // ---------------------------------------------------------------------------------------------- CIFAR

    @Test
    void cifarBinaryBatches() throws IOException {
        Random r = new Random(2);
        byte[] batch = new byte[4 * 3073];
        r.nextBytes(batch);
        for (int i = 0; i < 4; i++) {
            batch[i * 3073] = (byte) r.nextInt(10);
        }
        Path d = dir("cifar-bin");
        Files.write(d.resolve("test_batch.bin"), batch);
        FuzzHarness.Case c = single("test_batch", d, "test_batch.bin", FuzzHarness.offsets(0, 3073, 6146, 9219),
                false, p -> CifarLoader.load(p, CifarLoader.Split.TEST));
        FuzzHarness.assertClean(FuzzHarness.run("CIFAR binary batches", 12, n(800), List.of(c),
                DataFormatException.class));
    }

    private static byte[] image(String format, int w, int h, Random r) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, format, out)) {
            throw new IOException("no ImageIO writer for " + format);
        }
        return out.toByteArray();
    }

    /** Offsets of the PNG IHDR width/height/depth/colour type and the JPEG SOF0 height/width. */
    private static int[] imageHeader(byte[] b, boolean png) {
        if (png) {
            return FuzzHarness.offsets(16, 18, 20, 22, 24, 25, 26, 28, 29, 33);
        }
        for (int i = 0; i + 8 < b.length; i++) {
            if ((b[i] & 0xff) == 0xFF && (b[i + 1] & 0xff) == 0xC0) {
                return FuzzHarness.offsets(i + 2, i + 4, i + 5, i + 7, i + 9, i + 10, i + 11);
            }
        }
        return FuzzHarness.offsets(2, 4);
    }

    /** Recomputes the CRC of every complete PNG chunk (a no-op for anything that is not a PNG). */
    static byte[] fixPngCrcs(byte[] b) {
        if (b.length < 8 || (b[0] & 0xff) != 0x89 || b[1] != 'P') {
            return b;
        }
        ByteBuffer buf = ByteBuffer.wrap(b);
        int pos = 8;
        while (pos + 12 <= b.length) {
            long len = Integer.toUnsignedLong(buf.getInt(pos));
            if (pos + 12 + len > b.length) {
                break;
            }
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(b, pos + 4, (int) len + 4);
            buf.putInt(pos + 8 + (int) len, (int) crc.getValue());
            pos += 12 + (int) len;
        }
        return b;
    }

    @Test
    void cifarImageFolders() throws IOException {
        Random r = new Random(3);
        Path root = dir("cifar-img");
        Path test = root.resolve("test");
        byte[] png = image("png", 16, 16, r);
        byte[] jpg = image("jpg", 16, 16, r);
        Files.createDirectories(test.resolve("cat"));
        Files.createDirectories(test.resolve("dog"));
        Files.write(test.resolve("cat/a.png"), png);
        Files.write(test.resolve("dog/b.jpg"), jpg);
        Files.write(test.resolve("dog/c.png"), image("png", 16, 16, r));
        FuzzHarness.Parser load = p -> CifarLoader.load(p, CifarLoader.Split.TEST);
        FuzzHarness.Case c = new FuzzHarness.Case("png+jpg", root, List.of("test/cat/a.png", "test/dog/b.jpg"),
                Map.of("test/cat/a.png", imageHeader(png, true), "test/dog/b.jpg", imageHeader(jpg, false)), false,
                load);
        // the same PNG with its chunk CRCs repaired after mutation, so that edited IHDR fields reach the decoder
        FuzzHarness.Case crc = new FuzzHarness.Case("png, CRCs repaired", root, List.of("test/cat/a.png"),
                Map.of("test/cat/a.png", imageHeader(png, true)), false, load, ReaderFuzzTest::fixPngCrcs);
        FuzzHarness.assertClean(FuzzHarness.run("image folders (CifarLoader)", 13, n(600), List.of(c, crc),
                DataFormatException.class));
    }

    // ---------------------------------------------------------------------------------------------- WAV

    private static byte[] wav(int format, int channels, int bits, int frames, boolean listChunk, Random r) {
        int block = channels * bits / 8;
        boolean ext = format == 0xFFFE;
        int fmtSize = ext ? 40 : 16;
        int list = listChunk ? 8 + 5 + 1 : 0; // odd-sized chunk plus its pad byte
        ByteBuffer b = ByteBuffer.allocate(12 + 8 + fmtSize + list + 8 + frames * block).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(b.capacity() - 8)
                .put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(fmtSize).putShort((short) format)
                .putShort((short) channels).putInt(8000).putInt(8000 * block).putShort((short) block)
                .putShort((short) bits);
        if (ext) {
            b.putShort((short) 22).putShort((short) bits).putInt(3).putShort((short) 1)
                    .put(new byte[] {0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71});
        }
        if (listChunk) {
            b.put("LIST".getBytes(StandardCharsets.US_ASCII)).putInt(5).put(new byte[] {'I', 'N', 'F', 'O', 'x', 0});
        }
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(frames * block);
        byte[] samples = new byte[frames * block];
        r.nextBytes(samples);
        b.put(samples);
        return b.array();
    }

    @Test
    void wavFiles() throws IOException {
        Random r = new Random(4);
        List<FuzzHarness.Case> cases = new ArrayList<>();
        int[] header = FuzzHarness.offsets(4, 16, 20, 22, 24, 28, 32, 34, 36, 40);
        Path d0 = dir("wav0");
        float[] tone = new float[200];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (float) Math.sin(i * 0.3);
        }
        WavWriter.writePcm16(d0.resolve("a.wav"), new Audio(tone, 8000));
        cases.add(single("pcm16", d0, "a.wav", header, false, p -> WavReader.read(p.resolve("a.wav"))));
        Object[][] variants = {{1, 2, 8, true}, {3, 1, 32, false}, {0xFFFE, 2, 24, false}, {3, 1, 64, true}};
        int k = 1;
        for (Object[] v : variants) {
            Path d = dir("wav" + k++);
            Files.write(d.resolve("a.wav"), wav((int) v[0], (int) v[1], (int) v[2], 60, (boolean) v[3], r));
            cases.add(single("fmt" + v[0] + "/" + v[2] + "bit", d, "a.wav", header, false,
                    p -> WavReader.read(p.resolve("a.wav"))));
        }
        FuzzHarness.assertClean(FuzzHarness.run("WAV (WavReader)", 14, n(1600), cases, DataFormatException.class));
    }

    // ---------------------------------------------------------------------------------------------- HDF5 / SHD

    @Test
    void shdHdf5Files() throws IOException {
        List<FuzzHarness.Case> cases = new ArrayList<>();
        int[] superblock = FuzzHarness.offsets(8, 9, 10, 11, 13, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88);
        ShdDataset small = ShdDataset.of(List.of(
                new ShdDataset.Sample(new float[] {0f, 0.0125f, 1.5f}, new int[] {0, 139, 7}, 3),
                new ShdDataset.Sample(new float[0], new int[0], 0),
                new ShdDataset.Sample(new float[] {0.25f, 0.5f}, new int[] {42, 3}, 1)), 140, new int[] {1, 2, 1},
                List.of("zero", "one", "two", "three"));
        Path d0 = dir("shd-flat");
        ShdWriter.write(d0.resolve("s.h5"), small, ShdWriter.Options.defaults().layout(ShdWriter.Layout.FLAT));
        cases.add(single("ShdWriter flat", d0, "s.h5", superblock, false, p -> ShdDataset.read(p.resolve("s.h5"))));
        Path d1 = dir("shd-exact");
        ShdWriter.write(d1.resolve("s.h5"), small); // our own vlen rows, global heap and v2 object headers
        cases.add(single("ShdWriter", d1, "s.h5", superblock, false, p -> ShdDataset.read(p.resolve("s.h5"))));
        for (String name : new String[] {"shd_layout_sample.h5", "shd_tonic_fixture.h5"}) {
            Path d = dir(name);
            Files.write(d.resolve("s.h5"), resource(name));
            cases.add(single(name, d, "s.h5", superblock, false, p -> ShdDataset.read(p.resolve("s.h5"))));
        }
        FuzzHarness.assertClean(FuzzHarness.run("HDF5 SHD (ShdDataset)", 15, n(900), cases,
                DataFormatException.class));
    }

    // ---------------------------------------------------------------------------------------------- N-MNIST

    @Test
    void nmnistEventsAndLabels() throws IOException {
        Random r = new Random(5);
        byte[] events = new byte[5 * 40];
        for (int i = 0; i < 40; i++) {
            int t = i * 1000 + r.nextInt(1000);
            events[5 * i] = (byte) r.nextInt(34);
            events[5 * i + 1] = (byte) r.nextInt(34);
            events[5 * i + 2] = (byte) ((r.nextInt(2) << 7) | (t >> 16));
            events[5 * i + 3] = (byte) (t >> 8);
            events[5 * i + 4] = (byte) t;
        }
        Path d = dir("nmnist");
        Files.write(d.resolve("1.bs2"), events);
        Files.writeString(d.resolve("train.txt"), "# id\tclass\n1\t3\n2\t7\n\n17\t0\n");
        List<FuzzHarness.Case> cases = List.of(
                single("events", d, "1.bs2", FuzzHarness.offsets(0, 1, 2, 5, 6, 7), false,
                        p -> NmnistEvents.read(p.resolve("1.bs2")).framesByCount(4, false)),
                single("labels", d, "train.txt", null, true, p -> NmnistEvents.readLabels(p.resolve("train.txt"))));
        FuzzHarness.assertClean(FuzzHarness.run("N-MNIST events + labels", 16, n(1200), cases,
                DataFormatException.class));
    }

    // ---------------------------------------------------------------------------------------------- text

    @Test
    void textCorpusAndVocabulary() throws IOException {
        Path d = dir("text");
        String corpus = "\uFEFFWell, Prince, so Genoa and Lucca are now just family estates.\r\n"
                + "Пьер — «ça va?» 漢字 \uD83D\uDE00\rend\n";
        Files.writeString(d.resolve("corpus.txt"), corpus, StandardCharsets.UTF_8);
        CharTokenizer.fromCorpus(corpus).save(d);
        List<FuzzHarness.Case> cases = List.of(
                single("corpus", d, "corpus.txt", null, true, p -> TextCorpus.read(p.resolve("corpus.txt"))),
                single("vocab.json", d, CharTokenizer.FILE, null, true, p -> Tokenizer.load(p)));
        FuzzHarness.assertClean(FuzzHarness.run("text (TextCorpus, CharTokenizer vocab.json)", 17, n(1200), cases,
                DataFormatException.class));
    }

    // ---------------------------------------------------------------------------------------------- safetensors

    @Test
    void safetensorsFiles() throws IOException {
        List<FuzzHarness.Case> cases = new ArrayList<>();
        Path d0 = dir("st0");
        Safetensors.write(d0.resolve("w.safetensors"), List.of(
                Safetensors.Tensor.of("fc1.weight", new float[] {1, 2, 3, 4, 5, 6}, 2, 3),
                Safetensors.Tensor.of("fc1.bias", new double[] {0.5, -1}, 2),
                Safetensors.Tensor.of("steps", new long[] {7}),
                Safetensors.Tensor.of("mask", new byte[] {1, 0, 1}, 3)), Map.of("format", "pt"));
        Path d1 = dir("st1");
        ByteBuffer half = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3C00)
                .putShort((short) 0xC000).putShort((short) 0x7C00).putShort((short) 0x0001);
        Safetensors.write(d1.resolve("w.safetensors"), List.of(
                new Safetensors.Tensor("h", Safetensors.DType.F16, new long[] {2, 2}, half.flip()),
                Safetensors.Tensor.of("i", new int[] {1, -2, 3}, 3, 1),
                Safetensors.Tensor.of("empty", new float[0], 0, 4)), Map.of());
        FuzzHarness.Parser read = p -> {
            Safetensors.Contents c = Safetensors.read(p.resolve("w.safetensors"));
            c.tensors().values().forEach(Safetensors.Tensor::toDoubleArray); // touch every value
            return c;
        };
        int[] header = FuzzHarness.offsets(0, 1, 3, 4, 7);
        cases.add(single("f32/f64/i64/u8", d0, "w.safetensors", header, true, read));
        cases.add(single("f16/i32/empty", d1, "w.safetensors", header, true, read));
        FuzzHarness.assertClean(FuzzHarness.run("safetensors", 18, n(1400), cases, SafetensorsFormatException.class));
    }

    // ---------------------------------------------------------------------------------------------- checkpoints

    @Test
    void checkpoints() throws IOException {
        Init.seed(3);
        try (NDManager m = NDManager.newBaseManager()) {
            Sequential net = new Sequential().add("fc1", new Linear(m, 4, 3, true)).add("fc2", new Linear(m, 3, 2,
                    false));
            Adam opt = Adam.adam(ParamGroup.all(net)).amsgrad(true);
            Path root = dir("ckpt");
            Path step = Checkpoint.save(root, net, opt, new Checkpoint.State(5, 1, 7, Map.of("lr", 0.01, "model",
                    "tiny"), Map.of("loss", 0.5)));
            String s = root.relativize(step).toString();
            FuzzHarness.Case open = new FuzzHarness.Case("open+restore", root, List.of(s + "/" + Checkpoint.INFO_FILE,
                    s + "/" + Checkpoint.MODEL_FILE, s + "/" + Checkpoint.OPTIMIZER_FILE), Map.of(), true,
                    p -> {
                        Checkpoint c = Checkpoint.open(p.resolve(s));
                        c.restore(net, opt);
                        return c;
                    });
            FuzzHarness.Case latest = new FuzzHarness.Case("loadLatest+restore", root, List.of(Checkpoint.LATEST,
                    s + "/" + Checkpoint.INFO_FILE, s + "/" + Checkpoint.MODEL_FILE), Map.of(), true,
                    p -> {
                        var c = Checkpoint.loadLatest(p);
                        if (c.isPresent()) {
                            c.get().restore(net, opt);
                        }
                        return c;
                    });
            FuzzHarness.assertClean(FuzzHarness.run("checkpoints (Checkpoint, StateDict)", 19, n(900),
                    List.of(open, latest), CheckpointFormatException.class, SafetensorsFormatException.class));
        }
    }

    // ---------------------------------------------------------------------------------------------- NIR

    @Test
    void nirFiles() throws IOException {
        List<FuzzHarness.Case> cases = new ArrayList<>();
        int[] superblock = FuzzHarness.offsets(8, 9, 10, 11, 13, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88);
        for (String name : new String[] {"lif_affine_v107.nir", "lif_affine_main.nir", "lif_norse.nir"}) {
            Path d = dir(name);
            Files.write(d.resolve("g.nir"), resource("nir/" + name));
            cases.add(single(name, d, "g.nir", superblock, false, p -> NirReader.read(p.resolve("g.nir"))));
        }
        FuzzHarness.assertClean(FuzzHarness.run("NIR (NirReader)", 20, n(700), cases, DataFormatException.class));
    }

    // ---------------------------------------------------------------------------------------------- runtime graph

    @Test
    void runtimeGraphs() throws IOException {
        Init.seed(4);
        Path d = dir("graph");
        try (NDManager m = NDManager.newBaseManager()) {
            VggConfig cfg = new VggConfig("tiny", 1, 8, List.of("4", "A", "6", "A"), new int[] {8}, 3, 0.0);
            GraphExport.export(Vgg.snn(m, cfg, new PiecewiseLinear(0.3), 2), d);
        }
        FuzzHarness.Case c = new FuzzHarness.Case("vgg-tiny", d, List.of(SpikingModel.GRAPH_FILE,
                SpikingModel.GRAPH_FILE, SpikingModel.WEIGHTS_FILE), Map.of(), true, p -> {
                    SpikingModel model = SpikingModel.load(p);
                    return model.newSession();
                });
        FuzzHarness.assertClean(FuzzHarness.run("runtime graph (SpikingModel)", 21, n(900), List.of(c),
                ModelFormatException.class, SafetensorsFormatException.class));
    }

    // ---------------------------------------------------------------------------------------------- configuration

    /**
     * The hook for the JSON configuration reader being written in another issue: add one case to the list, e.g.
     * {@code cases.add(single("iir.json", d, "iir.json", null, true, p -> RecipeConfig.read(p.resolve("iir.json"))));}
     * with a valid seed file written into {@code d}, and its documented exception to the {@code run} call.
     */
    @Test
    void configurationFiles() throws IOException {
        List<FuzzHarness.Case> cases = new ArrayList<>();
        // cases.add(...)   <- the configuration reader goes here (one line, see the javadoc)
        if (!cases.isEmpty()) {
            FuzzHarness.assertClean(FuzzHarness.run("configuration", 22, n(800), cases, DataFormatException.class));
        }
    }

    /** The harness itself: an undocumented exception, a wrapped own crash and an oversized allocation are caught. */
    @Test
    void harnessFlagsWhatItShould() throws IOException {
        Path d = dir("self");
        Files.write(d.resolve("x.bin"), new byte[64]);
        FuzzHarness.Stats st = FuzzHarness.run("self-test (not a reader)", 1, 60, List.of(single("x", d, "x.bin", null,
                false, p -> {
                    byte[] b = Files.readAllBytes(p.resolve("x.bin"));
                    return switch (b.length % 4) {
                        case 0 -> throw new IllegalArgumentException("undocumented");
                        case 1 -> throw new DataFormatException(p.resolve("x.bin"), "wraps an own crash",
                                new NullPointerException());
                        case 2 -> new byte[64 << 20]; // over the bound for a tiny file
                        default -> throw new DataFormatException(p.resolve("x.bin"), "a proper typed error");
                    };
                })), DataFormatException.class);
        FuzzHarness.STATS.remove(st.reader);
        assertTrue(st.failures.stream().anyMatch(f -> f.contains("undocumented exception java.lang.Illegal")));
        assertTrue(st.failures.stream().anyMatch(f -> f.contains("wraps a crash in snn4j code")));
        assertTrue(st.failures.stream().anyMatch(f -> f.contains("allocated")));
        assertTrue(st.typedErrors > 0, "typed errors counted");
    }

    private static long wall0;
    private static long cpu0;

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    @BeforeAll
    static void start() {
        wall0 = System.nanoTime();
        cpu0 = processCpuNanos();
    }

    @AfterAll
    static void report() throws IOException {
        String table = FuzzHarness.table() + String.format("%nWhole class: %.1f s wall, %.1f s process CPU (all threads,"
                + " with JIT and GC).%n", (System.nanoTime() - wall0) / 1e9, (processCpuNanos() - cpu0) / 1e9);
        System.out.println("\nReader fuzzing (scale " + SCALE + "):\n" + table);
        Path out = Path.of("target", "fuzz-report.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table, StandardCharsets.UTF_8);
    }
}
