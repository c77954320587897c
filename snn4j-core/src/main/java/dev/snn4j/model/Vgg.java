package dev.snn4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.snn4j.layer.BatchNorm;
import dev.snn4j.layer.Conv2d;
import dev.snn4j.layer.Dropout;
import dev.snn4j.layer.Flatten;
import dev.snn4j.layer.Linear;
import dev.snn4j.layer.MembraneAccumulator;
import dev.snn4j.layer.Pool2d;
import dev.snn4j.layer.Relu;
import dev.snn4j.layer.RepeatTime;
import dev.snn4j.layer.Sequential;
import dev.snn4j.neuron.IirNeuron;
import dev.snn4j.nn.Module;
import dev.snn4j.surrogate.Surrogate;

import java.util.ArrayList;
import java.util.List;

/**
 * A VGG-style classifier in two twins with the same topology and parameter names: the ANN (convolution + batch norm +
 * ReLU) that IIR-SNN starts from, and the SNN (convolution with the batch norm folded in + {@link IirNeuron}) it is
 * converted to.
 *
 * <p>Layout ({@code i} counts convolutions, {@code j} hidden FC layers): {@code conv<i>} [{@code bn<i>}] {@code act<i>}
 * [{@code pool<i>}], then {@code flatten}, {@code fc<j>} {@code act_fc<j>} {@code drop_fc<j>}, {@code classifier},
 * {@code readout}. The SNN has a {@code repeat} layer right after {@code conv1}: its input is the same analog image at
 * every step (direct encoding), so the first convolution runs once and its output is repeated over T.
 *
 * <p>Input is one frame, {@code [B, C, H, W]} (or {@code [1, B, C, H, W]}); output is logits {@code [B, classes]}: for
 * the SNN the non-spiking accumulator {@code sum_t W s_t} of the classifier.
 *
 * <pre>{@code
 * Vgg ann = Vgg.ann(manager, VggConfig.small28(10));
 * Vgg snn = Vgg.snn(manager, VggConfig.small28(10), new PiecewiseLinear(0.3), 5);
 * Conversion.foldBatchNorm(ann, snn);
 * }</pre>
 */
public final class Vgg extends Sequential {
    private final VggConfig config;
    private final boolean spiking;
    private final RepeatTime repeat;

    private Vgg(VggConfig config, boolean spiking, int steps) {
        this.config = config;
        this.spiking = spiking;
        this.repeat = spiking ? new RepeatTime(steps) : null;
    }

    /** The ANN twin: conv-BN-ReLU blocks, average pooling, ReLU classifier with dropout. */
    public static Vgg ann(NDManager manager, VggConfig cfg) {
        Vgg net = new Vgg(cfg, false, 1);
        net.build(manager, null);
        return net;
    }

    /**
     * The SNN twin with IIR neurons (leak 1, threshold 1 until {@link Conversion#setThresholdsFromPercentile} sets
     * them) and {@code steps} time steps.
     */
    public static Vgg snn(NDManager manager, VggConfig cfg, Surrogate surrogate, int steps) {
        Vgg net = new Vgg(cfg, true, steps);
        net.build(manager, surrogate);
        return net;
    }

    private void build(NDManager m, Surrogate surrogate) {
        int c = config.inChannels();
        int conv = 0;
        for (String f : config.features()) {
            if (f.equals("A")) {
                add("pool" + conv, Pool2d.average(2));
                continue;
            }
            int out = Integer.parseInt(f);
            conv++;
            // the SNN keeps a bias: it receives the folded batch-norm shift
            add("conv" + conv, new Conv2d(m, c, out, 3, 1, 1, spiking));
            if (spiking) {
                if (conv == 1) {
                    add("repeat", repeat);
                }
                add("act" + conv, new IirNeuron(m, 1.0, 1.0, surrogate));
            } else {
                add("bn" + conv, new BatchNorm(m, out));
                add("act" + conv, new Relu());
            }
            c = out;
        }
        add("flatten", new Flatten());
        int in = config.finalChannels() * config.finalSize() * config.finalSize();
        for (int j = 1; j <= config.hidden().length; j++) {
            int h = config.hidden()[j - 1];
            add("fc" + j, new Linear(m, in, h, false));
            add("act_fc" + j, spiking ? new IirNeuron(m, 1.0, 1.0, surrogate) : new Relu());
            add("drop_fc" + j, new Dropout(config.dropout()));
            in = h;
        }
        add("classifier", new Linear(m, in, config.classes(), false));
        add("readout", MembraneAccumulator.sum());
    }

    @Override
    public NDArray forward(NDArray input) {
        int rank = input.getShape().dimension();
        if (rank == 4) {
            return super.forward(input.expandDims(0));
        }
        if (rank != 5 || input.getShape().get(0) != 1) {
            throw new IllegalArgumentException(describe() + " (" + config.name() + "): expected images [B, "
                    + config.inChannels() + ", " + config.imageSize() + ", " + config.imageSize() + "] but got "
                    + input.getShape());
        }
        return super.forward(input);
    }

    /** Sets the number of time steps of the SNN (the IIR-SNN schedule: 5, 4, 3, 2, 1). */
    public Vgg timeSteps(int t) {
        if (!spiking) {
            throw new IllegalStateException(describe() + ": the ANN twin has no time steps");
        }
        repeat.setSteps(t);
        return this;
    }

    /** Current number of time steps (1 for the ANN). */
    public int timeSteps() {
        return spiking ? repeat.steps() : 1;
    }

    public VggConfig config() {
        return config;
    }

    public boolean isSpiking() {
        return spiking;
    }

    /** The spiking neurons in forward order, with their names (empty for the ANN). */
    public List<String> neuronNames() {
        List<String> out = new ArrayList<>();
        children().forEach((k, v) -> {
            if (v instanceof IirNeuron) {
                out.add(k);
            }
        });
        return out;
    }

    /** The weight layers (convolutions and linear layers) in forward order, by name. */
    public List<String> weightLayerNames() {
        List<String> out = new ArrayList<>();
        children().forEach((k, v) -> {
            if (v instanceof Conv2d || v instanceof Linear) {
                out.add(k);
            }
        });
        return out;
    }

    /** The child called {@code name}. */
    public Module layer(String name) {
        Module m = children().get(name);
        if (m == null) {
            throw new IllegalArgumentException(describe() + ": no layer '" + name + "'; layers are "
                    + children().keySet());
        }
        return m;
    }
}
