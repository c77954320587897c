package dev.snn4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The IDX reader on small files written here (no shared data needed). */
class IdxTest {
    @TempDir
    Path dir;

    private static byte[] idx(int type, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.write(new byte[] {0, 0, (byte) type, (byte) dims.length});
        for (int x : dims) {
            d.writeInt(x);
        }
        d.write(data);
        return b.toByteArray();
    }

    private Path write(String name, byte[] bytes, boolean gzip) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream o = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            o.write(bytes);
        }
        return p;
    }

    @Test
    void readsPlainAndGzip() throws IOException {
        byte[] data = {1, 2, 3, 4, 5, 6, (byte) 255, 0, 9, 10, 11, 12};
        for (boolean gz : new boolean[] {false, true}) {
            Idx.Array a = Idx.read(write("a" + gz, idx(0x08, new int[] {3, 2, 2}, data), gz));
            assertArrayEquals(new int[] {3, 2, 2}, a.shape());
            assertArrayEquals(data, a.data());
            assertEquals(4, a.itemSize());
        }
    }

    @Test
    void readsLabelledPairs() throws IOException {
        Path x = write("x.gz", idx(0x08, new int[] {2, 2, 2}, new byte[8]), true);
        Path y = write("y", idx(0x08, new int[] {2}, new byte[] {7, 3}), false);
        Idx.Labelled l = Idx.readLabelled(x, y);
        assertEquals(2, l.count());
        assertEquals(3, l.labels()[1]);
    }

    @Test
    void badMagicNamesFileAndOffset() throws IOException {
        Path p = write("bad", "hello, world".getBytes(), false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.read(p));
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("bad magic"), e.getMessage());
    }

    @Test
    void unsupportedTypeIsRejected() throws IOException {
        Path p = write("float", idx(0x0D, new int[] {1}, new byte[4]), false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.read(p));
        assertTrue(e.getMessage().contains("0x0d"), e.getMessage());
    }

    @Test
    void truncatedDataIsReportedWithOffset() throws IOException {
        byte[] full = idx(0x08, new int[] {4, 5}, new byte[20]);
        Path p = write("short.gz", Arrays.copyOf(full, full.length - 7), true);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.read(p));
        assertEquals(4 + 8 + 13, e.offset());
        assertTrue(e.getMessage().contains("expected 20 bytes") && e.getMessage().contains("found 13"),
                e.getMessage());
    }

    @Test
    void absurdDimensionsAreRejectedBeforeAllocating() throws IOException {
        Path p = write("huge", idx(0x08, new int[] {100000, 100000, 100000}, new byte[0]), false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.read(p));
        assertTrue(e.getMessage().contains("exceed"), e.getMessage());
    }

    @Test
    void trailingBytesAreRejected() throws IOException {
        Path p = write("long", idx(0x08, new int[] {2}, new byte[3]), false);
        assertThrows(IdxFormatException.class, () -> Idx.read(p));
    }

    @Test
    void labelCountMismatchIsReported() throws IOException {
        Path x = write("x", idx(0x08, new int[] {3, 1, 1}, new byte[3]), false);
        Path y = write("y", idx(0x08, new int[] {2}, new byte[2]), false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.readLabelled(x, y));
        assertTrue(e.getMessage().contains("label count 2 does not match the image count 3"), e.getMessage());
    }
}
