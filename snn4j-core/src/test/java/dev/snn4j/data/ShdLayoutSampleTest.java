package dev.snn4j.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.snn4j.io.hdf5.ExternalTools;
import dev.snn4j.io.hdf5.Float16;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The SHD layout sample made by h5py (and checked with tonic's SHD loader), {@code shared/formats/shd_layout_sample.*}:
 * its content, taken from the JSON, written by {@link ShdWriter} must read back identically, and our file must have
 * the sample's HDF5 structure ({@code h5dump -H -p}: groups, dataset names, dtypes, shapes, storage layout and size,
 * fill values; not offsets). Skipped where the shared data are absent (CI).
 */
class ShdLayoutSampleTest {
    static final Path FORMATS = Files.isDirectory(Path.of("../../shared/formats"))
            ? Path.of("../../shared/formats") : Path.of("/work/shared/formats");
    static JsonObject json;

    @BeforeAll
    static void load() throws Exception {
        Path j = FORMATS.resolve("shd_layout_sample.json");
        assumeTrue(Files.isRegularFile(j), "no " + j + "; skipping the SHD sample comparison");
        json = JsonParser.parseString(Files.readString(j)).getAsJsonObject();
    }

    static ShdDataset content() throws DataFormatException {
        List<ShdDataset.Sample> samples = new ArrayList<>();
        for (var e : json.getAsJsonArray("samples")) {
            JsonObject s = e.getAsJsonObject();
            JsonArray t = s.getAsJsonArray("times_s_float64_of_stored_float16");
            JsonArray u = s.getAsJsonArray("units");
            float[] times = new float[t.size()];
            int[] units = new int[u.size()];
            for (int k = 0; k < times.length; k++) {
                times[k] = (float) t.get(k).getAsDouble(); // float16 values are exact in float
                units[k] = u.get(k).getAsInt();
            }
            samples.add(new ShdDataset.Sample(times, units, s.get("label").getAsInt()));
        }
        JsonObject extra = json.getAsJsonObject("extra");
        int[] speakers = ints(extra.getAsJsonArray("speaker"));
        List<String> keys = new ArrayList<>();
        extra.getAsJsonArray("keys").forEach(k -> keys.add(k.getAsString()));
        return ShdDataset.of(samples, json.get("n_channels").getAsInt(), speakers, keys);
    }

    static Map<String, Object> metaInfo() {
        JsonObject m = json.getAsJsonObject("extra").getAsJsonObject("meta_info");
        Map<String, Object> out = new LinkedHashMap<>();
        JsonArray g = m.getAsJsonArray("gender");
        String[] gender = new String[g.size()];
        for (int i = 0; i < gender.length; i++) {
            gender[i] = g.get(i).getAsString();
        }
        out.put("gender", gender);
        out.put("age", java.util.Arrays.stream(ints(m.getAsJsonArray("age"))).asLongStream().toArray());
        JsonArray h = m.getAsJsonArray("body_height");
        double[] height = new double[h.size()];
        for (int i = 0; i < height.length; i++) {
            height[i] = h.get(i).getAsDouble();
        }
        out.put("body_height", height);
        return out;
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    private static Path writeSample(Path dir) throws Exception {
        Path f = dir.resolve("shd_layout_sample.h5"); // same name: h5dump prints it in its first line
        ShdWriter.write(f, content(), ShdWriter.Options.defaults().metaInfo(metaInfo()));
        return f;
    }

    @Test
    void sampleContentReadsBackIdentically(@TempDir Path dir) throws Exception {
        ShdDataset want = content();
        ShdDataset ours = ShdDataset.read(writeSample(dir));
        ShdDataset reference = ShdDataset.read(FORMATS.resolve("shd_layout_sample.h5"));
        for (ShdDataset back : List.of(ours, reference)) {
            assertEquals(want.size(), back.size());
            assertEquals(700, back.numChannels());
            for (int i = 0; i < want.size(); i++) {
                assertArrayEquals(want.sample(i).times(), back.sample(i).times(), "sample " + i);
                assertArrayEquals(want.sample(i).units(), back.sample(i).units(), "sample " + i);
                assertEquals(want.sample(i).label(), back.sample(i).label());
            }
            assertArrayEquals(want.speakers().orElseThrow(), back.speakers().orElseThrow());
            assertEquals(want.keys(), back.keys());
        }
        // the stored float16 bit patterns are the sample's
        JsonArray samples = json.getAsJsonArray("samples");
        for (int i = 0; i < samples.size(); i++) {
            JsonArray hex = samples.get(i).getAsJsonObject().getAsJsonArray("times_float16_bits_hex");
            float[] t = ours.sample(i).times();
            for (int k = 0; k < t.length; k++) {
                assertEquals(Integer.parseInt(hex.get(k).getAsString(), 16), Float16.toBits(t[k]) & 0xffff);
            }
        }
    }

    /** Drops what legitimately differs: the file offsets of contiguous data (sizes must agree). */
    static String structure(String h5dump) {
        return h5dump.lines().filter(l -> !l.trim().startsWith("OFFSET ")).collect(Collectors.joining("\n"));
    }

    @Test
    void h5dumpShowsTheSampleStructure(@TempDir Path dir) throws Exception {
        Path f = writeSample(dir);
        String ours = ExternalTools.run(dir, "h5dump", "-H", "-p", f.getFileName().toString());
        String reference = Files.readString(FORMATS.resolve("shd_layout_sample.h5dump-p.txt"));
        assertEquals(structure(reference).strip(), structure(ours).strip());
    }

    /** The tonic-style access of SHD loaders, through h5py, gives the sample's values. Skips without h5py. */
    @Test
    void h5pyReadsOurFileAsTheSample(@TempDir Path dir) throws Exception {
        Path f = writeSample(dir);
        String out = ExternalTools.python(dir, String.join("\n",
                "import h5py, json, sys, numpy as np",
                "ref = json.load(open(sys.argv[2]))",
                "f = h5py.File(sys.argv[1], 'r')",
                "for s in ref['samples']:",
                "    i = s['index']",
                "    t = f['spikes']['times'][i]",
                "    assert t.dtype == np.float16, t.dtype",
                "    assert t.astype(np.float64).tolist() == s['times_s_float64_of_stored_float16'], i",
                "    assert [format(b, '04x') for b in t.view(np.uint16)] == s['times_float16_bits_hex'], i",
                "    assert f['spikes']['units'][i].tolist() == s['units'] and f['spikes']['units'][i].dtype == np.uint16",
                "assert f['labels'][:].tolist() == ref['labels'] and f['labels'].dtype == np.int64",
                "e = ref['extra']",
                "assert f['extra']['speaker'][()].tolist() == e['speaker'] and f['extra/speaker'].dtype == np.uint16",
                "assert [k.decode() for k in f['extra/keys'][()]] == e['keys']",
                "m = f['extra/meta_info']",
                "assert [g.decode() for g in m['gender'][()]] == e['meta_info']['gender']",
                "assert m['age'][()].tolist() == e['meta_info']['age'] and m['age'].dtype == np.int64",
                "assert m['body_height'][()].tolist() == e['meta_info']['body_height']",
                "assert len(f.attrs) == 0",
                "print('ok', len(ref['samples']))"), f.toString(),
                FORMATS.resolve("shd_layout_sample.json").toAbsolutePath().toString());
        assertEquals("ok 6", out.strip());
    }
}
