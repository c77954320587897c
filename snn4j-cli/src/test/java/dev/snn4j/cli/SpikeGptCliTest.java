package dev.snn4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train spikegpt}, {@code generate} and {@code bench generate}: usage errors, failures and a tiny smoke run. */
class SpikeGptCliTest {
    @TempDir
    Path tmp;

    private static CliRun run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, run("train").code());
        assertEquals(2, run("train", "spikegpt").code(), "--corpus and --out are required");
        assertEquals(2, run("train", "spikegpt", "--corpus", "c.txt", "--out", "o", "--steps", "0").code());
        CliRun heldOut = run("train", "spikegpt", "--corpus", "c.txt", "--out", "o", "--held-out", "1.5");
        assertEquals(2, heldOut.code());
        assertTrue(heldOut.err().startsWith("Invalid value for option '--held-out': must be in (0, 1), got 1.5"),
                heldOut.err());
        assertEquals(2, run("train", "spikegpt", "--corpus", "c.txt", "--out", "o", "--lr", "-1").code());
        assertEquals(2, run("generate", "--prompt", "x").code(), "--model is required");
        assertEquals(2, run("generate", "--model", "m", "--prompt", "x", "--top-p", "0").code());
        assertEquals(2, run("generate", "--model", "m", "--prompt", "x", "--temperature", "-1").code());
        assertEquals(2, run("generate", "--model", "m", "--prompt", "").code());
        assertEquals(2, run("generate", "--model", "m", "--prompt", "x", "--tokens", "many").code());
        assertEquals(2, run("bench", "generate", "--contexts", "128,0").code());
        assertEquals(0, run("train", "spikegpt", "--help").code());
        assertEquals(0, run("generate", "--help").code());
        assertEquals(0, run("bench", "generate", "--help").code());
    }

    @Test
    void missingFilesFailWithOneLine() {
        CliRun r = run("train", "spikegpt", "--corpus", tmp.resolve("none.txt").toString(), "--out",
                tmp.resolve("o").toString());
        assertEquals(1, r.code());
        assertEquals(1, r.err().strip().split("\\R").length, r.err());
        assertTrue(r.err().contains("none.txt"), r.err());
        CliRun g = run("generate", "--model", tmp.resolve("nomodel").toString(), "--prompt", "x");
        assertEquals(1, g.code());
        assertTrue(g.err().contains("not a SpikeGPT model directory"), g.err());
    }

    @Test
    void tinyTrainThenGenerate() throws IOException {
        Path corpus = tmp.resolve("c.txt");
        Files.writeString(corpus, "\uFEFFa rose is a rose.\r".repeat(80));
        Path out = tmp.resolve("model");
        CliRun t = run("train", "spikegpt", "--corpus", corpus.toString(), "--out", out.toString(), "--embd", "16",
                "--layers", "1", "--context", "16", "--batch", "4", "--steps", "3", "--log-every", "1",
                "--eval-tokens", "64");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("held-out:") && t.out().contains("bits per character"), t.out());
        assertTrue(Files.isRegularFile(out.resolve(ConfigOption.RESOLVED)), "resolved configuration saved");
        // eval scores the same held-out tokens with the saved model: the same figure as at the end of training
        CliRun e = run("eval", out.toString(), "--eval-tokens", "64");
        assertEquals(0, e.code(), e.err());
        String trained = t.out().lines().filter(l -> l.startsWith("held-out:")).findFirst().orElseThrow();
        assertEquals(trained, e.out().lines().filter(l -> l.startsWith("held-out:")).findFirst().orElseThrow());
        CliRun rep = run("report", out.toString());
        assertEquals(0, rep.code(), rep.err());
        String page = Files.readString(out.resolve("report.html"));
        assertTrue(page.contains("bits per character"));
        assertTrue(page.contains("<h4>model</h4>") && page.contains("Analytical (no event-driven run)")
                && page.contains("<td>blocks.0.lif1 (residual add)</td><td>lif</td>")
                && page.contains("<td>head</td><td>linear</td>"), "the per-layer energy table");
        CliRun g = run("generate", "--model", out.toString(), "--prompt", "a rose", "--tokens", "10",
                "--temperature", "0.8", "--top-p", "0.9", "--seed", "5");
        assertEquals(0, g.code(), g.err());
        String text = g.out().strip();
        assertTrue(text.startsWith("a rose") && text.length() >= 6, text);
        assertEquals(g.out(), run("generate", "--model", out.toString(), "--prompt", "a rose", "--tokens", "10",
                "--temperature", "0.8", "--top-p", "0.9", "--seed", "5").out(), "seeded: same text");
        CliRun bad = run("generate", "--model", out.toString(), "--prompt", "a tulip");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("'t' (U+0074) at position 2"), bad.err());
        CliRun b = run("bench", "generate", "--model", out.toString(), "--contexts", "8", "--tokens", "2",
                "--recurrent-tokens", "4");
        assertEquals(0, b.code(), b.err());
        assertTrue(b.out().contains("context 8: recurrent"), b.out());
    }
}
