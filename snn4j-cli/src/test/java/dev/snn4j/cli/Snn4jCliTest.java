package dev.snn4j.cli;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exit codes and messages of the {@code snn4j} command line (no engine work, no timing). */
class Snn4jCliTest {

    private static CliRun run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void helpAndVersionSucceed() {
        CliRun help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("bench") && help.out().contains("demo"), help.out());
        CliRun version = run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("snn4j "), version.out());
        assertEquals(0, run("bench", "shd", "--help").code());
        assertEquals(0, run("demo", "--help").code());
    }

    @Test
    void unknownSubcommandIsAUsageError() {
        CliRun r = run("frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("frobnicate"), r.err());
    }

    @Test
    void missingSubcommandIsAUsageError() {
        assertEquals(2, run().code());
        assertEquals(2, run("bench").code());
    }

    @Test
    void unknownOptionIsAUsageError() {
        assertEquals(2, run("bench", "shd", "--no-such-option").code());
        assertEquals(2, run("bench", "shd", "--batch", "many").code());
    }

    @Test
    void zeroBatchIsAUsageErrorWithAClearMessage() {
        CliRun r = run("bench", "shd", "--batch", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("Invalid value for option '--batch': must be >= 1, got 0"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void otherInvalidBenchValuesAreUsageErrors() {
        assertEquals(2, run("bench", "shd", "--hidden", "256,0").code());
        assertEquals(2, run("bench", "shd", "--rate", "1.5").code());
        assertEquals(2, run("bench", "shd", "--iterations", "0").code());
        assertEquals(2, run("bench", "shd", "-T", "-3").code());
        assertEquals(2, run("demo", "--stage-epochs", "-1").code());
        assertEquals(2, run("demo", "--lr", "-1").code());
        assertEquals(2, run("demo", "--model", "resnet9000").code());
        assertEquals(2, run("train", "iir").code(), "--data is required");
        assertEquals(2, run("train", "iir", "--data", ".", "--format", "morse").code());
        assertEquals(2, run("train").code(), "a recipe is required");
    }

    @Test
    void failureIsOneLineWithoutStackTrace() {
        CliRun r = run("demo", "--data", "/no/such/snn4j/data");
        assertEquals(1, r.code());
        String[] lines = r.err().strip().split("\\R");
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].startsWith("snn4j: error: /no/such/snn4j/data") && lines[0].contains("not a directory"),
                r.err());
    }

    @Test
    void verboseFailureShowsTheStackTrace() {
        CliRun r = run("demo", "--verbose", "--data", "/no/such/snn4j/data");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("\tat dev.snn4j."), r.err());
    }

    @Test
    void resumeWithoutACheckpointIsAUsageErrorBeforeAnyWork(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        for (String[] cmd : new String[][] {
                {"train", "iir", "--data", dir.resolve("nope").toString()},
                {"train", "spikegpt", "--corpus", dir.resolve("nope.txt").toString()},
                {"train", "delays", "--data", dir.resolve("nope").toString()},
                {"train", "delta", "--dataset", "nmnist", "--data", dir.resolve("nope").toString()}}) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(cmd),
                    java.util.stream.Stream.of("--out", dir.resolve("run").toString(), "--resume")).toArray(String[]::new);
            CliRun r = run(args);
            assertEquals(2, r.code(), String.join(" ", cmd) + ": " + r.err());
            assertTrue(r.err().contains("--resume") && r.err().contains("no checkpoint"), r.err());
        }
    }
}
