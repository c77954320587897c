package dev.snn4j.recipe;

import ai.djl.ndarray.NDManager;
import dev.snn4j.model.spikegpt.Generator;
import dev.snn4j.model.spikegpt.SpikeGpt;
import dev.snn4j.model.spikegpt.SpikeGptConfig;
import dev.snn4j.model.spikegpt.SpikeGptDir;
import dev.snn4j.model.spikegpt.SpikeGptOps;
import dev.snn4j.energy.EnergyFileChecks;
import dev.snn4j.energy.OpCounter;
import dev.snn4j.train.Checkpoint;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A seconds-long SpikeGPT run on a tiny corpus: train, checkpoint, resume, evaluate, generate, and the bad inputs. */
class SpikeGptRecipeTest {
    @TempDir
    Path tmp;

    private Path corpus(String text) throws IOException {
        Path f = tmp.resolve("corpus.txt");
        Files.writeString(f, text);
        return f;
    }

    private static SpikeGptRecipe.Config tiny(Path corpus, Path out, int steps, int nEmbd) {
        return new SpikeGptRecipe.Config(corpus, null, out, nEmbd, 1, true, 16, 4, steps, 0, 3e-3, 1e-4, 1.0, 0.1,
                64, 4, 3, 0.0, 8, 7);
    }

    @Test
    void trainResumeEvaluateGenerate() throws IOException {
        Path c = corpus("\uFEFF" + "the cat sat on the mat.\r\n".repeat(60));
        Path out = tmp.resolve("run");
        SpikeGptRecipe.Result r = SpikeGptRecipe.run(tiny(c, out, 4, 16), SpikeGptRecipe.Listener.NONE);
        assertEquals(4, r.stepsDone());
        assertTrue(Double.isFinite(r.heldOutBitsPerToken()) && r.heldOutBitsPerToken() > 0);
        for (String f : new String[] {"config.json", "vocab.json", "model.safetensors", "results.json"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertEquals(4, Checkpoint.loadLatest(out.resolve("checkpoints")).orElseThrow().state().step());
        assertTrue(r.firingRates().containsKey("blocks.0.lif1") && r.firingRates().containsKey("emb"),
                r.firingRates().toString());
        assertTrue(r.acsPerToken() >= 0 && r.macsPerToken() == 13.0 * 16 * 16 + 16.0 * r.model().vocabSize(),
                r.macsPerToken() + " MACs");

        // energy.json: analytical per-layer table per token, ACs = d x the measured rate of each LIF residual add
        List<Map<String, Object>> energy = EnergyFileChecks.models(out, "spikegpt");
        assertEquals(1, energy.size());
        Map<String, Object> table = energy.get(0);
        EnergyFileChecks.assertConsistent(table);
        assertEquals("analytical", table.get("method"));
        assertEquals(r.heldOutTokensScored(), ((Number) table.get("samples")).longValue());
        @SuppressWarnings("unchecked")
        Map<String, Object> totals = (Map<String, Object>) table.get("totals");
        assertEquals(r.macsPerToken(), ((Number) totals.get("macs")).doubleValue(), 1e-9);
        assertEquals(r.acsPerToken(), ((Number) totals.get("acs")).doubleValue(), 1e-9);
        Map<String, Object> lif = EnergyFileChecks.layer(table, "blocks.0.lif2 (residual add)");
        assertEquals(16 * r.firingRates().get("blocks.0.lif2"), ((Number) lif.get("acs")).doubleValue(), 1e-9);
        assertEquals(r.firingRates().get("emb"),
                ((Number) EnergyFileChecks.layer(table, "emb").get("firing_rate")).doubleValue(), 1e-12);
        assertEquals(4.0 * 16 * r.model().vocabSize(),
                ((Number) EnergyFileChecks.layer(table, "head").get("memory_bytes")).doubleValue());

        // resume: the same directory with more steps continues at step 4
        SpikeGptRecipe.Result more = SpikeGptRecipe.run(tiny(c, out, 6, 16), SpikeGptRecipe.Listener.NONE);
        assertEquals(6, more.stepsDone());

        // a checkpoint that does not fit the configuration
        dev.snn4j.train.CheckpointFormatException e = assertThrows(dev.snn4j.train.CheckpointFormatException.class,
                () -> SpikeGptRecipe.run(tiny(c, out, 8, 24), SpikeGptRecipe.Listener.NONE));
        assertTrue(e.getMessage().contains("n_embd=16 but this run has 24") && e.getMessage().contains("emb.weight"),
                e.getMessage());
        assertEquals(16, SpikeGptDir.readConfig(out).nEmbd(), "a refused resume leaves the directory as it was");

        try (NDManager m = NDManager.newBaseManager(); SpikeGptDir.Loaded model = SpikeGptDir.load(out, m)) {
            StringBuilder streamed = new StringBuilder();
            Generator g = new Generator(model.model(), model.tokenizer());
            String text = g.generate("the c", 12, 0.8, 0.9, 3, streamed::append);
            assertEquals(12, text.codePointCount(0, text.length()));
            assertEquals(text, streamed.toString());
            assertEquals(text, g.generate("the c", 12, 0.8, 0.9, 3, s -> { }), "same seed, same text");
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                    () -> g.generate("the dog", 3, 1, 1, 1, s -> { }));
            assertTrue(unknown.getMessage().contains("'d' (U+0064) at position 4"), unknown.getMessage());
            assertTrue(Generator.tokensPerSecond(model.model(), 8, 2, true, 1) > 0);
            assertTrue(Generator.tokensPerSecond(model.model(), 8, 2, false, 1) > 0);
        }
    }

    @Test
    @Tag("hf-tokenizers") // own JVM: see snn4j-core/pom.xml
    void bpeVocabularyTrainsAndGenerates() throws IOException {
        Path tokJson = tmp.resolve("tokenizer.json");
        Files.writeString(tokJson, """
                {"version": "1.0", "added_tokens": [{"id": 0, "content": "[UNK]", "single_word": false,
                  "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
                 "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
                 "model": {"type": "BPE", "dropout": null, "unk_token": "[UNK]", "continuing_subword_prefix": null,
                   "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
                   "vocab": {"[UNK]": 0, "a": 1, "b": 2, "c": 3, "ab": 4, "abc": 5}, "merges": ["a b", "ab c"]}}
                """);
        Path c = corpus("abc ab c a b\r\n".repeat(100));
        Path out = tmp.resolve("bpe");
        SpikeGptRecipe.Config cfg = new SpikeGptRecipe.Config(c, tokJson, out, 16, 1, true, 16, 4, 2, 0, 3e-3, 1e-4,
                1.0, 0.1, 32, 4, 2, 0.0, 8, 7);
        SpikeGptRecipe.Result r = SpikeGptRecipe.run(cfg, SpikeGptRecipe.Listener.NONE);
        assertEquals(6, r.model().vocabSize());
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")) && !Files.exists(out.resolve("vocab.json")));
        try (NDManager m = NDManager.newBaseManager(); SpikeGptDir.Loaded model = SpikeGptDir.load(out, m)) {
            assertEquals("bpe", model.tokenizer().kind());
            String text = new Generator(model.model(), model.tokenizer()).generate("abc", 4, 1, 1, 1, s -> { });
            assertTrue(text.replace("[UNK]", "").replace(" ", "").chars().allMatch(ch -> ch == 'a' || ch == 'b' || ch == 'c'), text);
        }
    }

    @Test
    void badCorporaAreClearErrors() throws IOException {
        Path out = tmp.resolve("run");
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> SpikeGptRecipe.run(tiny(corpus(""), out, 1, 8), SpikeGptRecipe.Listener.NONE));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
        IllegalArgumentException shortOne = assertThrows(IllegalArgumentException.class,
                () -> SpikeGptRecipe.run(tiny(corpus("just a few words"), out, 1, 8), SpikeGptRecipe.Listener.NONE));
        assertTrue(shortOne.getMessage().contains("too short"), shortOne.getMessage());
    }

    @Test
    void opsCountEveryLinearAsMacsAndOnlyResidualSpikesAsAcs() {
        SpikeGptConfig cfg = SpikeGptConfig.of(50, 32, 2);
        List<OpCounter.LayerOps> twin = SpikeGptOps.perToken(cfg.nonSpiking(), Map.of());
        assertEquals(2 * 13.0 * 32 * 32 + 32 * 50, OpCounter.totalMacs(twin));
        assertEquals(0, OpCounter.totalAcs(twin));
        Map<String, Double> rates = Map.of("blocks.0.lif1", 0.5, "blocks.0.lif2", 0.25, "blocks.1.lif1", 0.0,
                "blocks.1.lif2", 1.0);
        List<OpCounter.LayerOps> snn = SpikeGptOps.perToken(cfg, rates);
        assertEquals(OpCounter.totalMacs(twin), OpCounter.totalMacs(snn));
        assertEquals(32 * (0.5 + 0.25 + 0 + 1.0), OpCounter.totalAcs(snn), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> SpikeGptOps.perToken(cfg, Map.of()));
    }

    @Test
    void loadRejectsAVocabularyOfAnotherSize() throws IOException {
        Path dir = tmp.resolve("m");
        try (NDManager m = NDManager.newBaseManager()) {
            SpikeGptConfig cfg = SpikeGptConfig.of(3, 8, 1);
            SpikeGptDir.writeConfig(dir, cfg, Map.of());
            new SpikeGpt(m, cfg).save(dir.resolve(SpikeGptDir.WEIGHTS));
            new dev.snn4j.text.CharTokenizer(new int[] {'a', 'b'}).save(dir);
            IOException e = assertThrows(IOException.class, () -> SpikeGptDir.load(dir, m));
            assertTrue(e.getMessage().contains("2 tokens") && e.getMessage().contains("vocab_size 3"),
                    e.getMessage());
            // weights of another width than config.json says: the error names the tensors
            new dev.snn4j.text.CharTokenizer(new int[] {'a', 'b', 'c'}).save(dir);
            SpikeGptDir.writeConfig(dir, SpikeGptConfig.of(3, 16, 1), Map.of());
            dev.snn4j.train.CheckpointFormatException w = assertThrows(dev.snn4j.train.CheckpointFormatException.class,
                    () -> SpikeGptDir.load(dir, m));
            assertTrue(w.getMessage().contains("emb.weight: file (3, 8) vs model (3, 16)"), w.getMessage());
        }
    }
}
