package dev.snn4j.data;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class CifarLoaderTest {

    static byte[] record(int label, int seed) {
        byte[] r = new byte[3073];
        r[0] = (byte) label;
        new Random(seed).nextBytes(Arrays.copyOfRange(r, 1, 3073));
        for (int i = 1; i < r.length; i++) {
            r[i] = (byte) (i * 7 + seed);
        }
        return r;
    }

    static void writeBatch(Path file, int... labels) throws IOException {
        byte[] all = new byte[labels.length * 3073];
        for (int i = 0; i < labels.length; i++) {
            System.arraycopy(record(labels[i], i), 0, all, i * 3073, 3073);
        }
        Files.write(file, all);
    }

    @Test
    void readsBinaryBatches(@TempDir Path dir) throws IOException {
        writeBatch(dir.resolve("test_batch.bin"), 3, 9, 0);
        ImageDataset d = CifarLoader.load(dir, CifarLoader.Split.TEST);
        assertEquals(3, d.size());
        assertArrayEquals(new int[] {3, 9, 0}, d.labels());
        assertEquals("cat", d.classes().get(3));
        byte[] r1 = record(9, 1);
        assertArrayEquals(Arrays.copyOfRange(r1, 1, 3073), Arrays.copyOfRange(d.pixels(), 3072, 6144));
    }

    @Test
    void truncatedOrMislabelledBatchesNameFileAndRecord(@TempDir Path dir) throws IOException {
        writeBatch(dir.resolve("test_batch.bin"), 1, 2);
        Path f = dir.resolve("test_batch.bin");
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length - 10));
        DataFormatException e = assertThrows(DataFormatException.class, () -> CifarLoader.load(dir,
                CifarLoader.Split.TEST));
        assertTrue(e.getMessage().contains("test_batch.bin") && e.getMessage().contains("3073"), e.getMessage());

        b[3073] = (byte) 200;
        Files.write(f, b);
        e = assertThrows(DataFormatException.class, () -> CifarLoader.load(dir, CifarLoader.Split.TEST));
        assertTrue(e.getMessage().contains("record 1") && e.getMessage().contains("label 200"), e.getMessage());

        e = assertThrows(DataFormatException.class, () -> CifarLoader.load(dir, CifarLoader.Split.TRAIN));
        assertTrue(e.getMessage().contains("data_batch_1.bin"), e.getMessage());
    }

    static void png(Path file, int w, int h, int rgb) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, x == 0 ? 0x000000 : rgb);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void readsImageFoldersInAlphabeticalClassOrder(@TempDir Path dir) throws IOException {
        png(dir.resolve("train/cat/1.png"), 4, 3, 0x102030);
        png(dir.resolve("train/airplane/1.png"), 4, 3, 0x405060);
        png(dir.resolve("train/airplane/2.png"), 4, 3, 0x708090);
        ImageDataset d = CifarLoader.load(dir, CifarLoader.Split.TRAIN);
        assertEquals(java.util.List.of("airplane", "cat"), d.classes());
        assertArrayEquals(new int[] {0, 0, 1}, d.labels());
        assertEquals(3, d.channels());
        assertEquals(3, d.height());
        assertEquals(4, d.width());
        // image 2 (cat), red plane, pixel (1, 0): 0x10
        assertEquals(0x10, d.pixels()[2 * 36 + 1] & 0xff);
        // green plane of image 0 at x=2: 0x50; x=0 is black
        assertEquals(0x50, d.pixels()[12 + 2] & 0xff);
        assertEquals(0, d.pixels()[12] & 0xff);
    }

    @Test
    void mixedSizesAndUnreadableImagesNameTheFile(@TempDir Path dir) throws IOException {
        png(dir.resolve("test/a/1.png"), 4, 4, 1);
        png(dir.resolve("test/b/1.png"), 5, 4, 1);
        DataFormatException e = assertThrows(DataFormatException.class, () -> CifarLoader.load(dir,
                CifarLoader.Split.TEST));
        assertTrue(e.getMessage().contains("b/1.png") && e.getMessage().contains("5x4"), e.getMessage());

        Files.write(dir.resolve("test/b/1.png"), new byte[] {1, 2, 3});
        e = assertThrows(DataFormatException.class, () -> CifarLoader.load(dir, CifarLoader.Split.TEST));
        assertTrue(e.getMessage().contains("b/1.png"), e.getMessage());

        e = assertThrows(DataFormatException.class, () -> CifarLoader.load(dir.resolve("nope"),
                CifarLoader.Split.TEST));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void batchesNormaliseFlipAndCrop() {
        // one 1x2x3 image: values 0, 51, 102 / 153, 204, 255
        byte[] px = {0, 51, 102, (byte) 153, (byte) 204, (byte) 255};
        ImageDataset d = new ImageDataset(px, new int[] {1}, 1, 2, 3, java.util.List.of("a", "b"));
        ImageBatches plain = new ImageBatches(d, new double[] {0.5}, new double[] {0.5});
        try (NDManager m = NDManager.newBaseManager()) {
            float[] v = plain.batch(m, new int[] {0}, 0, 1, null).images().toFloatArray();
            assertArrayEquals(new float[] {-1f, -0.6f, -0.2f, 0.2f, 0.6f, 1f}, v, 1e-6f);
            assertEquals(1f, plain.batch(m, new int[] {0}, 0, 1, null).labels().getFloat(0));

            // flip always, no crop: rows reversed left-right
            ImageBatches flip = new ImageBatches(d, new double[] {0.5}, new double[] {0.5}).augment(0, true);
            Random alwaysFlip = new Random() {
                @Override
                public boolean nextBoolean() {
                    return true;
                }
            };
            float[] f = flip.batch(m, new int[] {0}, 0, 1, alwaysFlip).images().toFloatArray();
            assertArrayEquals(new float[] {-0.2f, -0.6f, -1f, 1f, 0.6f, 0.2f}, f, 1e-6f);
        }
    }

    @Test
    void realCifarJpegSubsetIfPresent() throws IOException {
        Path root = Path.of("../../shared/data/cifar10_jpg");
        Assumptions.assumeTrue(Files.isDirectory(root), "shared CIFAR-10 JPEG subset not present; skipping");
        ImageDataset test = CifarLoader.load(root, CifarLoader.Split.TEST);
        assertEquals(10000, test.size());
        assertEquals(CifarLoader.CLASSES, test.classes());
        assertEquals(32, test.height());
    }

    /** A 73-byte PNG whose (checksummed) header claims 20000x20000 pixels made ImageIO allocate 1.2 GB. */
    @Test
    void anImageHeaderClaimingMorePixelsThanTheFileCanHoldIsRejectedBeforeDecoding(@TempDir Path root)
            throws IOException {
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "png", png);
        byte[] ok = png.toByteArray();
        byte[] big = ok.clone();
        java.nio.ByteBuffer.wrap(big).putInt(16, 20000).putInt(20, 20000);
        dev.snn4j.fuzz.ReaderFuzzTestAccess.fixPngCrcs(big);
        Path test = root.resolve("test");
        Files.createDirectories(test.resolve("a"));
        Files.createDirectories(test.resolve("b"));
        Files.write(test.resolve("a/x.png"), big);
        Files.write(test.resolve("b/y.png"), ok);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        DataFormatException e = assertThrows(DataFormatException.class, () -> CifarLoader.readFolders(test));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(e.getMessage().contains("x.png") && e.getMessage().contains("declares 20000x20000 pixels"),
                e.getMessage());
        assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes");
    }
}
