package dev.snn4j.data;

import java.util.List;

/**
 * Images held as unsigned bytes in channel-major layout {@code [N, C, H, W]} with integer labels; a few MB per 10k
 * CIFAR images instead of four times that as floats. {@link ImageBatches} turns it into normalised float batches.
 *
 * <pre>{@code
 * ImageDataset train = CifarLoader.load(dir, CifarLoader.Split.TRAIN);
 * System.out.println(train.size() + " images of " + train.channels() + "x" + train.height() + "x" + train.width());
 * }</pre>
 *
 * @param pixels  {@code N*C*H*W} bytes, values 0..255
 * @param labels  {@code N} labels in {@code [0, classes.size())}
 * @param classes class names, index = label
 */
public record ImageDataset(byte[] pixels, int[] labels, int channels, int height, int width, List<String> classes) {

    public ImageDataset {
        long per = (long) channels * height * width;
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("ImageDataset: image shape must be positive, got " + channels + "x"
                    + height + "x" + width);
        }
        if (pixels.length != per * labels.length) {
            throw new IllegalArgumentException("ImageDataset: " + labels.length + " labels need " + per * labels.length
                    + " pixel bytes, got " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes.size()) {
                throw new IllegalArgumentException("ImageDataset: label " + labels[i] + " of image " + i
                        + " is outside 0.." + (classes.size() - 1));
            }
        }
        classes = List.copyOf(classes);
    }

    /** Number of images. */
    public int size() {
        return labels.length;
    }

    /** Bytes per image. */
    public int imageBytes() {
        return channels * height * width;
    }

    /** The first {@code n} images per class, at most (a stratified subset that keeps the original order). */
    public ImageDataset stratifiedHead(int perClass) {
        int[] taken = new int[classes.size()];
        int count = 0;
        for (int label : labels) {
            if (taken[label] < perClass) {
                taken[label]++;
                count++;
            }
        }
        byte[] px = new byte[count * imageBytes()];
        int[] lb = new int[count];
        java.util.Arrays.fill(taken, 0);
        for (int i = 0, j = 0; i < labels.length; i++) {
            if (taken[labels[i]] < perClass) {
                taken[labels[i]]++;
                System.arraycopy(pixels, i * imageBytes(), px, j * imageBytes(), imageBytes());
                lb[j++] = labels[i];
            }
        }
        return new ImageDataset(px, lb, channels, height, width, classes);
    }

    /** Per-channel mean and standard deviation of the pixel values scaled to [0, 1]. */
    public double[][] channelStats() {
        double[] sum = new double[channels];
        double[] sq = new double[channels];
        int hw = height * width;
        for (int i = 0; i < labels.length; i++) {
            for (int c = 0; c < channels; c++) {
                int base = (i * channels + c) * hw;
                for (int p = 0; p < hw; p++) {
                    double v = (pixels[base + p] & 0xff) / 255.0;
                    sum[c] += v;
                    sq[c] += v * v;
                }
            }
        }
        double n = (double) labels.length * hw;
        double[] mean = new double[channels];
        double[] std = new double[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = sum[c] / n;
            std[c] = Math.sqrt(Math.max(sq[c] / n - mean[c] * mean[c], 1e-12));
        }
        return new double[][] {mean, std};
    }
}
