package dev.snn4j.conformance;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.snn4j.model.spikegpt.Block;
import dev.snn4j.model.spikegpt.SpikeGpt;
import dev.snn4j.model.spikegpt.SpikeGptConfig;
import dev.snn4j.nn.Parameter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Case 6: a tiny random SpikeGPT (vocab 11, d 16, 2 layers, B 2, T 8) run by SpikeGPT's own code in float64: logits,
 * loss, every parameter gradient (including L2Wrap's), the WKV internals and LIF inputs/spikes of every block, and the
 * token-by-token RNN logits with the binary embedding forced. Tolerance abs 1e-11 + rel 1e-9; spikes exactly.
 */
class SpikeGptConformanceTest {
    private static final JsonObject REF = Ref.load("case6_spikegpt.json");
    private static final double ABS = 1e-11;
    private static double maxAbs;

    private NDManager m;
    private SpikeGpt gpt;

    @BeforeAll
    static void resetDeviations() {
        Ref.Deviations.reset();
        maxAbs = 0;
    }

    @AfterAll
    static void report() {
        System.out.printf(Locale.ROOT, "[conformance] case6 max abs err %.3g%n", maxAbs);
        Ref.Deviations.report("case6");
    }

    @BeforeEach
    void setUp() {
        m = NDManager.newBaseManager();
        JsonObject cfg = REF.getAsJsonObject("config");
        gpt = new SpikeGpt(m, SpikeGptConfig.of(cfg.get("vocab_size").getAsInt(), cfg.get("n_embd").getAsInt(),
                cfg.get("n_layer").getAsInt()).withWkvChunk(3)); // 3: several chunks and the carried state are used
        gpt.to(DataType.FLOAT64);
        JsonObject params = REF.getAsJsonObject("parameters");
        Map<String, Parameter> ours = gpt.namedParameters();
        assertEquals(new TreeSet<>(params.keySet()), new TreeSet<>(ours.keySet()), "parameter names");
        for (Map.Entry<String, JsonElement> e : params.entrySet()) {
            JsonObject p = e.getValue().getAsJsonObject();
            NDArray value = Ref.array(m, p, "value");
            long[] shape = new long[p.getAsJsonArray("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = p.getAsJsonArray("shape").get(i).getAsLong();
            }
            assertEquals(new Shape(shape), ours.get(e.getKey()).value().getShape(), e.getKey() + " shape");
            ours.get(e.getKey()).copyFrom(value.reshape(new Shape(shape)));
        }
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    private NDArray tokensTB(String key) {
        return Ref.array(m, REF, key).toType(DataType.INT64, false).transpose();
    }

    @Test
    void parallelForwardLossAndGradients() {
        gpt.record(true);
        NDArray idx = tokensTB("idx");
        NDArray targets = tokensTB("targets");
        double loss;
        NDArray logits;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            logits = gpt.forward(idx);
            NDArray l = SpikeGpt.loss(logits, targets);
            loss = l.toDoubleArray()[0];
            System.gc();
            gc.backward(l);
        }
        close("logits_gpt", Ref.array(m, REF, "logits_gpt"), logits.transpose(1, 0, 2));
        close("loss_gpt", new double[] {REF.get("loss_gpt").getAsDouble()}, new double[] {loss});
        JsonObject grads = REF.getAsJsonObject("grads_gpt");
        Map<String, Parameter> ours = gpt.namedParameters();
        assertEquals(new TreeSet<>(ours.keySet()), new TreeSet<>(grads.keySet()), "gradient names");
        for (String name : grads.keySet()) {
            try (NDArray g = ours.get(name).value().getGradient()) {
                close("grad " + name, Ref.array(m, grads, name).reshape(g.getShape()), g);
            }
        }
        JsonObject lif = REF.getAsJsonObject("lif_inputs_and_spikes_gpt");
        JsonObject wkv = REF.getAsJsonObject("wkv_gpt");
        for (Block b : gpt.blocks()) {
            int i = b.layerId();
            NDArray[] rec = b.recorded();
            JsonObject l1 = lif.getAsJsonObject("lif1_" + i);
            JsonObject l2 = lif.getAsJsonObject("lif2_" + i);
            close("lif1_" + i + " input", Ref.array(m, l1, "input_TBC"), rec[0]);
            Ref.assertExact("lif1_" + i + " spikes", Ref.array(m, l1, "spikes_TBC"), rec[1]);
            close("lif2_" + i + " input", Ref.array(m, l2, "input_TBC"), rec[2]);
            Ref.assertExact("lif2_" + i + " spikes", Ref.array(m, l2, "spikes_TBC"), rec[3]);
            JsonObject w = wkv.getAsJsonObject("block" + i);
            close("block" + i + " k", Ref.array(m, w, "k_BTC"), b.att().lastK().transpose(1, 0, 2));
            close("block" + i + " v", Ref.array(m, w, "v_BTC"), b.att().lastV().transpose(1, 0, 2));
            close("block" + i + " wkv", Ref.array(m, w, "wkv_BTC"), b.att().lastWkv().transpose(1, 0, 2));
        }
    }

    @Test
    void recurrentModeMatchesTheRnnRunnerWithBinaryEmbedding() {
        NDArray idx = tokensTB("idx");
        NDArray expected = Ref.array(m, REF, "logits_rnn_emb_heaviside");    // [B, T, V]
        int t = (int) idx.getShape().get(0);
        try (SpikeGpt.State s = gpt.newState(m)) {
            for (int i = 0; i < t; i++) {
                NDArray logits = gpt.step(idx.get(i), s);                       // [B, V]
                close("logits_rnn_emb_heaviside t=" + i, expected.get(":, " + i + ", :"), logits);
            }
            assertEquals(t, s.position());
        }
    }

    private static void close(String what, NDArray expected, NDArray actual) {
        assertEquals(expected.getShape(), actual.getShape(), what + ": shape");
        assertEquals(DataType.FLOAT64, actual.getDataType(), what + ": dtype");
        close(what, expected.toDoubleArray(), actual.toDoubleArray());
    }

    private static void close(String what, double[] e, double[] a) {
        assertEquals(e.length, a.length, what + ": length");
        for (int i = 0; i < e.length; i++) {
            double err = Math.abs(a[i] - e[i]);
            if (!(err <= ABS + Ref.REL * Math.abs(e[i]))) {
                fail(String.format(Locale.ROOT, "%s: element %d expected %.17g but got %.17g (|err| %.3g)", what, i,
                        e[i], a[i], err));
            }
            synchronized (SpikeGptConformanceTest.class) {
                maxAbs = Math.max(maxAbs, err);
            }
        }
        Ref.Deviations.record(what, e, a);
    }
}
