package dev.snn4j.data;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads CIFAR-10 in either of its two common layouts:
 * <ul>
 *   <li>the official binary batches: {@code data_batch_1.bin .. data_batch_5.bin} and {@code test_batch.bin}, each a
 *   sequence of 3073-byte records (label byte, then 1024 red, 1024 green, 1024 blue bytes, row-major 32x32);</li>
 *   <li>image folders: {@code <root>/<train|test>/<class>/*.png|jpg}, classes in alphabetical order (which is
 *   CIFAR-10's official order), every image 32x32 (or the size of the first image read; mixed sizes are an error).</li>
 * </ul>
 *
 * <pre>{@code
 * ImageDataset test = CifarLoader.load(Path.of("../shared/data/cifar10_jpg"), CifarLoader.Split.TEST);
 * }</pre>
 */
public final class CifarLoader {
    /** CIFAR-10 class names in label order. */
    public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");
    private static final int SIDE = 32;
    private static final int RECORD = 1 + 3 * SIDE * SIDE;
    /** Most pixels an image file may declare per byte of file (see {@link #readImage}). */
    static final long MAX_PIXELS_PER_BYTE = 8 * 1032;

    /** Which part of the data set. */
    public enum Split { TRAIN, TEST }

    private CifarLoader() {
    }

    /** Detects the layout under {@code root} and reads {@code split}. */
    public static ImageDataset load(Path root, Split split) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new DataFormatException(root, "not a directory (expected CIFAR-10 binary batches or image folders)");
        }
        if (Files.exists(root.resolve("test_batch.bin")) || Files.exists(root.resolve("data_batch_1.bin"))) {
            return readBinary(root, split);
        }
        Path folder = root.resolve(split == Split.TRAIN ? "train" : "test");
        if (Files.isDirectory(folder)) {
            return readFolders(folder);
        }
        throw new DataFormatException(root, "found neither data_batch_N.bin/test_batch.bin nor a '"
                + folder.getFileName() + "/' image folder");
    }

    /** Reads the binary batches of {@code split} under {@code dir}. */
    public static ImageDataset readBinary(Path dir, Split split) throws IOException {
        List<Path> files = new ArrayList<>();
        if (split == Split.TEST) {
            files.add(dir.resolve("test_batch.bin"));
        } else {
            for (int i = 1; i <= 5; i++) {
                files.add(dir.resolve("data_batch_" + i + ".bin"));
            }
        }
        long total = 0;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new DataFormatException(f, "missing CIFAR-10 batch file");
            }
            long size = Files.size(f);
            if (size == 0 || size % RECORD != 0) {
                throw new DataFormatException(f, "size " + size + " bytes is not a positive multiple of the "
                        + RECORD + "-byte record (label + 3x32x32 pixels); the file is truncated or not CIFAR-10");
            }
            total += size / RECORD;
        }
        if (total * (RECORD - 1) > Integer.MAX_VALUE) {
            throw new DataFormatException(dir, total + " images do not fit in memory as one array");
        }
        byte[] pixels = new byte[(int) total * (RECORD - 1)];
        int[] labels = new int[(int) total];
        int n = 0;
        byte[] rec = new byte[RECORD];
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                long records = Files.size(f) / RECORD;
                for (long r = 0; r < records; r++, n++) {
                    if (in.readNBytes(rec, 0, RECORD) != RECORD) {
                        throw new DataFormatException(f, "record " + r + " (byte " + r * RECORD
                                + "): unexpected end of file");
                    }
                    int label = rec[0] & 0xff;
                    if (label >= CLASSES.size()) {
                        throw new DataFormatException(f, "record " + r + " (byte " + r * RECORD + "): label " + label
                                + ", expected 0.." + (CLASSES.size() - 1));
                    }
                    labels[n] = label;
                    System.arraycopy(rec, 1, pixels, n * (RECORD - 1), RECORD - 1);
                }
            }
        }
        return new ImageDataset(pixels, labels, 3, SIDE, SIDE, CLASSES);
    }

    /** Reads {@code <folder>/<class>/*.png|jpg|jpeg}; class index = position in alphabetical order. */
    public static ImageDataset readFolders(Path folder) throws IOException {
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(folder)) {
            classDirs = s.filter(Files::isDirectory).sorted().toList();
        }
        if (classDirs.size() < 2) {
            throw new DataFormatException(folder, "expected one sub-folder per class, found " + classDirs.size());
        }
        List<Path> images = new ArrayList<>();
        List<Integer> labelList = new ArrayList<>();
        for (int c = 0; c < classDirs.size(); c++) {
            try (Stream<Path> s = Files.list(classDirs.get(c))) {
                for (Path p : s.filter(CifarLoader::isImage).sorted().toList()) {
                    images.add(p);
                    labelList.add(c);
                }
            }
        }
        if (images.isEmpty()) {
            throw new DataFormatException(folder, "no .png/.jpg images under the class folders");
        }
        int h = -1;
        int w = -1;
        byte[] pixels = null;
        for (int i = 0; i < images.size(); i++) {
            Path p = images.get(i);
            BufferedImage img = readImage(p);
            if (pixels == null) {
                h = img.getHeight();
                w = img.getWidth();
                if ((long) images.size() * 3 * h * w > Integer.MAX_VALUE) {
                    throw new DataFormatException(folder, images.size() + " images of " + w + "x" + h
                            + " do not fit in memory as one array");
                }
                pixels = new byte[images.size() * 3 * h * w];
            } else if (img.getHeight() != h || img.getWidth() != w) {
                throw new DataFormatException(p, "image is " + img.getWidth() + "x" + img.getHeight()
                        + " but the first image (" + images.get(0) + ") is " + w + "x" + h
                        + "; all images must have the same size");
            }
            int base = i * 3 * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb = img.getRGB(x, y);
                    int o = y * w + x;
                    pixels[base + o] = (byte) (rgb >> 16);
                    pixels[base + h * w + o] = (byte) (rgb >> 8);
                    pixels[base + 2 * h * w + o] = (byte) rgb;
                }
            }
        }
        int[] labels = labelList.stream().mapToInt(Integer::intValue).toArray();
        List<String> names = classDirs.stream().map(d -> d.getFileName().toString()).toList();
        return new ImageDataset(pixels, labels, 3, h, w, names);
    }

    /**
     * Decodes one image after checking the size its header declares: ImageIO allocates the whole raster from the
     * header before reading any pixel data, so a 73-byte PNG claiming 20000x20000 pixels made it allocate 1.2 GB.
     * No PNG or JPEG holds more than {@value #MAX_PIXELS_PER_BYTE} pixels per file byte (deflate's 1032:1 limit on
     * 1-bit pixels; JPEG needs several bits per 8x8 block).
     */
    static BufferedImage readImage(Path p) throws IOException {
        long size = Files.size(p);
        try (ImageInputStream in = ImageIO.createImageInputStream(p.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new DataFormatException(p, "not a readable PNG/JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w < 1 || h < 1 || w * h > MAX_PIXELS_PER_BYTE * size) {
                    throw new DataFormatException(p, "header declares " + w + "x" + h + " pixels, more than a " + size
                            + "-byte image can hold (at most " + MAX_PIXELS_PER_BYTE + " pixels per byte)");
                }
                BufferedImage img = reader.read(0);
                if (img == null) {
                    throw new DataFormatException(p, "not a readable PNG/JPEG image");
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (DataFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DataFormatException(p, "unreadable image: " + e.getMessage(), e);
        }
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase();
        return Files.isRegularFile(p) && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
    }
}
