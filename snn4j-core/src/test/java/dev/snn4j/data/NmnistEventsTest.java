package dev.snn4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NmnistEventsTest {
    /** The data folder as the project checkout sees it ({@code ../shared/data}), else the absolute path. */
    static final Path REAL = Files.isDirectory(Path.of("../../shared/data/nmnist_small"))
            ? Path.of("../../shared/data/nmnist_small") : Path.of("/work/shared/data/nmnist_small");

    static byte[] event(int x, int y, int p, int t) {
        return new byte[] {(byte) x, (byte) y, (byte) ((p << 7) | (t >> 16 & 0x7f)), (byte) (t >> 8), (byte) t};
    }

    static Path file(Path dir, String name, byte[]... events) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] e : events) {
            out.writeBytes(e);
        }
        Path p = dir.resolve(name);
        Files.write(p, out.toByteArray());
        return p;
    }

    @Test
    void decodesBigEndianEventsAndBins(@TempDir Path dir) throws Exception {
        Path f = file(dir, "1.bs2", event(0, 0, 1, 0), event(33, 5, 0, 0x7fffff), event(3, 4, 1, 1000),
                event(3, 4, 1, 1500), event(3, 4, 0, 70000));
        NmnistEvents ev = NmnistEvents.read(f);
        assertEquals(5, ev.size());
        assertArrayEquals(new int[] {0, 0x7fffff, 1000, 1500, 70000}, ev.t());
        assertArrayEquals(new byte[] {1, 0, 1, 1, 0}, ev.polarity());
        assertArrayEquals(new byte[] {0, 33, 3, 3, 3}, ev.x());
        assertArrayEquals(new byte[] {0, 5, 4, 4, 4}, ev.y());
        assertEquals(0x7fffff, ev.lastTimestamp());

        float[][][][] byWidth = ev.framesByWidth(1000, 3, false); // 3 ms: drops the 70 ms and 8.4 s events
        assertEquals(3, byWidth.length);
        assertEquals(1f, byWidth[0][1][0][0]);
        assertEquals(2f, byWidth[1][1][4][3]); // [frame][polarity][y][x]
        assertEquals(1f, ev.framesByWidth(1000, 3, true)[1][1][4][3]);
        assertEquals(0x7fffff / 1000 + 1, ev.framesByWidth(1000, 0, false).length);

        float[][][][] byCount = ev.framesByCount(2, false);
        assertEquals(4f, sum(byCount[0]));
        assertEquals(1f, byCount[1][0][5][33]); // the last event lands in the last frame
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray one = NmnistEvents.toNDArray(m, byCount);
            assertEquals(new Shape(2, 2, 34, 34), one.getShape());
            NDArray x = NmnistEvents.toNDArray(m, List.of(byCount, byCount));
            assertEquals(new Shape(2, 2, 2, 34, 34), x.getShape());
            assertEquals(1f, x.getFloat(1, 1, 0, 5, 33));
            assertEquals(2f, x.getFloat(0, 0, 1, 4, 3));
        }
    }

    static float sum(float[][][] frame) {
        float s = 0;
        for (float[][] p : frame) {
            for (float[] r : p) {
                for (float v : r) {
                    s += v;
                }
            }
        }
        return s;
    }

    @Test
    void badFilesNameTheFile(@TempDir Path dir) throws Exception {
        Path odd = dir.resolve("odd.bs2");
        Files.write(odd, new byte[] {1, 2, 3, 4, 5, 6, 7});
        DataFormatException e = assertThrows(DataFormatException.class, () -> NmnistEvents.read(odd));
        assertTrue(e.getMessage().contains("odd.bs2") && e.getMessage().contains("not a multiple of 5"),
                e.getMessage());
        Path off = file(dir, "off.bs2", event(1, 1, 0, 5), event(34, 2, 0, 6));
        e = assertThrows(DataFormatException.class, () -> NmnistEvents.read(off));
        assertEquals("event 1", e.field());
        Path labels = dir.resolve("labels.txt");
        Files.writeString(labels, "#sample #class\n1\t5\nfoo bar\n");
        e = assertThrows(DataFormatException.class, () -> NmnistEvents.readLabels(labels));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    }

    @Test
    void realFileIfPresent() throws Exception {
        assumeTrue(Files.isRegularFile(REAL.resolve("1.bs2")) && Files.isRegularFile(REAL.resolve("train1K.txt")),
                "N-MNIST subset not found at " + REAL + "; skipping real-data test");
        Map<Integer, Integer> labels = NmnistEvents.readLabels(REAL.resolve("train1K.txt"));
        assertEquals(1000, labels.size());
        assertEquals(5, labels.get(1));
        NmnistEvents ev = NmnistEvents.read(REAL.resolve("1.bs2"));
        assertEquals(Files.size(REAL.resolve("1.bs2")) / 5, ev.size());
        for (int i = 1; i < ev.size(); i++) {
            assertTrue(ev.t()[i] >= ev.t()[i - 1], "timestamps ascending");
        }
        assertTrue(ev.lastTimestamp() > 250_000 && ev.lastTimestamp() < 400_000, "about 300 ms of saccades");
        float[][][][] frames = ev.framesByCount(10, false);
        float total = 0;
        for (float[][][] f : frames) {
            total += sum(f);
        }
        assertEquals(ev.size(), total, 0.0);
        assertEquals(100, NmnistEvents.readLabels(REAL.resolve("test100.txt")).size());
    }
}
