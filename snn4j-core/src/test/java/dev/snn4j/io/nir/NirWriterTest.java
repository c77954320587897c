package dev.snn4j.io.nir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Our writer's files: round trip, h5dump, and h5py read the way {@code nir.read} does. */
class NirWriterTest {

    /** A graph using every node type, a nested graph, metadata of every kind and a string padding. */
    static NirGraph everything() {
        NirGraph sub = new NirGraph()
                .add("in", NirTypes.input(3))
                .add("li", new NirNode("LI").param("tau", NirValue.float64(new double[] {0.01, 0.02, 0.03}, 3))
                        .param("r", NirValue.float64(new double[] {1, 1, 1}, 3))
                        .param("v_leak", NirValue.float64(new double[] {0, 0, 0}, 3)))
                .add("out", NirTypes.output(3))
                .connect("in", "li").connect("li", "out");
        sub.metadata().put("role", NirValue.string("readout"));
        double[] w = {0.5, -1.25, 2, 0.125, 1e-3, 3};
        NirGraph g = new NirGraph()
                .add("input", NirTypes.input(1, 2, 2))
                .add("conv", new NirNode("Conv2d").param("weight", NirValue.float32(new double[] {1, 2, 3, 4}, 1, 1, 2, 2))
                        .param("bias", NirValue.float32(new double[] {0.5}, 1))
                        .param("stride", NirValue.int64(new long[] {1, 1}, 2))
                        .param("padding", NirValue.string("same"))
                        .param("dilation", NirValue.int64(new long[] {1, 1}, 2))
                        .param("groups", NirValue.scalar(1L))
                        .param("input_shape", NirValue.int64(new long[] {2, 2}, 2)))
                .add("pool", new NirNode("SumPool2d").param("kernel_size", NirValue.int64(new long[] {2, 2}, 2))
                        .param("stride", NirValue.int64(new long[] {2, 2}, 2))
                        .param("padding", NirValue.int64(new long[] {0, 0}, 2)))
                .add("flat", new NirNode("Flatten").param("start_dim", NirValue.scalar(0L))
                        .param("end_dim", NirValue.scalar(-1L)).param("input_type", NirValue.int64(new long[] {1, 1, 1}, 3)))
                .add("fc", NirTypes.affine(NirValue.float64(new double[] {w[0], w[1], w[2]}, 3, 1),
                        NirValue.float64(new double[] {0, 0.1, 0.2}, 3)))
                .add("delay", NirTypes.delay(NirValue.float64(new double[] {0, 0.001, 0.002}, 3)))
                .add("lif", new NirNode("LIF").param("tau", NirValue.float64(new double[] {0.02, 0.02, 0.02}, 3))
                        .param("r", NirValue.float64(new double[] {1, 1, 1}, 3))
                        .param("v_leak", NirValue.float64(new double[] {0, 0, 0}, 3))
                        .param("v_threshold", NirValue.float64(new double[] {1, 1, 1}, 3))
                        .param("v_reset", NirValue.float64(new double[] {0, 0, 0}, 3))
                        .meta("comment", NirValue.string("ünïcode ok")))
                .add("sub", NirNode.of(sub))
                .add("output", NirTypes.output(3))
                .connect("input", "conv").connect("conv", "pool").connect("pool", "flat").connect("flat", "fc")
                .connect("fc", "delay").connect("delay", "lif").connect("lif", "sub").connect("sub", "output");
        g.metadata().put("dt", NirValue.scalar(1e-3));
        g.metadata().put("n_steps", NirValue.scalar(100L));
        g.metadata().put("tags", NirValue.integer("<i4", new long[] {1, 2, 3}, 3));
        g.metadata().put("nested/key", NirValue.string("value"));
        return g;
    }

    @Test
    void roundTripKeepsEverything(@TempDir Path tmp) throws IOException {
        NirGraph g = everything();
        Path f = tmp.resolve("g.nir");
        NirWriter.write(f, g);
        NirGraph back = NirReader.read(f);
        assertEquals(g, back);
        assertEquals(NirWriter.DEFAULT_VERSION, back.version());
        NirWriter.write(f, back.version("9.9"));
        assertEquals("9.9", NirReader.read(f).version());
    }

    @Test
    void writerRejectsInvalidNodes(@TempDir Path tmp) {
        NirGraph g = new NirGraph().add("x", new NirNode("Affine").param("weight", NirValue.float64(new double[] {1}, 1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NirWriter.write(tmp.resolve("x.nir"), g));
        assertTrue(e.getMessage().contains("/nodes/x/bias"), e.getMessage());
    }

    static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    static boolean works(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void h5dumpReadsOurFiles(@TempDir Path tmp) throws Exception {
        assumeTrue(works("h5dump", "--version"), "h5dump not installed (apt-get install hdf5-tools)");
        Path f = tmp.resolve("g.nir");
        NirWriter.write(f, everything());
        String header = run(tmp, "h5dump", "-H", f.toString());
        assertTrue(header.contains("DATASET \"edges\""), header);
        assertTrue(header.contains("DATASPACE  SIMPLE { ( 8, 2 ) / ( 8, 2 ) }"), header);
        assertTrue(header.contains("CSET H5T_CSET_UTF8"), header);
        assertTrue(header.contains("H5T_IEEE_F32LE") && header.contains("H5T_STD_I64LE")
                && header.contains("H5T_STD_I32LE") && header.contains("H5T_IEEE_F64LE"), header);
        String full = run(tmp, "h5dump", "-d", "/node/nodes/lif/metadata/comment", f.toString());
        // a vlen UTF-8 string as nir.write stores it; h5dump prints non-ASCII bytes as (sign-extended) octal escapes
        assertTrue(full.contains("STRSIZE H5T_VARIABLE;") && full.contains("CSET H5T_CSET_UTF8;")
                && full.contains("DATASPACE  SCALAR") && full.contains("code ok\""), full);
    }

    /**
     * Each reference file, read and written back by us: {@code h5dump -H} of our file is line for line the
     * reference's {@code X.h5dump.txt} (variable-length strings included), except, for old files
     * without {@code v_reset}, the v_reset datasets we fill in (as {@code nir.read} does).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.snn4j.io.nir.NirReferenceFilesTest#files")
    void h5dumpHeaderMatchesTheReference(Path ref, @TempDir Path tmp) throws Exception {
        assumeTrue(works("h5dump", "--version"), "h5dump not installed (apt-get install hdf5-tools)");
        Path f = tmp.resolve(ref.getFileName());
        NirWriter.write(f, NirReader.read(ref));
        String ours = run(tmp, "h5dump", "-H", f.getFileName().toString());
        String want = Files.readString(ref.resolveSibling(ref.getFileName().toString().replace(".nir", ".h5dump.txt")));
        String normOurs = ours.strip();
        if (normOurs.contains("\"v_reset\"") && !want.contains("\"v_reset\"")) {
            normOurs = normOurs.replaceAll("(?s) *DATASET \"v_reset\" \\{\n.*?DATASPACE[^\n]*\n *}\n", "");
        }
        assertEquals(want.strip(), normOurs);
    }

    /**
     * nir v1.0.7 writes uncompressed contiguous datasets, as we do: there {@code h5dump -H -p} of our copy (storage
     * layout and size, filters, fill value and allocation time included) equals the reference's, except the offsets.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("releaseFiles")
    void h5dumpStorageMatchesTheV107Release(Path ref, @TempDir Path tmp) throws Exception {
        assumeTrue(works("h5dump", "--version"), "h5dump not installed (apt-get install hdf5-tools)");
        Path f = tmp.resolve(ref.getFileName());
        NirWriter.write(f, NirReader.read(ref));
        String ours = run(tmp, "h5dump", "-H", "-p", f.getFileName().toString());
        String want = Files.readString(ref.resolveSibling(ref.getFileName().toString().replace(".nir", ".h5dump-p.txt")));
        assertEquals(withoutOffsets(want), withoutOffsets(ours));
    }

    static java.util.stream.Stream<Path> releaseFiles() throws IOException {
        return NirReferenceFilesTest.files().filter(p -> p.getParent().getFileName().toString()
                .equals("nir_v1.0.7_release"));
    }

    private static String withoutOffsets(String h5dump) {
        return h5dump.lines().filter(l -> !l.trim().startsWith("OFFSET ")).collect(java.util.stream.Collectors
                .joining("\n")).strip();
    }

    /**
     * The reference library cannot be installed here (PyPI is unreachable), so this reads our file with h5py the way
     * {@code nir.read} does: main's {@code hdf2dict} ({@code ds[()]}, bytes decoded as UTF-8) and v1.0.7's
     * {@code read_node} ({@code node["type"][()] == b"LIF"}, edges decoded per element).
     */
    @Test
    void h5pyReadsOurFilesLikeNir(@TempDir Path tmp) throws Exception {
        assumeTrue(works("/usr/bin/python3", "-c", "import h5py"), "h5py not available for /usr/bin/python3");
        Path f = tmp.resolve("g.nir");
        NirGraph g = everything();
        NirWriter.write(f, g);
        Path script = tmp.resolve("read.py");
        Files.writeString(script, String.join("\n",
                "import sys, h5py, numpy as np",
                "def b2s(a): return a.decode('utf8') if isinstance(a, bytes) else a",
                "def hdf2dict(node):",
                "    ret = {}",
                "    for k, item in node.items():",
                "        ret[k] = hdf2dict(item) if isinstance(item, h5py.Group) else b2s(item[()])",
                "    return ret",
                "def show(d, p):",
                "    for k, v in d.items():",
                "        if isinstance(v, dict): show(v, p + '/' + k)",
                "        elif isinstance(v, str): print(p + '/' + k, 'str', v, sep='\\t')",
                "        elif k == 'edges': print(p + '/' + k, 'edges', ';'.join(a.decode('utf8') + '>' + b.decode('utf8') for a, b in v), sep='\\t')",
                "        else:",
                "            a = np.asarray(v)",
                "            print(p + '/' + k, a.dtype.str, list(a.shape), repr(a.ravel().tolist()), sep='\\t')",
                "with h5py.File(sys.argv[1], 'r') as f:",
                "    assert f['node/nodes/lif/type'][()] == b'LIF'",  // v1.0.7's read_node test
                "    assert f['version'][()].decode('utf8') == '1.0.7'",  // read_version
                "    show(hdf2dict(f['node']), '/node')",
                ""));
        String out = run(tmp, "/usr/bin/python3", script.toString(), f.toString());
        Map<String, String[]> rows = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] c = line.split("\t");
            rows.put(c[0], c);
        }
        assertEquals("LIF", rows.get("/node/nodes/lif/type")[2]);
        assertEquals("same", rows.get("/node/nodes/conv/padding")[2]);
        assertEquals("ünïcode ok", rows.get("/node/nodes/lif/metadata/comment")[2]);
        assertEquals("NIRGraph", rows.get("/node/nodes/sub/type")[2]);
        assertEquals("value", rows.get("/node/metadata/nested/key")[2]);
        List<String> edges = new ArrayList<>();
        g.edges().forEach(e -> edges.add(e.source() + ">" + e.target()));
        assertEquals(String.join(";", edges), rows.get("/node/edges")[2]);
        assertEquals("in>li;li>out", rows.get("/node/nodes/sub/edges")[2]);
        assertEquals("<f4", rows.get("/node/nodes/conv/weight")[1]);
        assertEquals("[1, 1, 2, 2]", rows.get("/node/nodes/conv/weight")[2]);
        assertEquals("[1.0, 2.0, 3.0, 4.0]", rows.get("/node/nodes/conv/weight")[3]);
        assertEquals("<i8", rows.get("/node/nodes/conv/groups")[1]);
        assertEquals("[]", rows.get("/node/nodes/conv/groups")[2]);
        assertEquals("<f8", rows.get("/node/metadata/dt")[1]);
        assertEquals("[0.001]", rows.get("/node/metadata/dt")[3]);
        assertEquals("<i4", rows.get("/node/metadata/tags")[1]);
        assertEquals("[0.0, 0.001, 0.002]", rows.get("/node/nodes/delay/delay")[3]);
    }
}
