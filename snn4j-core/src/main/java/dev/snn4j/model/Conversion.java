package dev.snn4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.snn4j.layer.BatchNorm;
import dev.snn4j.layer.Conv2d;
import dev.snn4j.layer.Linear;
import dev.snn4j.neuron.IirNeuron;
import dev.snn4j.nn.Module;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ANN-to-SNN conversion steps of the IIR-SNN pipeline: fold batch norm into the convolutions, then set each spiking
 * layer's threshold from the distribution of its input current.
 *
 * <pre>{@code
 * Conversion.foldBatchNorm(ann, snn);
 * Map<String, Double> thresholds = Conversion.setThresholdsFromPercentile(snn, sampleImages, 0.90);
 * }</pre>
 */
public final class Conversion {
    /** Above this many values the percentile is taken on an evenly strided subsample (memory, not accuracy). */
    private static final int MAX_PERCENTILE_VALUES = 4_000_000;

    private Conversion() {
    }

    /**
     * Copies the ANN's weights into the SNN, folding each batch norm into the convolution before it:
     * {@code W' = W gamma / sqrt(var + eps)}, {@code b' = beta - mean gamma / sqrt(var + eps)}. Linear layers are
     * copied as they are.
     */
    public static void foldBatchNorm(Vgg ann, Vgg snn) {
        if (ann.isSpiking() || !snn.isSpiking() || !ann.config().equals(snn.config())) {
            throw new IllegalArgumentException("foldBatchNorm: expected an ANN and an SNN of the same configuration");
        }
        try (NDScope ignored = new NDScope()) {
            for (String name : ann.weightLayerNames()) {
                Module a = ann.layer(name);
                Module s = snn.layer(name);
                if (a instanceof Linear la) {
                    ((Linear) s).weight().copyFrom(la.weight().value().stopGradient());
                    continue;
                }
                Conv2d ca = (Conv2d) a;
                Conv2d cs = (Conv2d) s;
                BatchNorm bn = (BatchNorm) ann.layer("bn" + name.substring("conv".length()));
                NDArray var = bn.runningVar().value();
                NDArray scale = bn.gamma().value().stopGradient()
                        .div(var.add(var.getManager().create((float) bn.eps())).sqrt());
                NDArray w = ca.weight().value().stopGradient().mul(scale.reshape(-1, 1, 1, 1));
                NDArray b = bn.beta().value().stopGradient().sub(bn.runningMean().value().mul(scale));
                if (ca.bias() != null) {
                    b = b.add(ca.bias().value().stopGradient().mul(scale));
                }
                cs.weight().copyFrom(w);
                cs.bias().copyFrom(b);
            }
        }
    }

    /**
     * Sets the threshold of every spiking layer to the {@code percentile} (e.g. 0.90) of its input current over
     * {@code images}, layer by layer: layer l's current is measured with layers before it already converted, so
     * each threshold sees the spikes the converted net really produces. The net runs in evaluation mode at its
     * current number of time steps.
     *
     * @return the thresholds set, by neuron name
     */
    public static Map<String, Double> setThresholdsFromPercentile(Vgg snn, NDArray images, double percentile) {
        if (!(percentile > 0 && percentile < 1)) {
            throw new IllegalArgumentException("percentile must be in (0, 1), got " + percentile);
        }
        boolean wasTraining = snn.isTraining();
        snn.eval();
        Map<String, Double> out = new LinkedHashMap<>();
        try (NDScope ignored = new NDScope()) {
            NDArray x = images.getShape().dimension() == 4 ? images.expandDims(0) : images;
            for (Map.Entry<String, Module> e : snn.children().entrySet()) {
                if (e.getValue() instanceof IirNeuron n) {
                    double t = percentile(x, percentile);
                    if (!(t > 0)) {
                        // a layer whose current is mostly negative: fall back to the largest positive current
                        t = Math.max(x.max().toType(DataType.FLOAT64, false).getDouble(), 1e-3);
                    }
                    n.thresholdParameter().copyFrom(x.getManager().create((float) t));
                    out.put(e.getKey(), t);
                }
                x = e.getValue().forward(x);
            }
        } finally {
            snn.resetState();
            snn.train(wasTraining);
        }
        return out;
    }

    /** The {@code q}-quantile of all values of {@code x} (nearest rank). */
    static double percentile(NDArray x, double q) {
        float[] v = x.toType(DataType.FLOAT32, false).toFloatArray();
        if (v.length > MAX_PERCENTILE_VALUES) {
            int stride = (v.length + MAX_PERCENTILE_VALUES - 1) / MAX_PERCENTILE_VALUES;
            float[] s = new float[(v.length + stride - 1) / stride];
            for (int i = 0, j = 0; i < v.length; i += stride, j++) {
                s[j] = v[i];
            }
            v = s;
        }
        Arrays.sort(v);
        int idx = (int) Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1));
        return v[idx];
    }
}
