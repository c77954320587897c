package dev.snn4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Reads an MNIST-format folder (MNIST, Fashion-MNIST, KMNIST ...): {@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each plain or with
 * a {@code .gz} suffix.
 *
 * <pre>{@code
 * ImageDataset train = MnistLoader.load(Path.of("../shared/data/fashion_mnist"), true);
 * }</pre>
 */
public final class MnistLoader {
    /** Fashion-MNIST's class names, in label order (the files only hold numbers; reports may use these). */
    public static final List<String> FASHION_CLASSES = List.of("t-shirt/top", "trouser", "pullover", "dress", "coat",
            "sandal", "shirt", "sneaker", "bag", "ankle boot");

    private MnistLoader() {
    }

    /** The training ({@code train = true}) or test split under {@code dir}. */
    public static ImageDataset load(Path dir, boolean train) throws IOException {
        String prefix = train ? "train" : "t10k";
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        Idx.Labelled d = Idx.readLabelled(images, labels);
        int[] y = new int[d.count()];
        int classes = 0;
        for (int i = 0; i < y.length; i++) {
            y[i] = d.labels()[i] & 0xff;
            classes = Math.max(classes, y[i] + 1);
        }
        if (classes > 256 || classes < 2) {
            throw new DataFormatException(labels, "labels span " + classes + " classes; expected 2 or more");
        }
        // the files carry no class names; MNIST and its variants have 10 classes
        List<String> names = IntStream.range(0, Math.max(10, classes)).mapToObj(Integer::toString).toList();
        return new ImageDataset(d.images(), y, 1, d.rows(), d.cols(), names);
    }

    private static Path find(Path dir, String base) throws IOException {
        for (String name : new String[] {base + ".gz", base}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        if (!Files.isDirectory(dir)) {
            throw new DataFormatException(dir, "not a directory (expected the four MNIST-format IDX files)");
        }
        throw new DataFormatException(dir.resolve(base), "missing: expected " + base + " or " + base + ".gz in " + dir);
    }
}
