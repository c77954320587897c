package dev.snn4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.snn4j.nn.Parameter;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A minimal Adam (Kingma and Ba, with PyTorch's bias correction and epsilon placement) used by {@code bench} and
 * {@code demo} until {@code dev.snn4j.train.Adam} is merged; then this class should be deleted.
 *
 * <p>Call {@link #step()} after {@code backward}, outside the gradient collector: it updates every parameter in place,
 * then zeroes its gradient (DJL accumulates gradients across collectors otherwise). Its state is created eagerly
 * here, so a per-step {@link NDScope} around the training step cannot free it. Outside autograd the scalar overloads
 * ({@code muli(Number)}) are safe.
 *
 * <pre>{@code
 * InterimAdam adam = new InterimAdam(net.trainableParameters().values(), 1e-3);
 * try (GradientCollector gc = Engine.getInstance().newGradientCollector()) { gc.backward(loss); }
 * adam.step();
 * }</pre>
 */
final class InterimAdam {
    private final List<NDArray> params = new ArrayList<>();
    private final List<NDArray> m = new ArrayList<>();
    private final List<NDArray> v = new ArrayList<>();
    private final double lr;
    private final double beta1 = 0.9;
    private final double beta2 = 0.999;
    private final double eps = 1e-8;
    private int t;

    InterimAdam(Collection<Parameter> parameters, double lr) {
        this.lr = lr;
        for (Parameter p : parameters) {
            NDArray w = p.value();
            params.add(w);
            m.add(keep(w.zerosLike()));
            v.add(keep(w.zerosLike()));
        }
    }

    private static NDArray keep(NDArray a) {
        NDScope.unregister(a);
        return a;
    }

    /** One update of every parameter from its gradient, then zeroes the gradients. */
    void step() {
        t++;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        try (NDScope scope = new NDScope()) {
            for (int i = 0; i < params.size(); i++) {
                NDArray w = params.get(i);
                try (NDArray g = w.getGradient()) {
                    m.get(i).muli(beta1).addi(g.mul(1 - beta1));
                    v.get(i).muli(beta2).addi(g.square().muli(1 - beta2));
                    NDArray denom = v.get(i).sqrt().divi(Math.sqrt(bc2)).addi(eps);
                    w.subi(m.get(i).div(denom).muli(lr / bc1));
                    g.subi(g);
                }
            }
        }
    }
}
