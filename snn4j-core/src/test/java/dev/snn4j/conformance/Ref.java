package dev.snn4j.conformance;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test helper for the reference vectors in {@code src/test/resources/conformance/} (see the conformance README):
 * loads a JSON file, turns nested lists into float64 {@link NDArray}s with their shapes, and compares results with
 * the conformance tolerance (abs 1e-12 + rel 1e-9; spikes exactly).
 */
public final class Ref {
    /** Absolute part of the tolerance. */
    public static final double ABS = 1e-12;
    /** Relative part of the tolerance. */
    public static final double REL = 1e-9;

    private Ref() {
    }

    /** Parses {@code /conformance/<name>} from the test class path. */
    public static JsonObject load(String name) {
        String path = "/conformance/" + name;
        try (InputStream in = Ref.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + path);
            }
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The case named {@code name} from a file's {@code cases} list. */
    public static JsonObject caseNamed(JsonObject root, String name) {
        for (JsonElement e : root.getAsJsonArray("cases")) {
            if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
                return e.getAsJsonObject();
            }
        }
        throw new IllegalArgumentException("no case " + name);
    }

    /** Names of all cases in a file. */
    public static List<String> caseNames(JsonObject root) {
        List<String> out = new ArrayList<>();
        root.getAsJsonArray("cases").forEach(e -> out.add(e.getAsJsonObject().get("name").getAsString()));
        return out;
    }

    /** The shape of a (rectangular) nested list; a number has shape []. */
    public static Shape shapeOf(JsonElement e) {
        List<Long> dims = new ArrayList<>();
        JsonElement cur = e;
        while (cur.isJsonArray()) {
            JsonArray a = cur.getAsJsonArray();
            dims.add((long) a.size());
            if (a.isEmpty()) {
                break;
            }
            cur = a.get(0);
        }
        return new Shape(dims.stream().mapToLong(Long::longValue).toArray());
    }

    /** The values of a nested list in row-major order, checking that it is rectangular. */
    public static double[] values(JsonElement e) {
        Shape s = shapeOf(e);
        double[] out = new double[(int) s.size()];
        int n = flatten(e, s, 0, out, 0);
        if (n != out.length) {
            throw new IllegalArgumentException("ragged nested list");
        }
        return out;
    }

    private static int flatten(JsonElement e, Shape s, int depth, double[] out, int pos) {
        if (!e.isJsonArray()) {
            if (depth != s.dimension()) {
                throw new IllegalArgumentException("ragged nested list");
            }
            out[pos] = e.getAsDouble();
            return pos + 1;
        }
        JsonArray a = e.getAsJsonArray();
        if (depth >= s.dimension() || a.size() != s.get(depth)) {
            throw new IllegalArgumentException("ragged nested list");
        }
        for (JsonElement c : a) {
            pos = flatten(c, s, depth + 1, out, pos);
        }
        return pos;
    }

    /** A float64 tensor with the nested list's shape, created on {@code m}. */
    public static NDArray array(NDManager m, JsonElement e) {
        NDArray a = m.create(values(e), shapeOf(e));
        if (a.getDataType() != DataType.FLOAT64) {
            throw new IllegalStateException("expected float64");
        }
        return a;
    }

    /** {@code obj[key]} as a float64 tensor. */
    public static NDArray array(NDManager m, JsonObject obj, String key) {
        if (!obj.has(key)) {
            throw new IllegalArgumentException("reference has no key '" + key + "'");
        }
        return array(m, obj.get(key));
    }

    /**
     * Asserts {@code |actual - expected| <= ABS + REL |expected|} element-wise and equal shapes; returns the largest
     * relative error {@code |a-e|/max(|e|, tiny)} seen (for reports).
     */
    public static double assertClose(String what, NDArray expected, NDArray actual) {
        assertEquals(expected.getShape(), actual.getShape(), what + ": shape");
        assertEquals(DataType.FLOAT64, actual.getDataType(), what + ": dtype");
        return assertClose(what, expected.toDoubleArray(), actual.toDoubleArray());
    }

    /** Array version of {@link #assertClose(String, NDArray, NDArray)}. */
    public static double assertClose(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        double maxRel = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            double err = Math.abs(a - e);
            if (!(err <= ABS + REL * Math.abs(e))) {
                fail(String.format(Locale.ROOT, "%s: element %d expected %.17g but got %.17g (|err| %.3g)", what, i,
                        e, a, err));
            }
            maxRel = Math.max(maxRel, err / Math.max(Math.abs(e), 1e-300));
        }
        Deviations.record(what, expected, actual);
        return maxRel;
    }

    /** Scalar version. */
    public static double assertClose(String what, double expected, double actual) {
        return assertClose(what, new double[] {expected}, new double[] {actual});
    }

    /** Spikes must be bit-identical (0.0 / 1.0). */
    public static void assertExact(String what, NDArray expected, NDArray actual) {
        assertEquals(expected.getShape(), actual.getShape(), what + ": shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toType(DataType.FLOAT64, false).toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (e[i] != a[i]) {
                fail(what + ": element " + i + " (index " + unravel(i, expected.getShape()) + ") expected " + e[i]
                        + " but got " + a[i]);
            }
        }
        assertArrayEquals(e, a, 0.0, what);
    }

    private static String unravel(int i, Shape s) {
        long[] idx = new long[s.dimension()];
        long r = i;
        for (int d = s.dimension() - 1; d >= 0; d--) {
            idx[d] = r % s.get(d);
            r /= s.get(d);
        }
        return java.util.Arrays.toString(idx);
    }

    /** Collects the largest deviations per file so a run can print them (surefire output). */
    public static final class Deviations {
        private static double maxAbs;
        private static double maxRel;

        private Deviations() {
        }

        static synchronized void record(String what, double[] e, double[] a) {
            double abs = 0;
            double rel = 0;
            for (int i = 0; i < e.length; i++) {
                double err = Math.abs(a[i] - e[i]);
                abs = Math.max(abs, err);
                if (e[i] != 0) {
                    rel = Math.max(rel, err / Math.abs(e[i]));
                }
            }
            maxAbs = Math.max(maxAbs, abs);
            maxRel = Math.max(maxRel, rel);
            if (abs > 0) {
                System.out.printf(Locale.ROOT, "[deviation] %-70s max abs %.3g  max rel %.3g%n", what, abs, rel);
            }
        }

        /** Forgets the running maxima (call before a conformance class so its report covers only itself). */
        public static synchronized void reset() {
            maxAbs = 0;
            maxRel = 0;
        }

        /** Prints and resets the running maxima. */
        public static synchronized void report(String label) {
            System.out.printf(Locale.ROOT, "[conformance] %s: max abs err %.3g, max rel err %.3g%n", label, maxAbs,
                    maxRel);
            maxAbs = 0;
            maxRel = 0;
        }
    }
}
