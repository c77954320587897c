package dev.snn4j.model;

import java.util.List;

/**
 * The shape of a VGG-style network: a list of feature tokens and the hidden widths of the classifier.
 *
 * <p>Feature tokens: a number is a 3x3 convolution (stride 1, padding 1) with that many output channels; {@code "A"}
 * is 2x2 average pooling. The classifier is {@code Flatten -> [Linear -> act -> Dropout] x hidden -> Linear}, all
 * linear layers without bias, as in IIR-SNN.
 *
 * <pre>{@code
 * VggConfig cfg = VggConfig.vgg16(3, 32, 10);   // CIFAR-10
 * VggConfig small = VggConfig.small28(10);      // Fashion-MNIST
 * }</pre>
 *
 * @param name       a label for reports
 * @param inChannels input image channels
 * @param imageSize  input height = width
 * @param features   feature tokens (numbers and "A")
 * @param hidden     hidden widths of the classifier
 * @param classes    number of classes
 * @param dropout    dropout probability after each hidden activation (and after each conv block in the SNN)
 */
public record VggConfig(String name, int inChannels, int imageSize, List<String> features, int[] hidden,
                        int classes, double dropout) {

    public VggConfig {
        if (inChannels <= 0 || imageSize <= 0 || classes <= 1) {
            throw new IllegalArgumentException("VggConfig " + name + ": need inChannels > 0, imageSize > 0, classes > 1");
        }
        if (features.isEmpty() || !features.get(0).matches("\\d+")) {
            throw new IllegalArgumentException("VggConfig " + name + ": features must start with a convolution, got "
                    + features);
        }
        int size = imageSize;
        for (String f : features) {
            if (f.equals("A")) {
                if (size < 2) {
                    throw new IllegalArgumentException("VggConfig " + name + ": too many pooling layers for "
                            + imageSize + "x" + imageSize + " input");
                }
                size /= 2;
            } else if (!f.matches("\\d+") || Integer.parseInt(f) <= 0) {
                throw new IllegalArgumentException("VggConfig " + name + ": bad feature token '" + f
                        + "' (expected a channel count or \"A\")");
            }
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("VggConfig " + name + ": dropout must be in [0, 1), got " + dropout);
        }
        hidden = hidden.clone();
    }

    /** Spatial size after all pooling layers. */
    public int finalSize() {
        int size = imageSize;
        for (String f : features) {
            if (f.equals("A")) {
                size /= 2;
            }
        }
        return size;
    }

    /** Channels of the last convolution. */
    public int finalChannels() {
        int c = inChannels;
        for (String f : features) {
            if (!f.equals("A")) {
                c = Integer.parseInt(f);
            }
        }
        return c;
    }

    /** A small VGG-style CNN for 28x28 grey images: 64-A-128-A-256-A, FC 1024. */
    public static VggConfig small28(int classes) {
        return new VggConfig("vgg-small28", 1, 28, List.of("64", "A", "128", "A", "256", "A"), new int[] {1024},
                classes, 0.2);
    }

    /** VGG5 as in DIET-SNN / IIR-SNN: 64-A-128-128-A, FC 1024-1024. */
    public static VggConfig vgg5(int inChannels, int imageSize, int classes) {
        return new VggConfig("vgg5", inChannels, imageSize, List.of("64", "A", "128", "128", "A"),
                new int[] {1024, 1024}, classes, 0.2);
    }

    /** VGG11: 64-A-128-A-256-256-A-512-512-A-512-512, FC 4096-4096. */
    public static VggConfig vgg11(int inChannels, int imageSize, int classes) {
        return new VggConfig("vgg11", inChannels, imageSize,
                List.of("64", "A", "128", "A", "256", "256", "A", "512", "512", "A", "512", "512"),
                new int[] {4096, 4096}, classes, 0.2);
    }

    /** VGG16: 64-64-A-128-128-A-256x3-A-512x3-A-512x3, FC 4096-4096. */
    public static VggConfig vgg16(int inChannels, int imageSize, int classes) {
        return new VggConfig("vgg16", inChannels, imageSize,
                List.of("64", "64", "A", "128", "128", "A", "256", "256", "256", "A", "512", "512", "512", "A",
                        "512", "512", "512"),
                new int[] {4096, 4096}, classes, 0.2);
    }

    /** Scales every width (channels and hidden units) by {@code factor}, for quick runs on small machines. */
    public VggConfig scaled(double factor, String newName) {
        List<String> f = features.stream()
                .map(t -> t.equals("A") ? t : Integer.toString(Math.max(1, (int) Math.round(Integer.parseInt(t) * factor))))
                .toList();
        int[] h = java.util.Arrays.stream(hidden).map(w -> Math.max(1, (int) Math.round(w * factor))).toArray();
        return new VggConfig(newName, inChannels, imageSize, f, h, classes, dropout);
    }
}
