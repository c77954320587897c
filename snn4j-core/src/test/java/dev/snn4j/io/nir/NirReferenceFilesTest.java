package dev.snn4j.io.nir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every reference NIR file in {@code ../shared/formats} (top level = nir main, {@code nir_v1.0.7_release/},
 * {@code nir_third_party/}): our reader must give exactly the content its JSON lists, and our writer must give the
 * same HDF5 layout except the documented string datatype. Skipped when the folder is absent (fresh clone).
 */
class NirReferenceFilesTest {
    static final Path FORMATS = Files.isDirectory(Path.of("../../shared/formats"))
            ? Path.of("../../shared/formats") : Path.of("/work/shared/formats");

    static Stream<Path> files() throws IOException {
        if (!Files.isDirectory(FORMATS)) {
            return Stream.of();
        }
        List<Path> out = new ArrayList<>();
        for (Path dir : new Path[] {FORMATS, FORMATS.resolve("nir_v1.0.7_release"), FORMATS.resolve("nir_third_party")}) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".nir")).sorted().forEach(out::add);
            }
        }
        return out.stream();
    }

    @Test
    void referenceFilesArePresent() throws IOException {
        assumeTrue(Files.isDirectory(FORMATS), "no ../shared/formats");
        assertEquals(6 + 6 + 6, files().count());
    }

    static JsonObject json(Path nir) throws IOException {
        String name = nir.getFileName().toString().replace(".nir", ".json");
        return JsonParser.parseString(Files.readString(nir.resolveSibling(name))).getAsJsonObject();
    }

    /** The JSON's datasets by path: {dtype label, shape, value}. */
    static Map<String, JsonObject> datasets(JsonObject json) {
        Map<String, JsonObject> m = new LinkedHashMap<>();
        for (JsonElement e : json.getAsJsonArray("hdf5_objects")) {
            JsonObject o = e.getAsJsonObject();
            m.put(o.get("path").getAsString(), o);
        }
        return m;
    }

    /** Flattens a graph into path -> value the way nir.write lays it out ("type" and "edges" included). */
    static Map<String, Object> flatten(NirGraph g, String prefix) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(prefix + "/type", NirValue.string("NIRGraph"));
        List<String[]> edges = new ArrayList<>();
        g.edges().forEach(e -> edges.add(new String[] {e.source(), e.target()}));
        m.put(prefix + "/edges", edges);
        g.metadata().forEach((k, v) -> m.put(prefix + "/metadata/" + k, v));
        g.nodes().forEach((name, n) -> {
            String p = prefix + "/nodes/" + name;
            if (n.subgraph() != null) {
                m.putAll(flatten(n.subgraph(), p));
            } else {
                m.put(p + "/type", NirValue.string(n.type()));
                n.params().forEach((k, v) -> m.put(p + "/" + k, v));
                n.metadata().forEach((k, v) -> m.put(p + "/metadata/" + k, v));
            }
        });
        return m;
    }

    static void flat(JsonElement e, List<JsonElement> out) {
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> flat(x, out));
        } else {
            out.add(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void readMatchesJson(Path file) throws IOException {
        NirGraph g = NirReader.read(file);
        JsonObject json = json(file);
        Map<String, JsonObject> ds = datasets(json);
        Map<String, Object> ours = flatten(g, "/node");
        assertEquals(ds.get("/version").get("value").getAsString(), g.version());
        // the whole graph must equal what nir.read gives (node set, types)
        String key = json.keySet().stream().filter(k -> k.startsWith("graph_as_read_back_by_nir.read")).findFirst()
                .orElseThrow();
        JsonObject nodes = json.getAsJsonObject(key).getAsJsonObject("nodes");
        assertEquals(nodes.keySet(), g.nodes().keySet());
        nodes.entrySet().forEach(n -> assertEquals(n.getValue().getAsJsonObject().get("type").getAsString(),
                g.node(n.getKey()).type(), n.getKey()));
        int compared = 0;
        for (var e : ds.entrySet()) {
            JsonObject o = e.getValue();
            String path = e.getKey();
            if (!o.get("kind").getAsString().equals("dataset") || path.equals("/version")) {
                continue;
            }
            Object v = ours.get(path);
            assertNotNull(v, file + ": we have no " + path);
            JsonObject dtype = o.getAsJsonObject("dtype");
            if (path.endsWith("/edges")) {
                @SuppressWarnings("unchecked")
                List<String[]> edges = (List<String[]>) v;
                JsonArray want = o.getAsJsonArray("value");
                assertEquals(want.size(), edges.size(), path);
                for (int i = 0; i < want.size(); i++) {
                    assertEquals(want.get(i).getAsJsonArray().get(0).getAsString(), edges.get(i)[0], path);
                    assertEquals(want.get(i).getAsJsonArray().get(1).getAsString(), edges.get(i)[1], path);
                }
            } else if (dtype.get("class").getAsString().equals("STRING")) {
                assertEquals(o.get("value").getAsString(), ((NirValue) v).string(), path);
            } else {
                NirValue nv = (NirValue) v;
                assertEquals(dtype.get("numpy").getAsString(), nv.dtype(), path);
                JsonArray shape = o.getAsJsonArray("shape");
                long[] s = new long[shape.size()];
                for (int i = 0; i < s.length; i++) {
                    s[i] = shape.get(i).getAsLong();
                }
                assertArrayEquals(s, nv.shape(), path);
                List<JsonElement> vals = new ArrayList<>();
                flat(o.get("value"), vals);
                double[] got = nv.doubles();
                assertEquals(vals.size(), got.length, path);
                for (int i = 0; i < got.length; i++) {
                    assertEquals(vals.get(i).getAsDouble(), got[i], 0.0, path + "[" + i + "]");
                }
            }
            compared++;
        }
        // nothing extra on our side, except v_reset filled in for old files (nir.read does the same)
        for (String p : ours.keySet()) {
            if (!ds.containsKey(p)) {
                assertTrue(p.endsWith("/v_reset"), file + ": we have " + p + " which the file lacks");
                // third-party JSONs omit values in the read-back graph: nir.read fills zeros of v_threshold's dtype
                String[] parts = p.substring("/node/nodes/".length()).split("/");
                JsonObject want = json.getAsJsonObject(key).getAsJsonObject("nodes").getAsJsonObject(parts[0])
                        .getAsJsonObject("v_reset");
                NirValue got = (NirValue) ours.get(p);
                assertEquals(want.get("dtype").getAsString(), got.dtype(), p);
                JsonArray shape = want.getAsJsonArray("shape");
                assertEquals(shape.size(), got.rank(), p);
                for (int i = 0; i < shape.size(); i++) {
                    assertEquals(shape.get(i).getAsLong(), got.shape()[i], p);
                }
                if (want.has("values")) {
                    List<JsonElement> vals = new ArrayList<>();
                    flat(want.get("values"), vals);
                    for (int i = 0; i < vals.size(); i++) {
                        assertEquals(vals.get(i).getAsDouble(), got.doubles()[i], 0.0, p);
                    }
                }
                for (double d : got.doubles()) {
                    assertEquals(0.0, d, p);
                }
            }
        }
        assertTrue(compared > 5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void exportHasReferenceLayout(Path file, @TempDir Path tmp) throws IOException {
        NirGraph g = NirReader.read(file);
        Path out = tmp.resolve("out.nir");
        NirWriter.write(out, g);
        NirGraph back = NirReader.read(out);
        assertEquals(g, back, "round trip through our writer");
        assertEquals(g.version(), back.version());
        Map<String, NirLayout.Entry> ref = NirLayout.fromJson(json(file));
        Map<String, NirLayout.Entry> ours = NirLayout.of(out);
        // old files lack v_reset; our graph has it filled in, so our export has it too
        ours.keySet().removeIf(p -> p.endsWith("/v_reset") && !ref.containsKey(p));
        assertEquals(ref.keySet(), ours.keySet(), file + ": groups and datasets");
        for (var e : ref.entrySet()) { // identical dtypes (vlen UTF-8 strings included) and shapes
            assertEquals(e.getValue(), ours.get(e.getKey()), e.getKey());
        }
    }
}
