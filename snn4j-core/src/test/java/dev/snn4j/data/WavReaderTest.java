package dev.snn4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class WavReaderTest {
    static final Path FSDD = Path.of("../../shared/data/fsdd/recordings").toAbsolutePath().normalize();
    static final Path FSDD_ABS = Path.of("/work/shared/data/fsdd/recordings");

    /** Little-endian byte builder for hand-made RIFF files. */
    static final class Bytes {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes tag(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Bytes u16(int v) {
            out.write(v & 0xff);
            out.write((v >> 8) & 0xff);
            return this;
        }

        Bytes u32(long v) {
            u16((int) (v & 0xffff));
            return u16((int) ((v >> 16) & 0xffff));
        }

        Bytes raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        byte[] get() {
            return out.toByteArray();
        }
    }

    static byte[] fmt(int code, int channels, int rate, int bits) {
        int align = channels * bits / 8;
        return new Bytes().tag("fmt ").u32(16).u16(code).u16(channels).u32(rate).u32((long) rate * align).u16(align)
                .u16(bits).get();
    }

    static byte[] fmtExtensible(int subCode, int channels, int rate, int bits) {
        int align = channels * bits / 8;
        return new Bytes().tag("fmt ").u32(40).u16(0xFFFE).u16(channels).u32(rate).u32((long) rate * align)
                .u16(align).u16(bits).u16(22).u16(bits).u32(channels == 1 ? 4 : 3).u16(subCode)
                .raw(new byte[] {0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71})
                .get();
    }

    static byte[] chunk(String id, byte[] body) {
        Bytes b = new Bytes().tag(id).u32(body.length).raw(body);
        if ((body.length & 1) == 1) {
            b.raw(new byte[1]);
        }
        return b.get();
    }

    static byte[] riff(byte[]... chunks) {
        Bytes body = new Bytes().tag("WAVE");
        for (byte[] c : chunks) {
            body.raw(c);
        }
        byte[] b = body.get();
        return new Bytes().tag("RIFF").u32(b.length).raw(b).get();
    }

    static Path write(Path dir, String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    static byte[] le16(int... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putShort((short) x);
        }
        return b.array();
    }

    static byte[] le32f(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    @Test
    void pcm16Pcm8FloatAndExtensible(@TempDir Path dir) throws Exception {
        Audio a = WavReader.read(write(dir, "p16.wav", riff(fmt(1, 1, 8000, 16),
                chunk("data", le16(0, 16384, -32768, 32767)))));
        assertEquals(8000, a.sampleRate());
        assertArrayEquals(new float[] {0f, 0.5f, -1f, 32767f / 32768f}, a.samples());

        // odd-sized LIST chunk (pad byte) before fmt, odd-sized PCM8 data
        Audio b = WavReader.read(write(dir, "p8.wav", riff(chunk("LIST", new byte[] {1, 2, 3}),
                fmt(1, 1, 11025, 8), chunk("data", new byte[] {(byte) 128, (byte) 255, 0}))));
        assertEquals(11025, b.sampleRate());
        assertArrayEquals(new float[] {0f, 127f / 128f, -1f}, b.samples());

        // stereo float: first channel only
        Audio c = WavReader.read(write(dir, "f32.wav", riff(fmt(3, 2, 44100, 32),
                chunk("data", le32f(0.25f, 9f, -0.75f, 9f)))));
        assertArrayEquals(new float[] {0.25f, -0.75f}, c.samples());

        Audio d = WavReader.read(write(dir, "ext16.wav", riff(fmtExtensible(1, 1, 16000, 16),
                chunk("fact", new byte[4]), chunk("data", le16(-16384, 8192)))));
        assertEquals(16000, d.sampleRate());
        assertArrayEquals(new float[] {-0.5f, 0.25f}, d.samples());

        Audio e = WavReader.read(write(dir, "extf.wav", riff(fmtExtensible(3, 1, 48000, 32),
                chunk("data", le32f(0.125f)))));
        assertArrayEquals(new float[] {0.125f}, e.samples());
    }

    @Test
    void writerRoundTrip(@TempDir Path dir) throws Exception {
        float[] s = {0f, 0.5f, -0.5f, 1f, -1f, 0.001f};
        Path p = dir.resolve("rt.wav");
        WavWriter.writePcm16(p, new Audio(s, 22050));
        Audio a = WavReader.read(p);
        assertEquals(22050, a.sampleRate());
        for (int i = 0; i < s.length; i++) {
            assertEquals(s[i], a.samples()[i], 1.0 / 32767);
        }
    }

    static DataFormatException bad(Path dir, String name, byte[] content) throws IOException {
        Path p = write(dir, name, content);
        DataFormatException e = assertThrows(DataFormatException.class, () -> WavReader.read(p));
        assertTrue(e.getMessage().contains(name), e.getMessage());
        return e;
    }

    @Test
    void typedErrors(@TempDir Path dir) throws Exception {
        byte[] data = chunk("data", le16(1, 2));
        assertTrue(bad(dir, "notriff.wav", new Bytes().tag("RIFX").u32(4).tag("WAVE").get()).getMessage()
                .contains("not a RIFF"));
        assertTrue(bad(dir, "tiny.wav", new byte[] {'R', 'I'}).getMessage().contains("not a RIFF"));
        assertTrue(bad(dir, "avi.wav", new Bytes().tag("RIFF").u32(4).tag("AVI ").get()).getMessage()
                .contains("not a WAVE"));
        DataFormatException e = bad(dir, "nofmt.wav", riff(data));
        assertEquals("fmt chunk", e.field());
        assertTrue(e.getMessage().contains("missing"));
        e = bad(dir, "nodata.wav", riff(fmt(1, 1, 8000, 16)));
        assertEquals("data chunk", e.field());
        assertTrue(e.getMessage().contains("missing"));
        e = bad(dir, "adpcm.wav", riff(fmt(2, 1, 8000, 4), data));
        assertTrue(e.getMessage().contains("0x2") && e.getMessage().contains("Microsoft ADPCM"), e.getMessage());
        e = bad(dir, "extadpcm.wav", riff(fmtExtensible(0x11, 1, 8000, 16), data));
        assertTrue(e.getMessage().contains("IMA ADPCM") && e.getMessage().contains("EXTENSIBLE"), e.getMessage());
        // data chunk declares 1000 bytes, 4 present
        byte[] trunc = new Bytes().tag("data").u32(1000).raw(le16(1, 2)).get();
        e = bad(dir, "trunc.wav", riff(fmt(1, 1, 8000, 16), trunc));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("1000"), e.getMessage());
        // absurd size: 4 GB declared in a tiny file; must fail before allocating
        byte[] huge = new Bytes().tag("data").u32(0xFFFFFFF0L).raw(le16(1)).get();
        e = bad(dir, "huge.wav", riff(fmt(1, 1, 8000, 16), huge));
        assertTrue(e.getMessage().contains("4294967280"), e.getMessage());
        e = bad(dir, "bigfmt.wav", riff(new Bytes().tag("fmt ").u32(0x7FFFFFF0L).get()));
        assertTrue(e.getMessage().contains("fmt chunk"), e.getMessage());
        e = bad(dir, "biglist.wav", riff(new Bytes().tag("LIST").u32(0x7FFFFFF0L).raw(new byte[8]).get()));
        assertTrue(e.getMessage().contains("'LIST' chunk") && e.getMessage().contains("past the end"),
                e.getMessage());
        e = bad(dir, "bits.wav", riff(fmt(1, 1, 8000, 12), data));
        assertTrue(e.getMessage().contains("12-bit"), e.getMessage());
        e = bad(dir, "partial.wav", riff(fmt(1, 2, 8000, 16), chunk("data", le16(1, 2, 3))));
        assertTrue(e.getMessage().contains("whole number"), e.getMessage());
    }

    static Path fsdd() {
        if (Files.isDirectory(FSDD)) {
            return FSDD;
        }
        return Files.isDirectory(FSDD_ABS) ? FSDD_ABS : null;
    }

    @Test
    void realFsddRecordingsIfPresent() throws Exception {
        Path dir = fsdd();
        assumeTrue(dir != null, "FSDD recordings not found (../shared/data/fsdd/recordings); skipping real-data test");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".wav")).sorted().limit(200).toList();
        }
        assertTrue(files.size() > 0);
        for (Path f : files) {
            Audio a = WavReader.read(f);
            assertEquals(8000, a.sampleRate(), f.toString());
            assertTrue(a.duration() > 0.05 && a.duration() < 3, f + ": " + a.duration());
            double peak = 0;
            for (float v : a.samples()) {
                assertTrue(v >= -1f && v <= 1f);
                peak = Math.max(peak, Math.abs(v));
            }
            assertTrue(peak > 0.01, f + " is silent");
        }
    }
}
