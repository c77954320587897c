package dev.snn4j.io.hdf5;

import dev.snn4j.data.Hdf5;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.checksum.JenkinsLookup3HashLittle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Hdf5WriterTest {

    @Test
    void lookup3ChecksumMatchesTheReferenceValues() {
        // values printed by the driver in Bob Jenkins' lookup3.c (hashlittle with initval 0), which HDF5 uses
        assertEquals(0xdeadbeef, JenkinsLookup3HashLittle.hash(new byte[0]));
        assertEquals(0x17770551, JenkinsLookup3HashLittle.hash(
                "Four score and seven years ago".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void float16RoundsToNearestEven() {
        // bit patterns from shd_layout_sample.json (numpy float16) and IEEE 754 edge cases
        assertEquals(0x3969, Float16.toBits(0.67626953125) & 0xffff);
        assertEquals(0x3cdf, Float16.toBits(1.2177734375) & 0xffff);
        assertEquals(0x0000, Float16.toBits(0.0) & 0xffff);
        assertEquals(0x8000, Float16.toBits(-0.0) & 0xffff);
        assertEquals(0x7bff, Float16.toBits(65504) & 0xffff);
        assertEquals(0x7bff, Float16.toBits(65519.99) & 0xffff);
        assertEquals(0x7c00, Float16.toBits(65520) & 0xffff);          // halfway to 65536 rounds to even = inf
        assertEquals(0x0001, Float16.toBits(0x1p-24) & 0xffff);        // smallest subnormal
        assertEquals(0x0000, Float16.toBits(0x1p-25) & 0xffff);        // tie -> even (0)
        assertEquals(0x0002, Float16.toBits(0x1.8p-24) & 0xffff);      // 1.5 ulp -> 2 ulp (even)
        assertEquals(0x0400, Float16.toBits(0x1p-14) & 0xffff);        // smallest normal
        assertEquals(0x3c00, Float16.toBits(1 + 0x1p-11) & 0xffff);    // tie -> even (1.0)
        assertEquals(0x3c02, Float16.toBits(1 + 3 * 0x1p-11) & 0xffff); // tie -> even (1 + 2^-9)
        assertTrue(Double.isNaN(Float16.toDouble(Float16.toBits(Double.NaN))));
        for (int b = 0; b < 0x7c00; b++) { // every finite positive float16 survives the round trip
            assertEquals(b, Float16.toBits(Float16.toDouble((short) b)) & 0xffff);
        }
    }

    static Hdf5Writer sampleFile() {
        Hdf5Writer w = Hdf5Writer.create();
        Hdf5Writer.Group root = w.root();
        root.attribute("n_channels", Hdf5Type.INT32, new long[0], 140L);
        root.attribute("names", Hdf5Type.fixedString(6), new long[] {2}, new String[] {"ab", "fünf"});
        Hdf5Writer.Group spikes = root.group("spikes");
        spikes.dataset("times", Hdf5Type.vlen(Hdf5Type.FLOAT16), new long[] {3},
                new Object[] {new float[] {0.1f, 0.5f}, new float[0], new double[] {1.3994140625}});
        spikes.dataset("units", Hdf5Type.vlen(Hdf5Type.UINT16), new long[] {3},
                new Object[] {new int[] {0, 65535}, new int[0], new short[] {5}});
        spikes.dataset("wide", Hdf5Type.vlen(Hdf5Type.FLOAT64), new long[] {2, 1},
                List.of(new double[] {Math.PI}, new double[] {-1, 2, 3}));
        root.dataset("i8", Hdf5Type.INT8, new long[] {3}, new byte[] {-128, 0, 127});
        root.dataset("i16", Hdf5Type.INT16, new long[] {2}, new int[] {-32768, 32767});
        root.dataset("i32", Hdf5Type.INT32, new long[] {2, 2}, new long[] {Integer.MIN_VALUE, 1, 2, Integer.MAX_VALUE});
        root.dataset("i64", Hdf5Type.INT64, new long[0], Long.MIN_VALUE);
        root.dataset("u8", Hdf5Type.UINT8, new long[] {2}, new int[] {0, 255});
        root.dataset("u16", Hdf5Type.UINT16, new long[] {2}, new int[] {0, 65535});
        root.dataset("u32", Hdf5Type.UINT32, new long[] {1}, new long[] {4294967295L});
        root.dataset("u64", Hdf5Type.UINT64, new long[] {1}, new long[] {Long.MAX_VALUE});
        root.dataset("f16", Hdf5Type.FLOAT16, new long[] {3}, new double[] {-2.5, 0.099975586, 65504});
        root.dataset("f32", Hdf5Type.FLOAT32, new long[] {2, 3, 1}, new float[] {1, 2, 3, 4, 5, Float.MIN_VALUE});
        root.dataset("f64", Hdf5Type.FLOAT64, new long[0], 0.1);
        root.dataset("empty", Hdf5Type.FLOAT64, new long[] {0}, new double[0]);
        root.dataset("fixed", Hdf5Type.fixedString(5), new long[] {2}, new String[] {"ab", "abcde"});
        root.string("version", "1.0.7");
        root.dataset("edges", Hdf5Type.VLEN_STRING, new long[] {2, 2}, new String[] {"a", "b", "fünf", ""});
        root.group("extra").group("meta_info");
        return w;
    }

    @Test
    void jhdfReadsEveryTypeBack(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("all.h5");
        sampleFile().write(f);
        try (HdfFile h5 = Hdf5.open(f)) {
            Attribute nc = h5.getAttribute("n_channels");
            assertEquals(140, ((Number) nc.getData()).intValue());
            assertArrayEquals(new String[] {"ab", "fünf"}, (String[]) h5.getAttribute("names").getData());
            Object[] times = (Object[]) data(h5, "/spikes/times");
            assertArrayEquals(new float[] {Float.parseFloat("0.099975586"), 0.5f}, (float[]) times[0]);
            assertEquals(0, ((float[]) times[1]).length);
            assertArrayEquals(new float[] {1.3994140625f}, (float[]) times[2]);
            Object[] units = (Object[]) data(h5, "/spikes/units");
            assertArrayEquals(new long[] {0, 65535}, longs(units[0]));
            assertEquals(0, longs(units[1]).length);
            assertArrayEquals(new long[] {5}, longs(units[2]));
            Object[][] wide = (Object[][]) data(h5, "/spikes/wide");
            assertArrayEquals(new double[] {Math.PI}, (double[]) wide[0][0]);
            assertArrayEquals(new double[] {-1, 2, 3}, (double[]) wide[1][0]);
            assertArrayEquals(new byte[] {-128, 0, 127}, (byte[]) data(h5, "/i8"));
            assertArrayEquals(new short[] {-32768, 32767}, (short[]) data(h5, "/i16"));
            assertArrayEquals(new int[][] {{Integer.MIN_VALUE, 1}, {2, Integer.MAX_VALUE}}, (int[][]) data(h5, "/i32"));
            assertEquals(Long.MIN_VALUE, data(h5, "/i64"));
            assertArrayEquals(new long[] {0, 255}, longs(data(h5, "/u8")));
            assertArrayEquals(new long[] {0, 65535}, longs(data(h5, "/u16")));
            assertArrayEquals(new long[] {4294967295L}, longs(data(h5, "/u32")));
            assertArrayEquals(new BigInteger[] {BigInteger.valueOf(Long.MAX_VALUE)}, (BigInteger[]) data(h5, "/u64"));
            assertArrayEquals(new float[] {-2.5f, Float.parseFloat("0.099975586"), 65504f}, (float[]) data(h5, "/f16"));
            float[][][] f32 = (float[][][]) data(h5, "/f32");
            assertEquals(Float.MIN_VALUE, f32[1][2][0]);
            assertEquals(4f, f32[1][0][0]);
            assertEquals(0.1, data(h5, "/f64"));
            assertEquals(0, ((double[]) data(h5, "/empty")).length);
            assertArrayEquals(new String[] {"ab", "abcde"}, (String[]) data(h5, "/fixed"));
            assertEquals("1.0.7", data(h5, "/version"));
            assertArrayEquals(new String[][] {{"a", "b"}, {"fünf", ""}}, (String[][]) data(h5, "/edges"));
            assertTrue(h5.getByPath("/extra/meta_info") instanceof Group);
            assertEquals(List.of("edges", "empty", "extra", "f16", "f32", "f64", "fixed", "i16", "i32", "i64", "i8",
                    "spikes", "u16", "u32", "u64", "u8", "version"), new ArrayList<>(h5.getChildren().keySet()));
        }
        // the superblock's end-of-file address is the file size, and the write left no temporary file
        assertEquals(List.of(f), Files.list(dir).toList());
    }

    /** Any Java integer array as long[]: jHDF widens unsigned types (uint8 to short or int, uint16 to int, ...). */
    static long[] longs(Object arr) {
        long[] out = new long[java.lang.reflect.Array.getLength(arr)];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) java.lang.reflect.Array.get(arr, i)).longValue();
        }
        return out;
    }

    private static Object data(HdfFile h5, String path) {
        return ((Dataset) h5.getByPath(path)).getData();
    }

    @Test
    void manyVlenElementsSpreadOverSeveralHeapCollections(@TempDir Path dir) throws Exception {
        // 70,000 rows exceed the 65,535 objects one collection can index; 300 big rows exceed the 1 MiB target
        int n = 70_000;
        Object[] rows = new Object[n];
        for (int i = 0; i < n; i++) {
            rows[i] = new int[] {i % 65536, i % 7};
        }
        Object[] big = new Object[300];
        for (int i = 0; i < big.length; i++) {
            double[] r = new double[1000];
            r[0] = i;
            r[999] = -i;
            big[i] = r;
        }
        Hdf5Writer w = Hdf5Writer.create();
        w.root().dataset("rows", Hdf5Type.vlen(Hdf5Type.UINT16), new long[] {n}, rows);
        w.root().dataset("big", Hdf5Type.vlen(Hdf5Type.FLOAT64), new long[] {big.length}, big);
        Path f = dir.resolve("many.h5");
        w.write(f);
        try (HdfFile h5 = Hdf5.open(f)) {
            Object[] back = (Object[]) data(h5, "/rows");
            assertEquals(n, back.length);
            for (int i = 0; i < n; i += 997) {
                assertArrayEquals(longs(rows[i]), longs(back[i]), "row " + i);
            }
            assertArrayEquals(longs(rows[n - 1]), longs(back[n - 1]));
            Object[] bigBack = (Object[]) data(h5, "/big");
            for (int i = 0; i < big.length; i++) {
                assertArrayEquals((double[]) big[i], (double[]) bigBack[i]);
            }
        }
    }

    @Test
    void badInputIsRejectedWithTheObjectPath() {
        Hdf5Writer.Group root = Hdf5Writer.create().root();
        Hdf5Writer.Group g = root.group("spikes");
        assertMessage("/spikes/units", "value 70000 at index 1 does not fit uint16", () -> g.dataset("units",
                Hdf5Type.vlen(Hdf5Type.UINT16), new long[] {1}, new Object[] {new int[] {1, 70000}}));
        assertMessage("/labels", "needs 3 elements, the data have 2",
                () -> root.dataset("labels", Hdf5Type.INT64, new long[] {3}, new long[] {1, 2}));
        assertMessage("/t", "overflows float16", () -> root.dataset("t", Hdf5Type.FLOAT16, new long[] {1},
                new double[] {1e6}));
        assertMessage("/t", "expected double[] or float[]", () -> root.dataset("t", Hdf5Type.FLOAT32, new long[] {1},
                new int[] {1}));
        assertMessage("/u", "value -1 at index 0 does not fit uint8", () -> root.dataset("u", Hdf5Type.UINT8,
                new long[] {1}, new byte[] {-1}));
        assertMessage("/s", "3 UTF-8 bytes but the fixed string type holds 2", () -> root.dataset("s",
                Hdf5Type.fixedString(2), new long[0], "abc"));
        assertMessage("/s", "contains a NUL", () -> root.string("s", "a\0b"));
        assertMessage("/a/b", "invalid name", () -> root.group("a/b"));
        assertMessage("/spikes", "already exists", () -> root.group("spikes"));
        assertMessage("/big", "more than", () -> root.dataset("big", Hdf5Type.INT8,
                new long[] {1L << 20, 1L << 20}, new byte[1]));
        assertMessage("/neg", "negative dimension", () -> root.dataset("neg", Hdf5Type.INT8, new long[] {-1},
                new byte[0]));
        assertMessage("/r", "row 1 is null", () -> root.dataset("r", Hdf5Type.vlen(Hdf5Type.INT8), new long[] {2},
                new Object[] {new byte[0], null}));
        assertMessage("/@v", "variable-length type", () -> root.attribute("v", Hdf5Type.VLEN_STRING, new long[0],
                "x"));
        assertMessage("/@" + "a".repeat(5000), "at most 4096", () -> root.attribute("a".repeat(5000), Hdf5Type.INT8,
                new long[0], 1L));
        assertMessage("/@big", "below 60000 bytes", () -> root.attribute("big", Hdf5Type.INT64, new long[] {10000},
                new long[10000]));
        assertMessage("/rows", "row 0, expected long[], int[], short[] or byte[]", () -> root.dataset("rows",
                Hdf5Type.vlen(Hdf5Type.INT32), new long[] {1}, new Object[] {"text"}));
        assertThrows(IllegalArgumentException.class, () -> Hdf5Type.vlen(Hdf5Type.VLEN_STRING));
        // nothing half-added: the failed names are still free
        root.dataset("labels", Hdf5Type.INT64, new long[] {2}, new long[] {1, 2});
    }

    private static void assertMessage(String path, String part, org.junit.jupiter.api.function.Executable call) {
        Hdf5WriteException e = assertThrows(Hdf5WriteException.class, call);
        assertEquals(path, e.path());
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    /** h5dump (the HDF5 C library) reads the file: values and structure. Skips without h5dump. */
    @Test
    void h5dumpReadsTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("dump.h5");
        sampleFile().write(f);
        String out = ExternalTools.run(dir, "h5dump", f.toString());
        String flat = out.replaceAll("\\s+", " ");
        assertTrue(flat.contains("DATASET \"times\" { DATATYPE H5T_VLEN { 16-bit little-endian floating-point 16-bit"
                + " precision} DATASPACE SIMPLE { ( 3 ) / ( 3 ) } DATA { (0): (0.0999756, 0.5), (), (1.39941) }"), out);
        assertTrue(flat.contains("DATATYPE H5T_VLEN { H5T_STD_U16LE} DATASPACE SIMPLE { ( 3 ) / ( 3 ) } DATA {"
                + " (0): (0, 65535), (), (5) }"), out);
        assertTrue(flat.contains("DATASET \"version\" { DATATYPE H5T_STRING { STRSIZE H5T_VARIABLE; STRPAD"
                + " H5T_STR_NULLTERM; CSET H5T_CSET_UTF8; CTYPE H5T_C_S1; } DATASPACE SCALAR DATA { (0): \"1.0.7\" }"),
                out);
        assertTrue(flat.contains("DATASET \"u64\" { DATATYPE H5T_STD_U64LE DATASPACE SIMPLE { ( 1 ) / ( 1 ) } DATA"
                + " { (0): 9223372036854775807 }"), out);
        assertTrue(flat.contains("ATTRIBUTE \"n_channels\" { DATATYPE H5T_STD_I32LE DATASPACE SCALAR DATA { (0):"
                + " 140 }"), out);
        assertTrue(flat.contains("DATASET \"f16\" { DATATYPE 16-bit little-endian floating-point 16-bit precision"
                + " DATASPACE SIMPLE { ( 3 ) / ( 3 ) } DATA { (0): -2.5, 0.0999756, 65504 }"), out);
    }

    /** h5py (numpy) reads the file as Python code would. Skips without /usr/bin/python3 + h5py. */
    @Test
    void h5pyReadsTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("py.h5");
        sampleFile().write(f);
        String out = ExternalTools.python(dir, String.join("\n",
                "import h5py, sys",
                "f = h5py.File(sys.argv[1], 'r')",
                "t = f['spikes']['times']",
                "print(t.dtype, h5py.check_vlen_dtype(t.dtype), t[0].tolist(), t[1].tolist(), t[2].tolist())",
                "print(h5py.check_vlen_dtype(f['spikes/units'].dtype), f['spikes']['units'][0].tolist())",
                "print(f['version'][()].decode(), [x.decode() for x in f['edges'][()].ravel()])",
                "print(f['f32'].shape, f['u64'][0], f['i64'][()], dict(f.attrs)['n_channels'])"), f.toString());
        assertEquals(String.join("\n",
                "object float16 [0.0999755859375, 0.5] [] [1.3994140625]",
                "uint16 [0, 65535]",
                "1.0.7 ['a', 'b', 'fünf', '']",
                "(2, 3, 1) 9223372036854775807 -9223372036854775808 140"), out.strip());
    }
}
