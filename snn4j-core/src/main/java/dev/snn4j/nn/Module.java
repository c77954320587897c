package dev.snn4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The building block of every network: owns named parameters and child modules, knows whether it is training, and
 * maps a time-major tensor {@code [T, B, ...]} to another.
 *
 * <p>Modules are deliberately close to PyTorch's {@code nn.Module}: parameter names are dotted paths
 * ({@code fc1.weight}) so checkpoints written here can be compared with, or converted from, PyTorch state dicts.
 *
 * <pre>{@code
 * try (NDManager m = NDManager.newBaseManager()) {
 *     Sequential net = new Sequential()
 *             .add("fc1", new Linear(m, 700, 256, true))
 *             .add("lif1", new LifNeuron(2.0));
 *     NDArray spikes = net.forward(input);        // input [T, B, 700] -> spikes [T, B, 256]
 * }
 * }</pre>
 */
public abstract class Module {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;
    private String label;

    /** Maps a time-major input to a time-major output. */
    public abstract NDArray forward(NDArray input);

    /** Registers a trainable parameter under {@code name}; {@code value} must live in a long-lived manager. */
    protected final Parameter addParameter(String name, NDArray value) {
        return register(name, new Parameter(name, value, true));
    }

    /** Registers a non-trainable buffer (checkpointed, not optimised). */
    protected final Parameter addBuffer(String name, NDArray value) {
        return register(name, new Parameter(name, value, false));
    }

    private Parameter register(String name, Parameter p) {
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(describe() + ": name '" + name + "' is already used");
        }
        parameters.put(name, p);
        return p;
    }

    /** Registers a child module; its parameters appear as {@code name.param}. */
    protected final <M extends Module> M addChild(String name, M child) {
        if (parameters.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(describe() + ": name '" + name + "' is already used");
        }
        if (name.contains(".")) {
            throw new IllegalArgumentException(describe() + ": child name '" + name + "' must not contain '.'");
        }
        children.put(name, child);
        Module c = child;
        if (c.label == null) {
            c.label = name;
        }
        return child;
    }

    /** The direct children, in registration order. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** This module's own parameters and buffers (not its children's). */
    public final Map<String, Parameter> localParameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** Every parameter and buffer of this module and its descendants, keyed by dotted path. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    /** Only the trainable parameters, keyed by dotted path. */
    public final Map<String, Parameter> trainableParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        namedParameters().forEach((k, p) -> {
            if (p.isTrainable()) {
                out.put(k, p);
            }
        });
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        parameters.forEach((k, p) -> out.put(prefix + k, p));
        children.forEach((k, c) -> c.collect(prefix + k + ".", out));
    }

    /** Switches training behaviour (dropout, batch-norm statistics) for this module and all descendants. */
    public Module train(boolean on) {
        this.training = on;
        children.values().forEach(c -> c.train(on));
        return this;
    }

    /** Shorthand for {@code train(false)}. */
    public Module eval() {
        return train(false);
    }

    /** Whether this module is in training mode. */
    public boolean isTraining() {
        return training;
    }

    /** Clears any state carried between time steps (membranes, delay lines) here and in every descendant. */
    public void resetState() {
        children.values().forEach(Module::resetState);
    }

    /** Converts every parameter and buffer to {@code type} (FLOAT32 or FLOAT64). */
    public Module to(DataType type) {
        if (type != DataType.FLOAT32 && type != DataType.FLOAT64) {
            throw new IllegalArgumentException(describe() + ": only FLOAT32 and FLOAT64 are supported, got " + type);
        }
        parameters.values().forEach(p -> p.convert(type));
        children.values().forEach(c -> c.to(type));
        return this;
    }

    /** Total number of scalar values in trainable parameters. */
    public long parameterCount() {
        return trainableParameters().values().stream().mapToLong(p -> p.value().size()).sum();
    }

    /** A name used in error messages: the registered child name if any, else the class name. */
    public String describe() {
        return getClass().getSimpleName() + (label == null ? "" : " '" + label + "'");
    }

    /** Sets the label used in messages (done automatically by {@link #addChild}). */
    public Module label(String name) {
        this.label = name;
        return this;
    }

    /** The label used in messages, or null. */
    public String label() {
        return label;
    }

    /** Creates a parameter tensor on {@code manager}, detached from any scope so it survives per-step cleanup. */
    protected static NDArray persistent(NDManager manager, NDArray value) {
        ai.djl.ndarray.NDScope.unregister(value);
        value.attach(manager);
        return value;
    }
}
