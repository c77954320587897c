package dev.snn4j.train;

import dev.snn4j.nn.Module;
import dev.snn4j.nn.Parameter;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Parameters that share optimizer settings (learning rate, weight decay), like a PyTorch param group. The learning
 * rate set here is the <i>base</i> rate that an {@link LrSchedule} scales.
 *
 * <pre>{@code
 * ParamGroup bn = ParamGroup.of("bn", model, name -> name.contains("bn")).lr(1e-3).weightDecay(0);
 * }</pre>
 */
public final class ParamGroup {
    private final String name;
    private final Map<String, Parameter> params;
    private double lr = 1e-3;
    private Double weightDecay;
    private LrSchedule schedule;

    private ParamGroup(String name, Map<String, Parameter> params) {
        this.name = name;
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** A group of the given parameters, keyed by dotted path; every one must be trainable. */
    public static ParamGroup of(String name, Map<String, Parameter> params) {
        if (params.isEmpty()) {
            throw new IllegalArgumentException("param group '" + name + "' has no parameters");
        }
        params.forEach((k, p) -> {
            if (!p.isTrainable()) {
                throw new IllegalArgumentException("param group '" + name + "': '" + k
                        + "' is a buffer, not a trainable parameter");
            }
        });
        return new ParamGroup(name, params);
    }

    /** The trainable parameters of {@code model} whose dotted name passes {@code filter}. */
    public static ParamGroup of(String name, Module model, Predicate<String> filter) {
        Map<String, Parameter> selected = new LinkedHashMap<>();
        model.trainableParameters().forEach((k, p) -> {
            if (filter.test(k)) {
                selected.put(k, p);
            }
        });
        return of(name, selected);
    }

    /** Every trainable parameter of {@code model}. */
    public static ParamGroup all(Module model) {
        return of("all", model.trainableParameters());
    }

    /** Sets the base learning rate (>= 0, default 1e-3). */
    public ParamGroup lr(double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("param group '" + name + "': lr must be finite and >= 0, got " + value);
        }
        this.lr = value;
        return this;
    }

    /** Sets the weight decay (>= 0); unset means the optimizer's default (0 for Adam, 0.01 for AdamW). */
    public ParamGroup weightDecay(double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("param group '" + name + "': weight decay must be finite and >= 0, got "
                    + value);
        }
        this.weightDecay = value;
        return this;
    }

    /**
     * Gives this group its own learning-rate schedule, overriding the optimizer's (e.g. one-cycle for weights and
     * cosine for DCLS positions in one {@link Adam}: equivalent to two optimizers stepped together, since Adam's
     * state is per parameter and both would count the same steps).
     */
    public ParamGroup schedule(LrSchedule s) {
        this.schedule = s;
        return this;
    }

    /** The group's own schedule, or null to use the optimizer's. */
    public LrSchedule schedule() {
        return schedule;
    }

    public String name() {
        return name;
    }

    /** The base learning rate. */
    public double lr() {
        return lr;
    }

    /** The weight decay, or {@code fallback} if none was set. */
    public double weightDecayOr(double fallback) {
        return weightDecay == null ? fallback : weightDecay;
    }

    /** The parameters, keyed by dotted path. */
    public Map<String, Parameter> parameters() {
        return params;
    }
}
