package dev.snn4j.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Random;

/**
 * Turns an {@link ImageDataset} into normalised float batches {@code [B, C, H, W]} with labels, in a shuffled order
 * fixed by (seed, epoch) so a resumed run sees the same batches; optional CIFAR-style augmentation (random crop with
 * zero padding, horizontal flip).
 *
 * <pre>{@code
 * ImageBatches batches = new ImageBatches(train, stats[0], stats[1]).augment(4, true);
 * for (int b = 0; b < batches.batchCount(64); b++) {
 *     ImageBatches.Batch batch = batches.batch(manager, epochOrder, b, 64, random);
 * }
 * }</pre>
 */
public final class ImageBatches {
    private final ImageDataset data;
    private final float[] mean;
    private final float[] std;
    private int cropPadding;
    private boolean flip;

    /** A batch of images and labels. */
    public record Batch(NDArray images, NDArray labels) {
    }

    /** @param mean per-channel mean and {@code std} per-channel deviation of pixel/255 */
    public ImageBatches(ImageDataset data, double[] mean, double[] std) {
        if (mean.length != data.channels() || std.length != data.channels()) {
            throw new IllegalArgumentException("ImageBatches: need " + data.channels() + " channel means and stds, got "
                    + mean.length + " and " + std.length);
        }
        this.data = data;
        this.mean = new float[mean.length];
        this.std = new float[std.length];
        for (int c = 0; c < mean.length; c++) {
            if (!(std[c] > 0)) {
                throw new IllegalArgumentException("ImageBatches: std of channel " + c + " must be > 0, got " + std[c]);
            }
            this.mean[c] = (float) mean[c];
            this.std[c] = (float) std[c];
        }
    }

    /** Random crop after zero-padding by {@code padding} pixels, and random horizontal flips. */
    public ImageBatches augment(int padding, boolean horizontalFlip) {
        if (padding < 0) {
            throw new IllegalArgumentException("ImageBatches: crop padding must be >= 0, got " + padding);
        }
        this.cropPadding = padding;
        this.flip = horizontalFlip;
        return this;
    }

    public ImageDataset data() {
        return data;
    }

    /** The sample order of one epoch: a permutation drawn from {@code seed} and {@code epoch}. */
    public int[] order(long seed, int epoch, boolean shuffle) {
        int[] idx = new int[data.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        if (shuffle) {
            Random r = new Random(seed * 1_000_003L + epoch);
            for (int i = idx.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
        }
        return idx;
    }

    /** Number of batches of size {@code batchSize} (the last may be smaller). */
    public int batchCount(int batchSize) {
        return (data.size() + batchSize - 1) / batchSize;
    }

    /**
     * Batch number {@code b} of an epoch order; augmentation (if on) draws from {@code random}, or none when
     * {@code random} is null.
     */
    public Batch batch(NDManager manager, int[] order, int b, int batchSize, Random random) {
        int from = b * batchSize;
        int to = Math.min(order.length, from + batchSize);
        if (from >= to) {
            throw new IllegalArgumentException("ImageBatches: batch " + b + " is past the end (" + order.length
                    + " samples, batch size " + batchSize + ")");
        }
        int c = data.channels();
        int h = data.height();
        int w = data.width();
        int n = to - from;
        float[] out = new float[n * c * h * w];
        float[] lab = new float[n];
        byte[] px = data.pixels();
        for (int i = 0; i < n; i++) {
            int src = order[from + i];
            lab[i] = data.labels()[src];
            boolean augment = random != null;
            int dy = augment && cropPadding > 0 ? random.nextInt(2 * cropPadding + 1) - cropPadding : 0;
            int dx = augment && cropPadding > 0 ? random.nextInt(2 * cropPadding + 1) - cropPadding : 0;
            boolean mirror = augment && flip && random.nextBoolean();
            for (int ch = 0; ch < c; ch++) {
                int sBase = (src * c + ch) * h * w;
                int dBase = (i * c + ch) * h * w;
                // padded zeros are zero *before* normalisation, as in torchvision's RandomCrop(padding) + Normalize
                float zero = -mean[ch] / std[ch];
                for (int y = 0; y < h; y++) {
                    int sy = y + dy;
                    for (int x = 0; x < w; x++) {
                        int sx = (mirror ? w - 1 - x : x) + dx;
                        float v = sy < 0 || sy >= h || sx < 0 || sx >= w ? zero
                                : ((px[sBase + sy * w + sx] & 0xff) / 255f - mean[ch]) / std[ch];
                        out[dBase + y * w + x] = v;
                    }
                }
            }
        }
        return new Batch(manager.create(out, new Shape(n, c, h, w)), manager.create(lab, new Shape(n)));
    }
}
