package dev.snn4j.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.io.nir.NirConverter;
import dev.snn4j.io.nir.NirGraph;
import dev.snn4j.io.nir.NirReader;
import dev.snn4j.io.nir.NirWriter;
import dev.snn4j.layer.BatchNorm;
import dev.snn4j.layer.Conv2d;
import dev.snn4j.layer.Dcls1d;
import dev.snn4j.layer.DeltaActivation;
import dev.snn4j.layer.Flatten;
import dev.snn4j.layer.LeakyReadout;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.MeanOverTime;
import dev.snn4j.layer.Pool2d;
import dev.snn4j.layer.Relu;
import dev.snn4j.layer.Sequential;
import dev.snn4j.model.DelayNet;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.nn.Init;
import dev.snn4j.nn.Parameter;
import dev.snn4j.runtime.LayerStats;
import dev.snn4j.runtime.ModelFormatException;
import dev.snn4j.runtime.Session;
import dev.snn4j.runtime.SpikingModel;
import dev.snn4j.surrogate.ATan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Sequence models in the runtime: per-synapse integer delays (ring buffers), the delay net, delta networks and NIR,
 * each against the DJL evaluation forward of the same net.
 */
class SequenceRuntimeTest {
    @TempDir
    Path tmp;

    private static NDArray spikes(NDManager m, long seed, int t, int n, double p) {
        Random r = new Random(seed);
        float[] v = new float[t * n];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextDouble() < p ? 1f : 0f;
        }
        return m.create(v, new Shape(t, 1, n));
    }

    private static float[][] frames(NDArray x) {
        int t = (int) x.getShape().get(0);
        float[][] f = new float[t][];
        for (int i = 0; i < t; i++) {
            f[i] = x.get(i).toFloatArray();
        }
        return f;
    }

    private static void randomise(NDManager m, Parameter p, long seed, double lo, double hi) {
        Random r = new Random(seed);
        float[] v = new float[(int) p.value().size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        p.copyFrom(m.create(v, p.value().getShape()));
    }

    private static void assertClose(float[] expected, float[] actual, float tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            float scale = Math.max(1f, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol * scale,
                    what + "[" + i + "]: expected " + expected[i] + " but got " + actual[i]);
        }
    }

    /** DJL's {@code [T', 1, C]} against the runtime trace {@code [T'][C]}, step by step. */
    private static void assertTrace(NDArray djl, float[][] trace, float tol) {
        assertEquals(djl.getShape().get(0), trace.length, "steps");
        for (int t = 0; t < trace.length; t++) {
            assertClose(djl.get(t).toFloatArray(), trace[t], tol, "step " + t);
        }
    }

    @Test
    void delayLayerIsARingBufferEqualToDcls1dEval() throws IOException {
        Init.seed(3);
        try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
            Dcls1d d = new Dcls1d(m, 5, 7, 2, 5);   // two taps per synapse, delays 0..4, output T + 2 steps
            Sequential net = new Sequential().add("delays", d);
            net.eval();
            NDArray x = spikes(m, 1, 12, 5, 0.3);
            NDArray y = net.forward(x);
            GraphExport.export(net, new long[] {5}, 12, tmp);
            SpikingModel model = SpikingModel.load(tmp);
            assertEquals(2, model.tailSteps());
            Session s = model.newSession();
            float[][] trace = s.runSequence(frames(x));
            assertTrace(y, trace, 1e-5f);
            // accumulates only: every input spike reaches its 7 x 2 taps (taps with equal delays merged)
            LayerStats st = s.stats().get(0);
            assertEquals(0, st.macs());
            assertTrue(st.acs() > 0 && st.acs() <= 14L * (long) x.sum().getFloat());
            // streaming the same frames, then zeros, gives the same outputs
            s.reset();
            float[][] f = frames(x);
            for (int t = 0; t < trace.length; t++) {
                assertArrayEquals(trace[t], s.step(t < f.length ? f[t] : new float[5]), "streamed step " + t);
            }
        }
    }

    @Test
    void croppedDelaysBatchNormAndLeakyReadoutEqualDjl() throws IOException {
        Init.seed(4);
        try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
            BatchNorm bn = new BatchNorm(m, 6);
            randomise(m, bn.gamma(), 1, 0.5, 2);
            randomise(m, bn.beta(), 2, -0.2, 0.4);
            randomise(m, bn.runningMean(), 3, -0.3, 0.3);
            randomise(m, bn.runningVar(), 4, 0.2, 2);
            Sequential net = new Sequential()
                    .add("d1", new Dcls1d(m, 4, 6, 7).outputLength(Dcls1d.OutputLength.CROPPED))
                    .add("bn", bn)
                    .add("lif", LifNeuron.builder().tau(1.5).decayInput(false).threshold(0.5).build())
                    .add("d2", new Dcls1d(m, 6, 3, 3))
                    .add("out", new LeakyReadout(4.0, false));
            net.eval();
            NDArray x = spikes(m, 2, 15, 4, 0.4);
            NDArray y = net.forward(x);
            GraphExport.export(net, new long[] {4}, 15, tmp);
            Session s = SpikingModel.load(tmp).newSession();
            assertTrace(y, s.runSequence(frames(x)), 1e-5f);
            assertTrue(s.stats().get(2).spikes() > 0, "the LIF layer fires");
        }
    }

    private static DelayNet smallDelayNet(NDManager m, DelayNet.Mode mode) {
        DelayNet net = new DelayNet(m, new DelayNet.Config(6, new int[] {10, 8}, 3, 5, 0.4, 1.5, mode));
        int k = 0;
        for (var e : net.batchNormParameters().entrySet()) {
            randomise(m, e.getValue(), k++, e.getKey().endsWith("weight") ? 2 : -0.1,
                    e.getKey().endsWith("weight") ? 4 : 0.3);
        }
        net.eval();
        return net;
    }

    @Test
    void delayNetEqualsDjlEvaluation() throws IOException {
        for (DelayNet.Mode mode : DelayNet.Mode.values()) {
            Init.seed(5);
            try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
                DelayNet net = smallDelayNet(m, mode);
                NDArray x = spikes(m, 7, 20, 6, 0.3);
                NDArray scores = net.forward(x);
                Path dir = tmp.resolve(mode.name());
                GraphExport.export(net, 20, dir);
                SpikingModel model = SpikingModel.load(dir);
                assertEquals(net.outputSteps(20) - 20, model.tailSteps(), mode + ": tail");
                Session s = model.newSession();
                float[][] trace = s.runSequence(frames(x));
                assertEquals(net.outputSteps(20), trace.length);
                assertClose(scores.toFloatArray(), trace[trace.length - 1], 1e-5f, mode + " scores");
                long spikes = s.stats().stream().filter(l -> l.type().equals("lif") && l.neuronSteps() > 0)
                        .mapToLong(LayerStats::spikes).sum();
                assertTrue(spikes > 0, mode + ": hidden layers fire");
            }
        }
    }

    @Test
    void delayNetThroughNirRunsInTheRuntimeLikeDjl() throws IOException {
        Init.seed(6);
        try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
            DelayNet net = smallDelayNet(m, DelayNet.Mode.LEARNED);
            NDArray x = spikes(m, 8, 20, 6, 0.3);
            float[] scores = net.forward(x).toFloatArray();
            NirGraph g = NirConverter.export(net.evaluationChain(m), new long[] {6}, 1e-3);
            assertTrue(g.nodes().values().stream().anyMatch(n -> n.type().equals("Delay")));
            assertTrue(g.nodes().values().stream().noneMatch(n -> n.type().equals("Delay")
                    && g.predecessors(g.nodes().entrySet().stream().filter(e -> e.getValue() == n).findFirst()
                    .orElseThrow().getKey()).isEmpty()));
            Path file = tmp.resolve("delaynet.nir");
            NirWriter.write(file, g);
            Sequential back = NirConverter.toModule(NirReader.read(file), m, DataType.FLOAT32);
            GraphExport.export(back, new long[] {6}, 20, tmp.resolve("rt"));
            float[][] trace = SpikingModel.load(tmp.resolve("rt")).newSession().runSequence(frames(x));
            float[] sum = new float[3];
            for (float[] v : trace) {
                double max = Math.max(v[0], Math.max(v[1], v[2]));
                double z = 0;
                for (float f : v) {
                    z += Math.exp(f - max);
                }
                for (int c = 0; c < 3; c++) {
                    sum[c] += (float) (Math.exp(v[c] - max) / z);
                }
            }
            assertClose(scores, sum, 1e-4f, "scores via NIR");
        }
    }

    @Test
    void realThirdPartyNirExportsRunInTheRuntimeLikeDjl() throws IOException {
        Path formats = Files.isDirectory(Path.of("../../shared/formats")) ? Path.of("../../shared/formats")
                : Path.of("/work/shared/formats");
        Path dir = formats.resolve("nir_third_party");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dir), "no ../shared/formats");
        // Sinabs (conv, sum pool, IF: dt 1 keeps its r), Norse and Rockpool (LIF, taus in seconds: dt 0.1 ms)
        String[] names = {"cnn_sinabs", "lif_norse", "lif_rockpool", "two_lif_neurons"};
        double[] dts = {1.0, 1e-4, 1e-4, 1e-4};
        for (int f = 0; f < names.length; f++) {
            String name = names[f];
            try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
                Path file = dir.resolve(name + ".nir");
                NirGraph g = NirReader.read(file);
                Sequential net = NirConverter.toModule(g, dts[f], m, DataType.FLOAT32);
                long[] shape = g.nodes().values().stream().filter(n -> n.type().equals("Input")).findFirst()
                        .orElseThrow().get("shape").longs();
                int per = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                long[] full = new long[shape.length + 2];
                full[0] = 8;
                full[1] = 1;
                System.arraycopy(shape, 0, full, 2, shape.length);
                NDArray x = spikes(m, 3, 8, per, 0.3).reshape(new Shape(full));
                NDArray y = net.forward(x);
                Path out = tmp.resolve(name);
                GraphExport.export(net, shape, 8, out);
                Session s = SpikingModel.load(out).newSession();
                float[][] trace = s.runSequence(frames(x));
                assertTrace(y.reshape(8, 1, -1), trace, 1e-4f);
                if (name.equals("cnn_sinabs")) {
                    assertTrue(s.stats().stream().mapToLong(LayerStats::spikes).sum() > 0, name + " fires");
                }
            }
        }
    }

    @Test
    void deltaNetworkSendsOnlyChangesAndEqualsDense() throws IOException {
        Init.seed(9);
        try (NDManager m = NDManager.newBaseManager(); NDScope ignored = new NDScope()) {
            var g = DeltaActivation.Granularity.CHANNEL;
            Sequential net = new Sequential()
                    .add("conv1", new Conv2d(m, 2, 4, 3, 1, 1, true))
                    .add("relu1", new Relu())
                    .add("delta1", new DeltaActivation(m, g, new long[] {4, 8, 8}, 0.05))
                    .add("pool1", Pool2d.average(2))
                    .add("flat", new Flatten())
                    .add("fc1", new Linear(m, 4 * 4 * 4, 12, true))
                    .add("delta2", new DeltaActivation(m, DeltaActivation.Granularity.NEURON, new long[] {12}, 0.03))
                    .add("fc2", new Linear(m, 12, 3, true))
                    .add("mean", new MeanOverTime());
            net.eval();
            // a slowly changing clip: most pixels keep their value from frame to frame
            Random r = new Random(2);
            int t = 6;
            float[] v = new float[t * 2 * 8 * 8];
            for (int i = 0; i < 128; i++) {
                v[i] = r.nextFloat() < 0.5 ? r.nextFloat() : 0f;
            }
            for (int f = 1; f < t; f++) {
                for (int i = 0; i < 128; i++) {
                    v[f * 128 + i] = r.nextFloat() < 0.1 ? r.nextFloat() : v[(f - 1) * 128 + i];
                }
            }
            NDArray x = m.create(v, new Shape(t, 1, 2, 8, 8));
            float[] dense = net.forward(x).toFloatArray();
            GraphExport.export(net, new long[] {2, 8, 8}, t, tmp);
            SpikingModel model = SpikingModel.load(tmp);
            assertEquals("delta_encode", model.layerTypes().get(0));
            Session s = model.newSession();
            float[][] trace = s.runSequence(frames(x));
            assertClose(dense, trace[t - 1], 1e-5f, "mean logits");
            LayerStats conv1 = s.stats().get(1);
            LayerStats enc = s.stats().get(0);
            // conv1 only saw the changed pixels: far fewer MACs than t dense frames
            assertTrue(enc.spikes() < 128L * t / 2, "changes sent " + enc.spikes());
            assertEquals(0, conv1.acs());
            assertTrue(conv1.macs() < model.layerInfo().get(1).denseOpsPerStep() * t / 2, "conv1 MACs "
                    + conv1.macs());
        }
    }

    @Test
    void deltaLayersRejectBadStreams() throws IOException {
        Files.writeString(tmp.resolve("graph.json"), """
                {"format": "snn4j-graph", "version": 1, "input_shape": [3], "time_steps": 2, "layers": [
                  {"name": "enc", "type": "delta_encode"},
                  {"name": "lif", "type": "lif", "tau": 2.0, "decay_input": true, "threshold": 1.0,
                   "v_reset": 0.0, "spiking": true}]}""");
        dev.snn4j.runtime.io.Safetensors.write(tmp.resolve("weights.safetensors"), java.util.List.of(),
                java.util.Map.of());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SpikingModel.load(tmp));
        assertTrue(e.getMessage().contains("graph.json") && e.getMessage().contains("lif")
                && e.getMessage().contains("changes"), e.getMessage());
    }
}
