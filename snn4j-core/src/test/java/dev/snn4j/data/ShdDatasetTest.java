package dev.snn4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShdDatasetTest {

    static Path resource(String name) throws URISyntaxException {
        return Path.of(ShdDatasetTest.class.getResource("/formats/" + name).toURI());
    }

    static JsonObject json(String name) throws IOException {
        try (InputStream in = ShdDatasetTest.class.getResourceAsStream("/formats/" + name)) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    /** Found by ReaderFuzzTest at 3x scale: an offset past the spikes, followed by a smaller one, used to be sliced. */
    @Test
    void flatOffsetPastTheSpikesIsATypedError() throws Exception {
        Path f = Path.of(ShdDatasetTest.class.getResource("/fuzz/shd-flat-offset-past-end.h5").toURI());
        DataFormatException e = assertThrows(DataFormatException.class, () -> ShdDataset.read(f));
        assertTrue(e.getMessage().contains("/spikes/offsets"), e.getMessage());
        assertTrue(e.getCause() == null || !(e.getCause() instanceof IndexOutOfBoundsException), e.toString());
    }

    @Test
    void readsOfficialLayoutSampleExactly() throws Exception {
        ShdDataset ds = ShdDataset.read(resource("shd_layout_sample.h5"));
        JsonObject ref = json("shd_layout_sample.json");
        JsonArray samples = ref.getAsJsonArray("samples");
        assertEquals(samples.size(), ds.size());
        assertEquals(ref.get("n_channels").getAsInt(), ds.numChannels());
        for (int i = 0; i < samples.size(); i++) {
            JsonObject s = samples.get(i).getAsJsonObject();
            ShdDataset.Sample got = ds.sample(i);
            assertEquals(s.get("n_spikes").getAsInt(), got.size(), "sample " + i);
            assertEquals(s.get("label").getAsInt(), got.label());
            JsonArray t = s.getAsJsonArray("times_s_float64_of_stored_float16");
            JsonArray bits = s.getAsJsonArray("times_float16_bits_hex");
            JsonArray u = s.getAsJsonArray("units");
            for (int k = 0; k < t.size(); k++) {
                // float16 -> float is exact, so the float64 in the JSON must match bit for bit
                assertEquals(t.get(k).getAsDouble(), (double) got.times()[k], 0.0, "sample " + i + " time " + k);
                assertEquals(half(Integer.parseInt(bits.get(k).getAsString(), 16)), got.times()[k], 0.0);
                assertEquals(u.get(k).getAsInt(), got.units()[k]);
            }
        }
        assertArrayEquals(ints(ref.getAsJsonArray("labels")), ds.labels());
        JsonObject extra = ref.getAsJsonObject("extra");
        assertArrayEquals(ints(extra.getAsJsonArray("speaker")), ds.speakers().orElseThrow());
        List<String> keys = new ArrayList<>();
        extra.getAsJsonArray("keys").forEach(e -> keys.add(e.getAsString()));
        assertEquals(keys, ds.keys());
        assertEquals("fünf", ds.keys().get(15));
        // sample 2 holds the edge values t = 0 / unit 0 and t = 1.3994 s / unit 699
        assertEquals(0f, ds.sample(2).times()[0]);
        assertEquals(699, ds.sample(2).units()[63]);
    }

    @Test
    void readsTonicFixtureWithFixed2dRows() throws Exception {
        ShdDataset ds = ShdDataset.read(resource("shd_tonic_fixture.h5"));
        JsonObject ref = json("shd_tonic_fixture.json");
        JsonArray times = null;
        JsonArray units = null;
        for (JsonElement o : ref.getAsJsonArray("hdf5_objects")) {
            String p = o.getAsJsonObject().get("path").getAsString();
            if (p.equals("/spikes/times")) {
                times = o.getAsJsonObject().getAsJsonArray("value");
            } else if (p.equals("/spikes/units")) {
                units = o.getAsJsonObject().getAsJsonArray("value");
            }
        }
        assertEquals(2, ds.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(100, ds.sample(i).size());
            JsonArray t = times.get(i).getAsJsonArray();
            JsonArray u = units.get(i).getAsJsonArray();
            for (int k = 0; k < 100; k++) {
                assertEquals(t.get(k).getAsDouble(), ds.sample(i).times()[k], 0.0);
                assertEquals(u.get(k).getAsInt(), ds.sample(i).units()[k]);
            }
        }
        assertArrayEquals(new int[] {1, 1}, ds.labels());
        assertArrayEquals(new int[] {8, 18}, ds.speakers().orElseThrow());
        assertEquals(List.of("zero", "one"), ds.keys());
    }

    @Test
    void binsSampleFileIntoTimeMajorGroupedCounts() throws Exception {
        ShdDataset ds = ShdDataset.read(resource("shd_layout_sample.h5"));
        float[][][] x = SpikeBinning.SHD.bin(ds.samples(), ds.numChannels());
        // latest spike 1.3994 s -> bin 139 -> T = 140; 700 / 5 = 140 channels
        assertEquals(140, x.length);
        assertEquals(6, x[0].length);
        assertEquals(140, x[0][0].length);
        for (int b = 0; b < ds.size(); b++) {
            double sum = 0;
            for (float[][] step : x) {
                for (float v : step[b]) {
                    sum += v;
                }
            }
            assertEquals(ds.sample(b).size(), sum, 0.0, "no spike lost in sample " + b);
        }
        // sample 0: one spike at 0.67627 s, unit 542 -> bin 67, channel 108
        assertEquals(1f, x[67][0][108]);
        assertEquals(1f, x[0][2][0]);
        assertEquals(1f, x[139][2][139]);

        float[][][] cropped = SpikeBinning.SHD.withMaxDuration(0.5).withClip(true).bin(ds.samples(), 700);
        assertEquals(50, cropped.length);
        for (float[][] step : cropped) {
            for (float[] row : step) {
                for (float v : row) {
                    assertTrue(v == 0f || v == 1f);
                }
            }
        }
        assertEquals(0f, cropped[0][0][108] + sumOver(cropped, 0));
    }

    private static float sumOver(float[][][] x, int b) {
        float s = 0;
        for (float[][] step : x) {
            for (float v : step[b]) {
                s += v;
            }
        }
        return s;
    }

    @Test
    void countsSumWithinGroupAndClipCaps() throws Exception {
        ShdDataset.Sample s = new ShdDataset.Sample(new float[] {0.001f, 0.002f, 0.003f, 0.015f},
                new int[] {0, 4, 4, 9}, 1);
        float[][][] counts = new SpikeBinning(0.01, 5, 0.03, false).bin(List.of(s), 10);
        assertEquals(3, counts.length);
        assertArrayEquals(new float[] {3f, 0f}, counts[0][0]);
        assertArrayEquals(new float[] {0f, 1f}, counts[1][0]);
        float[][][] clipped = new SpikeBinning(0.01, 5, 0.03, true).bin(List.of(s), 10);
        assertArrayEquals(new float[] {1f, 0f}, clipped[0][0]);
        // partial last group: 7 channels in groups of 5 -> 2 outputs
        assertEquals(2, new SpikeBinning(0.01, 5, 1, false).outputChannels(7));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray nd = SpikeBinning.toNDArray(m, counts);
            assertEquals(new Shape(3, 1, 2), nd.getShape());
            assertEquals(3f, nd.getFloat(0, 0, 0));
        }
    }

    // ---------------------------------------------------------------- bad input

    /** Writes an official-name layout with fixed 2-D spikes (the only 2-D form jHDF can write). */
    static Path write(Path dir, String name, Consumer<WritableHdfFile> body) {
        Path p = dir.resolve(name);
        try (WritableHdfFile h5 = HdfFile.write(p)) {
            body.accept(h5);
        }
        return p;
    }

    static void spikes(WritableHdfFile h5, Object times, Object units) {
        WritableGroup g = h5.putGroup("spikes");
        if (times != null) {
            g.putDataset("times", times);
        }
        if (units != null) {
            g.putDataset("units", units);
        }
    }

    @Test
    void missingDatasetsNameTheFileAndPath(@TempDir Path dir) {
        Path noLabels = write(dir, "nolabels.h5", h5 -> spikes(h5, new float[][] {{0.1f}}, new int[][] {{1}}));
        DataFormatException e = assertThrows(DataFormatException.class, () -> ShdDataset.read(noLabels));
        assertEquals("/labels", e.field());
        assertTrue(e.getMessage().contains("nolabels.h5") && e.getMessage().contains("missing"), e.getMessage());

        Path noUnits = write(dir, "nounits.h5", h5 -> {
            spikes(h5, new float[][] {{0.1f}}, null);
            h5.putDataset("labels", new long[] {0});
        });
        e = assertThrows(DataFormatException.class, () -> ShdDataset.read(noUnits));
        assertEquals("/spikes/units", e.field());
    }

    @Test
    void raggedMismatchUnitRangeTimesAndLabelCount(@TempDir Path dir) {
        Path ragged = write(dir, "ragged.h5", h5 -> {
            spikes(h5, new float[][] {{0.1f, 0.2f, 0.3f}}, new short[][] {{1, 2}});
            h5.putDataset("labels", new long[] {0});
        });
        DataFormatException e = assertThrows(DataFormatException.class, () -> ShdDataset.read(ragged));
        assertTrue(e.getMessage().contains("3 times but 2 units"), e.getMessage());

        Path unit = write(dir, "unit.h5", h5 -> {
            spikes(h5, new double[][] {{0.1, 0.2}}, new byte[][] {{1, 7}});
            h5.putDataset("labels", new int[] {0});
        });
        e = assertThrows(DataFormatException.class, () -> ShdDataset.read(unit, 7));
        assertTrue(e.getMessage().contains("unit 7") && e.getMessage().contains("channel count 7"), e.getMessage());
        assertTrue(e.field().startsWith("/spikes/units"), e.field());

        Path neg = write(dir, "neg.h5", h5 -> {
            spikes(h5, new float[][] {{0.1f, -0.2f}}, new int[][] {{1, 2}});
            h5.putDataset("labels", new long[] {0});
        });
        e = assertThrows(DataFormatException.class, () -> ShdDataset.read(neg));
        assertTrue(e.getMessage().contains("-0.2"), e.getMessage());

        Path nan = write(dir, "nan.h5", h5 -> {
            spikes(h5, new float[][] {{Float.NaN}}, new int[][] {{1}});
            h5.putDataset("labels", new long[] {0});
        });
        e = assertThrows(DataFormatException.class, () -> ShdDataset.read(nan));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());

        Path labels = write(dir, "labels.h5", h5 -> {
            spikes(h5, new float[][] {{0.1f}, {0.2f}}, new int[][] {{1}, {2}});
            h5.putDataset("labels", new long[] {0, 1, 2});
        });
        e = assertThrows(DataFormatException.class, () -> ShdDataset.read(labels));
        assertEquals("/labels", e.field());
        assertTrue(e.getMessage().contains("(2), got 3"), e.getMessage());

        Path floatUnits = write(dir, "fu.h5", h5 -> {
            spikes(h5, new float[][] {{0.1f}}, new float[][] {{1f}});
            h5.putDataset("labels", new long[] {0});
        });
        e = assertThrows(DataFormatException.class, () -> ShdDataset.read(floatUnits));
        assertTrue(e.getMessage().contains("integer"), e.getMessage());
    }

    @Test
    void garbageAndTruncatedFilesAreTypedErrors(@TempDir Path dir) throws Exception {
        Path junk = dir.resolve("junk.h5");
        Files.writeString(junk, "this is not HDF5 at all, just text".repeat(20));
        DataFormatException e = assertThrows(DataFormatException.class, () -> ShdDataset.read(junk));
        assertTrue(e.getMessage().contains("junk.h5"), e.getMessage());

        byte[] real = Files.readAllBytes(resource("shd_layout_sample.h5"));
        Path cut = dir.resolve("cut.h5");
        Files.write(cut, java.util.Arrays.copyOf(real, real.length / 2));
        e = assertThrows(DataFormatException.class, () -> ShdDataset.read(cut));
        assertTrue(e.getMessage().contains("cut.h5") && e.getMessage().contains("truncated"), e.getMessage());
    }

    /** IEEE binary16 bits to float (test-side decoder, independent of jHDF). */
    static float half(int h) {
        int sign = (h >> 15) & 1;
        int exp = (h >> 10) & 0x1f;
        int man = h & 0x3ff;
        double v;
        if (exp == 0) {
            v = man * Math.pow(2, -24);
        } else if (exp == 31) {
            v = man == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            v = (1 + man / 1024.0) * Math.pow(2, exp - 15);
        }
        return (float) (sign == 1 ? -v : v);
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }
}
