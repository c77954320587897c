package dev.snn4j.recipe;

import dev.snn4j.data.ImageDataset;
import dev.snn4j.energy.EnergyFileChecks;
import dev.snn4j.energy.EnergyModel;
import dev.snn4j.model.VggConfig;
import dev.snn4j.report.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class IirSnnTest {

    /** Two classes that a tiny net separates easily: a bright square on the left or on the right. */
    static ImageDataset squares(int n, long seed) {
        Random r = new Random(seed);
        byte[] px = new byte[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int p = 0; p < 64; p++) {
                int x = p % 8;
                boolean on = labels[i] == 0 ? x < 4 : x >= 4;
                px[i * 64 + p] = (byte) ((on ? 180 : 20) + r.nextInt(40));
            }
        }
        return new ImageDataset(px, labels, 1, 8, 8, List.of("left", "right"));
    }

    static IirSnn.Config tiny() {
        VggConfig cfg = new VggConfig("tiny", 1, 8, List.of("4", "A"), new int[] {8}, 2, 0.0);
        return new IirSnn.Config(cfg, 16, 2, 3e-3, new int[] {3, 1}, new int[] {2, 6}, 3e-3, 0.9, 0.3, 32, 5, 0,
                false, 32, 4, EnergyModel.CMOS45_FP32);
    }

    @Test
    void pipelineRunsEveryStageAndResumesFromCheckpoints(@TempDir Path out) throws Exception {
        ImageDataset train = squares(96, 1);
        ImageDataset test = squares(32, 2);
        List<IirSnn.StageResult> first = IirSnn.run(tiny(), train, test, out, IirSnn.Listener.NONE);
        assertEquals(List.of("ann", "converted", "snn-T3", "snn-T1"),
                first.stream().map(IirSnn.StageResult::stage).toList());
        assertTrue(first.get(0).accuracy() > 0.9, "the ANN learns the toy task: " + first.get(0));
        assertTrue(first.get(3).accuracy() > 0.9, "the T=1 SNN keeps it: " + first.get(3));
        for (IirSnn.StageResult r : first.subList(1, 4)) {
            assertTrue(r.acs() > 0 && r.macs() > 0 && r.energyUj() > 0, r.toString());
            assertEquals(List.of("act1", "act_fc1"), List.copyOf(r.firingRates().keySet()));
        }
        assertTrue(Files.exists(out.resolve("snn-T1").resolve("latest")));
        // latency: the trained stages timed together at the end (each reloaded from its checkpoint); the converted
        // net is not timed
        for (int i : new int[] {0, 2, 3}) {
            double ms = first.get(i).latencyMs();
            assertTrue(ms > 0 && Double.isFinite(ms), first.get(i).toString());
        }
        assertTrue(Double.isNaN(first.get(1).latencyMs()));
        // the event-driven runtime times the spiking stages only
        for (int i : new int[] {2, 3}) {
            double ms = first.get(i).runtimeLatencyMs();
            assertTrue(ms > 0 && Double.isFinite(ms), first.get(i).toString());
        }
        assertTrue(Double.isNaN(first.get(0).runtimeLatencyMs()) && Double.isNaN(first.get(1).runtimeLatencyMs()));

        // energy.json: one runtime table per SNN stage, over the whole (32-image) test set here
        List<Map<String, Object>> energy = EnergyFileChecks.models(out, "iir-snn");
        assertEquals(List.of("snn-T3", "snn-T1"), EnergyFileChecks.names(energy));
        for (int i = 0; i < 2; i++) {
            Map<String, Object> m = energy.get(i);
            IirSnn.StageResult stage = first.get(i + 2);
            EnergyFileChecks.assertConsistent(m);
            assertEquals("runtime", m.get("method"));
            assertEquals(32L, m.get("samples"));
            assertTrue(String.valueOf(m.get("data")).contains("first 32 of 32 test images"), m.toString());
            // the runtime runs the same net on the same images as the DJL evaluation: the same firing rates
            for (String act : List.of("act1", "act_fc1")) {
                assertEquals(stage.firingRates().get(act),
                        ((Number) EnergyFileChecks.layer(m, act).get("firing_rate")).doubleValue(), 1e-3,
                        stage.stage() + " " + act);
            }
        }
        String page = RunReport.html(out);
        assertTrue(page.contains("<h4>snn-T1</h4>") && page.contains("<td><b>total</b></td>"), "per-layer table");
        assertTrue(page.contains("<td>act_fc1</td><td>iir</td>"), "one row per layer");

        // a second run finds every stage complete: no training, the same accuracies
        List<IirSnn.StageResult> again = IirSnn.run(tiny(), train, test, out, IirSnn.Listener.NONE);
        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i).accuracy(), again.get(i).accuracy(), 1e-12, first.get(i).stage());
        }
        assertEquals(List.of("snn-T3", "snn-T1"), EnergyFileChecks.names(EnergyFileChecks.models(out, "iir-snn")),
                "the stages evaluated again replace their entries");
    }
}
