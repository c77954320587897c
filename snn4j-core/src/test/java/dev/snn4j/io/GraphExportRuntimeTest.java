package dev.snn4j.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.layer.Conv2d;
import dev.snn4j.layer.Dropout;
import dev.snn4j.layer.Flatten;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.MeanOverTime;
import dev.snn4j.layer.MembraneAccumulator;
import dev.snn4j.layer.Pool2d;
import dev.snn4j.layer.Relu;
import dev.snn4j.layer.RepeatTime;
import dev.snn4j.layer.Sequential;
import dev.snn4j.model.Conversion;
import dev.snn4j.model.Vgg;
import dev.snn4j.model.VggConfig;
import dev.snn4j.neuron.IfNeuron;
import dev.snn4j.neuron.IirNeuron;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.neuron.Neuron;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Module;
import dev.snn4j.runtime.LayerStats;
import dev.snn4j.runtime.ModelFormatException;
import dev.snn4j.runtime.Session;
import dev.snn4j.runtime.SpikingModel;
import dev.snn4j.surrogate.ATan;
import dev.snn4j.surrogate.PiecewiseLinear;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Export -> load -> run in the pure-Java runtime equals the DJL forward pass of the same net. */
class GraphExportRuntimeTest {
    @TempDir
    Path tmp;

    /** Counts each neuron layer's spikes during DJL forward passes. */
    private static Map<String, Long> countSpikes(Sequential net) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : net.children().entrySet()) {
            if (e.getValue() instanceof Neuron n) {
                String name = e.getKey();
                counts.put(name, 0L);
                n.setObserver((nn, s) -> counts.merge(name, (long) s.sum().toType(DataType.FLOAT64, false)
                        .getDouble(), Long::sum));
            }
        }
        return counts;
    }

    private static Map<String, Long> runtimeSpikes(Session s) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (LayerStats st : s.stats()) {
            if (st.neuronSteps() > 0) {
                out.put(st.name(), st.spikes());
            }
        }
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, float tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            float scale = Math.max(1f, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol * scale,
                    what + "[" + i + "]: expected " + expected[i] + " but got " + actual[i]);
        }
    }

    /** Streams {@code x [T, 1, ...]} step by step through the runtime and compares every step's output. */
    private void assertStreamingEqualsDjl(Sequential net, long[] sampleShape, NDArray x, float tol) throws IOException {
        net.eval();
        Map<String, Long> djlSpikes = countSpikes(net);
        NDArray y = net.forward(x);
        GraphExport.export(net, sampleShape, (int) x.getShape().get(0), tmp);
        SpikingModel model = SpikingModel.load(tmp);
        Session s = model.newSession();
        int t = (int) x.getShape().get(0);
        float[] last = null;
        for (int i = 0; i < t; i++) {
            last = s.step(x.get(i).toFloatArray());
            if (y.getShape().dimension() == x.getShape().dimension() - (sampleShape.length - 1)
                    && y.getShape().get(0) == t) {
                assertClose(y.get(i).toFloatArray(), last, tol, "step " + i);
            }
        }
        if (y.getShape().get(0) != t || y.getShape().dimension() == 2) {
            assertClose(y.toFloatArray(), last, tol, "readout");
        }
        assertEquals(djlSpikes, runtimeSpikes(s), "spikes per layer");
    }

    @Test
    void linearOnSpikesWithLifHardResetEqualsDjl() throws IOException {
        Init.seed(11);
        try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
            Sequential net = new Sequential()
                    .add("fc1", new Linear(m, 40, 24, true))
                    .add("lif1", LifNeuron.builder().tau(2.0).threshold(0.3).build())
                    .add("fc2", new Linear(m, 24, 10, false))
                    .add("lif2", LifNeuron.builder().tau(3.0).decayInput(false).softReset().threshold(0.2).build());
            NDArray spikes = m.randomUniform(0f, 1f, new Shape(8, 1, 40)).lt(m.create(0.3f)).toType(DataType.FLOAT32,
                    false);
            assertStreamingEqualsDjl(net, new long[] {40}, spikes, 1e-6f);
        }
    }

    @Test
    void linearOnAnalogInputWithIfAndMeanReadoutEqualsDjl() throws IOException {
        Init.seed(12);
        try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
            Sequential net = new Sequential()
                    .add("fc1", new Linear(m, 30, 20, true))
                    .add("if1", IfNeuron.builder().threshold(0.5).build())
                    .add("drop", new Dropout(0.3))
                    .add("fc2", new Linear(m, 20, 5, true))
                    .add("if2", IfNeuron.builder().softReset().threshold(0.25).build())
                    .add("rate", new MeanOverTime());
            NDArray x = m.randomNormal(new Shape(6, 1, 30));
            assertStreamingEqualsDjl(net, new long[] {30}, x, 1e-5f);
        }
    }

    @Test
    void convolutionsPoolingAndFlattenEqualDjl() throws IOException {
        Init.seed(13);
        try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
            Sequential net = new Sequential()
                    .add("conv1", new Conv2d(m, 2, 6, 3, 1, 1, true))
                    .add("lif1", LifNeuron.builder().threshold(0.2).build())
                    .add("pool1", Pool2d.average(2))
                    .add("conv2", new Conv2d(m, 6, 8, 3, 2, 1, true))          // stride 2 on graded input
                    .add("iir2", new IirNeuron(m, 0.9, 0.15, new PiecewiseLinear(0.3)))
                    .add("pool2", Pool2d.max(2))
                    .add("flatten", new Flatten())
                    .add("fc", new Linear(m, 8 * 2 * 2, 4, true))
                    .add("readout", MembraneAccumulator.sum());
            NDArray x = m.randomUniform(0f, 1f, new Shape(5, 1, 2, 16, 16)).lt(m.create(0.4f))
                    .toType(DataType.FLOAT32, false);
            assertStreamingEqualsDjl(net, new long[] {2, 16, 16}, x, 1e-5f);
            assertEquals(List.of("conv2d", "lif", "avg_pool2d", "conv2d", "iir", "max_pool2d", "flatten", "linear",
                    "membrane_accumulator"), SpikingModel.load(tmp).layerTypes());
        }
    }

    @Test
    void convolutionFedBySpikesEqualsDjlAndCountsAccumulates() throws IOException {
        Init.seed(16);
        try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
            // conv2 reads binary spikes (no pool in between): events grouped per position, rows summed per tap
            Sequential net = new Sequential()
                    .add("conv1", new Conv2d(m, 2, 20, 3, 1, 1, true))
                    .add("lif1", LifNeuron.builder().threshold(0.3).build())
                    .add("conv2", new Conv2d(m, 20, 36, 3, 1, 1, true))
                    .add("iir2", new IirNeuron(m, 0.9, 0.2, new PiecewiseLinear(0.3)))
                    .add("flatten", new Flatten())
                    .add("fc", new Linear(m, 36 * 7 * 7, 4, true))
                    .add("readout", MembraneAccumulator.sum());
            NDArray x = m.randomUniform(0f, 1f, new Shape(4, 1, 2, 7, 7));
            assertStreamingEqualsDjl(net, new long[] {2, 7, 7}, x, 1e-4f);
        }
    }

    @Test
    void repeatTimeComputesTheFirstLayerOnceLikeCore() throws IOException {
        Init.seed(14);
        try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
            Sequential net = new Sequential()
                    .add("conv1", new Conv2d(m, 1, 4, 3, 1, 0, true))
                    .add("repeat", new RepeatTime(4))
                    .add("lif1", LifNeuron.builder().threshold(0.1).softReset().surrogate(new ATan(2)).build())
                    .add("flatten", new Flatten())
                    .add("fc", new Linear(m, 4 * 6 * 6, 3, false))
                    .add("readout", MembraneAccumulator.mean());
            net.eval();
            Map<String, Long> djl = countSpikes(net);
            NDArray img = m.randomUniform(0f, 1f, new Shape(1, 1, 1, 8, 8));
            float[] expected = net.forward(img).toFloatArray();
            GraphExport.export(net, new long[] {1, 8, 8}, 4, tmp);
            Session s = SpikingModel.load(tmp).newSession();
            assertClose(expected, s.run(img.toFloatArray(), 4), 1e-5f, "logits");
            assertEquals(djl, runtimeSpikes(s));
            LayerStats conv = s.stats().get(0);
            assertEquals(0, conv.acs());
            assertTrue(conv.macs() > 0 && conv.macs() <= 64L * 4 * 9, "conv1 runs once on the image: " + conv);
        }
    }

    @Test
    void vggSnnWithCalibratedThresholdsEqualsDjl() throws IOException {
        Init.seed(15);
        VggConfig cfg = new VggConfig("tiny", 1, 12, List.of("8", "A", "16", "A"), new int[] {32}, 5, 0.2);
        try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
            Vgg snn = Vgg.snn(m, cfg, new PiecewiseLinear(0.3), 4);
            NDArray images = m.randomUniform(0f, 1f, new Shape(16, 1, 12, 12));
            Conversion.setThresholdsFromPercentile(snn, images, 0.9);
            ((IirNeuron) snn.layer("act2")).leak().copyFrom(m.create(0.8f));   // a "trained" leak
            snn.eval();
            Map<String, Long> djl = countSpikes(snn);
            float[] logits = snn.forward(images).toFloatArray();
            GraphExport.export(snn, tmp);
            SpikingModel model = SpikingModel.load(tmp);
            assertEquals(4, model.timeSteps());
            Session s = model.newSession();
            float[][] batch = new float[16][];
            for (int i = 0; i < 16; i++) {
                batch[i] = images.get(i).toFloatArray();
            }
            float[][] out = s.runBatch(batch, 4);
            long total = 0;
            for (int i = 0; i < 16; i++) {
                float[] expected = java.util.Arrays.copyOfRange(logits, i * 5, i * 5 + 5);
                assertClose(expected, out[i], 1e-4f, "sample " + i);
                assertEquals(Session.argmax(expected), Session.argmax(out[i]), "prediction of sample " + i);
            }
            Map<String, Long> rt = runtimeSpikes(s);
            assertEquals(djl, rt);
            for (long c : rt.values()) {
                total += c;
                assertTrue(c > 0, "every layer fires: " + rt);
            }
            assertTrue(total > 0);
            // average-pooled spikes reach conv2 and fc1 as pre-scaled weight rows: accumulates, no multiplies
            for (LayerStats st : s.stats()) {
                if (st.name().equals("conv2") || st.name().equals("fc1")) {
                    assertTrue(st.acs() > 0 && st.macs() == 0, st.toString());
                }
            }
        }
    }

    /**
     * Found by ReaderFuzzTest at 10x scale: a graph whose declared input is 8 x 65536 made loading allocate ~100 MB of
     * convolution tap tables before the classifier's weights showed the shapes were wrong. The tables are now built
     * when a session needs them.
     */
    @Test
    void aHugeDeclaredInputIsRejectedBeforeAllocatingForIt() throws IOException {
        Init.seed(17);
        VggConfig cfg = new VggConfig("tiny", 1, 8, List.of("4", "A", "6", "A"), new int[] {8}, 3, 0.0);
        try (NDManager m = NDManager.newBaseManager()) {
            GraphExport.export(Vgg.snn(m, cfg, new PiecewiseLinear(0.3), 2), tmp);
        }
        Path graph = tmp.resolve(SpikingModel.GRAPH_FILE);
        String json = Files.readString(graph);
        String bad = json.replaceFirst("\"input_shape\"\\s*:\\s*\\[[^\\]]*\\]", "\"input_shape\": [1, 8, 65536]");
        assertNotEquals(json, bad, "the test must change the input shape");
        Files.writeString(graph, bad);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)
                java.lang.management.ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SpikingModel.load(tmp));
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 16L << 20, "allocated " + allocated + " bytes before failing: " + e.getMessage());
    }

    @Test
    void unsupportedModulesAreNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            Sequential net = new Sequential().add("fc", new Linear(m, 3, 2, false)).add("relu", new Relu());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GraphExport.export(net, new long[] {3}, 1, tmp));
            assertTrue(e.getMessage().contains("'relu'") && e.getMessage().contains("Relu"), e.getMessage());
        }
    }

    @Test
    void badFilesGiveTypedErrorsNamingFileAndField() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Sequential net = new Sequential().add("fc", new Linear(m, 3, 2, true))
                    .add("lif", LifNeuron.builder().build());
            GraphExport.export(net, new long[] {3}, 2, tmp);
        }
        Path graph = tmp.resolve("graph.json");
        String good = Files.readString(graph);
        ModelFormatException e;

        Files.writeString(graph, "{ not json");
        e = assertThrows(ModelFormatException.class, () -> SpikingModel.load(tmp));
        assertTrue(e.getMessage().contains("graph.json") && e.getMessage().contains("malformed"), e.getMessage());

        Files.writeString(graph, good.replace("\"version\": 1", "\"version\": 7"));
        e = assertThrows(ModelFormatException.class, () -> SpikingModel.load(tmp));
        assertTrue(e.getMessage().contains("'version'"), e.getMessage());

        Files.writeString(graph, good.replace("\"in_features\": 3", "\"in_features\": 4"));
        e = assertThrows(ModelFormatException.class, () -> SpikingModel.load(tmp));
        assertTrue(e.getMessage().contains("layers[0] (fc)") && e.getMessage().contains("in_features"),
                e.getMessage());

        Files.writeString(graph, good.replace("fc.weight_t", "fc.nope"));
        e = assertThrows(ModelFormatException.class, () -> SpikingModel.load(tmp));
        assertTrue(e.getMessage().contains("weights.safetensors") && e.getMessage().contains("'fc.nope'"),
                e.getMessage());

        Files.writeString(graph, good.replace("\"type\": \"lif\"", "\"type\": \"quantum\""));
        e = assertThrows(ModelFormatException.class, () -> SpikingModel.load(tmp));
        assertTrue(e.getMessage().contains("layers[1] (lif)") && e.getMessage().contains("quantum"), e.getMessage());

        Files.writeString(graph, good.replace("\"tau\": 2.0,", ""));
        e = assertThrows(ModelFormatException.class, () -> SpikingModel.load(tmp));
        assertTrue(e.getMessage().contains("missing field 'tau'"), e.getMessage());

        // a weight tensor of the wrong shape
        Files.writeString(graph, good);
        try (NDManager m = NDManager.newBaseManager()) {
            Path other = tmp.resolve("other");
            GraphExport.export(new Sequential().add("fc", new Linear(m, 5, 2, true)), new long[] {5}, 1, other);
            Files.copy(other.resolve("weights.safetensors"), tmp.resolve("weights.safetensors"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        e = assertThrows(ModelFormatException.class, () -> SpikingModel.load(tmp));
        assertTrue(e.getMessage().contains("'fc.weight_t'") && e.getMessage().contains("shape"), e.getMessage());

        Files.delete(tmp.resolve("weights.safetensors"));
        e = assertThrows(ModelFormatException.class, () -> SpikingModel.load(tmp));
        assertTrue(e.getMessage().contains("weights.safetensors") && e.getMessage().contains("missing"),
                e.getMessage());
    }
}
