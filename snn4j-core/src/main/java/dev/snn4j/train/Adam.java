package dev.snn4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.snn4j.nn.Parameter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static dev.snn4j.nn.Tensors.scalar;

/**
 * Adam and AdamW with exactly {@code torch.optim.Adam} / {@code torch.optim.AdamW} semantics (single-tensor path):
 * <pre>
 *   g = grad (+ wd * p for Adam's L2 decay)          p *= 1 - lr * wd   (AdamW's decoupled decay)
 *   m = lerp(m, g, 1 - beta1)      v = beta2 * v + (1 - beta2) * g * g      vmax = max(vmax, v)  (amsgrad)
 *   p -= lr / (1 - beta1^t) * m / (sqrt(v or vmax) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * We do not use DJL's {@code Adam}: it has no amsgrad and does not expose its moments, so a run could not be
 * checkpointed and resumed bit for bit. Here {@link #stateDict} / {@link #loadStateDict} carry every moment and
 * step count, keyed by dotted parameter name.
 *
 * <p>{@link #step()} must be called outside any {@code GradientCollector} and per-batch scope (DESIGN.md pitfall 3):
 * it reads each parameter's gradient, updates the parameter in place, then zeroes the gradient (pitfall 4).
 *
 * <pre>{@code
 * Adam opt = Adam.adamW(ParamGroup.all(model).lr(1e-3).weightDecay(1e-2)).schedule(LrSchedule.cosine(10_000, 0));
 * }</pre>
 */
public final class Adam implements AutoCloseable {
    private static final String[] FIELDS = {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};

    private final boolean decoupled;
    private final List<ParamGroup> groups;
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Moments> state = new LinkedHashMap<>();
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double eps = 1e-8;
    private boolean amsgrad;
    private LrSchedule schedule = LrSchedule.constant();
    private long steps;
    private NDManager manager;

    private static final class Moments {
        long step;
        NDArray expAvg;
        NDArray expAvgSq;
        NDArray maxExpAvgSq;
    }

    private Adam(boolean decoupled, ParamGroup... groups) {
        if (groups.length == 0) {
            throw new IllegalArgumentException(name(decoupled) + ": need at least one param group");
        }
        this.decoupled = decoupled;
        this.groups = List.of(groups);
        for (ParamGroup g : groups) {
            g.parameters().forEach((k, p) -> {
                if (params.put(k, p) != null) {
                    throw new IllegalArgumentException(name(decoupled) + ": parameter '" + k
                            + "' is in more than one param group");
                }
            });
        }
    }

    /** Adam with L2 weight decay added to the gradient (torch.optim.Adam); default weight decay 0. */
    public static Adam adam(ParamGroup... groups) {
        return new Adam(false, groups);
    }

    /** AdamW with decoupled weight decay (torch.optim.AdamW); default weight decay 0.01. */
    public static Adam adamW(ParamGroup... groups) {
        return new Adam(true, groups);
    }

    /** Moment decay rates, each in [0, 1) (default 0.9, 0.999). */
    public Adam betas(double b1, double b2) {
        if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) {
            throw new IllegalArgumentException(name(decoupled) + ": betas must be in [0, 1), got (" + b1 + ", " + b2
                    + ")");
        }
        this.beta1 = b1;
        this.beta2 = b2;
        return this;
    }

    /** Term added to the denominator after the square root (>= 0, default 1e-8). */
    public Adam eps(double e) {
        if (!(e >= 0) || Double.isInfinite(e)) {
            throw new IllegalArgumentException(name(decoupled) + ": eps must be finite and >= 0, got " + e);
        }
        this.eps = e;
        return this;
    }

    /** Use the running maximum of the second moment (torch's {@code amsgrad=True}). */
    public Adam amsgrad(boolean on) {
        if (on != amsgrad && steps > 0) {
            throw new IllegalStateException(name(decoupled) + ": cannot switch amsgrad after the first step");
        }
        this.amsgrad = on;
        return this;
    }

    /** The learning-rate schedule applied to every group's base rate (default constant), unless the group has its own. */
    public Adam schedule(LrSchedule s) {
        if (s == null) {
            throw new IllegalArgumentException(name(decoupled) + ": schedule must not be null");
        }
        this.schedule = s;
        return this;
    }

    /** The learning rate the next {@link #step()} uses for {@code group} (its own schedule if set, else this one's). */
    public double currentLr(ParamGroup group) {
        LrSchedule s = group.schedule() != null ? group.schedule() : schedule;
        return s.lr(group.lr(), steps);
    }

    /** One update of every parameter from its gradient, then zeroes the gradients. */
    public void step() {
        try (NDScope ignored = new NDScope()) {
            for (ParamGroup group : groups) {
                double lr = currentLr(group);
                double wd = group.weightDecayOr(decoupled ? 1e-2 : 0.0);
                group.parameters().forEach((name, p) -> update(name, p.value(), lr, wd));
            }
        }
        steps++;
    }

    private void update(String name, NDArray p, double lr, double wd) {
        NDArray grad = p.getGradient(); // a new handle; the enclosing scope closes it
        Moments s = state.computeIfAbsent(name, k -> {
            Moments m = new Moments();
            m.expAvg = keep(p.zerosLike());
            m.expAvgSq = keep(p.zerosLike());
            m.maxExpAvgSq = amsgrad ? keep(p.zerosLike()) : null;
            return m;
        });
        NDArray g = grad;
        if (wd != 0) {
            if (decoupled) {
                p.muli(scalar(p, 1 - lr * wd));
            } else {
                g = grad.add(p.mul(scalar(p, wd)));
            }
        }
        s.step++;
        s.expAvg.addi(g.sub(s.expAvg).mul(scalar(g, 1 - beta1))); // torch: exp_avg.lerp_(grad, 1 - beta1)
        s.expAvgSq.muli(scalar(g, beta2)).addi(scalar(g, 1 - beta2).mul(g).mul(g));
        double stepSize = lr / (1 - Math.pow(beta1, s.step));
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, s.step));
        NDArray second = s.expAvgSq;
        if (amsgrad) {
            NDArray max = keep(s.maxExpAvgSq.maximum(s.expAvgSq));
            s.maxExpAvgSq.close();
            s.maxExpAvgSq = max;
            second = max;
        }
        NDArray denom = second.sqrt().div(scalar(p, bc2Sqrt)).add(scalar(p, eps));
        p.addi(scalar(p, -stepSize).mul(s.expAvg.div(denom))); // torch: p.addcdiv_(exp_avg, denom, -step_size)
        grad.set(new NDIndex("..."), 0);
    }

    /** Zeroes every parameter's gradient (done by {@link #step()} already). */
    public void zeroGrad() {
        try (NDScope ignored = new NDScope()) {
            params.values().forEach(p -> p.value().getGradient().set(new NDIndex("..."), 0));
        }
    }

    /** Moves a freshly made state tensor out of any scope into this optimizer's manager. */
    private NDArray keep(NDArray a) {
        NDScope.unregister(a);
        a.attach(manager());
        return a;
    }

    /** The state's manager: a child of the parameters' manager, so it lives as long as the model. */
    private NDManager manager() {
        if (manager == null) {
            manager = params.values().iterator().next().value().getManager().newSubManager();
        }
        return manager;
    }

    /** Number of {@link #step()} calls so far (restored by {@link #loadStateDict}). */
    public long stepCount() {
        return steps;
    }

    public boolean isDecoupled() {
        return decoupled;
    }

    public boolean isAmsgrad() {
        return amsgrad;
    }

    public List<ParamGroup> groups() {
        return groups;
    }

    /** Every optimised parameter, keyed by dotted path. */
    public Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /**
     * The state as named tensors: {@code step} (optimizer steps) and per parameter {@code <name>.step},
     * {@code <name>.exp_avg}, {@code <name>.exp_avg_sq} and, with amsgrad, {@code <name>.max_exp_avg_sq}. The step
     * counts are new 0-d int64 arrays on {@code manager} (the caller closes them with it); the moments are live
     * references to the optimizer's state (do not close or modify them).
     */
    public Map<String, NDArray> stateDict(NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        out.put("step", manager.create(steps));
        state.forEach((name, s) -> {
            out.put(name + ".step", manager.create(s.step));
            out.put(name + ".exp_avg", s.expAvg);
            out.put(name + ".exp_avg_sq", s.expAvgSq);
            if (s.maxExpAvgSq != null) {
                out.put(name + ".max_exp_avg_sq", s.maxExpAvgSq);
            }
        });
        return out;
    }

    /**
     * Replaces the state with copies of {@code dict} (as written by {@link #stateDict}), after checking every name
     * and shape against the parameters; all problems are reported in one exception and nothing is changed then.
     */
    public void loadStateDict(Map<String, NDArray> dict) {
        List<String> problems = new ArrayList<>();
        TreeSet<String> withState = new TreeSet<>();
        if (!dict.containsKey("step")) {
            problems.add("missing 'step'");
        }
        for (Map.Entry<String, NDArray> e : dict.entrySet()) {
            String key = e.getKey();
            if (key.equals("step")) {
                continue;
            }
            String field = fieldOf(key);
            String param = field == null ? null : key.substring(0, key.length() - field.length() - 1);
            Parameter p = param == null ? null : params.get(param);
            if (p == null) {
                problems.add("unexpected '" + key + "'");
                continue;
            }
            withState.add(param);
            Shape want = field.equals("step") ? new Shape() : p.value().getShape();
            if (!e.getValue().getShape().equals(want)) {
                problems.add("'" + key + "' has shape " + e.getValue().getShape() + " but expected " + want);
            }
        }
        for (String param : withState) {
            for (String f : new String[] {"step", "exp_avg", "exp_avg_sq"}) {
                if (!dict.containsKey(param + "." + f)) {
                    problems.add("missing '" + param + "." + f + "'");
                }
            }
            if (amsgrad && !dict.containsKey(param + ".max_exp_avg_sq")) {
                problems.add("missing '" + param + ".max_exp_avg_sq' (this optimizer uses amsgrad)");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(name(decoupled) + " state does not match the parameters: "
                    + String.join("; ", problems));
        }
        state.values().forEach(s -> closeAll(s.expAvg, s.expAvgSq, s.maxExpAvgSq));
        state.clear();
        for (String param : withState) {
            NDArray like = params.get(param).value();
            Moments m = new Moments();
            m.step = dict.get(param + ".step").toType(ai.djl.ndarray.types.DataType.INT64, false).getLong();
            m.expAvg = keep(copyAs(dict.get(param + ".exp_avg"), like.getDataType()));
            m.expAvgSq = keep(copyAs(dict.get(param + ".exp_avg_sq"), like.getDataType()));
            if (amsgrad) {
                m.maxExpAvgSq = keep(copyAs(dict.get(param + ".max_exp_avg_sq"), like.getDataType()));
            }
            state.put(param, m);
        }
        steps = dict.get("step").toType(ai.djl.ndarray.types.DataType.INT64, false).getLong();
    }

    /**
     * A copy of {@code a} in {@code type} with memory of its own. Not {@code toType(type, true)}: for an unchanged
     * dtype DJL's PyTorch engine returns a view (torch's {@code to()} aliases), and the arrays given here usually come
     * from {@link Checkpoint#restore}, whose memory is a Java direct buffer that is freed by the garbage collector
     * after the caller closes them: the moments, updated in place by {@link #step()}, then wrote into freed native
     * memory (glibc "corrupted double-linked list" aborts in long JVMs).
     */
    private static NDArray copyAs(NDArray a, ai.djl.ndarray.types.DataType type) {
        return a.getDataType() == type ? a.duplicate() : a.toType(type, true);
    }

    private static String fieldOf(String key) {
        for (String f : FIELDS) {
            if (key.endsWith("." + f)) {
                return f;
            }
        }
        return null;
    }

    private static void closeAll(NDArray... arrays) {
        for (NDArray a : arrays) {
            if (a != null) {
                a.close();
            }
        }
    }

    /** Frees the optimizer state. */
    @Override
    public void close() {
        if (manager != null) {
            manager.close();
            manager = null;
        }
        state.clear();
    }

    private static String name(boolean decoupled) {
        return decoupled ? "AdamW" : "Adam";
    }
}
