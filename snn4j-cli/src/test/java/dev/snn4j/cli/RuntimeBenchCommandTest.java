package dev.snn4j.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code snn4j bench runtime} on a tiny net: one line per case with {@code speedup <x>}, identical predictions. */
class RuntimeBenchCommandTest {
    @Test
    void tinyBenchPrintsOneSpeedupLinePerCaseWithIdenticalPredictions() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Snn4j.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(
                "bench", "runtime", "--model", "tiny", "--image-size", "12", "-T", "2", "--images", "6",
                "--batch", "4");
        assertEquals(0, code, err.toString());
        String s = out.toString();
        assertTrue(s.contains("RANDOM weights"), s);
        long lines = s.lines().filter(l -> l.matches(".*speedup [0-9.]+.*")).count();
        assertEquals(2, lines, s);
        assertTrue(s.lines().filter(l -> l.matches(".*speedup [0-9.]+.*")).allMatch(l -> l.contains("identical")), s);
    }

    @Test
    void delayNetBenchPrintsBatchOneAndBatchLinesWithLoadAverage() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Snn4j.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(
                "bench", "runtime", "--net", "delay", "--hidden", "16", "--sequence-steps", "12", "--images", "3",
                "--batch", "2", "--repeats", "1",
                "--input-rate", "0.3", "--profile");
        assertEquals(0, code, err.toString());
        String s = out.toString();
        assertTrue(s.contains("RANDOM DelayNet") && s.contains("load average"), s);
        assertEquals(2, s.lines().filter(l -> l.matches(".*speedup [0-9.]+.*")).count(), s);
        assertTrue(s.contains("runtime profile per sample"), s);
    }

    @Test
    void badOptionsAreUsageErrors() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Snn4j.newCommandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(
                "bench", "runtime", "--model", "resnet");
        assertEquals(2, code);
        assertTrue(err.toString().contains("resnet"), err.toString());
    }
}
