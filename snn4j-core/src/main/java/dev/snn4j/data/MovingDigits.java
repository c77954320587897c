package dev.snn4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Random;

/**
 * Moving-digits videos, generated with the standard Moving-MNIST procedure (Srivastava, Mansimov and Salakhutdinov,
 * 2015): each clip places {@code digits} 28x28 images from an MNIST-format source (MNIST or Fashion-MNIST IDX files,
 * read with {@link Idx}) at a random position of a {@code canvas x canvas} frame, gives each a random direction, and
 * moves it by {@code step * (canvas - 28)} pixels per frame, bouncing off the edges (position in [0, 1], reflected
 * velocity); overlapping digits combine by maximum, pixels scaled to [0, 1].
 *
 * <p>Clips are generated on demand and deterministically from {@code (seed, index)}, so a data set of any size costs
 * no memory. The label is the class of the first digit ({@link Label#CLASS}), or class and the quadrant of its
 * initial direction ({@link Label#CLASS_AND_DIRECTION}: {@code class * 4 + q}, q = 0 right, 1 down, 2 left, 3 up in
 * image coordinates), which needs the motion, not one frame, to be told apart.
 *
 * <pre>{@code
 * Idx.Labelled fm = Idx.readLabelled(dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"));
 * MovingDigits train = new MovingDigits(fm, 5000, MovingDigits.Config.standard(10, 7));
 * NDArray x = train.batch(manager, new int[] {0, 1, 2});   // [10, 3, 1, 64, 64]
 * int y0 = train.label(0);
 * }</pre>
 */
public final class MovingDigits {
    /** What a clip's label is. */
    public enum Label { CLASS, CLASS_AND_DIRECTION }

    /**
     * Generator settings.
     *
     * @param canvas frame width and height (64 in Moving-MNIST)
     * @param frames frames per clip
     * @param digits digits per clip (the label follows the first)
     * @param step   distance per frame as a fraction of {@code canvas - 28} (0.1 in Moving-MNIST)
     */
    public record Config(int canvas, int frames, int digits, double step, Label label, long seed) {
        public Config {
            if (canvas < DIGIT || frames < 1 || digits < 1 || !(step >= 0) || label == null) {
                throw new IllegalArgumentException("MovingDigits.Config: need canvas >= 28, frames >= 1, digits >= 1, "
                        + "step >= 0 and a label kind; got canvas=" + canvas + " frames=" + frames + " digits="
                        + digits + " step=" + step + " label=" + label);
            }
        }

        /** Moving-MNIST's settings: 64x64, one digit (the original has two), step 0.1, class label. */
        public static Config standard(int frames, long seed) {
            return new Config(64, frames, 1, 0.1, Label.CLASS, seed);
        }
    }

    private static final int DIGIT = 28;
    private final Idx.Labelled source;
    private final int count;
    private final Config cfg;
    private final int classes;

    /** {@code count} clips built from {@code source} (images must be 28x28). */
    public MovingDigits(Idx.Labelled source, int count, Config cfg) {
        if (source.rows() != DIGIT || source.cols() != DIGIT) {
            throw new IllegalArgumentException("MovingDigits: source images must be 28x28, got " + source.rows() + "x"
                    + source.cols());
        }
        if (count < 1 || source.count() < 1) {
            throw new IllegalArgumentException("MovingDigits: need count >= 1 and a non-empty source");
        }
        this.source = source;
        this.count = count;
        this.cfg = cfg;
        int max = 0;
        for (byte b : source.labels()) {
            max = Math.max(max, b & 0xff);
        }
        this.classes = (max + 1) * (cfg.label() == Label.CLASS ? 1 : 4);
    }

    /** Number of clips. */
    public int size() {
        return count;
    }

    /** Number of label values. */
    public int classes() {
        return classes;
    }

    public Config config() {
        return cfg;
    }

    private record Plan(int[] images, int[][] ys, int[][] xs, int label) {
    }

    private Plan plan(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("clip " + index + " of " + count);
        }
        Random r = new Random(cfg.seed() * 1_000_003L + index);
        int span = cfg.canvas() - DIGIT;
        int[] images = new int[cfg.digits()];
        int[][] ys = new int[cfg.digits()][cfg.frames()];
        int[][] xs = new int[cfg.digits()][cfg.frames()];
        int label = 0;
        for (int d = 0; d < cfg.digits(); d++) {
            images[d] = r.nextInt(source.count());
            double y = r.nextDouble();
            double x = r.nextDouble();
            double theta = r.nextDouble() * 2 * Math.PI;
            double vy = Math.sin(theta);
            double vx = Math.cos(theta);
            if (d == 0) {
                int cls = source.labels()[images[0]] & 0xff;
                int quadrant = (int) Math.floor((theta + Math.PI / 4) / (Math.PI / 2)) % 4;
                label = cfg.label() == Label.CLASS ? cls : cls * 4 + quadrant;
            }
            for (int f = 0; f < cfg.frames(); f++) {
                // as in the reference generator: move, then reflect at the walls, then record
                y += vy * cfg.step();
                x += vx * cfg.step();
                if (x <= 0) {
                    x = 0;
                    vx = -vx;
                }
                if (x >= 1) {
                    x = 1;
                    vx = -vx;
                }
                if (y <= 0) {
                    y = 0;
                    vy = -vy;
                }
                if (y >= 1) {
                    y = 1;
                    vy = -vy;
                }
                ys[d][f] = (int) (span * y);
                xs[d][f] = (int) (span * x);
            }
        }
        return new Plan(images, ys, xs, label);
    }

    /** The label of clip {@code index}. */
    public int label(int index) {
        return plan(index).label();
    }

    /** Writes clip {@code index} as {@code [T][S][S]} floats into {@code out} at {@code offset}, frame stride given. */
    private void render(int index, float[] out, long offset, long frameStride) {
        Plan p = plan(index);
        int s = cfg.canvas();
        byte[] px = source.images();
        for (int f = 0; f < cfg.frames(); f++) {
            long base = offset + f * frameStride;
            for (int d = 0; d < cfg.digits(); d++) {
                int img = p.images()[d] * DIGIT * DIGIT;
                int y0 = p.ys()[d][f];
                int x0 = p.xs()[d][f];
                for (int r = 0; r < DIGIT; r++) {
                    for (int c = 0; c < DIGIT; c++) {
                        float v = (px[img + r * DIGIT + c] & 0xff) / 255f;
                        int o = (int) (base + (long) (y0 + r) * s + x0 + c);
                        if (v > out[o]) {
                            out[o] = v;
                        }
                    }
                }
            }
        }
    }

    /** Clip {@code index} as {@code [T][S*S]} floats in [0, 1]. */
    public float[] clip(int index) {
        int s = cfg.canvas();
        float[] out = new float[cfg.frames() * s * s];
        render(index, out, 0, (long) s * s);
        return out;
    }

    /** The clips {@code indices} as a time-major float32 batch {@code [T, B, 1, S, S]}. */
    public NDArray batch(NDManager manager, int[] indices) {
        int s = cfg.canvas();
        int b = indices.length;
        long plane = (long) s * s;
        float[] out = new float[(int) (cfg.frames() * b * plane)];
        for (int j = 0; j < b; j++) {
            render(indices[j], out, j * plane, b * plane);
        }
        return manager.create(out, new Shape(cfg.frames(), b, 1, s, s));
    }

    /** Labels of {@code indices} as an int32 array {@code [B]}. */
    public NDArray labels(NDManager manager, int[] indices) {
        int[] y = new int[indices.length];
        for (int j = 0; j < y.length; j++) {
            y[j] = label(indices[j]);
        }
        return manager.create(y);
    }
}
