package dev.snn4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training run that goes non-finite stops through the same path as {@code ./snn4j train iir}: exit code 1, one
 * stderr line naming the step, the parameter and the value, and the last good checkpoint left exactly as it was.
 */
class NonFiniteStopCliTest {
    @TempDir
    Path tmp;

    /** Four MNIST-format IDX files of 8x8 images: a bright left or right half (an easy two-class task). */
    private static void writeIdx(Path dir, int train, int test) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(5);
        for (String split : new String[] {"train", "t10k"}) {
            int n = split.equals("train") ? train : test;
            ByteBuffer img = ByteBuffer.allocate(16 + n * 64).putInt(0x00000803).putInt(n).putInt(8).putInt(8);
            ByteBuffer lab = ByteBuffer.allocate(8 + n).putInt(0x00000801).putInt(n);
            for (int i = 0; i < n; i++) {
                int label = i % 2;
                lab.put((byte) label);
                for (int p = 0; p < 64; p++) {
                    boolean on = label == 0 ? p % 8 < 4 : p % 8 >= 4;
                    img.put((byte) ((on ? 180 : 20) + r.nextInt(40)));
                }
            }
            Files.write(dir.resolve(split + "-images-idx3-ubyte"), img.array());
            Files.write(dir.resolve(split + "-labels-idx1-ubyte"), lab.array());
        }
    }

    private static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    private static int run(StringWriter err, String... args) {
        return Snn4j.newCommandLine(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true))
                .execute(args);
    }

    @Test
    void nonFiniteTrainingStopsNamingStepParameterAndValueAndKeepsTheLastGoodCheckpoint() throws IOException {
        Path data = tmp.resolve("data");
        writeIdx(data, 32, 16);
        Path out = tmp.resolve("run");
        String[] common = {"train", "iir", "--data", data.toString(), "--out", out.toString(), "--model", "tiny",
            "--ann-epochs", "1", "--steps", "1", "--batch", "16", "--latency-images", "0"};
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, concat(common, "--stage-epochs", "1")), err.toString());
        Path stage = out.resolve("snn-T1");
        Map<String, byte[]> good = snapshot(stage);
        assertTrue(good.containsKey("latest"), good.keySet().toString());

        // resume for a second epoch with a learning rate that overflows float32: the first update makes the
        // parameters infinite, the second step's loss is NaN
        StringWriter err2 = new StringWriter();
        int code = run(err2, concat(common, "--stage-epochs", "2", "--lr", "1e39"));
        // the rerun changes settings of an existing run, which `train iir` reports in a warning line first
        String all = err2.toString().strip();
        String msg = all.lines().filter(l -> !l.startsWith("snn4j: warning:")).collect(
                java.util.stream.Collectors.joining("\n"));
        System.out.println("[non-finite stop] " + all);
        assertEquals(1, code, all);
        assertTrue(all.lines().allMatch(l -> l.startsWith("snn4j: warning:") || l.startsWith("snn4j: error:")), all);
        assertEquals(1, msg.lines().count(), "one error line: " + all);
        assertTrue(msg.matches("snn4j: error: step \\d+: parameter '[\\w.]+' holds (NaN|-?Infinity) at \\[[\\d, ]+\\].*"),
                msg);
        Map<String, byte[]> after = snapshot(stage);
        assertEquals(good.keySet(), after.keySet(), "no checkpoint added or removed");
        good.forEach((k, v) -> assertTrue(Arrays.equals(v, after.get(k)), k + " unchanged"));
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
