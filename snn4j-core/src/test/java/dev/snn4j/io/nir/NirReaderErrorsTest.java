package dev.snn4j.io.nir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.snn4j.data.DataFormatException;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed NIR files give a DataFormatException naming the file and the node / dataset. */
class NirReaderErrorsTest {
    @TempDir
    Path tmp;

    /** A file whose /node graph has nodes "a" (Input [3]) and "b" (filled by {@code b}) and the given edges. */
    Path file(String name, Consumer<WritableGroup> b, String[][] edges) {
        Path f = tmp.resolve(name + ".nir");
        try (WritableHdfFile h = HdfFile.write(f)) {
            h.putDataset("version", "1.0.7");
            WritableGroup node = h.putGroup("node");
            node.putDataset("type", "NIRGraph");
            node.putDataset("edges", edges);
            WritableGroup nodes = node.putGroup("nodes");
            WritableGroup a = nodes.putGroup("a");
            a.putDataset("type", "Input");
            a.putDataset("shape", new long[] {3});
            b.accept(nodes.putGroup("b"));
        }
        return f;
    }

    static final String[][] AB = {{"a", "b"}};

    DataFormatException fails(Path f, String field, String... words) {
        DataFormatException e = assertThrows(DataFormatException.class, () -> NirReader.read(f));
        assertEquals(f.toString(), e.file());
        assertEquals(field, e.field(), e.getMessage());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), e.getMessage());
        }
        return e;
    }

    /** Found by ReaderFuzzTest at 5x scale: a node member that is a committed datatype used to be cast to a dataset. */
    @Test
    void aCommittedDatatypeWhereAParameterBelongsIsATypedError() throws Exception {
        Path f = Path.of(NirReaderErrorsTest.class.getResource("/fuzz/nir-committed-datatype-param.nir").toURI());
        DataFormatException e = assertThrows(DataFormatException.class, () -> NirReader.read(f));
        assertTrue(e.getMessage().contains("expected a dataset but found"), e.getMessage());
    }

    @Test
    void aValidFileReads() throws Exception {
        Path f = file("ok", b -> {
            b.putDataset("type", "Output");
            b.putDataset("shape", new long[] {3});
        }, AB);
        assertEquals("Output", NirReader.read(f).node("b").type());
    }

    @Test
    void missingType() {
        fails(file("notype", b -> b.putDataset("shape", new long[] {3}), AB), "/node/nodes/b/type", "missing");
    }

    @Test
    void unknownTypeIsAnError() {
        fails(file("unknown", b -> b.putDataset("type", "Banana"), AB), "/node/nodes/b/type", "Banana");
    }

    @Test
    void missingParameter() {
        fails(file("noweight", b -> {
            b.putDataset("type", "Affine");
            b.putDataset("bias", new double[] {1, 2});
        }, AB), "/node/nodes/b/weight", "no 'weight'");
    }

    @Test
    void unexpectedParameter() {
        fails(file("extra", b -> {
            b.putDataset("type", "Linear");
            b.putDataset("weight", new double[][] {{1, 2, 3}});
            b.putDataset("gain", 2.0);
        }, AB), "/node/nodes/b/gain", "unexpected");
    }

    @Test
    void wrongShapes() {
        fails(file("bias", b -> {
            b.putDataset("type", "Affine");
            b.putDataset("weight", new double[][] {{1, 2, 3}, {4, 5, 6}});
            b.putDataset("bias", new double[] {1, 2, 3});
        }, AB), "/node/nodes/b/bias", "[2]", "[3]");
        fails(file("lif", b -> {
            b.putDataset("type", "LIF");
            b.putDataset("tau", new double[] {1, 1, 1});
            b.putDataset("r", new double[] {1, 1, 1, 1});
            b.putDataset("v_leak", new double[] {0, 0, 0});
            b.putDataset("v_threshold", new double[] {1, 1, 1});
        }, AB), "/node/nodes/b/r", "[4]", "[3]");
        fails(file("weight1d", b -> {
            b.putDataset("type", "Linear");
            b.putDataset("weight", new double[] {1, 2});
        }, AB), "/node/nodes/b/weight", "rank 2");
        fails(file("strpad", b -> {
            b.putDataset("type", "Conv1d");
            b.putDataset("weight", new float[][][] {{{1, 2, 3}}});
            b.putDataset("bias", new float[] {0});
            b.putDataset("stride", 1L);
            b.putDataset("padding", "full");
            b.putDataset("dilation", 1L);
            b.putDataset("groups", 1L);
        }, AB), "/node/nodes/b/padding", "same");
    }

    @Test
    void edgesNamingMissingNodes() {
        fails(file("edge", b -> {
            b.putDataset("type", "Output");
            b.putDataset("shape", new long[] {3});
        }, new String[][] {{"a", "b"}, {"b", "c"}}), "/node/edges", "'c'", "edge 1");
        fails(file("edge3", b -> {
            b.putDataset("type", "Output");
            b.putDataset("shape", new long[] {3});
        }, new String[][] {{"a", "b", "a"}}), "/node/edges", "(E, 2)");
    }

    @Test
    void notANirFile() throws Exception {
        Path junk = tmp.resolve("junk.nir");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        DataFormatException e = assertThrows(DataFormatException.class, () -> NirReader.read(junk));
        assertEquals(junk.toString(), e.file());
        Path noNode = tmp.resolve("nonode.nir");
        try (WritableHdfFile h = HdfFile.write(noNode)) {
            h.putDataset("version", "1.0.7");
        }
        fails(noNode, "/node", "missing");
    }
}
