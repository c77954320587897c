package dev.snn4j.recipe;

import dev.snn4j.data.ShdDataset;
import dev.snn4j.energy.EnergyFileChecks;
import dev.snn4j.model.DelayNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DelaysTest {

    /**
     * Two input channels, one spike each: channel 0 at a random step, channel 1 one step later (class 0) or four
     * steps later (class 1). With almost memoryless neurons (tau 1.005) a network without delays sees one lone spike
     * per step in both classes and cannot tell them apart; a neuron whose two synaptic delays differ by the lag sees
     * a coincidence.
     */
    static ShdDataset lagData(int n, long seed) throws Exception {
        Random r = new Random(seed);
        List<ShdDataset.Sample> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            int t0 = r.nextInt(6);
            int t1 = t0 + (label == 0 ? 1 : 4);
            samples.add(new ShdDataset.Sample(new float[] {(t0 + 0.5f) * 0.01f, (t1 + 0.5f) * 0.01f},
                    new int[] {0, 1}, label));
        }
        return ShdDataset.of(samples, 2, null, List.of("short", "long"));
    }

    static Delays.Config tiny(DelayNet.Mode mode, int epochs) {
        return new Delays.Config(mode, new int[] {16}, 7, 0.0, 1.005, epochs, 32, 5e-3, 0, 0.1, 0.25, 0.01, 0.12, 1,
                64, 1);
    }

    @Test
    void learnedDelaysSolveALagTaskThatNoDelaysCannotAndTheRunResumes(@TempDir Path out) throws Exception {
        Delays.Data data = new Delays.Data(lagData(256, 1), lagData(64, 2));
        Delays.Result none = Delays.run(tiny(DelayNet.Mode.NONE, 12), data, out, Delays.Listener.NONE);
        Delays.Result learned = Delays.run(tiny(DelayNet.Mode.LEARNED, 12), data, out, Delays.Listener.NONE);
        System.out.println("lag task: none " + none.accuracy() + ", learned " + learned.accuracy());
        assertTrue(none.accuracy() <= 0.7, "without delays the classes look the same step by step: " + none);
        assertTrue(learned.accuracy() >= 0.9, "learned delays find the coincidence: " + learned);
        assertEquals(2 * 16 + 16 * 2 + 2 * 16 + 2 * 16 + 16 * 2, learned.parameters()); // weights, BN, positions
        assertEquals(2, learned.histograms().size());
        for (Path png : learned.histograms()) {
            assertTrue(Files.size(png) > 1000, png.toString());
        }
        assertTrue(Files.exists(out.resolve("learned").resolve("latest")));
        String json = Files.readString(out.resolve("results.json"));
        assertTrue(json.contains("\"NONE\"") && json.contains("\"LEARNED\""), json);
        assertEquals(3, Files.readAllLines(out.resolve("results.csv")).size());

        // energy.json: a runtime table per mode over the 64 test clips; the runtime runs the evaluated net (integer
        // delays) on the same clips as the DJL evaluation, so it counts the same synaptic events
        List<Map<String, Object>> energy = EnergyFileChecks.models(out, "delays");
        assertEquals(List.of("none", "learned"), EnergyFileChecks.names(energy));
        Map<String, Object> m = energy.get(1);
        EnergyFileChecks.assertConsistent(m);
        assertEquals(64L, m.get("samples"));
        assertEquals("delay_linear", EnergyFileChecks.layer(m, "delay1").get("type"));
        assertEquals(learned.firingRates().get("lif1"),
                ((Number) EnergyFileChecks.layer(m, "lif1").get("firing_rate")).doubleValue(), 1e-3);
        @SuppressWarnings("unchecked")
        Map<String, Object> totals = (Map<String, Object>) m.get("totals");
        assertEquals(learned.synapticAcs(), ((Number) totals.get("acs")).doubleValue(), 1e-3 * learned.synapticAcs());

        // every epoch is checkpointed: a second run only evaluates, with the same result
        Delays.Result again = Delays.run(tiny(DelayNet.Mode.LEARNED, 12), data, out, Delays.Listener.NONE);
        assertEquals(learned.accuracy(), again.accuracy(), 1e-12);
        assertEquals(learned.trainSeconds(), again.trainSeconds(), 0.0, "training time is kept in the checkpoint");
    }

    @Test
    void anInterruptedRunContinuesFromItsLastEpoch(@TempDir Path out) throws Exception {
        Delays.Data data = new Delays.Data(lagData(64, 3), lagData(32, 4));
        Delays.run(tiny(DelayNet.Mode.FIXED_RANDOM, 1), data, out, Delays.Listener.NONE);
        List<Integer> epochs = new ArrayList<>();
        Delays.Listener record = new Delays.Listener() {
            @Override
            public void epochDone(String mode, int epoch, int total, double loss, double acc, double s, double sg) {
                epochs.add(epoch);
            }
        };
        // the same directory with more epochs: starts at epoch 1 (0-based), not 0
        Delays.Result r = Delays.run(tiny(DelayNet.Mode.FIXED_RANDOM, 3), data, out, record);
        assertEquals(List.of(1, 2), epochs);
        assertEquals(3, r.epochs());
        assertEquals(2, r.firingRates().size() + 1, "one hidden LIF layer: " + r.firingRates());
        assertTrue(r.synapticAcs() > 0 && r.denseMacs() > r.synapticAcs(), r.toString());
    }
}
