package dev.snn4j.layer;

import ai.djl.ndarray.NDArray;
import dev.snn4j.nn.Module;

/**
 * Modules applied one after another. Children are named, and parameter paths are {@code childName.param}.
 *
 * <pre>{@code
 * Sequential net = new Sequential()
 *         .add("fc1", new Linear(m, 6, 5, true)).add("lif1", LifNeuron.builder().build())
 *         .add("fc2", new Linear(m, 5, 3, true)).add("lif2", LifNeuron.builder().build());
 * }</pre>
 */
public class Sequential extends Module {

    /** Appends {@code module} under {@code name}. */
    public Sequential add(String name, Module module) {
        addChild(name, module);
        return this;
    }

    /** Appends {@code module} under its position as name ("0", "1", ...), like PyTorch's {@code nn.Sequential}. */
    public Sequential add(Module module) {
        return add(Integer.toString(children().size()), module);
    }

    @Override
    public NDArray forward(NDArray input) {
        NDArray x = input;
        for (Module m : children().values()) {
            x = m.forward(x);
        }
        return x;
    }
}
