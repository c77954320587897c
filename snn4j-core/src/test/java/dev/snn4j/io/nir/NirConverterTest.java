package dev.snn4j.io.nir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.layer.Conv1d;
import dev.snn4j.layer.Conv2d;
import dev.snn4j.layer.Dcls1d;
import dev.snn4j.layer.Flatten;
import dev.snn4j.layer.LeakyReadout;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.Pool2d;
import dev.snn4j.layer.Sequential;
import dev.snn4j.neuron.IfNeuron;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Module;
import dev.snn4j.surrogate.ATan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** snn4j modules -> NIR file -> snn4j modules give the same outputs (float64, DJL forward). */
class NirConverterTest {
    static final double DT = 1e-3;
    NDManager m;

    @BeforeEach
    void setUp() {
        Init.seed(11);
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    NDArray input(long seed, double spikeProb, long... shape) {
        Random r = new Random(seed);
        int n = (int) new Shape(shape).size();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = spikeProb > 0 ? (r.nextDouble() < spikeProb ? 1 : 0) : 2 * r.nextDouble();
        }
        return m.create(v, new Shape(shape));
    }

    /** Exports, writes, reads, imports; returns the imported net (FLOAT64). */
    Sequential roundTrip(Module net, long[] inShape, Path tmp) throws IOException {
        NirGraph g = NirConverter.export(net, inShape, DT);
        Path f = tmp.resolve("net.nir");
        NirWriter.write(f, g);
        NirGraph back = NirReader.read(f);
        assertEquals(g, back);
        return NirConverter.toModule(back, m, DataType.FLOAT64);
    }

    static void assertSameOutput(Module a, Module b, NDArray x) {
        NDArray ya = a.forward(x);
        NDArray yb = b.forward(x);
        assertEquals(ya.getShape(), yb.getShape());
        double[] va = ya.toDoubleArray();
        double[] vb = yb.toDoubleArray();
        double maxAbs = 0;
        for (double v : va) {
            maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        assertTrue(maxAbs > 0, "degenerate test: all outputs are zero");
        for (int i = 0; i < va.length; i++) {
            assertEquals(va[i], vb[i], 1e-9 * Math.max(1, Math.abs(va[i])), "output " + i);
        }
    }

    @Test
    void linearLifLinearLiChain(@TempDir Path tmp) throws IOException {
        Sequential net = new Sequential()
                .add("fc1", new Linear(m, 4, 8, true))
                .add("lif1", new LifNeuron(2.5, true, new ATan(2.0), 0.5, 0.0, false))
                .add("fc2", new Linear(m, 8, 5, false))
                .add("lif2", new LifNeuron(3.0, false, new ATan(2.0), 0.3, -0.1, false))
                .add("fc3", new Linear(m, 5, 3, true))
                .add("out", new LeakyReadout(4.0, false));
        net.to(DataType.FLOAT64).eval();
        NirGraph g = NirConverter.export(net, new long[] {4}, DT);
        assertEquals(List.of("input", "fc1", "lif1", "fc2", "lif2", "fc3", "out", "output"),
                new ArrayList<>(g.nodes().keySet()));
        assertEquals("Affine", g.node("fc1").type());
        assertEquals("Linear", g.node("fc2").type());
        assertEquals("LI", g.node("out").type());
        NirNode lif2 = g.node("lif2");
        assertArrayEquals(new double[] {0.003, 0.003, 0.003, 0.003, 0.003}, lif2.get("tau").doubles(), 1e-18);
        assertArrayEquals(new double[] {3, 3, 3, 3, 3}, lif2.get("r").doubles()); // no decay_input: r = tau_d
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 1, 1}, g.node("lif1").get("r").doubles());
        assertEquals(-0.1, lif2.get("v_leak").doubles()[0]);
        assertEquals("<f8", lif2.get("tau").dtype());
        Sequential back = roundTrip(net, new long[] {4}, tmp);
        assertSameOutput(net, back, input(1, 0, 30, 3, 4));
    }

    @Test
    void exportOfTheReferenceLifChainHasTheReferenceLayout(@TempDir Path tmp) throws IOException {
        Path ref = NirReferenceFilesTest.FORMATS.resolve("nir_lif_affine.nir");
        assumeTrue(Files.exists(ref), "no ../shared/formats");
        // the same graph as nir_lif_affine.nir: input[4] -> affine (3x4, bias) -> lif[3] -> output[3], float64
        Sequential net = new Sequential().add("affine", new Linear(m, 4, 3, true))
                .add("lif", LifNeuron.builder().tau(10).build());
        net.to(DataType.FLOAT64);
        Path f = tmp.resolve("ours.nir");
        NirWriter.write(f, NirConverter.export(net, new long[] {4}, 1e-4));
        Map<String, NirLayout.Entry> want = NirLayout.fromJson(NirReferenceFilesTest.json(ref));
        Map<String, NirLayout.Entry> got = NirLayout.of(f);
        // metadata differs by content (the reference has a description, tags, a node comment; we write dt only)
        want.keySet().removeIf(p -> p.contains("/metadata"));
        got.keySet().removeIf(p -> p.contains("/metadata"));
        assertEquals(want.keySet(), got.keySet());
        want.forEach((p, e) -> assertEquals(e, got.get(p), p)); // dtypes incl. vlen strings, shapes
    }

    @Test
    void convChain(@TempDir Path tmp) throws IOException {
        Sequential net = new Sequential()
                .add("conv", new Conv2d(m, 2, 4, 3, 1, 1, true))
                .add("if", new IfNeuron(new ATan(2.0), 0.5, 0.0, false))
                .add("pool", Pool2d.average(2))
                .add("flatten", new Flatten())
                .add("fc", new Linear(m, 64, 10, true))
                .add("lif", LifNeuron.builder().tau(2.0).threshold(0.2).build());
        net.to(DataType.FLOAT64).eval();
        NirGraph g = NirConverter.export(net, new long[] {2, 8, 8}, DT);
        assertArrayEquals(new long[] {4, 8, 8}, g.node("if").get("r").shape());
        assertEquals(1000.0, g.node("if").get("r").doubles()[0], 1e-9); // r = 1/dt
        assertArrayEquals(new long[] {4, 4, 4}, g.node("flatten").get("input_type").longs());
        assertArrayEquals(new long[] {8, 8}, g.node("conv").get("input_shape").longs());
        Sequential back = roundTrip(net, new long[] {2, 8, 8}, tmp);
        assertSameOutput(net, back, input(2, 0, 6, 2, 2, 8, 8));
    }

    @Test
    void conv1dChainInFloat32(@TempDir Path tmp) throws IOException {
        Sequential net = new Sequential()
                .add("conv", new Conv1d(m, 2, 3, 5, 1, 2, false))
                .add("lif", LifNeuron.builder().tau(2.0).threshold(0.3).build())
                .add("flat", new Flatten())
                .add("fc", new Linear(m, 48, 4, true));
        net.eval();
        NirGraph g = NirConverter.export(net, new long[] {2, 16}, DT);
        assertEquals("<f4", g.node("conv").get("weight").dtype());
        assertEquals("<f4", g.node("lif").get("tau").dtype());
        assertEquals(16L, g.node("conv").get("input_shape").longValue());
        assertArrayEquals(new long[] {3, 16}, g.node("lif").get("tau").shape());
        Path f = tmp.resolve("c.nir");
        NirWriter.write(f, g);
        Sequential back = NirConverter.toModule(NirReader.read(f), m, DataType.FLOAT32);
        // tau = 2 dt is rounded to float32 in the file: the imported tau_d is 2 within 1e-7, the outputs agree closely
        double tauD = ((LifNeuron) back.children().get("lif")).tau();
        assertEquals(2.0, tauD, 2e-7);
        NDArray x = input(6, 0, 10, 2, 2, 16).toType(DataType.FLOAT32, false);
        double[] a = net.forward(x).toType(DataType.FLOAT64, false).toDoubleArray();
        double[] b = back.forward(x).toType(DataType.FLOAT64, false).toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], 1e-5, "output " + i);
        }
    }

    @Test
    void learnedDelayNetIsLossless(@TempDir Path tmp) throws IOException {
        Dcls1d d1 = new Dcls1d(m, 3, 6, 2, 7);                        // two taps per synapse, delays 0..6
        Dcls1d d2 = new Dcls1d(m, 6, 4, 1, 5).outputLength(Dcls1d.OutputLength.CROPPED);
        Sequential net = new Sequential()
                .add("delays1", d1)
                .add("lif", new LifNeuron(2.0, false, new ATan(2.0), 0.4, 0.0, true))
                .add("delays2", d2)
                .add("out", new LeakyReadout(5.0, false));
        net.to(DataType.FLOAT64).eval();
        NirGraph g = NirConverter.export(net, new long[] {3}, DT);
        long delayNodes = g.nodes().values().stream().filter(n -> n.type().equals("Delay")).count();
        assertTrue(delayNodes >= 4, "one Delay per distinct delay value, got " + delayNodes);
        Sequential back = roundTrip(net, new long[] {3}, tmp);
        Dcls1d b1 = (Dcls1d) back.children().get("delays1");
        assertEquals(7, b1.maxDelay());
        assertEquals(2, b1.kernelCount());
        assertEquals(Dcls1d.OutputLength.EXTENDED, b1.outputLength());
        assertEquals(Dcls1d.OutputLength.CROPPED, ((Dcls1d) back.children().get("delays2")).outputLength());
        // same per-(synapse, delay) weights: the one-hot integer kernels agree
        assertArrayEquals(d1.integerKernel().toDoubleArray(), b1.integerKernel().toDoubleArray(), 1e-15);
        assertArrayEquals(d2.integerKernel().toDoubleArray(),
                ((Dcls1d) back.children().get("delays2")).integerKernel().toDoubleArray(), 1e-15);
        assertSameOutput(net, back, input(3, 0.3, 25, 2, 3));
    }

    @Test
    void genericAffineDelayImportsAsPerSynapseDelays() {
        // y[t, o] = sum_c W[o, c] x[t - d_o, c] with per-output delays, as other tools write Affine -> Delay
        double[] w = {1, 2, -1, 0.5, 0, 3};
        NirGraph g = new NirGraph().add("input", NirTypes.input(3))
                .add("affine", NirTypes.affine(NirValue.float64(w, 2, 3), NirValue.float64(new double[2], 2)))
                .add("delay", NirTypes.delay(NirValue.float64(new double[] {0.002, 0.0}, 2)))
                .add("output", NirTypes.output(2))
                .connect("input", "affine").connect("affine", "delay").connect("delay", "output");
        Sequential net = NirConverter.toModule(g, DT, m, DataType.FLOAT64);
        NDArray x = input(4, 0, 6, 1, 3);
        double[] xv = x.toDoubleArray();
        double[] y = net.forward(x).toDoubleArray();
        int[] delay = {2, 0};
        for (int t = 0; t < 6; t++) {
            for (int o = 0; o < 2; o++) {
                double want = 0;
                for (int c = 0; c < 3; c++) {
                    want += t - delay[o] >= 0 ? w[o * 3 + c] * xv[(t - delay[o]) * 3 + c] : 0;
                }
                assertEquals(want, y[t * 2 + o], 1e-12, "t=" + t + " o=" + o);
            }
        }
    }

    @Test
    void sumPoolImportsAsAverageTimesKSquared() {
        NirGraph g = new NirGraph().add("input", NirTypes.input(1, 4, 4))
                .add("pool", new NirNode("SumPool2d").param("kernel_size", NirValue.int64(new long[] {2, 2}, 2))
                        .param("stride", NirValue.int64(new long[] {2, 2}, 2))
                        .param("padding", NirValue.int64(new long[] {0, 0}, 2)))
                .add("output", NirTypes.output(1, 2, 2))
                .connect("input", "pool").connect("pool", "output");
        Sequential net = NirConverter.toModule(g, DT, m, DataType.FLOAT64);
        NDArray x = input(5, 0, 1, 1, 1, 4, 4);
        double[] xv = x.toDoubleArray();
        double[] y = net.forward(x).toDoubleArray();
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                double s = xv[8 * i + 2 * j] + xv[8 * i + 2 * j + 1] + xv[8 * i + 2 * j + 4] + xv[8 * i + 2 * j + 5];
                assertEquals(s, y[2 * i + j], 1e-12);
            }
        }
    }

    @Test
    void aSingleModuleExportsUnderItsClassName() {
        NirGraph g = NirConverter.export(new Linear(m, 2, 3, false), new long[] {2}, DT);
        assertEquals(List.of("input", "linear", "output"), new ArrayList<>(g.nodes().keySet()));
        assertArrayEquals(new long[] {3}, g.node("output").get("shape").longs());
    }

    @Test
    void thirdPartyLifExportsImport() throws IOException {
        Path dir = NirReferenceFilesTest.FORMATS.resolve("nir_third_party");
        assumeTrue(Files.isDirectory(dir), "no ../shared/formats");
        // Norse: Affine [1x1] -> LIF tau 2.5 ms, r 1: a decay_input LIF with tau_d = 2.5 at dt = 1 ms
        Sequential norse = NirConverter.toModule(NirReader.read(dir.resolve("lif_norse.nir")), DT, m, DataType.FLOAT64);
        LifNeuron n = (LifNeuron) norse.children().get("1");
        assertEquals(2.5, n.tau(), 1e-6);
        assertTrue(n.decayInput());
        assertEquals(0.1, n.threshold(), 1e-7);
        // Rockpool: r = 24.02 (neither 1 nor tau_d): a Scale by r in front of a decay_input LIF
        Sequential rock = NirConverter.toModule(NirReader.read(dir.resolve("lif_rockpool.nir")), DT, m,
                DataType.FLOAT64);
        Sequential wrapped = (Sequential) rock.children().get("1_LIFNeuronTorch");
        assertEquals(24.019737243652344,
                ((dev.snn4j.layer.Scale) wrapped.children().get("r")).factor().value().toDoubleArray()[0], 1e-12);
        NDArray x = input(7, 0, 20, 2, 1);
        assertEquals(new Shape(20, 2, 1), rock.forward(x).getShape());
        // exporting the imported nets gives the original nodes back (the Scale folds into r)
        for (String f : new String[] {"lif_norse.nir", "lif_rockpool.nir", "two_lif_neurons.nir"}) {
            NirGraph orig = NirReader.read(dir.resolve(f));
            Sequential net = NirConverter.toModule(orig, DT, m, DataType.FLOAT64);
            NirGraph again = NirConverter.export(net, orig.node(f.startsWith("two") ? "in" : "input").get("shape")
                    .longs(), DT);
            for (var e : orig.nodes().entrySet()) {
                if (e.getValue().type().equals("Input") || e.getValue().type().equals("Output")) {
                    continue;
                }
                NirNode ours = again.node(e.getKey());
                assertEquals(e.getValue().type(), ours.type(), f + " " + e.getKey());
                for (var p : e.getValue().params().entrySet()) {
                    double[] want = p.getValue().doubles();
                    double[] got = ours.get(p.getKey()).doubles();
                    assertEquals(want.length, got.length);
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], got[i], 1e-12 * Math.max(1, Math.abs(want[i])),
                                f + " " + e.getKey() + "/" + p.getKey());
                    }
                }
            }
        }
    }

    /**
     * two_lif_neurons.nir (a hand-written file): lif1 leaks towards v_leak = 1.2 while resetting to 0. The import
     * (Scale x -> x + 1.2 in front of the LIF) must follow the Euler steps of tau dv/dt = (v_leak - v) + r I.
     */
    @Test
    void leakPotentialOtherThanResetFollowsTheOde() throws IOException {
        Path file = NirReferenceFilesTest.FORMATS.resolve("nir_third_party/two_lif_neurons.nir");
        assumeTrue(Files.exists(file), "no ../shared/formats");
        NirGraph g = NirReader.read(file);
        double dt = 1e-3;
        Sequential net = NirConverter.toModule(g, dt, m, DataType.FLOAT64);
        int steps = 60;
        NDArray x = input(8, 0, steps, 1, 1);
        double[] xv = x.toDoubleArray();
        // layer by layer: lif1 spikes on its own (v_leak 1.2 > threshold 1); lif2 (threshold 20) stays silent
        NDArray h = net.children().get("linear1").forward(x);
        double[] y1 = net.children().get("lif1").forward(h).toDoubleArray();
        double[] y = net.forward(x).toDoubleArray();
        // reference: Euler with the file's parameters, hard reset, fire on v >= threshold
        String[] lifs = {"lif1", "lif2"};
        double[] in = xv.clone();
        double[] ref1 = null;
        for (String l : lifs) {
            NirNode n = g.node(l);
            double tau = n.get("tau").doubles()[0];
            double r = n.get("r").doubles()[0];
            double leak = n.get("v_leak").doubles()[0];
            double thr = n.get("v_threshold").doubles()[0];
            double reset = n.get("v_reset").doubles()[0];
            double v = reset;
            double[] out = new double[steps];
            for (int t = 0; t < steps; t++) {
                v = v + dt / tau * (leak - v + r * in[t]);
                out[t] = v >= thr ? 1 : 0;
                v = out[t] == 1 ? reset : v;
            }
            in = out; // linear1 / linear2 weights are 1
            ref1 = ref1 == null ? out : ref1;
        }
        int spikes = 0;
        for (int t = 0; t < steps; t++) {
            assertEquals(ref1[t], y1[t], 0.0, "lif1 t=" + t);
            assertEquals(in[t], y[t], 0.0, "lif2 t=" + t);
            spikes += (int) y1[t];
        }
        assertTrue(spikes > 2, "degenerate: lif1 spiked " + spikes + " times");
    }

    @Test
    void unsupportedCasesNameTheModuleOrNode() throws IOException {
        Sequential soft = new Sequential().add("lif", LifNeuron.builder().softReset().build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NirConverter.export(soft, new long[] {3}, DT));
        assertTrue(e.getMessage().contains("soft"), e.getMessage());
        NirGraph stray = new NirGraph().add("input", NirTypes.input(2)).add("output", NirTypes.output(2))
                .add("lonely", NirTypes.delay(NirValue.float64(new double[] {0, 0}, 2))).connect("input", "output");
        e = assertThrows(IllegalArgumentException.class, () -> NirConverter.toModule(stray, DT, m, DataType.FLOAT64));
        assertTrue(e.getMessage().contains("'lonely'"), e.getMessage());
        Path ref = NirReferenceFilesTest.FORMATS.resolve("nir_lif_affine.nir");
        assumeTrue(Files.exists(ref), "no ../shared/formats");
        e = assertThrows(IllegalArgumentException.class,
                () -> NirConverter.toModule(NirReader.read(ref), m, DataType.FLOAT64));
        assertTrue(e.getMessage().contains("node 'lif'") && e.getMessage().contains("per-neuron"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NirConverter.toModule(
                NirReader.read(NirReferenceFilesTest.FORMATS.resolve("nir_recurrent.nir")), 1e-3, m, DataType.FLOAT64));
        assertTrue(e.getMessage().contains("recurrent") || e.getMessage().contains("chain"), e.getMessage());
    }
}
