package dev.snn4j.io.nir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.snn4j.layer.Conv1d;
import dev.snn4j.layer.Conv2d;
import dev.snn4j.layer.Dcls1d;
import dev.snn4j.layer.Flatten;
import dev.snn4j.layer.LeakyReadout;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.Pool2d;
import dev.snn4j.layer.Sequential;
import dev.snn4j.neuron.IfNeuron;
import dev.snn4j.neuron.LifNeuron;
import dev.snn4j.nn.Init;
import dev.snn4j.surrogate.ATan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference library itself reads our files: runs only where {@code /usr/bin/python3} can {@code import nir}
 * (e.g. after {@code pip install nir}, or with {@code PYTHONPATH} pointing at a NIR checkout; PyPI is unreachable on
 * the build machine, so there it is skipped unless such a checkout is given).
 * <ul>
 *   <li>every reference file, read by us and written back: {@code nir.read} gives the same nodes, parameter arrays
 *   (values, dtypes, shapes), edges and metadata as {@code nir.read} of the reference file;</li>
 *   <li>graphs exported from snn4j chains (incl. a learned-delay net) pass {@code nir.read(type_check=True)}, i.e.
 *   nir's own shape inference agrees with the shapes we write.</li>
 * </ul>
 */
class NirPythonReadTest {
    static final String SCRIPT = String.join("\n",
            "import sys, nir, numpy as np",
            "def same(x, y):",
            "    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):",
            "        x, y = np.asarray(x), np.asarray(y)",
            "        return x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y)",
            "    return type(x) == type(y) and x == y",
            "def cmp(a, b, p):",
            "    assert type(a) is type(b), (p, type(a), type(b))",
            "    assert set(a.metadata) == set(b.metadata), (p, a.metadata, b.metadata)",
            "    for k in a.metadata: assert same(a.metadata[k], b.metadata[k]), (p, k, a.metadata[k], b.metadata[k])",
            "    if isinstance(a, nir.NIRGraph):",
            "        assert set(a.nodes) == set(b.nodes), p",
            "        assert [tuple(e) for e in a.edges] == [tuple(e) for e in b.edges], (p, a.edges, b.edges)",
            "        for k in a.nodes: cmp(a.nodes[k], b.nodes[k], p + '/' + k)",
            "        return",
            "    for f in a.__dataclass_fields__:",
            "        if f in ('input_type', 'output_type', 'metadata'): continue",
            "        assert same(getattr(a, f), getattr(b, f)), (p, f, getattr(a, f), getattr(b, f))",
            "def read(path):",
            "    try: return nir.read(path)",
            "    except Exception: return nir.read(path, type_check=False)",
            "mode = sys.argv[1]",
            "for i in range(2, len(sys.argv), 2 if mode == 'compare' else 1):",
            "    if mode == 'compare': cmp(read(sys.argv[i]), read(sys.argv[i + 1]), sys.argv[i])",
            "    else: nir.read(sys.argv[i], type_check=True)",
            "    print('ok', sys.argv[i])",
            "");

    static boolean nirAvailable() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import nir, h5py").redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static String python(Path dir, List<String> args) throws Exception {
        Path script = dir.resolve("check.py");
        Files.writeString(script, SCRIPT);
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", script.toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void nirReadsOurCopiesOfEveryReferenceFileAsTheOriginal(@TempDir Path tmp) throws Exception {
        assumeTrue(nirAvailable(), "python package 'nir' not importable by /usr/bin/python3");
        List<Path> refs = NirReferenceFilesTest.files().toList();
        assumeTrue(!refs.isEmpty(), "no ../shared/formats");
        List<String> args = new ArrayList<>(List.of("compare"));
        int i = 0;
        for (Path ref : refs) {
            Path ours = tmp.resolve((i++) + "_" + ref.getFileName());
            NirWriter.write(ours, NirReader.read(ref));
            args.add(ref.toAbsolutePath().toString());
            args.add(ours.toString());
        }
        String out = python(tmp, args);
        assertEquals(refs.size(), out.lines().filter(l -> l.startsWith("ok ")).count(), out);
    }

    @Test
    void nirTypeChecksOurExports(@TempDir Path tmp) throws Exception {
        assumeTrue(nirAvailable(), "python package 'nir' not importable by /usr/bin/python3");
        Init.seed(3);
        try (NDManager m = NDManager.newBaseManager()) {
            List<Path> files = new ArrayList<>();
            Sequential lif = new Sequential().add("fc1", new Linear(m, 4, 8, true))
                    .add("lif1", LifNeuron.builder().tau(2.5).build()).add("fc2", new Linear(m, 8, 3, false))
                    .add("out", new LeakyReadout(4.0, false));
            Sequential conv = new Sequential().add("conv", new Conv2d(m, 2, 4, 3, 1, 1, true))
                    .add("if", new IfNeuron(new ATan(2.0), 0.5, 0.0, false)).add("pool", Pool2d.average(2))
                    .add("flatten", new Flatten()).add("fc", new Linear(m, 64, 10, true));
            Sequential conv1 = new Sequential().add("conv", new Conv1d(m, 2, 3, 5, 1, 2, false))
                    .add("lif", LifNeuron.builder().build());
            Sequential delays = new Sequential().add("d1", new Dcls1d(m, 3, 6, 2, 7))
                    .add("lif", LifNeuron.builder().decayInput(false).build()).add("d2", new Dcls1d(m, 6, 4, 5))
                    .add("out", new LeakyReadout(5.0, false));
            Object[][] cases = {{lif, new long[] {4}}, {conv, new long[] {2, 8, 8}}, {conv1, new long[] {2, 16}},
                {delays, new long[] {3}}};
            for (Object[] c : cases) {
                Sequential net = (Sequential) c[0];
                net.to(DataType.FLOAT64);
                Path f = tmp.resolve("export" + files.size() + ".nir");
                NirWriter.write(f, NirConverter.export(net, (long[]) c[1], 1e-3));
                files.add(f);
            }
            List<String> args = new ArrayList<>(List.of("typecheck"));
            files.forEach(f -> args.add(f.toString()));
            String out = python(tmp, args);
            assertEquals(files.size(), out.lines().filter(l -> l.startsWith("ok ")).count(), out);
        }
    }
}
