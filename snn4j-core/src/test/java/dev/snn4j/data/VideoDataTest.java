package dev.snn4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MovingDigits on a generated digit source, and VideoFolder on frame folders written by the test. */
class VideoDataTest {
    @TempDir
    Path dir;

    /** 10 synthetic "digits": a filled square of side 4 + class, value 255. */
    private static Idx.Labelled digits() {
        int n = 10;
        byte[] img = new byte[n * 784];
        byte[] lab = new byte[n];
        for (int i = 0; i < n; i++) {
            lab[i] = (byte) i;
            for (int r = 0; r < 4 + i; r++) {
                for (int c = 0; c < 4 + i; c++) {
                    img[i * 784 + (r + 2) * 28 + c + 2] = (byte) 255;
                }
            }
        }
        return new Idx.Labelled(img, lab, n, 28, 28);
    }

    @Test
    void movingDigitsAreDeterministicStayInsideAndMove() {
        MovingDigits md = new MovingDigits(digits(), 50, MovingDigits.Config.standard(8, 3));
        assertEquals(10, md.classes());
        assertArrayEquals(md.clip(7), md.clip(7));
        for (int i = 0; i < 50; i++) {
            float[] c = md.clip(i);
            int side = 4 + md.label(i);
            double[] sums = new double[8];
            for (int f = 0; f < 8; f++) {
                for (int p = 0; p < 4096; p++) {
                    sums[f] += c[f * 4096 + p];
                }
                assertEquals(side * side, sums[f], 1e-3, "clip " + i + " frame " + f + ": the digit stays whole");
            }
            boolean moved = false;
            for (int f = 1; f < 8; f++) {
                moved |= !Arrays.equals(Arrays.copyOfRange(c, 0, 4096), Arrays.copyOfRange(c, f * 4096,
                        (f + 1) * 4096));
            }
            assertTrue(moved, "clip " + i + " moves");
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = md.batch(m, new int[] {3, 4});
            assertEquals(new Shape(8, 2, 1, 64, 64), x.getShape());
            float[] v = x.toFloatArray();
            float[] c4 = md.clip(4);
            for (int f = 0; f < 8; f++) {   // time-major: frame f of sample 1 at (f * 2 + 1) * 4096
                assertArrayEquals(Arrays.copyOfRange(c4, f * 4096, (f + 1) * 4096),
                        Arrays.copyOfRange(v, (f * 2 + 1) * 4096, (f * 2 + 2) * 4096));
            }
        }
        MovingDigits dir4 = new MovingDigits(digits(), 200, new MovingDigits.Config(64, 4, 2, 0.1,
                MovingDigits.Label.CLASS_AND_DIRECTION, 1));
        assertEquals(40, dir4.classes());
        boolean[] seen = new boolean[4];
        for (int i = 0; i < 200; i++) {
            seen[dir4.label(i) % 4] = true;
        }
        assertTrue(seen[0] && seen[1] && seen[2] && seen[3], "all four directions occur");
    }

    private Path frame(Path clip, String name, int w, int h, int value) throws IOException {
        Files.createDirectories(clip);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (value << 16) | ((x * 10) << 8) | y);
            }
        }
        Path p = clip.resolve(name);
        ImageIO.write(img, name.endsWith(".png") ? "png" : "jpg", p.toFile());
        return p;
    }

    private void clip(String cls, String clip, int frames, int w, int h) throws IOException {
        for (int f = 1; f <= frames; f++) {
            frame(dir.resolve(cls).resolve(clip), f + ".png", w, h, 20 * f);
        }
    }

    @Test
    void readsClassesClipsAndFramesInNaturalOrder() throws IOException {
        clip("jump", "c1", 12, 5, 4);
        clip("walk", "c1", 12, 5, 4);
        clip("walk", "c2", 12, 5, 4);
        Files.writeString(dir.resolve("walk").resolve("c2").resolve("notes.txt"), "ignored");
        VideoFolder v = VideoFolder.scan(dir);
        assertEquals(java.util.List.of("jump", "walk"), v.classes());
        assertEquals(3, v.size());
        assertEquals(12, v.frames());
        assertEquals("10.png", v.clip(0).frames().get(9).getFileName().toString());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = v.channels(3).batch(m, new int[] {0, 2});
            assertEquals(new Shape(12, 2, 3, 4, 5), x.getShape());
            float[] a = x.toFloatArray();
            // frame 10 (index 9), sample 1, red channel = 200/255 everywhere
            assertEquals(200 / 255f, a[((9 * 2 + 1) * 3) * 20], 1e-6f);
            assertArrayEquals(new int[] {0, 1}, v.labels(m, new int[] {0, 2}).toIntArray());
        }
    }

    @Test
    void differentLengthsFailByNameUnlessPaddedOrTruncated() throws IOException {
        clip("a", "long", 5, 3, 3);
        clip("a", "short", 3, 3, 3);
        DataFormatException e = assertThrows(DataFormatException.class, () -> VideoFolder.scan(dir));
        assertTrue(e.getMessage().contains("a/short") && e.getMessage().contains("3 frames"), e.getMessage());
        e = assertThrows(DataFormatException.class, () -> VideoFolder.scan(dir, 4,
                VideoFolder.LengthPolicy.TRUNCATE));
        assertTrue(e.getMessage().contains("a/short"), e.getMessage());
        VideoFolder t = VideoFolder.scan(dir, 3, VideoFolder.LengthPolicy.TRUNCATE);
        assertEquals(3, t.clip(0).frames().size());
        VideoFolder p = VideoFolder.scan(dir, 5, VideoFolder.LengthPolicy.PAD_LAST);
        float[] c = p.load(1);   // "short": frames 1..3, then frame 3 twice
        assertEquals(5 * 9, c.length);
        assertArrayEquals(Arrays.copyOfRange(c, 18, 27), Arrays.copyOfRange(c, 36, 45));
        assertFalse(Arrays.equals(Arrays.copyOfRange(c, 0, 9), Arrays.copyOfRange(c, 18, 27)));
    }

    @Test
    void mixedSizesFailByNameUnlessResized() throws IOException {
        clip("a", "ok", 2, 4, 4);
        frame(dir.resolve("b").resolve("odd"), "1.png", 4, 4, 10);
        frame(dir.resolve("b").resolve("odd"), "2.png", 6, 4, 10);
        VideoFolder v = VideoFolder.scan(dir);
        v.load(0);
        DataFormatException e = assertThrows(DataFormatException.class, () -> v.load(1));
        assertTrue(e.getMessage().contains("b/odd") && e.getMessage().contains("2.png")
                && e.getMessage().contains("6x4"), e.getMessage());
        assertEquals(2 * 16, v.size(4, 4, VideoFolder.SizePolicy.RESIZE).load(1).length);
    }

    @Test
    void unreadableFrameFailsByName() throws IOException {
        clip("a", "ok", 2, 4, 4);
        frame(dir.resolve("a").resolve("bad"), "1.jpg", 4, 4, 10);
        byte[] junk = new byte[50];
        new Random(1).nextBytes(junk);
        Files.write(dir.resolve("a").resolve("bad").resolve("2.jpg"), junk);
        VideoFolder v = VideoFolder.scan(dir);
        DataFormatException e = assertThrows(DataFormatException.class, () -> v.load(0));
        assertTrue(e.getMessage().contains("a/bad") && e.getMessage().contains("2.jpg"), e.getMessage());
        assertNotNull(e.field());
        Files.createDirectories(dir.resolve("empty").resolve("clip0"));
        e = assertThrows(DataFormatException.class, () -> VideoFolder.scan(dir));
        assertTrue(e.getMessage().contains("empty/clip0"), e.getMessage());
    }
}
