package dev.snn4j.io.hdf5;

import dev.snn4j.data.Hdf5;
import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random files (seeded): nested groups, every numeric type in random shapes, vlen rows of random lengths (0
 * included), vlen and fixed strings; each file read back with jHDF must give exactly what was written, and h5dump
 * (where installed) must read every file without error.
 */
class Hdf5WriterRandomTest {
    private static final Hdf5Type[] NUMERIC = {Hdf5Type.INT8, Hdf5Type.INT16, Hdf5Type.INT32, Hdf5Type.INT64,
        Hdf5Type.UINT8, Hdf5Type.UINT16, Hdf5Type.UINT32, Hdf5Type.UINT64, Hdf5Type.FLOAT16, Hdf5Type.FLOAT32,
        Hdf5Type.FLOAT64};

    /** A random array of {@code n} values valid for {@code t}, in one of the Java types it accepts. */
    static Object values(Random r, Hdf5Type t, int n) {
        if (t.kind() == Hdf5Type.Kind.FLOAT) {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = (r.nextDouble() - 0.5) * (t.size() == 2 ? 1000 : 1e6);
                if (t.size() == 2) {
                    d[i] = Float16.toDouble(Float16.toBits(d[i])); // exactly representable: compare exactly below
                } else if (t.size() == 4) {
                    d[i] = (float) d[i];
                }
            }
            return d;
        }
        int bits = t.size() * 8;
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            long v = r.nextLong();
            if (t.kind() == Hdf5Type.Kind.UNSIGNED) {
                v = bits == 64 ? v >>> 1 : v >>> (64 - bits);
            } else if (bits < 64) {
                v = v >> (64 - bits);
            }
            l[i] = v;
        }
        return l;
    }

    static long[] longs(Object arr) {
        long[] out = new long[Array.getLength(arr)];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) Array.get(arr, i)).longValue();
        }
        return out;
    }

    static double[] doubles(Object arr) {
        double[] out = new double[Array.getLength(arr)];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) Array.get(arr, i)).doubleValue();
        }
        return out;
    }

    private static void assertValues(Hdf5Type t, Object want, Object got, String where) {
        if (t.kind() == Hdf5Type.Kind.FLOAT) {
            assertArrayEquals((double[]) want, doubles(got), where);
        } else {
            assertArrayEquals((long[]) want, longs(got), where);
        }
    }

    @Test
    void randomFilesReadBackExactly(@TempDir Path dir) throws Exception {
        Random r = new Random(20261124);
        List<Path> files = new ArrayList<>();
        for (int file = 0; file < 25; file++) {
            Hdf5Writer w = Hdf5Writer.create();
            Map<String, Object[]> expect = new LinkedHashMap<>(); // path -> {type, values}
            List<Hdf5Writer.Group> groups = new ArrayList<>(List.of(w.root()));
            int objects = 1 + r.nextInt(12);
            for (int k = 0; k < objects; k++) {
                Hdf5Writer.Group g = groups.get(r.nextInt(groups.size()));
                String name = "o" + k + (r.nextInt(5) == 0 ? "_ü" : "");
                String path = (g.path().equals("/") ? "" : g.path()) + "/" + name;
                int kind = r.nextInt(5);
                if (kind == 0) {
                    groups.add(g.group(name));
                } else if (kind == 1 || kind == 2) {
                    Hdf5Type t = NUMERIC[r.nextInt(NUMERIC.length)];
                    long[] shape = new long[r.nextInt(4)];
                    int n = 1;
                    for (int i = 0; i < shape.length; i++) {
                        shape[i] = r.nextInt(5);
                        n *= (int) shape[i];
                    }
                    Object v = values(r, t, n);
                    g.dataset(name, t, shape, v);
                    expect.put(path, new Object[] {t, v});
                } else if (kind == 3) {
                    Hdf5Type base = NUMERIC[r.nextInt(NUMERIC.length)];
                    int n = r.nextInt(40);
                    Object[] rows = new Object[n];
                    for (int i = 0; i < n; i++) {
                        rows[i] = values(r, base, r.nextInt(4) == 0 ? 0 : r.nextInt(300));
                    }
                    g.dataset(name, Hdf5Type.vlen(base), new long[] {n}, rows);
                    expect.put(path, new Object[] {Hdf5Type.vlen(base), rows});
                } else {
                    boolean vlen = r.nextBoolean();
                    int n = r.nextInt(20);
                    String[] s = new String[n];
                    for (int i = 0; i < n; i++) {
                        StringBuilder b = new StringBuilder();
                        int len = r.nextInt(vlen ? 200 : 10);
                        for (int c = 0; c < len; c++) {
                            b.append((char) (r.nextInt(10) == 0 ? 0xe0 + r.nextInt(20) : 'a' + r.nextInt(26)));
                        }
                        s[i] = b.toString();
                    }
                    g.dataset(name, vlen ? Hdf5Type.VLEN_STRING : Hdf5Type.fixedString(20), new long[] {n}, s);
                    expect.put(path, new Object[] {null, s});
                }
            }
            Path f = dir.resolve("r" + file + ".h5");
            w.write(f);
            files.add(f);
            try (HdfFile h5 = Hdf5.open(f)) {
                for (var e : expect.entrySet()) {
                    Dataset d = (Dataset) Hdf5.find(h5, e.getKey());
                    Hdf5Type t = (Hdf5Type) e.getValue()[0];
                    Object want = e.getValue()[1];
                    String where = f.getFileName() + e.getKey();
                    if (t == null) {
                        assertArrayEquals((String[]) want, (String[]) d.getData(), where);
                    } else if (t.kind() == Hdf5Type.Kind.VLEN_SEQUENCE) {
                        Object[] rows = (Object[]) d.getData();
                        assertEquals(((Object[]) want).length, rows.length, where);
                        for (int i = 0; i < rows.length; i++) {
                            assertValues(t.base(), ((Object[]) want)[i], rows[i], where + "[" + i + "]");
                        }
                    } else {
                        Object got = d.isScalar() ? new Object[] {d.getData()} : d.getDataFlat();
                        assertValues(t, want, got, where);
                    }
                }
            }
        }
        if (hasH5dump(dir)) {
            for (Path f : files) {
                ExternalTools.run(dir, "h5dump", f.toString()); // exit code 0 = the C library read everything
            }
        }
        assertEquals(25, Files.list(dir).count());
    }

    private static boolean hasH5dump(Path dir) {
        try {
            return new ProcessBuilder("h5dump", "--version").directory(dir.toFile()).start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
